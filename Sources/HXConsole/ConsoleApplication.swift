import Foundation
import HXAudit
import HXAuditIndex
import HXOperations
import HXPlace
import HXReview
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging
import Mustache
import Prometheus

/// Who may open what. Patient identifiers (audit pages, a dead letter's
/// input) are for auditors only, as docs/design.md says of the console.
enum Access {
    static let operations: Set<StaffRole> = [.operator_, .admin, .auditor]
    static let replay: Set<StaffRole> = [.operator_, .admin]
    static let patientData: Set<StaffRole> = [.auditor]
    static let users: Set<StaffRole> = [.admin]
    /// The IG lead's impact report of a proposed configuration (docs/design.md "IG change control").
    static let impact: Set<StaffRole> = [.admin]
    /// The review queue's identifiers and its Link and Reject forms.
    static let review: Set<StaffRole> = [.identityReviewer]
}

/// `hx console`: server-rendered pages over a `ConsoleBackend`, with sign-in,
/// sessions, CSRF tokens on every form, and roles checked on every route.
package struct ConsoleApplication: Sendable {
    package static let sessionCookie = "hx_session"
    /// Sign-in has no session yet: its CSRF token is a cookie matched by the form (double submit).
    static let signInCookie = "hx_sign_in"

    let backend: any ConsoleBackend
    let staff: StaffDirectory
    let sessions: StaffSessions
    let library: MustacheLibrary
    let registry: PrometheusCollectorRegistry
    let metrics: ConsoleMetrics
    let logger: Logger
    /// Sign-in through the organisation's OpenID Connect provider, when configured (ConsoleApplication+OIDC.swift).
    let oidc: OIDCSignIn?

    package init(backend: any ConsoleBackend, staff: StaffDirectory, sessions: StaffSessions = StaffSessions(),
                registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), logger: Logger = Logger(label: "hx.console"),
                oidc: OIDCSignIn? = nil) throws {
        self.backend = backend
        self.oidc = oidc
        self.staff = staff
        self.sessions = sessions
        self.registry = registry
        self.metrics = ConsoleMetrics(registry: registry)
        self.logger = logger
        var library = MustacheLibrary()
        for (name, text) in Templates.all.merging(OIDCTemplates.all, uniquingKeysWith: { a, _ in a }) { try library.register(text, named: name) }
        self.library = library
    }

    /// The application, listening on `host:port` once run.
    package func application(host: String, port: Int) -> some ApplicationProtocol {
        let logger = self.logger
        return Application(
            router: router(), configuration: .init(address: .hostname(host, port: port), serverName: nil), services: [sessions.store],
            onServerRunning: { channel in
                logger.notice("console listening", metadata: ["address": "\(channel.localAddress?.description ?? "\(host):\(port)")"])
            },
            logger: logger)
    }

    package func router() -> Router<ConsoleContext> {
        let router = Router(context: ConsoleContext.self)
        router.add(middleware: HeadersMiddleware(metrics: metrics))
        router.add(middleware: StaffAuthenticator(sessions: sessions))
        router.get("/health") { _, _ in Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"up"}"#))) }
        router.get("/metrics") { _, _ in
            var buffer: [UInt8] = []
            self.registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        router.get("/static/console.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css", .cacheControl: "max-age=3600"], body: .init(byteBuffer: ByteBuffer(string: Templates.css)))
        }
        router.get("/sign-in") { _, _ in self.signInPage(error: nil) }
        router.post("/sign-in") { request, _ in try await self.signIn(request) }
        router.post("/sign-out") { request, context in try await self.signOut(request, context) }
        addOIDCRoutes(router)
        router.get("/") { _, context in try await self.page(context, Access.operations) { try await self.overview($0) } }
        router.get("/topics/:name") { _, context in
            let name = context.parameters.get("name") ?? ""
            return try await self.page(context, Access.operations) { try await self.topic($0, name: name) }
        }
        router.get("/groups/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            return try await self.page(context, Access.operations) { try await self.group($0, id: id) }
        }
        router.get("/dead-letters") { _, context in try await self.page(context, Access.operations) { try await self.deadLetters($0) } }
        router.get("/dead-letters/:ref") { _, context in
            let ref = context.parameters.get("ref") ?? ""
            return try await self.page(context, Access.operations) { try await self.deadLetter($0, ref: ref, showInput: false) }
        }
        router.post("/dead-letters/:ref/input") { request, context in
            let ref = context.parameters.get("ref") ?? ""
            return try await self.form(request, context, Access.patientData, NoFields.self) { session, _ in try await self.deadLetter(session, ref: ref, showInput: true) }
        }
        router.post("/dead-letters/replay") { request, context in
            try await self.form(request, context, Access.replay, ReplayForm.self) { session, form in try await self.confirmReplay(session, form: form) }
        }
        router.post("/dead-letters/replay/confirm") { request, context in
            try await self.form(request, context, Access.replay, ReplayForm.self) { session, form in try await self.replay(session, form: form) }
        }
        router.get("/deliveries") { _, context in try await self.page(context, Access.operations) { try await self.deliveries($0) } }
        router.get("/agreements") { _, context in try await self.page(context, Access.operations) { await self.agreements($0) } }
        router.get("/audit") { _, context in try await self.page(context, Access.patientData) { try await self.audit($0, form: nil) } }
        router.post("/audit/search") { request, context in
            try await self.form(request, context, Access.patientData, AuditSearchForm.self) { session, form in try await self.audit(session, form: form) }
        }
        router.post("/audit/verify") { request, context in
            try await self.form(request, context, Access.patientData, NoFields.self) { session, _ in
                _ = try await self.backend.verifyChains()
                return try await self.audit(session, form: nil)
            }
        }
        router.get("/audit/report") { request, context in
            let nhs = request.uri.queryParameters["nhsNumber"].map(String.init) ?? ""
            return try await self.page(context, Access.patientData) { try await self.report($0, nhsNumber: nhs) }
        }
        router.get("/users") { _, context in try await self.page(context, Access.users) { self.users($0) } }
        router.get("/impact") { _, context in try await self.page(context, Access.impact) { self.impactForm($0) } }
        router.post("/impact") { request, context in try await self.impactUpload(request, context) }
        router.get("/review") { _, context in try await self.page(context, Access.review) { try await self.review($0, notice: nil) } }
        router.post("/review/link") { request, context in
            try await self.form(request, context, Access.review, ResolutionForm.self) { session, form in
                try await self.resolve(session, form: form, action: .link)
            }
        }
        router.post("/review/reject") { request, context in
            try await self.form(request, context, Access.review, ResolutionForm.self) { session, form in
                try await self.resolve(session, form: form, action: .reject)
            }
        }
        return router
    }

    // MARK: Signing in and out

    func signInPage(error: String?, status: HTTPResponse.Status = .ok) -> Response {
        let token = StaffSessions.token()
        var response = render("sign-in", ["csrf": token, "error": error ?? false, "local": localSignIn, "oidc": oidc.map { ["name": $0.configuration.name] } ?? false],
                              title: "Sign in", session: nil, status: status)
        response.setCookie(Self.cookie(Self.signInCookie, token, path: "/sign-in", maxAge: 900))
        return response
    }

    func signIn(_ request: Request) async throws -> Response {
        guard localSignIn else {
            metrics.signInFailures.increment()
            logger.notice("sign-in refused", metadata: ["reason": "local-users-off"])
            return signInPage(error: "Sign-in with a password is off: sign in with your organisation's account.", status: .forbidden)
        }
        let form = try await Posted<SignInForm>.read(request)
        let expected = request.cookies[Self.signInCookie]?.value ?? ""
        guard let form, !expected.isEmpty, StaffSessions.constantTimeEqual(expected, form.csrf) else {
            return signInPage(error: "The sign-in form had expired. Please try again.", status: .forbidden)
        }
        let name = (form.fields.username ?? "").trimmingCharacters(in: .whitespaces)
        let password = form.fields.password ?? ""
        if await sessions.isLockedOut(name) {
            metrics.signInFailures.increment()
            return signInPage(error: "Too many failed attempts: wait five minutes and try again.", status: .tooManyRequests)
        }
        guard let member = staff.authenticate(name: name, password: password) else {
            await sessions.recordFailure(name)
            metrics.signInFailures.increment()
            logger.notice("sign-in failed")
            return signInPage(error: "Wrong user name or password.", status: .unauthorized)
        }
        let cookie = try await sessions.open(for: member)
        logger.info("signed in", metadata: ["user": "\(member.name)", "role": "\(member.role.rawValue)"])
        // A reviewer's work is the review queue; the operations pages are not theirs.
        var response = Response.redirect(to: Self.home(member.role), type: .normal)
        response.setCookie(cookie)
        response.setCookie(Self.cookie(Self.signInCookie, "", path: "/sign-in", maxAge: 0))
        return response
    }

    func signOut(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        if let session = context.identity, let form = try await Posted<NoFields>.read(request),
           StaffSessions.constantTimeEqual(session.csrfToken, form.csrf) {
            try await sessions.close(request)
        }
        var response = signedOut(context.identity)
        response.setCookie(Self.cookie(Self.sessionCookie, "", path: "/", maxAge: 0))
        return response
    }

    /// Where a member of staff lands after signing in: reviewers have only the Review page.
    static func home(_ role: StaffRole) -> String { role == .identityReviewer ? "/review" : "/" }

    /// Secure, HttpOnly, SameSite=Strict: never sent over plain HTTP (except to
    /// localhost, which browsers treat as secure), never readable by script,
    /// never sent with another site's request.
    static func cookie(_ name: String, _ value: String, path: String, maxAge: Int?) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: path, secure: true, httpOnly: true, sameSite: .strict)
    }

    // MARK: Guards

    /// A GET page: signed in, with one of `roles`.
    func page(_ context: ConsoleContext, _ roles: Set<StaffRole>, _ body: (StaffSession) async throws -> Response) async throws -> Response {
        switch authorise(context, roles) {
        case .failure(let response): return response
        case .success(let session): return try await guarded(session, body)
        }
    }

    /// A POST form: signed in, with one of `roles`, carrying the session's CSRF token.
    func form<Fields: Decodable>(_ request: Request, _ context: ConsoleContext, _ roles: Set<StaffRole>, _ fields: Fields.Type,
                                  _ body: (StaffSession, Fields) async throws -> Response) async throws -> Response {
        switch authorise(context, roles) {
        case .failure(let response): return response
        case .success(let session):
            guard let form = try await Posted<Fields>.read(request), StaffSessions.constantTimeEqual(session.csrfToken, form.csrf) else {
                return formExpired(session)
            }
            return try await guarded(session) { try await body($0, form.fields) }
        }
    }

    /// A form without this session's CSRF token: refused, counted.
    func formExpired(_ session: StaffSession) -> Response {
        metrics.csrfRejections.increment()
        return render("problem", ["heading": "Form expired", "message": "This form was not sent from a page of this session. Go back, reload the page and try again."],
                      title: "Form expired", session: session, status: .forbidden)
    }

    enum Authorisation { case success(StaffSession), failure(Response) }

    /// The identity hummingbird-auth's authenticator found, checked against `roles` (from `Access`).
    func authorise(_ context: ConsoleContext, _ roles: Set<StaffRole>) -> Authorisation {
        guard let session = context.identity else {
            return .failure(.redirect(to: "/sign-in", type: .normal))
        }
        guard roles.contains(session.role) else {
            let allowed = roles.map(\.rawValue).sorted().joined(separator: " and ")
            return .failure(render("forbidden", ["allowed": allowed, "role": session.role.rawValue], title: "Not for your role", session: session, status: .forbidden))
        }
        return .success(session)
    }

    /// A failure of Kafka, the index or the audit recorder becomes a page that
    /// says what could not be done, never a stack trace or a half-shown record.
    func guarded(_ session: StaffSession, _ body: (StaffSession) async throws -> Response) async throws -> Response {
        do {
            return try await body(session)
        } catch let error as ConsoleInputError {
            return render("problem", ["heading": "Cannot do that", "message": error.message], title: "Cannot do that", session: session, status: .badRequest)
        } catch {
            logger.error("page failed", metadata: ["error": "\(String(describing: type(of: error)))"])
            return render("problem", [
                "heading": "Not available just now",
                "message": "The console could not reach Kafka or the audit index, or could not record your access in the audit log, so nothing is shown. Try again shortly; if it persists, tell the platform team.",
            ], title: "Not available", session: session, status: .serviceUnavailable)
        }
    }

    // MARK: Rendering

    func render(_ template: String, _ context: [String: Any], title: String, session: StaffSession?, status: HTTPResponse.Status = .ok,
                refresh: Int? = nil, patientData: Bool = false) -> Response {
        let body = library.render(context, withTemplate: template) ?? ""
        var layout: [String: Any] = ["title": title, "body": body, "refresh": refresh ?? false]
        if let session {
            layout["user"] = [
                "name": session.displayName ?? session.name, "role": session.role.rawValue, "csrf": session.csrfToken,
                "isAuditor": Access.patientData.contains(session.role), "isAdmin": Access.users.contains(session.role),
                "mayRunImpact": Access.impact.contains(session.role),
                "isReviewer": Access.review.contains(session.role), "seesOperations": Access.operations.contains(session.role),
            ] as [String: Any]
        }
        let html = library.render(layout, withTemplate: "layout") ?? ""
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        // Pages with patient data must not linger in caches or history snapshots.
        headers[.cacheControl] = patientData ? "no-store" : "no-cache"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// A request the user can correct (a malformed NHS number, an unknown dead letter).
struct ConsoleInputError: Error {
    var message: String
}

/// Security headers on every response, and request counts by status.
struct HeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ConsoleMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            response = Response(status: error.status)
        }
        response.headers[.contentSecurityPolicy] = "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        metrics.requests(status: Int(response.status.code)).increment()
        return response
    }
}

/// The console's own Prometheus metrics (no patient data in names or labels).
struct ConsoleMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let signInFailures: Counter
    let csrfRejections: Counter
    let replays: Counter
    let resolutions: Counter

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        signInFailures = registry.makeCounter(descriptor: Self.name("sign_in_failures", "Sign-ins refused: wrong password, unknown user, locked out, or refused by OIDC checks."))
        csrfRejections = registry.makeCounter(descriptor: Self.name("csrf_rejections", "Forms refused for a missing or wrong CSRF token."))
        replays = registry.makeCounter(descriptor: Self.name("dead_letters_replayed", "Dead letters re-sent from the console."))
        resolutions = registry.makeCounter(descriptor: Self.name("review_resolutions", "Held messages linked or rejected from the console."))
    }

    func requests(status: Int) -> Counter {
        registry.makeCounter(descriptor: Self.name("requests", "HTTP requests answered, by status."), labels: [("status", String(status))])
    }

    static func name(_ metric: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "hx", subsystem: "console", metricName: metric, unitName: "total", helpText: help)
    }
}

/// A posted form (`application/x-www-form-urlencoded`), read by Hummingbird's
/// `URLEncodedFormDecoder`: its fields, and the CSRF token every form carries.
struct Posted<Fields: Decodable>: Decodable {
    var csrf: String
    var fields: Fields

    private enum Keys: String, CodingKey { case csrf = "_csrf" }

    init(from decoder: any Decoder) throws {
        csrf = try decoder.container(keyedBy: Keys.self).decodeIfPresent(String.self, forKey: .csrf) ?? ""
        fields = try Fields(from: decoder)
    }

    /// The form, or nil if it is not one (then it has no token either, and is refused).
    /// Hummingbird's decoder reads a list only as `ref[]=a&ref[]=b` and refuses a name given
    /// twice, as browsers send ticked checkboxes (`ref=a&ref=b`): so `ref` gets its brackets first.
    static func read(_ request: Request) async throws -> Posted? {
        let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
        let bracketed = body.split(separator: "&").map { $0.hasPrefix("ref=") ? "ref[]=" + $0.dropFirst(4) : String($0) }.joined(separator: "&")
        return try? URLEncodedFormDecoder().decode(Posted.self, from: bracketed)
    }
}

/// A form with nothing but its CSRF token (a button).
struct NoFields: Decodable {}

struct SignInForm: Decodable {
    var username: String?
    var password: String?
}

/// A Link or Reject form of the Review page.
struct ResolutionForm: Decodable {
    var item: String?
    var nhsNumber: String?
    var reason: String?
}

/// The dead letters ticked for replay.
struct ReplayForm: Decodable {
    var ref: [String]?
}
