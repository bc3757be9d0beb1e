import ArgumentParser
import Foundation
import HXAudit
import HXAuditIndex
import HXPlace
import HXSubjectAccess

extension AuditCommand {
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a person's subject access report (HTML, printable) from the audit index.",
            discussion: """
            Every decision about the person's information in the index: when, from whom, to whom, what kind, under \
            which agreement, and why anything was withheld or removed, in plain words. Organisation and agreement \
            names come from --config. The report is recorded on the audit topic (who, when, whose) before it is made. Index the topic first (`hx audit index`) so the report is complete.
            """
        )

        @OptionGroup var index: AuditIndexOptions
        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var auditor: AuditorOptions
        @Option(help: "The person's ten-digit NHS number.") var nhsNumber: String
        @Option(help: "Write the report here instead of standard output.") var output: String?

        func validate() throws {
            guard nhsNumber.count == 10, nhsNumber.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw ValidationError("--nhs-number must be ten digits")
            }
        }

        func run() async throws {
            LogSetup.bootstrap()
            let place = try auditor.place()
            try await auditor.record("subject-access-report", query: output.map { "output=\($0)" } ?? "output=stdout", nhsNumber: nhsNumber, place: place, kafka: kafka)
            // A person's whole history: far more than any one person has, so nothing is cut off.
            let found = try await index.withStore { try await $0.search(AuditQuery(nhsNumber: nhsNumber, limit: 1_000_000)) }
            let html = SubjectAccessReport(
                nhsNumber: nhsNumber, records: found.map(\.record), place: place, generatedAt: Date().ISO8601Format()
            ).html()
            if let output {
                try Data(html.utf8).write(to: URL(fileURLWithPath: output))
                print("wrote \(output): \(found.count) decisions")
            } else {
                print(html, terminator: "")
            }
        }
    }
}
