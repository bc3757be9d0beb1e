import Foundation
import HXProposal
import Testing
import ZIPFoundation

/// An uploaded proposal is untrusted: what may be unpacked, and where the
/// configuration is found in it.
@Suite struct ProposalArchiveTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hx-archive-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// One ustar entry (checksum left blank: the reader does not need it).
    static func tarEntry(_ name: String, _ content: [UInt8], type: UInt8 = UInt8(ascii: "0")) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        header.replaceSubrange(0..<name.utf8.count, with: Array(name.utf8))
        let size = Array(String(content.count, radix: 8).leftPadded(to: 11).utf8)
        header.replaceSubrange(124..<135, with: size)
        header[156] = type
        header.replaceSubrange(257..<262, with: Array("ustar".utf8))
        var padded = content
        padded += [UInt8](repeating: 0, count: (512 - content.count % 512) % 512)
        return header + padded
    }

    static func tar(_ entries: [[UInt8]]) -> [UInt8] { entries.flatMap { $0 } + [UInt8](repeating: 0, count: 1024) }

    static func zip(_ entries: [(String, [UInt8])]) throws -> [UInt8] {
        let archive = try Archive(accessMode: .create)
        for (path, bytes) in entries {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count)) { position, size in
                Data(bytes[Int(position)..<Int(position) + size])
            }
        }
        return Array(try #require(archive.data))
    }

    @Test func theShallowestOrganisationsFileIsTheRootInAZipAndInATar() throws {
        let zip = try Self.zip([("config/organisations.yaml", Array("a".utf8)), ("config/agreements/x.yaml", Array("b".utf8)),
                                ("config/tests/organisations.yaml", Array("c".utf8))])
        let into = try Self.folder()
        defer { try? FileManager.default.removeItem(at: into) }
        let root = try ProposalArchive.unpack(zip, into: into)
        #expect(root.standardizedFileURL.path == into.appendingPathComponent("config").standardizedFileURL.path)
        #expect(try String(contentsOf: root.appendingPathComponent("agreements/x.yaml"), encoding: .utf8) == "b")

        let tar = Self.tar([Self.tarEntry("organisations.yaml", Array("a".utf8)), Self.tarEntry("agreements/", [], type: UInt8(ascii: "5")),
                            Self.tarEntry("./agreements/y.yaml", Array("yy".utf8))])
        let into2 = try Self.folder()
        defer { try? FileManager.default.removeItem(at: into2) }
        let root2 = try ProposalArchive.unpack(tar, into: into2)
        #expect(root2.standardizedFileURL.path == into2.standardizedFileURL.path)
        #expect(try String(contentsOf: into2.appendingPathComponent("agreements/y.yaml"), encoding: .utf8) == "yy")
    }

    /// The refusal's code for `bytes`, or nil when they were unpacked; the folder is removed after.
    static func refusal(_ bytes: [UInt8]) throws -> ProposalArchive.Refused? {
        let into = try folder()
        defer { try? FileManager.default.removeItem(at: into) }
        do {
            _ = try ProposalArchive.unpack(bytes, into: into)
            return nil
        } catch {
            return error
        }
    }

    @Test func entriesThatWouldLeaveTheFolderAreRefusedAndNothingIsWrittenOutsideIt() throws {
        let parent = FileManager.default.temporaryDirectory
        for name in ["../escaped-\(UUID().uuidString).yaml", "/tmp/escaped.yaml", "config/../../escaped.yaml"] {
            let tar = Self.tar([Self.tarEntry("organisations.yaml", []), Self.tarEntry(name, Array("x".utf8))])
            let refused = try Self.refusal(tar)
            #expect(refused?.code == .unsafeEntry && refused?.message.contains(name) == true, "\(name): \(String(describing: refused))")
            #expect(try Self.refusal(try Self.zip([("organisations.yaml", []), (name, Array("x".utf8))]))?.code == .unsafeEntry, "\(name) in a zip")
            if name.hasPrefix("../") { #expect(!FileManager.default.fileExists(atPath: parent.appendingPathComponent(String(name.dropFirst(3))).path)) }
        }
        let link = Self.tar([Self.tarEntry("organisations.yaml", []), Self.tarEntry("agreements", [], type: UInt8(ascii: "2"))])
        #expect(try Self.refusal(link)?.code == .unsafeEntry, "a link")
    }

    @Test func whatIsNotAConfigurationArchiveIsNamed() throws {
        let cases: [([UInt8], ProposalArchive.Refused.Code)] = [
            (Array("organisations: []".utf8), .notAnArchive),
            ([0x1F, 0x8B, 0x08, 0, 0, 0], .compressedTar),
            (Self.tar([Self.tarEntry("agreements/x.yaml", [])]), .noOrganisations),
            (try Self.zip([("readme.txt", [])]), .noOrganisations),
        ]
        for (bytes, code) in cases { #expect(try Self.refusal(bytes)?.code == code) }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
