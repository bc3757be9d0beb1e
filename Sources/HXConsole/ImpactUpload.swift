import Foundation
import HXAudit
import HXCanonical
import HXConfigFile
import HXImpact
import HXPlace
import HXProposal
import Hummingbird
import MultipartKit

/// The impact page (docs/design.md "IG change control"): an admin uploads a
/// proposed `config/` as a zip or tar, the console checks it with the rules of
/// `hx config check`, records the run in the audit trail and shows what the
/// proposal would start, stop or change on the window's traffic. Nothing is
/// applied from here.
extension ConsoleApplication {
    /// Days in the window at most; a longer report is a job for `hx config impact`, not a page request.
    static let impactMaxDays = 92

    func impactForm(_ session: StaffSession) -> Response {
        let today = Instant(Date()).ukDate
        let (y, m, d) = UKTime.civilFromDays(today.dayNumber - 7)
        let weekAgo = CalendarDate(year: y, month: m, day: d).map { "\($0)" } ?? ""
        return render("impact", ["csrf": session.csrfToken, "from": weekAgo, "to": "\(today)", "maxDays": Self.impactMaxDays],
                      title: "Impact of a proposed configuration", session: session)
    }

    /// The upload, as `multipart/form-data`: the archive, the window's first and last
    /// days (UK dates, both included) and the session's CSRF token.
    struct ImpactUploadForm: Decodable {
        var _csrf: String?
        var archive: UploadedFile?
        var from: String?
        var to: String?
    }

    /// A file field: its bytes and the name the browser gave it (MultipartKit hands the
    /// whole part to a `MultipartPartConvertible`; `Decodable` is only the decoder's entry).
    struct UploadedFile: Decodable, MultipartPartConvertible {
        var part: MultipartPart
        var multipart: MultipartPart? { part }
        init?(multipart: MultipartPart) { part = multipart }
        init(from decoder: any Decoder) throws {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a file field is read as a multipart part"))
        }
    }

    /// The window's first and last UK days → its first and last instant.
    static func window(from: String?, to: String?) throws -> (from: Instant, to: Instant) {
        guard let first = from.flatMap(CalendarDate.init), let last = to.flatMap(CalendarDate.init) else {
            throw ConsoleInputError(message: "The window's first and last days are dates such as 2026-11-18.")
        }
        guard first.dayNumber <= last.dayNumber, last.dayNumber - first.dayNumber < impactMaxDays else {
            throw ConsoleInputError(message: "The window runs forwards and spans at most \(impactMaxDays) days; for a longer one use hx config impact.")
        }
        /// Midnight in the UK at the start of a day (BST begins and ends at 01:00 UTC, so midnight is never ambiguous).
        func start(_ day: Int) -> Instant {
            let utc = Instant(millisecondsSinceEpoch: Int64(day) * 86_400_000)
            return Instant(millisecondsSinceEpoch: utc.millisecondsSinceEpoch - UKTime.offsetSeconds(at: utc) * 1000)
        }
        return (start(first.dayNumber), Instant(millisecondsSinceEpoch: start(last.dayNumber + 1).millisecondsSinceEpoch - 1))
    }

    func impactUpload(_ request: Request, _ context: ConsoleContext) async throws -> Response {
        let session: StaffSession
        switch authorise(context, Access.impact) {
        case .failure(let response): return response
        case .success(let s): session = s
        }
        let body = try await request.body.collect(upTo: ProposalArchive.maxBytes + (1 << 20))
        let boundary = request.headers[.contentType].flatMap(Self.boundary)
        let form = boundary.flatMap { try? FormDataDecoder().decode(ImpactUploadForm.self, from: body, boundary: $0) }
        guard let form, let csrf = form._csrf, StaffSessions.constantTimeEqual(session.csrfToken, csrf) else {
            return formExpired(session)
        }
        return try await guarded(session) { session in
            guard let part = form.archive?.part, part.body.readableBytes > 0 else {
                throw ConsoleInputError(message: "Choose the proposed configuration: a zip or tar of the config folder.")
            }
            let window = try Self.window(from: form.from, to: form.to)
            let name = Self.fileName(part) ?? "upload"
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hx-proposal-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let root: URL
            switch Result(catching: { () throws(ProposalArchive.Refused) in try ProposalArchive.unpack(Array(buffer: part.body), into: folder) }) {
            case .success(let found): root = found
            case .failure(let refused): throw ConsoleInputError(message: "\(name) cannot be read: \(refused.message) (\(refused.code.rawValue)).")
            }
            let (issues, proposed) = ConfigurationCheck.check(root)
            let errors = issues.filter { $0.severity == .error }
            guard let proposed, errors.isEmpty else {
                // Paths as the IG lead knows them: inside the archive, not our temporary folder.
                let shown = errors.map { $0.description.replacingOccurrences(of: folder.path + "/", with: "") }
                return render("impact-refused", ["name": name, "issues": shown, "count": shown.count], title: "Proposal not valid",
                              session: session, status: .unprocessableContent)
            }
            let report = try await backend.impact(of: proposed, named: name, from: window.from, to: window.to, by: session)
            let page = ImpactPage(current: backend.place, proposed: proposed, proposedName: name,
                                  from: AuditTime.rfc3339(window.from) ?? "", to: AuditTime.rfc3339(window.to) ?? "", report: report)
            return render("impact-report", page.context, title: "Impact of \(name)", session: session)
        }
    }

    static func boundary(_ contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].lowercased() == "boundary" { return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return nil
    }

    /// The file name the browser sent, without any folder part (for the audit record and the page).
    static func fileName(_ part: MultipartPart) -> String? {
        guard let disposition = part.headers.first(name: "Content-Disposition"),
              let range = disposition.range(of: "filename=\"") else { return nil }
        let rest = disposition[range.upperBound...]
        let raw = rest.prefix { $0 != "\"" }
        let name = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        return name.isEmpty ? nil : String(name.prefix(200))
    }
}
