import Crypto
import Foundation
import _CryptoExtras

/// Why an OpenID Connect sign-in was refused: a stable reason code for the
/// log line and the metric, and words for the page. Neither names the person.
package struct OIDCRefusal: Error, Sendable, Equatable {
    package var code: String
    package var message: String

    package init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    static func malformed(_ what: String) -> Self { Self("oidc-malformed-token", "The identity provider's token could not be read (\(what)).") }
    static let badSignature = Self("oidc-bad-signature", "The identity provider's token was not signed by the provider's keys.")
    static let unknownKey = Self("oidc-unknown-key", "The identity provider's token was signed by a key the provider does not publish.")
    static let unsupportedAlgorithm = Self("oidc-unsupported-algorithm", "The identity provider's token was signed with an algorithm the console does not accept.")
    static let wrongIssuer = Self("oidc-wrong-issuer", "The token was issued by a different identity provider from the one configured.")
    static let wrongAudience = Self("oidc-wrong-audience", "The token was issued for a different application, not this console.")
    static let expired = Self("oidc-expired", "The identity provider's token has expired. Sign in again.")
    static let notYetValid = Self("oidc-not-yet-valid", "The identity provider's token is not valid yet (check the clocks of this server and the provider).")
    static let nonceMismatch = Self("oidc-nonce-mismatch", "The token does not belong to this sign-in attempt.")
    static let noSubject = Self("oidc-bad-subject", "The token does not name the signed-in account in a form the console can record.")
    static let stateUnknown = Self("oidc-state-unknown", "This sign-in attempt is unknown, was already used or has expired. Start again.")
    static let stateOtherBrowser = Self("oidc-state-other-browser", "This sign-in attempt was started in another browser. Start again.")
    static let noRole = Self("oidc-no-role", "Your account has no role in this console. Ask your administrator to add you to one of the console's groups or roles.")
    static func providerError(_ code: String) -> Self {
        // The provider's own error code is a fixed OAuth word (access_denied, ...), not personal data.
        let safe = String(code.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "_" }.prefix(40))
        return Self("oidc-provider-error", "The identity provider did not sign you in (\(safe.isEmpty ? "no reason given" : safe)).")
    }
    static let tokenRequestFailed = Self("oidc-token-request-failed", "The identity provider refused to exchange the sign-in code for a token.")
    static let providerUnavailable = Self("oidc-provider-unavailable", "The identity provider could not be reached or answered unexpectedly. Try again shortly.")
}

/// A JSON value, for claims whose shape the console does not fix (a role claim may be text or a list).
package enum JSONValue: Sendable, Equatable, Decodable {
    case string(String), number(Double), bool(Bool), array([JSONValue]), object([String: JSONValue]), null

    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    var string: String? { if case .string(let s) = self { s } else { nil } }
    var number: Double? { if case .number(let n) = self { n } else { nil } }
}

/// The provider's published keys (its `jwks_uri`): RSA public keys by `kid`.
package struct JSONWebKeySet: Sendable {
    package var keys: [String: _RSA.Signing.PublicKey]
    /// A key without a `kid`, used when the token names none.
    package var unnamed: [_RSA.Signing.PublicKey]

    /// The RSA signing keys of a JWKS document; other keys (EC, encryption) are skipped.
    package init(json: Data) throws {
        struct Document: Decodable {
            struct Key: Decodable { var kty: String; var kid: String?; var use: String?; var n: String?; var e: String? }
            var keys: [Key]
        }
        let document = try JSONDecoder().decode(Document.self, from: json)
        keys = [:]
        unnamed = []
        for key in document.keys where key.kty == "RSA" && (key.use ?? "sig") == "sig" {
            guard let n = key.n.flatMap(Base64URL.decode), let e = key.e.flatMap(Base64URL.decode),
                  let publicKey = try? _RSA.Signing.PublicKey(n: n, e: e) else { continue }
            if let kid = key.kid { keys[kid] = publicKey } else { unnamed.append(publicKey) }
        }
    }

    package init(keys: [String: _RSA.Signing.PublicKey]) {
        self.keys = keys
        unnamed = []
    }
}

/// The claims of a verified ID token the console uses.
package struct VerifiedIDToken: Sendable, Equatable {
    package var subject: String
    /// `name`, else `preferred_username`, else nil.
    package var displayName: String?
    package var claims: [String: JSONValue]
}

/// Checks an ID token (a JWS in compact form) as OpenID Connect Core 3.1.3.7
/// says: RS256 signature by one of the provider's keys, issuer, audience (and
/// `azp` when there are several), expiry, issue and not-before times within
/// the allowed clock skew, and the nonce of this attempt. Pure.
package struct IDTokenVerifier: Sendable {
    package var issuer: String
    package var clientId: String
    package var clockSkew: TimeInterval

    package init(issuer: String, clientId: String, clockSkew: TimeInterval = 60) {
        self.issuer = issuer
        self.clientId = clientId
        self.clockSkew = clockSkew
    }

    /// The token's `kid`, to tell an unknown key (fetch the key set again, once) from a bad signature.
    package static func keyId(of token: String) -> String? {
        guard let header = token.split(separator: ".", omittingEmptySubsequences: false).first,
              let data = Base64URL.decode(String(header)),
              let object = try? JSONDecoder().decode([String: JSONValue].self, from: data) else { return nil }
        return object["kid"]?.string
    }

    package func verify(_ token: String, keys: JSONWebKeySet, nonce: String, now: Date) throws(OIDCRefusal) -> VerifiedIDToken {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Base64URL.decode(String(parts[0])), let payloadData = Base64URL.decode(String(parts[1])),
              let signature = Base64URL.decode(String(parts[2])) else { throw .malformed("not a signed JWT") }
        guard let header = try? JSONDecoder().decode([String: JSONValue].self, from: headerData) else { throw .malformed("header") }
        guard header["alg"]?.string == "RS256" else { throw .unsupportedAlgorithm }
        let key: _RSA.Signing.PublicKey
        if let kid = header["kid"]?.string {
            guard let named = keys.keys[kid] else { throw .unknownKey }
            key = named
        } else {
            guard let only = keys.unnamed.first ?? (keys.keys.count == 1 ? keys.keys.first?.value : nil) else { throw .unknownKey }
            key = only
        }
        let signed = Data((parts[0] + "." + parts[1]).utf8)
        guard key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: signed), padding: .insecurePKCS1v1_5)
        else { throw .badSignature }

        guard let claims = try? JSONDecoder().decode([String: JSONValue].self, from: payloadData) else { throw .malformed("claims") }
        guard claims["iss"]?.string == issuer else { throw .wrongIssuer }
        let audiences: [String]
        switch claims["aud"] {
        case .string(let one): audiences = [one]
        case .array(let many): audiences = many.compactMap(\.string)
        default: throw .wrongAudience
        }
        guard audiences.contains(clientId) else { throw .wrongAudience }
        if audiences.count > 1 || claims["azp"] != nil {
            guard claims["azp"]?.string == clientId else { throw .wrongAudience }
        }
        let t = now.timeIntervalSince1970
        guard let exp = claims["exp"]?.number else { throw .malformed("no exp") }
        guard t < exp + clockSkew else { throw .expired }
        guard let iat = claims["iat"]?.number else { throw .malformed("no iat") }
        guard iat <= t + clockSkew else { throw .notYetValid }
        if let nbf = claims["nbf"]?.number, nbf > t + clockSkew { throw .notYetValid }
        guard let tokenNonce = claims["nonce"]?.string, StaffSessions.constantTimeEqual(tokenNonce, nonce) else { throw .nonceMismatch }
        guard let subject = claims["sub"]?.string, Self.isRecordable(subject) else { throw .noSubject }
        let name = [claims["name"]?.string, claims["preferred_username"]?.string].compactMap { $0?.trimmingCharacters(in: .whitespacesAndNewlines) }
            .first { !$0.isEmpty }
        return VerifiedIDToken(subject: subject, displayName: name.map { String($0.prefix(120)) }, claims: claims)
    }

    /// A subject the audit log can name as `oidc:<sub>`: printable ASCII without spaces, at most 255 characters
    /// (CIS2's UIDs are digits, Entra's are base64url).
    static func isRecordable(_ subject: String) -> Bool {
        !subject.isEmpty && subject.count <= 255 && subject.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F }
    }
}

/// Which console role a verified token gives: the first rule, in the file's
/// order, whose claim value the token carries. No rule matched, no access.
package struct OIDCRoleMapping: Sendable, Equatable {
    package struct Rule: Sendable, Equatable {
        package var value: String
        package var role: StaffRole
        package init(value: String, role: StaffRole) {
            self.value = value
            self.role = role
        }
    }

    package var claim: String
    package var rules: [Rule]

    package init(claim: String, rules: [Rule]) {
        self.claim = claim
        self.rules = rules
    }

    /// The claim's values: one text, or a list of texts (Entra's `roles` and `groups` are lists).
    package func values(in claims: [String: JSONValue]) -> [String] {
        switch claims[claim] {
        case .string(let one): [one]
        case .array(let many): many.compactMap(\.string)
        default: []
        }
    }

    package func role(for claims: [String: JSONValue]) -> StaffRole? {
        let values = Set(values(in: claims))
        return rules.first { values.contains($0.value) }?.role
    }
}

/// base64url without padding (RFC 7515 section 2), as JWS and PKCE use it.
package enum Base64URL {
    package static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    package static func decode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") else { return nil }
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
