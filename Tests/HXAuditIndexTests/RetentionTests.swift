import Foundation
import HXAuditIndex
import HXConfigFile
import Testing

@Suite struct RetentionTests {
    static func directory(_ yaml: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hx-retention-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(yaml.utf8).write(to: dir.appendingPathComponent(AuditRetention.fileName))
        return dir
    }

    @Test func readsTheYearsAndCutsAtTheSameMomentThatManyYearsBefore() throws {
        let r = try AuditRetention.load(directory: try Self.directory("# kept\nretentionYears: 8\n"))
        #expect(r.years == 8)
        let now = try Date("2034-11-18T11:06:40.255Z", strategy: .iso8601)
        #expect(r.cutoff(now: now) == "2026-11-18T11:06:40.255Z")
        // 29 February has no twin in a common year: the day before it is used.
        #expect(AuditRetention(years: 1).cutoff(now: try Date("2028-02-29T00:00:00.000Z", strategy: .iso8601)) == "2027-02-28T00:00:00.000Z")
    }

    @Test(arguments: [
        ("retentionYears: 0\n", 1, "retentionYears"),
        ("# years\nretentionYears: eight\n", 2, "retentionYears"),
        ("retentionYears: 8\nkeepForever: true\n", 2, "keepForever"),
        ("# nothing\n{}\n", 2, "retentionYears"),
    ])
    func aBadFileNamesItsLineAndProblem(yaml: String, line: Int, names: String) throws {
        let dir = try Self.directory(yaml)
        do {
            _ = try AuditRetention.load(directory: dir)
            Issue.record("accepted \(yaml.debugDescription)")
        } catch {
            let issue = try #require(error.issues.first)
            #expect(issue.file.hasSuffix(AuditRetention.fileName))
            #expect(issue.line == line, "\(issue)")
            #expect(issue.message.contains(names), "\(issue)")
        }
    }
}
