import Foundation
import HXPlace
import ZIPFoundation

/// A proposed configuration as an IG lead uploads it to the console: a zip or a
/// plain tar of a `config/` folder, unpacked into a folder of our own so that
/// `ConfigurationCheck` and the impact report read it like any other.
///
/// An upload is untrusted: entries may only be files and folders inside the
/// archive (no links, no absolute paths, no `..`), and the whole is bounded in
/// size and count, so a hostile archive can fill neither the disk nor memory.
package enum ProposalArchive {
    /// Why an upload is not a configuration we can read; `code` is stable.
    package struct Refused: Error, Sendable, Equatable, CustomStringConvertible {
        package enum Code: String, Sendable {
            case notAnArchive = "proposal-not-an-archive"
            case compressedTar = "proposal-compressed-tar"
            case unsafeEntry = "proposal-unsafe-entry"
            case tooLarge = "proposal-too-large"
            case unreadable = "proposal-unreadable"
            case noOrganisations = "proposal-no-organisations"
        }

        package var code: Code
        package var message: String
        package var description: String { "\(code.rawValue): \(message)" }
    }

    /// A real `config/` is tens of files and well under a megabyte.
    package static let maxEntries = 2_000
    package static let maxBytes = 16 << 20

    /// Unpacks `bytes` under `folder` (which must exist and be empty) and returns the
    /// folder in it that holds `organisations.yaml`: the archive's root or the `config/`
    /// (or any one folder) the IG lead zipped.
    package static func unpack(_ bytes: [UInt8], into folder: URL) throws(Refused) -> URL {
        let files: [(path: [String], bytes: [UInt8])]
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            files = try zipEntries(bytes)
        } else if bytes.starts(with: [0x1F, 0x8B]) {
            throw Refused(code: .compressedTar, message: "a compressed (gzip) file: upload a zip, or a tar made without -z")
        } else if bytes.count >= 512, Array(bytes[257..<262]) == Array("ustar".utf8) {
            files = try tarEntries(bytes)
        } else {
            throw Refused(code: .notAnArchive, message: "neither a zip nor a tar file")
        }
        do {
            for file in files {
                let url = file.path.reduce(folder) { $0.appendingPathComponent($1) }
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(file.bytes).write(to: url, options: .withoutOverwriting)
            }
        } catch {
            throw Refused(code: .unreadable, message: "could not unpack it: \(error.localizedDescription)")
        }
        // The shallowest organisations.yaml is the configuration's root.
        let roots = files.filter { $0.path.last == PlaceConfiguration.organisationsFile }.map { $0.path.dropLast() }
        guard let root = roots.min(by: { $0.count < $1.count }) else {
            throw Refused(code: .noOrganisations, message: "it holds no \(PlaceConfiguration.organisationsFile): upload a zip or tar of the config folder")
        }
        return root.reduce(folder) { $0.appendingPathComponent($1, isDirectory: true) }
    }

    /// `name` split into its parts, or a refusal naming it when it could leave the folder.
    static func safePath(_ name: String) throws(Refused) -> [String] {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !name.hasPrefix("/"), !name.contains("\\"), !name.contains("\0"), !parts.contains("..") else {
            throw Refused(code: .unsafeEntry, message: "entry '\(name)' points outside the archive")
        }
        let kept = parts.filter { !$0.isEmpty && $0 != "." }
        guard !kept.isEmpty else { throw Refused(code: .unsafeEntry, message: "an entry without a name") }
        return kept
    }

    static func zipEntries(_ bytes: [UInt8]) throws(Refused) -> [(path: [String], bytes: [UInt8])] {
        let archive: Archive
        do {
            archive = try Archive(data: Data(bytes), accessMode: .read)
        } catch {
            throw Refused(code: .unreadable, message: "not a readable zip file")
        }
        var files: [(path: [String], bytes: [UInt8])] = []
        var total = 0
        for entry in archive {
            switch entry.type {
            case .directory: continue
            case .symlink: throw Refused(code: .unsafeEntry, message: "entry '\(entry.path)' is a link; only files and folders are read")
            case .file: break
            }
            let path = try safePath(entry.path)
            total += Int(clamping: entry.uncompressedSize)
            guard files.count < maxEntries, total <= maxBytes else {
                throw Refused(code: .tooLarge, message: "more than \(maxEntries) files or \(maxBytes >> 20) MiB unpacked")
            }
            var content: [UInt8] = []
            do {
                _ = try archive.extract(entry) { chunk in
                    content.append(contentsOf: chunk)
                    // The declared size can lie; the bytes cannot.
                    guard content.count <= maxBytes else { throw Refused(code: .tooLarge, message: "entry '\(entry.path)' unpacks beyond \(maxBytes >> 20) MiB") }
                }
            } catch let refused as Refused {
                throw refused
            } catch {
                throw Refused(code: .unreadable, message: "entry '\(entry.path)' could not be read (damaged zip)")
            }
            files.append((path, content))
        }
        return files
    }

    /// POSIX ustar, as `tar -cf` writes it (GNU's long-name entries too). Links, devices
    /// and other special entries are refused; pax headers carry only times and are skipped.
    static func tarEntries(_ bytes: [UInt8]) throws(Refused) -> [(path: [String], bytes: [UInt8])] {
        var files: [(path: [String], bytes: [UInt8])] = []
        var at = 0
        var longName: String?
        var total = 0
        while at + 512 <= bytes.count {
            let header = bytes[at..<at + 512]
            if header.allSatisfy({ $0 == 0 }) { break }
            let name = field(header, 0, 100), prefix = field(header, 345, 155)
            guard let size = Int(field(header, 124, 12).trimmingCharacters(in: .whitespaces), radix: 8), size >= 0,
                  at + 512 + size <= bytes.count else {
                throw Refused(code: .unreadable, message: "a damaged tar header at byte \(at)")
            }
            let content = Array(bytes[(at + 512)..<(at + 512 + size)])
            at += 512 + (size + 511) / 512 * 512
            let full = longName ?? (prefix.isEmpty ? name : prefix + "/" + name)
            switch bytes[header.startIndex + 156] {
            case UInt8(ascii: "L"):
                longName = String(decoding: content.prefix { $0 != 0 }, as: UTF8.self)
                continue
            case UInt8(ascii: "x"), UInt8(ascii: "g"):
                continue
            case UInt8(ascii: "5"):
                longName = nil
                continue
            case UInt8(ascii: "0"), 0:
                longName = nil
                total += size
                guard files.count < maxEntries, total <= maxBytes else {
                    throw Refused(code: .tooLarge, message: "more than \(maxEntries) files or \(maxBytes >> 20) MiB unpacked")
                }
                files.append((try safePath(full), content))
            default:
                throw Refused(code: .unsafeEntry, message: "entry '\(full)' is a link or a special file; only files and folders are read")
            }
        }
        return files
    }

    /// A NUL-terminated text field of a tar header.
    static func field(_ header: ArraySlice<UInt8>, _ offset: Int, _ length: Int) -> String {
        let start = header.startIndex + offset
        return String(decoding: header[start..<start + length].prefix { $0 != 0 }, as: UTF8.self)
    }
}
