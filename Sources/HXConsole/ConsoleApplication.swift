import Foundation
import HXAudit
import HXAuditIndex
import HXOperations
import HXPlace
import HTTPTypes
import Hummingbird
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

    package init(backend: any ConsoleBackend, staff: StaffDirectory, sessions: StaffSessions = StaffSessions(),
                registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), logger: Logger = Logger(label: "hx.console")) throws {
        self.backend = backend
        self.staff = staff
        self.sessions = sessions
        self.registry = registry
        self.metrics = ConsoleMetrics(registry: registry)
        self.logger = logger
        var library = MustacheLibrary()
        for (name, text) in Templates.all { try library.register(text, named: name) }
        self.library = library
    }

    /// The application, listening on `host:port` once run.
    package func application(host: String, port: Int) -> some ApplicationProtocol {
        let logger = self.logger
        return Application(
            router: router(), configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                logger.notice("console listening", metadata: ["address": "\(channel.localAddress?.description ?? "\(host):\(port)")"])
            },
            logger: logger)
    }

    package func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: HeadersMiddleware(metrics: metrics))
        router.get("/health") { _, _ in Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"up"}"#))) }
        router.get("/metrics") { _, _ in
            var buffer: [UInt8] = []
            self.registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        router.get("/static/console.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css", .cacheControl: "max-age=3600"], body: .init(byteBuffer: ByteBuffer(string: Templates.css)))
        }
        router.get("/sign-in") { request, _ in try await self.signInPage(request, error: nil) }
        router.post("/sign-in") { request, _ in try await self.signIn(request) }
        router.post("/sign-out") { request, _ in try await self.signOut(request) }
        router.get("/") { request, _ in try await self.page(request, Access.operations) { try await self.overview($0) } }
        router.get("/topics/:name") { request, context in
            let name = context.parameters.get("name") ?? ""
            return try await self.page(request, Access.operations) { try await self.topic($0, name: name) }
        }
        router.get("/groups/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await self.page(request, Access.operations) { try await self.group($0, id: id) }
        }
        router.get("/dead-letters") { request, _ in try await self.page(request, Access.operations) { try await self.deadLetters($0) } }
        router.get("/dead-letters/:ref") { request, context in
            let ref = context.parameters.get("ref") ?? ""
            return try await self.page(request, Access.operations) { try await self.deadLetter($0, ref: ref, showInput: false) }
        }
        router.post("/dead-letters/:ref/input") { request, context in
            let ref = context.parameters.get("ref") ?? ""
            return try await self.form(request, Access.patientData) { session, _ in try await self.deadLetter(session, ref: ref, showInput: true) }
        }
        router.post("/dead-letters/replay") { request, _ in
            try await self.form(request, Access.replay) { session, form in try await self.confirmReplay(session, form: form) }
        }
        router.post("/dead-letters/replay/confirm") { request, _ in
            try await self.form(request, Access.replay) { session, form in try await self.replay(session, form: form) }
        }
        router.get("/agreements") { request, _ in try await self.page(request, Access.operations) { self.agreements($0) } }
        router.get("/audit") { request, _ in try await self.page(request, Access.patientData) { try await self.audit($0, form: nil) } }
        router.post("/audit/search") { request, _ in
            try await self.form(request, Access.patientData) { session, form in try await self.audit(session, form: form) }
        }
        router.post("/audit/verify") { request, _ in
            try await self.form(request, Access.patientData) { session, _ in
                _ = try await self.backend.verifyChains()
                return try await self.audit(session, form: nil)
            }
        }
        router.get("/audit/report") { request, _ in
            let nhs = request.uri.queryParameters["nhsNumber"].map(String.init) ?? ""
            return try await self.page(request, Access.patientData) { try await self.report($0, nhsNumber: nhs) }
        }
        router.get("/users") { request, _ in try await self.page(request, Access.users) { self.users($0) } }
        return router
    }

    // MARK: Signing in and out

    func signInPage(_ request: Request, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let token = StaffSessions.token()
        var response = render("sign-in", ["csrf": token, "error": error ?? false], title: "Sign in", session: nil, status: status)
        response.headers[values: .setCookie].append(cookie(Self.signInCookie, token, path: "/sign-in", maxAge: 900))
        return response
    }

    func signIn(_ request: Request) async throws -> Response {
        let form = try await FormData.read(request)
        let expected = request.cookies[Self.signInCookie]?.value ?? ""
        guard !expected.isEmpty, StaffSessions.constantTimeEqual(expected, form["_csrf"] ?? "") else {
            return try await signInPage(request, error: "The sign-in form had expired. Please try again.", status: .forbidden)
        }
        let name = (form["username"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = form["password"] ?? ""
        if await sessions.isLockedOut(name) {
            metrics.signInFailures.increment()
            return try await signInPage(request, error: "Too many failed attempts: wait five minutes and try again.", status: .tooManyRequests)
        }
        guard let member = staff.authenticate(name: name, password: password) else {
            await sessions.recordFailure(name)
            metrics.signInFailures.increment()
            logger.notice("sign-in failed")
            return try await signInPage(request, error: "Wrong user name or password.", status: .unauthorized)
        }
        let session = await sessions.open(for: member)
        logger.info("signed in", metadata: ["user": "\(member.name)", "role": "\(member.role.rawValue)"])
        var response = Response.redirect(to: "/", type: .normal)
        response.headers[values: .setCookie].append(cookie(Self.sessionCookie, session.id, path: "/", maxAge: nil))
        response.headers[values: .setCookie].append(cookie(Self.signInCookie, "", path: "/sign-in", maxAge: 0))
        return response
    }

    func signOut(_ request: Request) async throws -> Response {
        let form = try await FormData.read(request)
        if let id = request.cookies[Self.sessionCookie]?.value, let session = await sessions.session(id),
           StaffSessions.constantTimeEqual(session.csrfToken, form["_csrf"] ?? "") {
            await sessions.close(id)
        }
        var response = Response.redirect(to: "/sign-in", type: .normal)
        response.headers[values: .setCookie].append(cookie(Self.sessionCookie, "", path: "/", maxAge: 0))
        return response
    }

    /// Secure, HttpOnly, SameSite=Strict: never sent over plain HTTP (except to
    /// localhost, which browsers treat as secure), never readable by script,
    /// never sent with another site's request.
    func cookie(_ name: String, _ value: String, path: String, maxAge: Int?) -> String {
        "\(name)=\(value); Path=\(path); HttpOnly; Secure; SameSite=Strict" + (maxAge.map { "; Max-Age=\($0)" } ?? "")
    }

    // MARK: Guards

    /// A GET page: signed in, with one of `roles`.
    func page(_ request: Request, _ roles: Set<StaffRole>, _ body: (StaffSession) async throws -> Response) async throws -> Response {
        switch await authorise(request, roles) {
        case .failure(let response): return response
        case .success(let session): return try await guarded(session, body)
        }
    }

    /// A POST form: signed in, with one of `roles`, carrying the session's CSRF token.
    func form(_ request: Request, _ roles: Set<StaffRole>, _ body: (StaffSession, FormData) async throws -> Response) async throws -> Response {
        switch await authorise(request, roles) {
        case .failure(let response): return response
        case .success(let session):
            let form = try await FormData.read(request)
            guard StaffSessions.constantTimeEqual(session.csrfToken, form["_csrf"] ?? "") else {
                metrics.csrfRejections.increment()
                return render("problem", ["heading": "Form expired", "message": "This form was not sent from a page of this session. Go back, reload the page and try again."],
                              title: "Form expired", session: session, status: .forbidden)
            }
            return try await guarded(session) { try await body($0, form) }
        }
    }

    enum Authorisation { case success(StaffSession), failure(Response) }

    func authorise(_ request: Request, _ roles: Set<StaffRole>) async -> Authorisation {
        guard let id = request.cookies[Self.sessionCookie]?.value, let session = await sessions.session(id) else {
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
                "name": session.name, "role": session.role.rawValue, "csrf": session.csrfToken,
                "isAuditor": Access.patientData.contains(session.role), "isAdmin": Access.users.contains(session.role),
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

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        signInFailures = registry.makeCounter(descriptor: Self.name("sign_in_failures", "Sign-ins refused: wrong password, unknown user or locked out."))
        csrfRejections = registry.makeCounter(descriptor: Self.name("csrf_rejections", "Forms refused for a missing or wrong CSRF token."))
        replays = registry.makeCounter(descriptor: Self.name("dead_letters_replayed", "Dead letters re-sent from the console."))
    }

    func requests(status: Int) -> Counter {
        registry.makeCounter(descriptor: Self.name("requests", "HTTP requests answered, by status."), labels: [("status", String(status))])
    }

    static func name(_ metric: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "hx", subsystem: "console", metricName: metric, unitName: "total", helpText: help)
    }
}

/// `application/x-www-form-urlencoded`, with repeated names kept (the dead-letter checkboxes).
struct FormData: Sendable {
    var pairs: [(String, String)]

    subscript(name: String) -> String? { pairs.first { $0.0 == name }?.1 }
    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }

    static func read(_ request: Request) async throws -> FormData {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        return parse(String(buffer: buffer))
    }

    static func parse(_ text: String) -> FormData {
        func decode(_ s: Substring) -> String {
            String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
        }
        return FormData(pairs: text.split(separator: "&").map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        })
    }
}
