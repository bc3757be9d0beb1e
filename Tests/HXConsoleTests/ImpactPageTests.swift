import Foundation
import HTTPTypes
import HXConsole
import HXPlace
import Hummingbird
import HummingbirdTesting
import Testing
import ZIPFoundation

/// The impact page's rules (docs/design.md "IG change control"): admins only,
/// the proposal checked with `hx config check`'s rules before anything is
/// read, the run recorded before the report is shown, the report beside the
/// agreements it touches, and no patient identifier anywhere.
extension ConsoleRouteTests {
    static let discharge = "DSA-HALTON-DISCHARGE-001"

    /// A copy of config/ with `edit` applied to the discharge agreement's file, zipped with its folder.
    static func proposalZip(_ edit: (String) -> String) throws -> [UInt8] {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("hx-impact-test-\(UUID().uuidString)")
        let config = work.appendingPathComponent("config")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        try FileManager.default.copyItem(at: FixedBackend.root.appendingPathComponent("config"), to: config)
        let file = config.appendingPathComponent("sharing-agreements/\(discharge).yaml")
        try edit(try String(contentsOf: file, encoding: .utf8)).write(to: file, atomically: true, encoding: .utf8)
        let zip = work.appendingPathComponent("proposal.zip")
        try FileManager.default.zipItem(at: config, to: zip)
        return Array(try Data(contentsOf: zip))
    }

    static func upload(_ archive: [UInt8], csrf: String, from: String = "2026-11-01", to: String = "2026-11-30",
                       fileName: String = "proposal.zip") -> (HTTPFields, ByteBuffer) {
        let boundary = "hx-test-\(UUID().uuidString)"
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(csrf)\r\n".utf8)
        for (name, value) in [("from", from), ("to", to)] {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"archive\"; filename=\"\(fileName)\"\r\nContent-Type: application/zip\r\n\r\n".utf8)
        body += archive
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return ([.contentType: "multipart/form-data; boundary=\(boundary)"], ByteBuffer(bytes: body))
    }

    @Test func onlyAdminsMayUploadAProposal() async throws {
        let backend = FixedBackend()
        let archive = try Self.proposalZip { $0.replacingOccurrences(of: "status: active", with: "status: suspended") }
        try await withConsole(backend) { client in
            for name in ["olive", "audrey"] {
                let session = try await signIn(client, name)
                let (headers, body) = Self.upload(archive, csrf: session.csrf)
                var all = session.headers
                all.append(contentsOf: headers)
                try await client.execute(uri: "/impact", method: .post, headers: all, body: body) { response in
                    #expect(response.status == .forbidden, "\(name)")
                    #expect(String(buffer: response.body).contains("id=\"forbidden\""))
                }
            }
        }
        #expect(!backend.calls.contains { $0.hasPrefix("impact") } && backend.access.isEmpty, "nothing run, nothing recorded")
    }

    @Test func anInvalidProposalIsRefusedWithFileAndLineAndNothingIsRun() async throws {
        let backend = FixedBackend()
        let archive = try Self.proposalZip { $0.replacingOccurrences(of: "version: 3", with: "version: three") }
        try await withConsole(backend) { client in
            let session = try await signIn(client, "adam")
            let (headers, body) = Self.upload(archive, csrf: session.csrf)
            var all = session.headers
            all.append(contentsOf: headers)
            try await client.execute(uri: "/impact", method: .post, headers: all, body: body) { response in
                let page = String(buffer: response.body)
                #expect(response.status == .unprocessableContent)
                #expect(page.contains("id=\"proposal-refused\""))
                // The path as inside the archive, with the line: not the console's temporary folder.
                #expect(page.firstMatch(of: /config\/sharing-agreements\/DSA-HALTON-DISCHARGE-001\.yaml:\d+/) != nil, "\(page)")
                #expect(!page.contains("hx-proposal-"), "no temporary path")
            }
            // Not an archive at all; and a form without the session's token.
            let (h2, b2) = Self.upload(Array("organisations: []".utf8), csrf: session.csrf)
            var all2 = session.headers
            all2.append(contentsOf: h2)
            try await client.execute(uri: "/impact", method: .post, headers: all2, body: b2) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("proposal-not-an-archive"))
            }
            let (h3, b3) = Self.upload(archive, csrf: "forged")
            var all3 = session.headers
            all3.append(contentsOf: h3)
            try await client.execute(uri: "/impact", method: .post, headers: all3, body: b3) { #expect($0.status == .forbidden) }
        }
        #expect(!backend.calls.contains { $0.hasPrefix("impact") } && backend.access.isEmpty)
    }

    @Test func aValidProposalIsRecordedThenShownBesideTheAgreementsItTouches() async throws {
        let backend = FixedBackend()
        let archive = try Self.proposalZip { $0.replacingOccurrences(of: "status: active", with: "status: suspended") }
        try await withConsole(backend) { client in
            let session = try await signIn(client, "adam")
            try await client.execute(uri: "/impact", method: .get, headers: session.headers) { response in
                #expect(String(buffer: response.body).contains("enctype=\"multipart/form-data\""))
            }
            // A window that runs backwards is the user's to correct.
            let (hb, bb) = Self.upload(archive, csrf: session.csrf, from: "2026-11-30", to: "2026-11-01")
            var allb = session.headers
            allb.append(contentsOf: hb)
            try await client.execute(uri: "/impact", method: .post, headers: allb, body: bb) { #expect($0.status == .badRequest) }
            let (headers, body) = Self.upload(archive, csrf: session.csrf)
            var all = session.headers
            all.append(contentsOf: headers)
            try await client.execute(uri: "/impact", method: .post, headers: all, body: body) { response in
                let page = String(buffer: response.body)
                #expect(response.status == .ok, "\(page)")
                #expect(page.contains(#"id="impact-stops">5<"#))
                #expect(page.contains("payload.medications[]"))
                // The agreement, in force and proposed, its status marked as differing.
                #expect(page.contains("id=\"agreement-\(Self.discharge)\""))
                #expect(page.contains(#"<tr class="differs"><th>status</th><td>active</td><td>suspended</td></tr>"#), "\(page)")
                #expect(!page.contains(FixedBackend.nhsNumber))
                // The window as asked, in UK days: 1 November is GMT, so it starts at midnight UTC.
                #expect(page.contains("2026-11-01T00:00:00.000Z") && page.contains("2026-11-30T23:59:59.999Z"), "\(page)")
            }
        }
        let proposed = try #require(backend.access.first)
        #expect(backend.access.count == 1)
        #expect(proposed.hasPrefix("adam impact proposal.zip "), "the run recorded, by whom and for which file")
        #expect(!proposed.hasSuffix(FixedBackend.placeConfiguration.configurationDigest), "the proposal's own digest")
    }
}
