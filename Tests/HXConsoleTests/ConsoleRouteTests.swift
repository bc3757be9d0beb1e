import Foundation
import HTTPTypes
import HXAudit
import HXAuditIndex
import HXCanonical
import HXConsole
import HXKafka
import HXOperations
import HXPlace
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// Every page for every role, through Hummingbird's test client: who may see
/// what, sign-in, sessions, CSRF, and that patient data is shown only after
/// the viewer's access is recorded. The backend here is a fixed one (these
/// are the console's rules, not Kafka's); `ConsoleBrowserTests` drives the
/// real thing in a browser.
@Suite struct ConsoleRouteTests {
    static let people: [(String, StaffRole)] = [("olive", .operator_), ("audrey", .auditor), ("adam", .admin), ("rita", .identityReviewer)]
    static let password = "correct horse battery"
    static let staff: StaffDirectory = {
        var d = StaffDirectory(members: [])
        // Cost 4: bcrypt's slowness is its point in production, and only slows tests.
        for (name, role) in people { d.set(name: name, role: role, password: password, cost: 4) }
        return d
    }()

    /// Operations pages: every role. Audit: auditors only. Users: admins only.
    static let pages: [(path: String, allowed: Set<StaffRole>)] = [
        ("/", [.operator_, .auditor, .admin]),
        ("/topics/hx.dlq.v1", [.operator_, .auditor, .admin]),
        ("/groups/hx-router", [.operator_, .auditor, .admin]),
        ("/dead-letters", [.operator_, .auditor, .admin]),
        ("/dead-letters/0-4", [.operator_, .auditor, .admin]),
        ("/agreements", [.operator_, .auditor, .admin]),
        ("/deliveries", [.operator_, .auditor, .admin]),
        ("/audit", [.auditor]),
        ("/audit/report?nhsNumber=\(FixedBackend.nhsNumber)", [.auditor]),
        ("/users", [.admin]),
        ("/impact", [.admin]),
        ("/review", [.identityReviewer]),
    ]

    @Test func signedOutReachesNothingButSignIn() async throws {
        let backend = FixedBackend()
        try await withConsole(backend) { client in
            for page in Self.pages {
                try await client.execute(uri: page.path, method: .get) { response in
                    #expect(response.status == .seeOther, "\(page.path)")
                    #expect(response.headers[.location] == "/sign-in", "\(page.path)")
                }
            }
            for post in ["/dead-letters/replay", "/dead-letters/replay/confirm", "/audit/search", "/audit/verify", "/dead-letters/0-4/input",
                         "/review/link", "/review/reject"] {
                try await client.execute(uri: post, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                         body: ByteBuffer(string: "ref=0-4")) { response in
                    #expect(response.status == .seeOther, "\(post)")
                }
            }
            try await client.execute(uri: "/sign-in", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { #expect(String(buffer: $0.body).contains("hx_console_requests_total")) }
        }
        #expect(backend.calls.isEmpty, "nothing was read for a signed-out visitor")
    }

    @Test func everyPageForEveryRole() async throws {
        let backend = FixedBackend()
        try await withConsole(backend) { client in
            for (name, role) in Self.people {
                let session = try await signIn(client, name)
                for page in Self.pages {
                    try await client.execute(uri: page.path, method: .get, headers: session.headers) { response in
                        let body = String(buffer: response.body)
                        if page.allowed.contains(role) {
                            #expect(response.status == .ok, "\(role) \(page.path)")
                            #expect(!body.contains("id=\"forbidden\""))
                        } else {
                            #expect(response.status == .forbidden, "\(role) \(page.path)")
                            #expect(body.contains("id=\"forbidden\""))
                        }
                        // Patient identifiers appear on auditors' pages only.
                        if role != .auditor { #expect(!body.contains(FixedBackend.nhsNumber), "\(role) \(page.path)") }
                        #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
                    }
                }
            }
        }
    }

    @Test func overviewShowsWhatTheWallScreenNeeds() async throws {
        try await withConsole(FixedBackend()) { client in
            let session = try await signIn(client, "olive")
            try await client.execute(uri: "/", method: .get, headers: session.headers) { response in
                let body = String(buffer: response.body)
                #expect(body.contains(#"id="dead-letters-waiting" class="big">1<"#), "two dead letters, one already replayed")
                #expect(body.contains("whh-pas-discharge") && body.contains("badge late"))
                #expect(body.contains("http-equiv=\"refresh\""))
                #expect(body.contains(">42<"), "deliver decisions")
                #expect(body.contains("hx-router") && body.contains(">17<"), "group lag")
                #expect(body.contains(#"id="delivery-problems""#) && body.contains("RY2") && body.contains("mllp-rejected"),
                        "a recipient not getting its deliveries is on the overview")
                #expect(!body.contains("HBC-ASC</a>"), "only recipients with a problem are listed there")
            }
        }
    }

    @Test func theOverviewShowsFiringAlertsWhenAPrometheusIsConfigured() async throws {
        let backend = FixedBackend()
        @Sendable func overview(_ client: any TestClientProtocol, _ session: Session) async throws -> String {
            try await client.execute(uri: "/", method: .get, headers: session.headers) { String(buffer: $0.body) }
        }
        try await withConsole(backend) { client in
            let session = try await signIn(client, "olive")
            #expect(try await !overview(client, session).contains("Alerts firing"), "no Prometheus, no section")
            backend.alerts.withLock { $0 = .firing([
                FiringAlert(name: "DeliveryFailed", severity: "critical", summary: "Deliveries to RY2 failed (mllp-rejected): they are dead letters until replayed",
                            activeSince: "2026-12-05T01:00:00Z", runbook: "docs/operations.md#deliveryfailed"),
            ]) }
            let firing = try await overview(client, session)
            #expect(firing.contains("Alerts firing") && firing.contains("badge critical") && firing.contains("DeliveryFailed"))
            #expect(firing.contains("Deliveries to RY2 failed (mllp-rejected)") && firing.contains("docs/operations.md#deliveryfailed"))
            backend.alerts.withLock { $0 = .firing([]) }
            #expect(try await overview(client, session).contains(#"id="no-alerts""#))
            backend.alerts.withLock { $0 = .unavailable("Prometheus at http://prometheus:9090 did not answer") }
            #expect(try await overview(client, session).contains("Prometheus at http://prometheus:9090 did not answer"))
        }
    }

    @Test func deliveriesListFailingRecipientsFirstWithoutIdentifiers() async throws {
        try await withConsole(FixedBackend()) { client in
            let session = try await signIn(client, "olive")
            try await client.execute(uri: "/deliveries", method: .get, headers: session.headers) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                let ry2 = try #require(body.range(of: "<td>RY2</td>")), asc = try #require(body.range(of: "<td>HBC-ASC</td>"))
                #expect(ry2.lowerBound < asc.lowerBound, "failing first")
                #expect(body.contains("badge failing") && body.contains("mllp-rejected at 2026-12-04T09:30:00.000Z"))
                #expect(body.contains("<td>mllp</td><td><span class=\"badge failing\">failing</span></td><td>10</td><td>7</td><td>1</td><td>0</td><td>2</td>"),
                        "records, sent, failed, overdue and waiting")
                #expect(body.contains("<td>mesh</td><td><span class=\"badge ok\">ok</span></td><td>3</td><td>3</td><td>0</td><td>2</td><td>0</td>"),
                        "a practice's late ITK3 acknowledgements are counted")
                #expect(body.contains("business-acknowledgement-overdue at 2026-12-05T08:00:01.000Z"))
                #expect(body.firstMatch(of: /\b\d{10}\b/) == nil, "no NHS number")
            }
        }
    }

    @Test func operatorReplaysWithConfirmationAndCannotSeeTheInput() async throws {
        let backend = FixedBackend()
        try await withConsole(backend) { client in
            let session = try await signIn(client, "olive")
            // The confirmation states how many will be re-sent, and sends nothing yet.
            try await client.execute(uri: "/dead-letters/replay", method: .post, headers: session.form,
                                     body: ByteBuffer(string: "_csrf=\(session.csrf)&ref=0-4&ref=1-9")) { response in
                let body = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(body.contains(#"<span id="replay-count" class="big">1</span>"#), "\(body)")
                #expect(body.contains("not replayable"))
            }
            #expect(backend.replays.isEmpty)
            try await client.execute(uri: "/dead-letters/replay/confirm", method: .post, headers: session.form,
                                     body: ByteBuffer(string: "_csrf=\(session.csrf)&ref=0-4")) { response in
                let body = String(buffer: response.body)
                #expect(body.contains(#"class="replayed""#) && body.contains(#"<a class="original" href="/dead-letters/0-4">"#))
                #expect(body.contains("operator:olive #1"), "the audit record that links the replay")
            }
            #expect(backend.replays == [["olive": [DeadLetterRef(partition: 0, offset: 4)]]])
            // The rejected input may hold patient data: not for operators.
            try await client.execute(uri: "/dead-letters/0-4/input", method: .post, headers: session.form,
                                     body: ByteBuffer(string: "_csrf=\(session.csrf)")) { #expect($0.status == .forbidden) }
        }
        #expect(!backend.calls.contains("deadLetterValue"))
    }

    @Test func formsWithoutTheSessionsTokenAreRefused() async throws {
        let backend = FixedBackend()
        try await withConsole(backend) { client in
            let session = try await signIn(client, "olive")
            for token in ["", "_csrf=wrong&", "_csrf=\(session.csrf)x&"] {
                try await client.execute(uri: "/dead-letters/replay/confirm", method: .post, headers: session.form,
                                         body: ByteBuffer(string: "\(token)ref=0-4")) { #expect($0.status == .forbidden) }
            }
            // Signing in needs the sign-in page's own token too.
            try await client.execute(uri: "/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "username=olive&password=\(Self.password)")) { response in
                #expect(response.status == .forbidden)
                #expect(response.headers[values: .setCookie].allSatisfy { !$0.hasPrefix("hx_session=") })
            }
        }
        #expect(backend.replays.isEmpty)
    }

    @Test func auditorsAccessIsRecordedBeforeAnythingIsShown() async throws {
        let backend = FixedBackend()
        try await withConsole(backend) { client in
            let session = try await signIn(client, "audrey")
            try await client.execute(uri: "/audit/search", method: .post, headers: session.form,
                                     body: ByteBuffer(string: "_csrf=\(session.csrf)&nhsNumber=\(FixedBackend.nhsNumber)&format=page")) { response in
                let body = String(buffer: response.body)
                #expect(body.contains(#"id="audit-results""#) && body.contains(FixedBackend.nhsNumber))
                #expect(response.headers[.cacheControl] == "no-store")
            }
            try await client.execute(uri: "/audit/search", method: .post, headers: session.form,
                                     body: ByteBuffer(string: "_csrf=\(session.csrf)&nhsNumber=\(FixedBackend.nhsNumber)&format=csv")) { response in
                #expect(response.headers[.contentType]?.hasPrefix("text/csv") == true)
                #expect(String(buffer: response.body).hasPrefix("time,kind,outcome,nhsNumber"))
            }
            try await client.execute(uri: "/dead-letters/0-4/input", method: .post, headers: session.form,
                                     body: ByteBuffer(string: "_csrf=\(session.csrf)")) { response in
                #expect(String(buffer: response.body).contains("PID|1||"))
            }
            // A wrong NHS number is refused with a reason, and nothing is recorded or read.
            try await client.execute(uri: "/audit/search", method: .post, headers: session.form,
                                     body: ByteBuffer(string: "_csrf=\(session.csrf)&nhsNumber=1234567890")) { response in
                #expect(String(buffer: response.body).contains(#"id="search-error""#))
            }
            // When recording fails, nothing is shown.
            backend.failRecording.withLock { $0 = true }
            try await client.execute(uri: "/audit/report?nhsNumber=\(FixedBackend.nhsNumber)", method: .get, headers: session.headers) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(!String(buffer: response.body).contains(FixedBackend.nhsNumber + "</"))
            }
        }
        #expect(backend.access == ["audrey search", "audrey search", "audrey dead-letter-inspect"])
    }

    @Test func wrongPasswordsAreRefusedAndRepeatedGuessingIsPaused() async throws {
        try await withConsole(FixedBackend()) { client in
            for attempt in 1...StaffSessions.maxFailures {
                let status = try await trySignIn(client, "olive", "not the password \(attempt)")
                #expect(status == .unauthorized)
            }
            #expect(try await trySignIn(client, "olive", Self.password) == .tooManyRequests, "locked even with the right password")
            #expect(try await trySignIn(client, "nobody", Self.password) == .unauthorized)
        }
    }

    @Test func signingOutEndsTheSession() async throws {
        try await withConsole(FixedBackend()) { client in
            let session = try await signIn(client, "adam")
            try await client.execute(uri: "/sign-out", method: .post, headers: session.form, body: ByteBuffer(string: "_csrf=\(session.csrf)")) {
                #expect($0.headers[.location] == "/sign-in")
            }
            try await client.execute(uri: "/", method: .get, headers: session.headers) { #expect($0.status == .seeOther) }
        }
    }

    @Test func theAgreementRegisterShowsRecentDecisionsAndFlagsWhatNeedsAttention() async throws {
        try await withConsole(FixedBackend()) { client in
            let session = try await signIn(client, "olive")
            try await client.execute(uri: "/agreements", method: .get, headers: session.headers) { response in
                let body = String(buffer: response.body)
                let today = Instant(Date()).ukDate.dayNumber
                func row(_ id: String) -> String { body.components(separatedBy: "<tr").first { $0.contains("<td>\(id)</td>") } ?? "" }
                for a in FixedBackend.placeConfiguration.agreements where a.status == .active {
                    let left = a.validTo.dayNumber - today
                    let inForce = left >= 0 && a.validFrom.dayNumber <= today
                    #expect(row(a.id).contains("class=\"expiring\"") == (inForce && left < 90), "\(a.id)")
                    // The fixed index counted decisions for the discharge agreement only: the others in force are quiet.
                    if inForce && left >= 90 {
                        #expect(row(a.id).contains("class=\"quiet\"") == (a.id != "DSA-HALTON-DISCHARGE-001"), "\(a.id)")
                    }
                }
                let discharge = row("DSA-HALTON-DISCHARGE-001")
                #expect(discharge.contains("<td>deliver 42, deny 3</td>"), "\(discharge)")
                #expect(!body.contains("counts-unavailable"))
            }
        }
    }

    // MARK: Helpers

    struct Session {
        var cookie: String
        var csrf: String
        var headers: HTTPFields { [.cookie: "\(ConsoleApplication.sessionCookie)=\(cookie)"] }
        var form: HTTPFields { [.cookie: "\(ConsoleApplication.sessionCookie)=\(cookie)", .contentType: "application/x-www-form-urlencoded"] }
    }

    func withConsole(_ backend: FixedBackend, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let console = try ConsoleApplication(backend: backend, staff: Self.staff)
        let app = Application(router: console.router())
        try await app.test(.router) { client in try await body(client) }
    }

    /// The sign-in page's form token and its cookie (the double submit).
    func signInForm(_ client: any TestClientProtocol) async throws -> (token: String, cookie: String) {
        try await client.execute(uri: "/sign-in", method: .get) { response in
            let body = String(buffer: response.body)
            let token = body.components(separatedBy: #"name="_csrf" value=""#)[1].prefix { $0 != "\"" }
            let cookie = response.headers[values: .setCookie].first { $0.hasPrefix("hx_sign_in=") }?.split(separator: ";")[0] ?? ""
            return (String(token), String(cookie))
        }
    }

    func postSignIn(_ client: any TestClientProtocol, _ name: String, _ password: String) async throws -> TestResponse {
        let (token, cookie) = try await signInForm(client)
        return try await client.execute(
            uri: "/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: cookie],
            body: ByteBuffer(string: "_csrf=\(token)&username=\(name)&password=\(password.replacingOccurrences(of: " ", with: "+"))"))
    }

    func trySignIn(_ client: any TestClientProtocol, _ name: String, _ password: String) async throws -> HTTPResponse.Status {
        try await postSignIn(client, name, password).status
    }

    func signIn(_ client: any TestClientProtocol, _ name: String) async throws -> Session {
        let response = try await postSignIn(client, name, Self.password)
        #expect(response.status == .seeOther)
        let set = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("hx_session=") })
        #expect(set.contains("HttpOnly") && set.contains("Secure") && set.contains("SameSite=Strict") && set.contains("Path=/"))
        #expect(!set.contains("Expires") && !set.contains("Max-Age"), "a browser-session cookie")
        let session = String(set.split(separator: ";")[0].dropFirst("hx_session=".count))
        let csrf = try await client.execute(uri: "/dead-letters", method: .get, headers: [.cookie: "hx_session=\(session)"]) { response in
            String(String(buffer: response.body).components(separatedBy: #"name="_csrf" value=""#)[1].prefix { $0 != "\"" })
        }
        return Session(cookie: session, csrf: csrf)
    }
}
