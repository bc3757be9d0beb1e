import Foundation
import HTTPTypes
import HXConsole
import Hummingbird
import HummingbirdTesting
import Testing

/// The Review page's rules: only identity reviewers see held messages and may
/// resolve them (their view recorded first); operators and auditors are
/// refused, and the overview shows the queue's size and oldest age only.
extension ConsoleRouteTests {
    @Test func onlyReviewersSeeHeldMessagesAndTheirViewIsRecordedFirst() async throws {
        let backend = FixedBackend()
        try await withConsole(backend) { client in
            let rita = try await signIn(client, "rita")
            try await client.execute(uri: "/review", method: .get, headers: rita.headers) { response in
                let body = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(body.contains("Testlane") && body.contains("WA8 9YB"), "demographics beside the candidates")
                #expect(body.contains(#"action="/review/link""#) && body.contains(#"action="/review/reject""#))
                #expect(body.contains(#"name="_csrf" value="\#(rita.csrf)""#))
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(!body.contains(#"href="/dead-letters""#), "a reviewer's navigation is the review queue")
            }
            // A refused resolution says why, and shows the form again.
            try await client.execute(uri: "/review/reject", method: .post, headers: rita.form,
                                     body: ByteBuffer(string: "_csrf=\(rita.csrf)&item=0-3&reason=test+record")) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("review-already-resolved"))
            }
            // Without the session's token: refused before the backend is asked.
            try await client.execute(uri: "/review/link", method: .post, headers: rita.form,
                                     body: ByteBuffer(string: "item=0-3&nhsNumber=9434765919&reason=x")) { #expect($0.status == .forbidden) }
            for name in ["olive", "audrey", "adam"] {
                let other = try await signIn(client, name)
                try await client.execute(uri: "/review", method: .get, headers: other.headers) { response in
                    #expect(response.status == .forbidden)
                    #expect(!String(buffer: response.body).contains("Testlane"))
                }
                for action in ["link", "reject"] {
                    try await client.execute(uri: "/review/\(action)", method: .post, headers: other.form,
                                             body: ByteBuffer(string: "_csrf=\(other.csrf)&item=0-3&nhsNumber=9434765919&reason=x")) {
                        #expect($0.status == .forbidden, "\(name) \(action)")
                    }
                }
            }
        }
        #expect(backend.access == ["rita review-queue-view", "rita resolve reject 0-3"])
    }

    @Test func theOverviewShowsTheQueuesSizeAndOldestAgeOnly() async throws {
        try await withConsole(FixedBackend()) { client in
            let olive = try await signIn(client, "olive")
            try await client.execute(uri: "/", method: .get, headers: olive.headers) { response in
                let body = String(buffer: response.body)
                #expect(body.contains(#"id="review-held" class="big">1<"#))
                #expect(body.contains("oldest 2 d 1 h"))
                #expect(!body.contains("Testlane") && !body.contains("WA8 9YB"))
                #expect(!body.contains(#"href="/review""#), "operators have no Review page")
            }
        }
    }
}
