import Foundation
import HXConfigFile

/// `hx console --oidc FILE`: the organisation's OpenID Connect provider
/// (NHS CIS2, Microsoft Entra ID, ...), this console's registration with it,
/// and which claim values give which console role:
///
/// ```yaml
/// name: NHS CIS2
/// issuer: https://am.nhsidentity.spineservices.nhs.uk/openam/oauth2/realms/root/realms/NHSIdentity/realms/Healthcare
/// clientId: hx-console
/// clientSecretFile: /run/secrets/hx-console-oidc
/// redirectUrl: https://console.exchange.example/sign-in/oidc/callback
/// roleClaim: roles
/// roles:
///   - value: HX.Operator
///     role: operator
/// localUsers: false
/// ```
package struct OIDCConfiguration: Sendable, Equatable {
    /// What the sign-in button says: "Sign in with <name>".
    package var name: String
    package var issuer: String
    package var clientId: String
    package var clientSecret: String
    package var tokenEndpointAuth: TokenEndpointAuth
    package var redirectURL: URL
    package var scopes: [String]
    package var roles: OIDCRoleMapping
    package var clockSkew: TimeInterval
    /// The users file's password sign-in as well (break-glass); off unless set.
    package var localUsers: Bool

    package enum TokenEndpointAuth: String, Sendable, Equatable {
        case basic = "client_secret_basic", post = "client_secret_post"
    }

    /// Where the provider sends the browser back; `redirectUrl` must name it.
    package static let callbackPath = "/sign-in/oidc/callback"

    package init(name: String, issuer: String, clientId: String, clientSecret: String, tokenEndpointAuth: TokenEndpointAuth = .basic,
                 redirectURL: URL, scopes: [String] = ["openid", "profile"], roles: OIDCRoleMapping, clockSkew: TimeInterval = 60, localUsers: Bool = false) {
        self.name = name
        self.issuer = issuer
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.tokenEndpointAuth = tokenEndpointAuth
        self.redirectURL = redirectURL
        self.scopes = scopes
        self.roles = roles
        self.clockSkew = clockSkew
        self.localUsers = localUsers
    }

    /// Reads and checks the file; every problem names file, line and what is wrong.
    package static func load(_ url: URL) throws(ConfigErrors) -> OIDCConfiguration {
        let reader = YAMLReader(file: url.path)
        guard let root = reader.load(contentsOf: url) else { throw ConfigErrors(reader.issues) }
        let top = reader.mapping(root, what: "the OIDC file", allowed: [
            "name", "issuer", "clientId", "clientSecretFile", "tokenEndpointAuth", "redirectUrl", "scopes", "roleClaim", "roles",
            "clockSkewSeconds", "localUsers",
        ])
        let name = top["name"].flatMap { reader.string($0, what: "name") } ?? "your organisation's account"
        let issuer = reader.required(top, "issuer", what: "the OIDC file", at: root).flatMap { reader.string($0, what: "issuer") }
        if let issuer, !isAcceptable(URL(string: issuer)) {
            reader.error("issuer '\(issuer)' must be an https:// address (http:// only on loopback, for tests)", at: top["issuer"])
        }
        let clientId = reader.required(top, "clientId", what: "the OIDC file", at: root).flatMap { reader.string($0, what: "clientId") }
        var secret: String?
        if let path = reader.required(top, "clientSecretFile", what: "the OIDC file", at: root).flatMap({ reader.string($0, what: "clientSecretFile") }) {
            let file = URL(fileURLWithPath: path, relativeTo: url.deletingLastPathComponent())
            if let text = try? String(contentsOf: file, encoding: .utf8), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
            } else {
                reader.error("clientSecretFile '\(file.path)' cannot be read or is empty", at: top["clientSecretFile"])
            }
        }
        var auth = TokenEndpointAuth.basic
        if let text = top["tokenEndpointAuth"].flatMap({ reader.string($0, what: "tokenEndpointAuth") }) {
            if let known = TokenEndpointAuth(rawValue: text) { auth = known } else {
                reader.error("tokenEndpointAuth must be client_secret_basic or client_secret_post, not '\(text)'", at: top["tokenEndpointAuth"])
            }
        }
        var redirect: URL?
        if let text = reader.required(top, "redirectUrl", what: "the OIDC file", at: root).flatMap({ reader.string($0, what: "redirectUrl") }) {
            if let u = URL(string: text), isAcceptable(u), u.path == callbackPath, u.query == nil {
                redirect = u
            } else {
                reader.error("redirectUrl '\(text)' must be this console's https:// address ending in \(callbackPath) (http:// only on loopback)", at: top["redirectUrl"])
            }
        }
        var scopes = ["openid", "profile"]
        if let node = top["scopes"] {
            scopes = reader.sequence(node, what: "scopes").compactMap { reader.string($0, what: "a scope") }
            if !scopes.contains("openid") { reader.error("scopes must include openid", at: node) }
        }
        let claim = reader.required(top, "roleClaim", what: "the OIDC file", at: root).flatMap { reader.string($0, what: "roleClaim") }
        var rules: [OIDCRoleMapping.Rule] = []
        if let node = reader.required(top, "roles", what: "the OIDC file", at: root) {
            for entry in reader.sequence(node, what: "roles") {
                let fields = reader.mapping(entry, what: "a role rule", allowed: ["value", "role"])
                let value = reader.required(fields, "value", what: "a role rule", at: entry).flatMap { reader.string($0, what: "value") }
                let roleText = reader.required(fields, "role", what: "a role rule", at: entry).flatMap { reader.string($0, what: "role") }
                guard let value, let roleText else { continue }
                // By raw name, so that a role added to StaffRole is usable here with no change.
                guard let role = StaffRole(rawValue: roleText) else {
                    reader.error("role '\(roleText)' is not a console role (\(StaffRole.allCases.map(\.rawValue).joined(separator: ", ")))", at: fields["role"])
                    continue
                }
                if rules.contains(where: { $0.value == value }) {
                    reader.error("claim value '\(value)' is mapped twice", at: fields["value"])
                    continue
                }
                rules.append(.init(value: value, role: role))
            }
            if rules.isEmpty, !reader.hasErrors { reader.error("roles must map at least one claim value to a console role", at: node) }
        }
        let skew = top["clockSkewSeconds"].flatMap { reader.int($0, what: "clockSkewSeconds", range: 0...300) } ?? 60
        var localUsers = false
        if let node = top["localUsers"] {
            switch reader.string(node, what: "localUsers") {
            case "true": localUsers = true
            case "false": localUsers = false
            default: reader.error("localUsers must be true or false", at: node)
            }
        }
        guard !reader.hasErrors, let issuer, let clientId, let secret, let redirect, let claim else { throw ConfigErrors(reader.issues) }
        return OIDCConfiguration(
            name: name, issuer: issuer, clientId: clientId, clientSecret: secret, tokenEndpointAuth: auth, redirectURL: redirect, scopes: scopes,
            roles: OIDCRoleMapping(claim: claim, rules: rules), clockSkew: TimeInterval(skew), localUsers: localUsers)
    }

    /// https, or http to a loopback address (the test provider; never a real one).
    static func isAcceptable(_ url: URL?) -> Bool {
        guard let url, let host = url.host, !host.isEmpty else { return false }
        if url.scheme == "https" { return true }
        return url.scheme == "http" && ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host)
    }
}
