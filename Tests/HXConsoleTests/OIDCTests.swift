import Crypto
import Foundation
import HTTPTypes
import HXAudit
import HXCanonical
import HXConfigFile
import HXConsole
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
import _CryptoExtras

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A signer of ID tokens for the tests: an RSA key, its kid, and claims made to order.
struct TokenMaker: Sendable {
    static let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let otherKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let issuer = "https://idp.test.example/realm"
    static let clientId = "hx-console"

    static var keys: JSONWebKeySet { JSONWebKeySet(keys: ["k1": key.publicKey]) }

    static var jwks: Data { jwks([("k1", key)]) }

    static func jwks(_ keys: [(String, _RSA.Signing.PrivateKey)]) -> Data {
        let doc = ["keys": keys.map { kid, key in
            let p = try! key.publicKey.getKeyPrimitives()
            return ["kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": Base64URL.encode(p.modulus), "e": Base64URL.encode(p.publicExponent)]
        }]
        return try! JSONSerialization.data(withJSONObject: doc)
    }

    static func claims(nonce: String, now: Date = Date(), _ changes: [String: Any] = [:]) -> [String: Any] {
        var c: [String: Any] = [
            "iss": issuer, "aud": clientId, "sub": "555012345678", "name": "Olive Operator", "nonce": nonce,
            "iat": Int(now.timeIntervalSince1970), "exp": Int(now.timeIntervalSince1970) + 300, "roles": ["HX.Operator"],
        ]
        for (k, v) in changes { if v is NSNull { c[k] = nil } else { c[k] = v } }
        return c
    }

    static func token(_ claims: [String: Any], kid: String = "k1", alg: String = "RS256", signer: _RSA.Signing.PrivateKey = key) -> String {
        let header = Base64URL.encode(try! JSONSerialization.data(withJSONObject: ["alg": alg, "kid": kid, "typ": "JWT"]))
        let payload = Base64URL.encode(try! JSONSerialization.data(withJSONObject: claims))
        let signature = try! signer.signature(for: SHA256.hash(data: Data((header + "." + payload).utf8)), padding: .insecurePKCS1v1_5)
        return header + "." + payload + "." + Base64URL.encode(signature.rawRepresentation)
    }
}

/// The ID token rules, each refusal with its reason code.
@Suite struct IDTokenVerifierTests {
    let verifier = IDTokenVerifier(issuer: TokenMaker.issuer, clientId: TokenMaker.clientId, clockSkew: 60)
    let now = Date()

    func refusal(_ token: String, nonce: String = "n-1") -> String? {
        do {
            _ = try verifier.verify(token, keys: TokenMaker.keys, nonce: nonce, now: now)
            return nil
        } catch { return error.code }
    }

    @Test func aGoodTokenNamesSubjectAndDisplayName() throws {
        let verified = try verifier.verify(TokenMaker.token(TokenMaker.claims(nonce: "n-1", now: now)), keys: TokenMaker.keys, nonce: "n-1", now: now)
        #expect(verified.subject == "555012345678" && verified.displayName == "Olive Operator")
        let byUsername = try verifier.verify(
            TokenMaker.token(TokenMaker.claims(nonce: "n-1", now: now, ["name": NSNull(), "preferred_username": "olive@trust.example"])),
            keys: TokenMaker.keys, nonce: "n-1", now: now)
        #expect(byUsername.displayName == "olive@trust.example")
    }

    @Test func eachBadTokenIsRefusedWithItsReason() {
        let t = Int(now.timeIntervalSince1970)
        #expect(refusal(TokenMaker.token(TokenMaker.claims(nonce: "n-1", now: now), signer: TokenMaker.otherKey)) == "oidc-bad-signature")
        // A claim changed after signing: the signature no longer holds.
        let good = TokenMaker.token(TokenMaker.claims(nonce: "n-1", now: now)).split(separator: ".").map(String.init)
        let forged = Base64URL.encode(try! JSONSerialization.data(withJSONObject: TokenMaker.claims(nonce: "n-1", now: now, ["roles": ["HX.Admin"]])))
        #expect(refusal([good[0], forged, good[2]].joined(separator: ".")) == "oidc-bad-signature")
        #expect(refusal(TokenMaker.token(TokenMaker.claims(nonce: "n-1", now: now, ["aud": "another-app"]))) == "oidc-wrong-audience")
        #expect(refusal(TokenMaker.token(TokenMaker.claims(nonce: "n-1", now: now, ["aud": ["another-app", "hx-console"]]))) == "oidc-wrong-audience",
                "several audiences and no azp")
        #expect(refusal(TokenMaker.token(TokenMaker.claims(nonce: "n-1", now: now, ["aud": ["another-app", "hx-console"], "azp": "hx-console"]))) == nil)
        #expect(refusal(TokenMaker.token(TokenMaker.claims(nonce: "n-1", now: now, ["iss": "https://elsewhere.example"]))) == "oidc-wrong-issuer")
        #expect(refusal(TokenMaker.token(TokenMaker.claims(nonce: "n-1", now: now, ["exp": t - 61]))) == "oidc-expired")
        #expect(refusal(TokenMaker.token(TokenMaker.claims(nonce: "n-1", now: now, ["exp": t - 30]))) == nil, "within the clock skew")
        #expect(refusal(TokenMaker.token(TokenMaker.claims(nonce: "n-1", now: now, ["iat": t + 120]))) == "oidc-not-yet-valid")
        #expect(refusal(TokenMaker.token(TokenMaker.claims(nonce: "n-1", now: now, ["nbf": t + 120]))) == "oidc-not-yet-valid")
        #expect(refusal(TokenMaker.token(TokenMaker.claims(nonce: "n-other", now: now))) == "oidc-nonce-mismatch")
        #expect(refusal(TokenMaker.token(TokenMaker.claims(nonce: "n-1", now: now, ["nonce": NSNull()]))) == "oidc-nonce-mismatch")
        #expect(refusal(TokenMaker.token(TokenMaker.claims(nonce: "n-1", now: now), kid: "rotated")) == "oidc-unknown-key")
        #expect(refusal(TokenMaker.token(TokenMaker.claims(nonce: "n-1", now: now), alg: "HS256")) == "oidc-unsupported-algorithm")
        #expect(refusal(TokenMaker.token(TokenMaker.claims(nonce: "n-1", now: now, ["sub": "has space"]))) == "oidc-bad-subject")
        #expect(refusal("not.a-token") == "oidc-malformed-token")
    }

    @Test func keySetFromJWKS() throws {
        let set = try JSONWebKeySet(json: TokenMaker.jwks)
        #expect(set.keys["k1"] != nil)
        #expect(IDTokenVerifier.keyId(of: TokenMaker.token(TokenMaker.claims(nonce: "x"))) == "k1")
    }

    @Test func aStateIsGoodOnceAndOnlyInTheBrowserThatStartedIt() {
        var attempts = OIDCAttempts()
        let now = Date()
        attempts.add(state: "s1", .init(nonce: "n", codeVerifier: "v", browser: "b1", started: now))
        attempts.add(state: "s2", .init(nonce: "n", codeVerifier: "v", browser: "b1", started: now))
        attempts.add(state: "s3", .init(nonce: "n", codeVerifier: "v", browser: "b1", started: now))
        #expect((try? attempts.take(state: "s1", browser: "b1", now: now)) != nil)
        #expect(throws: OIDCRefusal.self) { try attempts.take(state: "s1", browser: "b1", now: now) }
        do { _ = try attempts.take(state: "s2", browser: "b2", now: now) } catch { #expect(error.code == "oidc-state-other-browser") }
        do { _ = try attempts.take(state: "s3", browser: "b1", now: now + 601) } catch { #expect(error.code == "oidc-state-unknown") }
        do { _ = try attempts.take(state: "never", browser: "b1", now: now) } catch { #expect(error.code == "oidc-state-unknown") }
    }

    @Test func rolesByTheFirstMatchingRuleAndNoneWithoutOne() {
        let mapping = OIDCRoleMapping(claim: "roles", rules: [.init(value: "HX.Auditor", role: .auditor), .init(value: "HX.Operator", role: .operator_)])
        #expect(mapping.role(for: ["roles": .array([.string("HX.Operator"), .string("HX.Auditor")])]) == .auditor)
        #expect(mapping.role(for: ["roles": .string("HX.Operator")]) == .operator_)
        #expect(mapping.role(for: ["roles": .array([.string("Finance")])]) == nil)
        #expect(mapping.role(for: ["groups": .array([.string("HX.Operator")])]) == nil)
    }

    @Test func pkceChallengeIsS256OfTheVerifier() {
        // RFC 7636 appendix B.
        #expect(OIDCSignIn.codeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }
}

/// The OIDC file: every problem named with file and line.
@Suite struct OIDCConfigurationTests {
    func write(_ text: String, secret: Bool = true) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hx-oidc-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        if secret { try "s3cret\n".write(to: dir.appendingPathComponent("secret"), atomically: true, encoding: .utf8) }
        let file = dir.appendingPathComponent("oidc.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    static let good = """
    name: NHS CIS2
    issuer: https://idp.test.example/realm
    clientId: hx-console
    clientSecretFile: secret
    redirectUrl: https://console.test.example/sign-in/oidc/callback
    roleClaim: roles
    roles:
      - value: HX.Operator
        role: operator
      - value: HX.Auditor
        role: auditor
    """

    @Test func aGoodFile() throws {
        let c = try OIDCConfiguration.load(write(Self.good))
        #expect(c.clientSecret == "s3cret" && c.localUsers == false && c.clockSkew == 60 && c.tokenEndpointAuth == .basic)
        #expect(c.roles.rules.map(\.role) == [.operator_, .auditor] && c.scopes == ["openid", "profile"])
    }

    /// config/console-oidc.example.yaml is a good file but for the secret, which lives on the host.
    @Test func theExampleFile() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/console-oidc.example.yaml")
        do {
            _ = try OIDCConfiguration.load(example)
            Issue.record("loaded without its secret")
        } catch {
            #expect(error.issues.count == 1 && error.issues[0].message.hasPrefix("clientSecretFile"), "\(error.issues)")
        }
    }

    @Test func problemsNamedByLine() throws {
        let bad = Self.good.replacingOccurrences(of: "role: auditor", with: "role: superuser")
            .replacingOccurrences(of: "https://idp.test.example/realm", with: "http://idp.test.example/realm")
            .replacingOccurrences(of: "/sign-in/oidc/callback", with: "/callback") + "\nlocalUsers: maybe\n"
        let file = try write(bad, secret: false)
        do {
            _ = try OIDCConfiguration.load(file)
            Issue.record("loaded")
        } catch {
            let lines = error.issues.map { "\($0.line ?? 0) \($0.message)" }
            #expect(lines.contains { $0.hasPrefix("2 issuer") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("4 clientSecretFile") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("5 redirectUrl") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("11 role 'superuser' is not a console role") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("12 localUsers") }, "\(lines)")
            #expect(error.issues.allSatisfy { $0.file == file.path })
        }
    }
}

/// A provider for the route tests: discovery, keys and a token endpoint answering with the next token set.
final class FixedProvider: OIDCHTTP {
    let next = Mutex<String?>(nil)
    let tokenRequests = Mutex<[String]>([])
    let jwks = Mutex<Data>(TokenMaker.jwks)
    let jwksFetches = Mutex(0)

    func send(_ request: URLRequest) async throws -> (body: Data, status: Int) {
        let url = request.url!.absoluteString
        if url == TokenMaker.issuer + "/.well-known/openid-configuration" {
            let doc = ["issuer": TokenMaker.issuer, "authorization_endpoint": TokenMaker.issuer + "/authorize", "token_endpoint": TokenMaker.issuer + "/token",
                       "jwks_uri": TokenMaker.issuer + "/jwks", "end_session_endpoint": TokenMaker.issuer + "/logout"]
            return (try JSONSerialization.data(withJSONObject: doc), 200)
        }
        if url == TokenMaker.issuer + "/jwks" {
            jwksFetches.withLock { $0 += 1 }
            return (jwks.withLock { $0 }, 200)
        }
        if url == TokenMaker.issuer + "/token" {
            tokenRequests.withLock { $0.append(String(decoding: request.httpBody ?? Data(), as: UTF8.self)) }
            guard let token = next.withLock({ $0 }) else { return (Data(#"{"error":"invalid_grant"}"#.utf8), 400) }
            return (try JSONSerialization.data(withJSONObject: ["id_token": token, "access_token": "a", "token_type": "Bearer"]), 200)
        }
        return (Data(), 404)
    }
}

/// The sign-in routes with a fixed provider: the flow, and each refusal as a page and a metric.
@Suite struct OIDCRouteTests {
    func console(_ provider: FixedProvider, localUsers: Bool = false) throws -> ConsoleApplication {
        let configuration = OIDCConfiguration(
            name: "Test IdP", issuer: TokenMaker.issuer, clientId: TokenMaker.clientId, clientSecret: "s3cret", tokenEndpointAuth: .post,
            redirectURL: URL(string: "https://console.test.example/sign-in/oidc/callback")!,
            roles: OIDCRoleMapping(claim: "roles", rules: [.init(value: "HX.Operator", role: .operator_), .init(value: "HX.Auditor", role: .auditor)]),
            localUsers: localUsers)
        return try ConsoleApplication(backend: FixedBackend(), staff: ConsoleRouteTests.staff, oidc: OIDCSignIn(configuration: configuration, http: provider))
    }

    /// Starts an attempt: the state and nonce the provider was sent, and the browser cookie.
    func start(_ client: any TestClientProtocol) async throws -> (state: String, nonce: String, cookie: String) {
        try await client.execute(uri: "/sign-in/oidc", method: .get) { response in
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location].flatMap(URLComponents.init(string:)))
            let items = Dictionary(uniqueKeysWithValues: (location.queryItems ?? []).map { ($0.name, $0.value ?? "") })
            #expect(items["code_challenge_method"] == "S256" && items["response_type"] == "code" && items["client_id"] == "hx-console")
            let set = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("hx_oidc=") })
            #expect(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Secure"))
            return (items["state"] ?? "", items["nonce"] ?? "", String(set.split(separator: ";")[0]))
        }
    }

    func callback(_ client: any TestClientProtocol, state: String, cookie: String) async throws -> TestResponse {
        try await client.execute(uri: "/sign-in/oidc/callback?code=c-1&state=\(state)", method: .get, headers: [.cookie: cookie])
    }

    @Test func signInMapsTheRoleAndAStateIsGoodOnce() async throws {
        let provider = FixedProvider()
        let app = Application(router: try console(provider).router())
        try await app.test(.router) { client in
            try await client.execute(uri: "/sign-in", method: .get) { response in
                let body = String(buffer: response.body)
                #expect(body.contains("Sign in with Test IdP") && !body.contains("name=\"password\""), "local users are off by default")
            }
            let (state, nonce, cookie) = try await start(client)
            provider.next.withLock { $0 = TokenMaker.token(TokenMaker.claims(nonce: nonce)) }
            let signedIn = try await callback(client, state: state, cookie: cookie)
            #expect(signedIn.status == .ok && String(buffer: signedIn.body).contains("id=\"signed-in\""))
            let set = try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("hx_session=") })
            #expect(set.contains("SameSite=Strict"))
            let session = String(set.split(separator: ";")[0])
            #expect(provider.tokenRequests.withLock { $0.last?.contains("code_verifier=") == true && $0.last?.contains("client_secret=s3cret") == true })
            try await client.execute(uri: "/", method: .get, headers: [.cookie: session]) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("Olive Operator (operator)"))
            }
            try await client.execute(uri: "/audit", method: .get, headers: [.cookie: session]) { #expect($0.status == .forbidden) }
            // The same state again (a replayed callback): refused.
            let replayed = try await callback(client, state: state, cookie: cookie)
            #expect(replayed.status == .forbidden && String(buffer: replayed.body).contains("oidc-state-unknown"))
            // Password sign-in is off.
            try await client.execute(uri: "/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "username=olive&password=x")) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(String(buffer: response.body).contains("hx_console_sign_in_failures_total 2"))
            }
        }
    }

    @Test func refusalsEachWithAPageAndReason() async throws {
        let provider = FixedProvider()
        let app = Application(router: try console(provider).router())
        try await app.test(.router) { client in
            let cases: [(String, (String) -> String)] = [
                ("oidc-bad-signature", { TokenMaker.token(TokenMaker.claims(nonce: $0), signer: TokenMaker.otherKey) }),
                ("oidc-wrong-audience", { TokenMaker.token(TokenMaker.claims(nonce: $0, ["aud": "other"])) }),
                ("oidc-expired", { TokenMaker.token(TokenMaker.claims(nonce: $0, ["exp": Int(Date().timeIntervalSince1970) - 3600])) }),
                ("oidc-nonce-mismatch", { _ in TokenMaker.token(TokenMaker.claims(nonce: "someone-elses")) }),
                ("oidc-no-role", { TokenMaker.token(TokenMaker.claims(nonce: $0, ["roles": ["Finance"]])) }),
            ]
            for (code, make) in cases {
                let (state, nonce, cookie) = try await start(client)
                provider.next.withLock { $0 = make(nonce) }
                let response = try await callback(client, state: state, cookie: cookie)
                let body = String(buffer: response.body)
                #expect(response.status == .forbidden && body.contains(code), "\(code)")
                #expect(!response.headers[values: .setCookie].contains { $0.hasPrefix("hx_session=") }, "\(code)")
                if code == "oidc-no-role" { #expect(body.contains("Your account has no role in this console")) }
            }
            // A code brought by another browser (no attempt cookie).
            let (state, nonce, _) = try await start(client)
            provider.next.withLock { $0 = TokenMaker.token(TokenMaker.claims(nonce: nonce)) }
            #expect(String(buffer: try await callback(client, state: state, cookie: "hx_oidc=other").body).contains("oidc-state-other-browser"))
            try await client.execute(uri: "/sign-in/oidc/callback?error=access_denied&state=x", method: .get) { response in
                #expect(String(buffer: response.body).contains("oidc-provider-error"))
            }
        }
    }

    /// The provider rotates its keys: a token with a new kid makes the console fetch the key set again, once.
    @Test func aNewKeyIsFetchedOnceAndAnUnknownOneRefused() async throws {
        let provider = FixedProvider()
        let app = Application(router: try console(provider).router())
        try await app.test(.router) { client in
            var (state, nonce, cookie) = try await start(client)
            provider.next.withLock { $0 = TokenMaker.token(TokenMaker.claims(nonce: nonce)) }
            #expect(try await callback(client, state: state, cookie: cookie).status == .ok)
            #expect(provider.jwksFetches.withLock { $0 } == 1)
            provider.jwks.withLock { $0 = TokenMaker.jwks([("k1", TokenMaker.key), ("k2", TokenMaker.otherKey)]) }
            (state, nonce, cookie) = try await start(client)
            provider.next.withLock { $0 = TokenMaker.token(TokenMaker.claims(nonce: nonce), kid: "k2", signer: TokenMaker.otherKey) }
            #expect(try await callback(client, state: state, cookie: cookie).status == .ok, "signed with the rotated-in key")
            #expect(provider.jwksFetches.withLock { $0 } == 2)
            (state, nonce, cookie) = try await start(client)
            provider.next.withLock { $0 = TokenMaker.token(TokenMaker.claims(nonce: nonce), kid: "k3", signer: TokenMaker.otherKey) }
            let refused = try await callback(client, state: state, cookie: cookie)
            #expect(refused.status == .forbidden && String(buffer: refused.body).contains("oidc-unknown-key"))
            #expect(provider.jwksFetches.withLock { $0 } == 3, "one fetch for the unknown key, no more")
        }
    }

    @Test func breakGlassKeepsPasswordsAndSignOutOffersTheProvidersOwn() async throws {
        let provider = FixedProvider()
        let app = Application(router: try console(provider, localUsers: true).router())
        try await app.test(.router) { client in
            let response = try await ConsoleRouteTests().postSignIn(client, "olive", ConsoleRouteTests.password)
            #expect(response.status == .seeOther, "a local user signs in when localUsers is true")
            let (state, nonce, cookie) = try await start(client)
            provider.next.withLock { $0 = TokenMaker.token(TokenMaker.claims(nonce: nonce)) }
            let signedIn = try await callback(client, state: state, cookie: cookie)
            let session = String(try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("hx_session=") }).split(separator: ";")[0])
            let csrf = try await client.execute(uri: "/", method: .get, headers: [.cookie: session]) { response in
                String(String(buffer: response.body).components(separatedBy: #"name="_csrf" value=""#)[1].prefix { $0 != "\"" })
            }
            try await client.execute(uri: "/sign-out", method: .post, headers: [.cookie: session, .contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "_csrf=\(csrf)")) { response in
                #expect(String(buffer: response.body).contains("\(TokenMaker.issuer)/logout?client_id=hx-console"))
            }
            try await client.execute(uri: "/", method: .get, headers: [.cookie: session]) { #expect($0.status == .seeOther, "the local session ended") }
        }
    }
}

/// Staff signed in through OIDC are named in the audit log by subject, with the provider's display name beside it.
@Suite struct OIDCAuditActorTests {
    @Test func theDisplayNameTravelsBesideTheSubject() throws {
        let entry = try AuditRecordBuilder.auditorAccess(
            requestId: "r-1", time: Instant(Date()), actor: "oidc:555012345678", role: "auditor", action: "search", query: "q",
            configurationDigest: "d", actorName: "Audrey Auditor")
        #expect(entry.details["actor"] == "oidc:555012345678" && entry.details["actorName"] == "Audrey Auditor")
        let local = try AuditRecordBuilder.auditorAccess(
            requestId: "r-2", time: Instant(Date()), actor: "audrey", role: "auditor", action: "search", query: "q", configurationDigest: "d")
        #expect(local.details["actorName"] == nil, "records of local users are as before")
    }
}
