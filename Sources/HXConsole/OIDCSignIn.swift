import Crypto
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// How the console speaks HTTP to the provider: URLSession in service, a
/// fixed provider in the route tests.
package protocol OIDCHTTP: Sendable {
    func send(_ request: URLRequest) async throws -> (body: Data, status: Int)
}

package struct URLSessionOIDCHTTP: OIDCHTTP {
    package init() {}
    package func send(_ request: URLRequest) async throws -> (body: Data, status: Int) {
        let (body, response) = try await URLSession.shared.data(for: request)
        return (body, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }
}

/// Sign-in attempts not yet come back from the provider: each `state` with its
/// nonce, PKCE verifier and the browser that started it, usable once, for ten
/// minutes. Kept in memory: a restart only means starting sign-in again.
package struct OIDCAttempts: Sendable {
    package struct Attempt: Sendable, Equatable {
        package var nonce: String
        package var codeVerifier: String
        /// The random value of the browser's `hx_oidc` cookie: a code brought by another browser is refused.
        package var browser: String
        package var started: Date

        package init(nonce: String, codeVerifier: String, browser: String, started: Date) {
            self.nonce = nonce
            self.codeVerifier = codeVerifier
            self.browser = browser
            self.started = started
        }
    }

    package static let lifetime: TimeInterval = 600
    /// Enough for a trust's morning; the oldest go first beyond it, so a flood of starts cannot exhaust memory.
    package static let limit = 10_000
    private(set) var pending: [String: Attempt] = [:]

    package init() {}

    package mutating func add(state: String, _ attempt: Attempt) {
        pending = pending.filter { attempt.started.timeIntervalSince($0.value.started) < Self.lifetime }
        if pending.count >= Self.limit, let oldest = pending.min(by: { $0.value.started < $1.value.started }) { pending[oldest.key] = nil }
        pending[state] = attempt
    }

    /// The attempt, removed whatever the outcome: a state is good for one try.
    package mutating func take(state: String, browser: String, now: Date) throws(OIDCRefusal) -> Attempt {
        guard let attempt = pending.removeValue(forKey: state), now.timeIntervalSince(attempt.started) < Self.lifetime else { throw .stateUnknown }
        guard StaffSessions.constantTimeEqual(attempt.browser, browser) else { throw .stateOtherBrowser }
        return attempt
    }
}

/// The console's side of the authorization code flow with PKCE (S256):
/// discovery, the authorization request, the token request and the ID token
/// checked by `IDTokenVerifier`, roles by `OIDCRoleMapping`.
package actor OIDCSignIn {
    package let configuration: OIDCConfiguration
    let http: any OIDCHTTP
    let verifier: IDTokenVerifier
    private var attempts = OIDCAttempts()
    private var metadata: Metadata?
    private var keys: JSONWebKeySet?

    /// What the provider's `/.well-known/openid-configuration` says.
    package struct Metadata: Sendable, Decodable {
        var issuer: String
        var authorization_endpoint: String
        var token_endpoint: String
        var jwks_uri: String
        var end_session_endpoint: String?
    }

    /// The outcome of a good callback.
    package struct SignedIn: Sendable {
        package var token: VerifiedIDToken
        package var role: StaffRole
        /// Where to offer the provider's own sign-out, if it has one.
        package var endSession: String?
    }

    package init(configuration: OIDCConfiguration, http: any OIDCHTTP = URLSessionOIDCHTTP()) {
        self.configuration = configuration
        self.http = http
        verifier = IDTokenVerifier(issuer: configuration.issuer, clientId: configuration.clientId, clockSkew: configuration.clockSkew)
    }

    /// A new attempt: the provider's authorization URL to send the browser to, and the browser's cookie value.
    package func begin(now: Date = Date()) async throws(OIDCRefusal) -> (url: URL, browser: String) {
        let metadata = try await discover()
        let state = StaffSessions.token(), nonce = StaffSessions.token(), codeVerifier = StaffSessions.token(), browser = StaffSessions.token()
        attempts.add(state: state, .init(nonce: nonce, codeVerifier: codeVerifier, browser: browser, started: now))
        guard var components = URLComponents(string: metadata.authorization_endpoint) else { throw .providerUnavailable }
        components.queryItems = (components.queryItems ?? []) + [
            URLQueryItem(name: "response_type", value: "code"),
            URLQueryItem(name: "client_id", value: configuration.clientId),
            URLQueryItem(name: "redirect_uri", value: configuration.redirectURL.absoluteString),
            URLQueryItem(name: "scope", value: configuration.scopes.joined(separator: " ")),
            URLQueryItem(name: "state", value: state),
            URLQueryItem(name: "nonce", value: nonce),
            URLQueryItem(name: "code_challenge", value: Self.codeChallenge(codeVerifier)),
            URLQueryItem(name: "code_challenge_method", value: "S256"),
        ]
        // URLComponents leaves '+' alone in queries; a provider would read it as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.url else { throw .providerUnavailable }
        return (url, browser)
    }

    /// The provider's answer at the callback: the state taken (once), the code exchanged, the ID token verified, the role mapped.
    package func complete(state: String, code: String, browser: String, now: Date = Date()) async throws(OIDCRefusal) -> SignedIn {
        let attempt = try attempts.take(state: state, browser: browser, now: now)
        let metadata = try await discover()
        let idToken = try await exchange(code: code, verifier: attempt.codeVerifier, metadata: metadata)
        var keys = try await keySet(metadata, refresh: false)
        // A key the set lacks may be newly rotated in: fetch the set again, once.
        if let kid = IDTokenVerifier.keyId(of: idToken), keys.keys[kid] == nil { keys = try await keySet(metadata, refresh: true) }
        let token = try verifier.verify(idToken, keys: keys, nonce: attempt.nonce, now: now)
        guard let role = configuration.roles.role(for: token.claims) else { throw .noRole }
        return SignedIn(token: token, role: role, endSession: metadata.end_session_endpoint)
    }

    package static func codeChallenge(_ verifier: String) -> String { Base64URL.encode(SHA256.hash(data: Data(verifier.utf8))) }

    // MARK: The provider

    func discover() async throws(OIDCRefusal) -> Metadata {
        if let metadata { return metadata }
        let base = configuration.issuer.hasSuffix("/") ? String(configuration.issuer.dropLast()) : configuration.issuer
        let body = try await get(base + "/.well-known/openid-configuration")
        guard let found = try? JSONDecoder().decode(Metadata.self, from: body), found.issuer == configuration.issuer,
              OIDCConfiguration.isAcceptable(URL(string: found.token_endpoint)), OIDCConfiguration.isAcceptable(URL(string: found.jwks_uri))
        else { throw .providerUnavailable }
        metadata = found
        return found
    }

    func keySet(_ metadata: Metadata, refresh: Bool) async throws(OIDCRefusal) -> JSONWebKeySet {
        if let keys, !refresh { return keys }
        guard let set = try? JSONWebKeySet(json: try await get(metadata.jwks_uri)) else { throw .providerUnavailable }
        keys = set
        return set
    }

    func exchange(code: String, verifier codeVerifier: String, metadata: Metadata) async throws(OIDCRefusal) -> String {
        guard let url = URL(string: metadata.token_endpoint) else { throw .providerUnavailable }
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        var fields = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", configuration.redirectURL.absoluteString),
                      ("code_verifier", codeVerifier), ("client_id", configuration.clientId)]
        switch configuration.tokenEndpointAuth {
        case .post: fields.append(("client_secret", configuration.clientSecret))
        case .basic:
            let pair = Self.formEncode(configuration.clientId) + ":" + Self.formEncode(configuration.clientSecret)
            request.setValue("Basic " + Data(pair.utf8).base64EncodedString(), forHTTPHeaderField: "Authorization")
        }
        request.httpBody = Data(fields.map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&").utf8)
        let answer: (body: Data, status: Int)
        do { answer = try await http.send(request) } catch { throw .providerUnavailable }
        struct Tokens: Decodable { var id_token: String }
        guard answer.status == 200 else { throw .tokenRequestFailed }
        guard let tokens = try? JSONDecoder().decode(Tokens.self, from: answer.body) else { throw .tokenRequestFailed }
        return tokens.id_token
    }

    func get(_ address: String) async throws(OIDCRefusal) -> Data {
        guard let url = URL(string: address) else { throw .providerUnavailable }
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        do {
            let answer = try await http.send(request)
            guard answer.status == 200 else { throw OIDCRefusal.providerUnavailable }
            return answer.body
        } catch { throw .providerUnavailable }
    }

    /// application/x-www-form-urlencoded, also for HTTP Basic's user and password (RFC 6749 section 2.3.1).
    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(of: "%20", with: "+")
    }
}
