import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging

/// Sign-in through the organisation's OpenID Connect provider (OIDCSignIn):
/// `/sign-in/oidc` sends the browser to the provider, the provider sends it
/// back to `/sign-in/oidc/callback`. A refusal is a page saying why, a log
/// line with only its reason code, and hx_console_sign_in_failures_total.
extension ConsoleApplication {
    /// Binds an attempt to the browser that started it. SameSite=Lax, not Strict:
    /// the provider's redirect back is a cross-site top-level GET, which Lax cookies go with.
    static let oidcCookie = "hx_oidc"

    /// Password sign-in from the users file: always without OIDC; with it, only when `localUsers: true` (break-glass).
    var localSignIn: Bool { oidc.map { $0.configuration.localUsers } ?? true }

    func addOIDCRoutes(_ router: Router<ConsoleContext>) {
        router.get("/sign-in/oidc") { _, _ in try await self.oidcStart() }
        router.get("/sign-in/oidc/callback") { request, _ in try await self.oidcCallback(request) }
    }

    func oidcStart() async throws -> Response {
        guard let oidc else { return render("not-found", ["what": "Sign-in through an identity provider is not configured."], title: "Not found", session: nil, status: .notFound) }
        do {
            let (url, browser) = try await oidc.begin()
            var response = Response.redirect(to: url.absoluteString, type: .normal)
            response.setCookie(Cookie(name: Self.oidcCookie, value: browser, maxAge: Int(OIDCAttempts.lifetime), path: "/sign-in/oidc",
                                      secure: true, httpOnly: true, sameSite: .lax))
            return response
        } catch {
            return oidcRefused(error)
        }
    }

    func oidcCallback(_ request: Request) async throws -> Response {
        guard let oidc else { return render("not-found", ["what": "Sign-in through an identity provider is not configured."], title: "Not found", session: nil, status: .notFound) }
        let query = request.uri.queryParameters
        let browser = request.cookies[Self.oidcCookie]?.value ?? ""
        let signedIn: OIDCSignIn.SignedIn
        do throws(OIDCRefusal) {
            if let error = query["error"] { throw OIDCRefusal.providerError(String(error)) }
            guard let state = query["state"], let code = query["code"] else { throw OIDCRefusal.stateUnknown }
            signedIn = try await oidc.complete(state: String(state), code: String(code), browser: browser)
        } catch {
            return oidcRefused(error)
        }
        // The audit log names the actor by the provider's subject, which is never reassigned; the display
        // name goes beside it (the page header, `actorName` in audit records). The log line names neither.
        let cookie = try await sessions.open(
            name: "oidc:" + signedIn.token.subject, role: signedIn.role, displayName: signedIn.token.displayName, endSession: signedIn.endSession)
        logger.info("signed in", metadata: ["method": "oidc", "role": "\(signedIn.role.rawValue)"])
        // A page that moves on by itself rather than a redirect: the session cookie is SameSite=Strict,
        // and browsers do not send it on a redirect that continues the provider's cross-site navigation.
        var response = render("oidc-signed-in", ["home": Self.home(signedIn.role)], title: "Signed in", session: nil)
        response.headers[.cacheControl] = "no-store"
        response.setCookie(cookie)
        response.setCookie(Cookie(name: Self.oidcCookie, value: "", maxAge: 0, path: "/sign-in/oidc", secure: true, httpOnly: true, sameSite: .lax))
        return response
    }

    func oidcRefused(_ refusal: OIDCRefusal) -> Response {
        metrics.signInFailures.increment()
        // The reason code only: no name, email or subject.
        logger.notice("sign-in refused", metadata: ["method": "oidc", "reason": "\(refusal.code)"])
        let status: HTTPResponse.Status = refusal == .providerUnavailable ? .badGateway : .forbidden
        return render("oidc-refused", ["message": refusal.message, "code": refusal.code, "noRole": refusal == .noRole],
                      title: refusal == .noRole ? "No role in this console" : "Sign-in refused", session: nil, status: status)
    }

    /// After sign-out: the sign-in page, or, for a session from a provider that has its own sign-out, a page offering it.
    func signedOut(_ session: StaffSession?) -> Response {
        guard let endSession = session?.endSession, let oidc, var components = URLComponents(string: endSession) else {
            return .redirect(to: "/sign-in", type: .normal)
        }
        components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "client_id", value: oidc.configuration.clientId)]
        return render("oidc-signed-out", ["provider": oidc.configuration.name, "endSession": components.url?.absoluteString ?? endSession],
                      title: "Signed out", session: nil)
    }
}

/// The pages of OIDC sign-in, registered beside `Templates.all`.
enum OIDCTemplates {
    static let all: [String: String] = ["oidc-refused": refused, "oidc-signed-in": signedIn, "oidc-signed-out": signedOut]

    static let refused = """
    {{#noRole}}<h1 id="no-role">Your account has no role in this console</h1>{{/noRole}}
    {{^noRole}}<h1 id="sign-in-refused">Sign-in refused</h1>{{/noRole}}
    <p id="refusal-message" class="error">{{message}}</p>
    <p>Reason code for the service desk: <code id="refusal-code">{{code}}</code></p>
    <p><a href="/sign-in">Back to sign-in</a></p>
    """

    // Browsers act on a refresh <meta> wherever it is in the document.
    static let signedIn = """
    <meta http-equiv="refresh" content="0;url={{home}}">
    <h1 id="signed-in">Signed in</h1>
    <p><a href="{{home}}">Continue to the console</a></p>
    """

    static let signedOut = """
    <h1 id="signed-out">Signed out of the console</h1>
    <p>You may still be signed in to {{provider}} for other services.</p>
    <p><a id="provider-sign-out" href="{{endSession}}">Sign out of {{provider}} too</a> · <a href="/sign-in">Sign in again</a></p>
    """
}
