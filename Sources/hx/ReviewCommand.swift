import ArgumentParser
import Foundation
import HXCanonical
import HXIdentityMatch
import HXOperations
import HXPlace
import HXReview
import Logging

struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Work the identity review queue: messages held because the router could not tell who they are about.",
        discussion: """
        The queue is hx.review.v1 less the resolutions on hx.review-resolution.v1. A resolution (link or reject, with a \
        reason) is recorded in the reviewer's audit chain reviewer:<name> before the router sees it; the router then \
        decides the held message again, once. Exit 65 when a resolution is refused (unknown item, already resolved, no \
        reason, an NHS number that fails its check digit), 78 for a configuration error.
        """,
        subcommands: [List.self, Link.self, Reject.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The open items, oldest first: place, age, reason, message type, source, candidates.",
            discussion: """
            Without --identifiers, no patient identifier is printed (a shell's scrollback and logs outlive the task), \
            which is all an operator needs. A reviewer adds --identifiers to see each item's demographics beside its \
            candidates' with how every field agreed (exact, close, different, missing) and the scores.
            """
        )

        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var config: ConfigDirectoryOption
        @Flag(help: "Show each item's demographics and its candidates (reviewers only).") var identifiers = false

        func run() async throws {
            LogSetup.bootstrap()
            let place = try RouterCommand.load(config.url)
            let store = ReviewStore(client: try kafka.clientConfiguration(clientID: "hx-review"))
            let snapshot: ReviewSnapshot
            do { snapshot = try await store.snapshot(withFacts: true) } catch {
                await store.close()
                throw error
            }
            await store.close()
            let now = Instant(Date())
            let open = snapshot.open
            for item in open {
                let message = item.message
                let candidates = message.map { ReviewCandidates.candidates(for: $0.subject, in: snapshot.identities, rule: place.identityRule) } ?? []
                let age = item.age(at: now).map(ReviewSummary.age) ?? "?"
                print([item.place.description, age, item.reasonCode, message?.type.rawValue ?? "?", message?.source.organisation ?? "?",
                       "\(candidates.count) candidates"].joined(separator: "\t"))
                guard identifiers, let view = ReviewItemView(item, candidates: candidates) else { continue }
                print("  item \(item.item)")
                for row in view.subject where !row.held.isEmpty { print("  \(row.field.rawValue): \(row.held)") }
                if let practice = view.registeredPractice { print("  registered practice: \(practice)") }
                for c in view.candidates {
                    print("  candidate \(c.nhsNumber) score \(MatchScore.text(c.total))")
                    for f in c.fields {
                        let how = f.detail.isEmpty ? f.agreement.rawValue : "\(f.agreement.rawValue)(\(f.detail))"
                        print("    \(f.field.rawValue): \(f.value.isEmpty ? "-" : f.value)  \(how) \(MatchScore.signed(f.weight))")
                    }
                }
            }
            print(ReviewQueue.summary(open, at: now).text)
        }
    }

    struct Resolve: ParsableArguments {
        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var config: ConfigDirectoryOption
        @Option(help: "The held message: its place P-O as `hx review list` prints it, or its decision id.") var item: String
        @Option(help: "Why, in your words (recorded in the audit log).") var reason: String
        @Option(help: "Who is resolving it, recorded in the audit log (env HX_REVIEWER, else the login name).") var reviewer: String?
        @Option(help: "File holding the audit HMAC key (env HX_AUDIT_KEY_FILE).") var auditKeyFile: String?

        func resolve(_ action: ReviewResolution.Action, nhsNumber: String?) async throws {
            LogSetup.bootstrap()
            let env = ProcessInfo.processInfo.environment
            let who = reviewer ?? env["HX_REVIEWER"] ?? env["USER"] ?? env["LOGNAME"] ?? ""
            let place = try RouterCommand.load(config.url)
            let client = try kafka.clientConfiguration(clientID: "hx-review")
            let store = ReviewStore(client: client)
            let resolver = ReviewResolver(client: client, key: try loadAuditKey(auditKeyFile), configurationDigest: place.configurationDigest,
                                          logger: Logger(label: "hx.review"))
            let receipt: ResolutionReceipt
            do {
                receipt = try await resolver.resolve(
                    ResolutionRequest(item: item, action: action, nhsNumber: nhsNumber, reason: reason, reviewer: who), role: "identity-reviewer",
                    store: store)
            } catch let refusal as ResolutionRefusal {
                await store.close()
                FileHandle.standardError.write(Data("hx review: \(refusal)\n".utf8))
                throw ExitCode(65)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
            print("\(receipt.place)\t\(receipt.action == .link ? "linked" : "rejected"), resolution \(receipt.resolutionId), audit \(receipt.chainId) #\(receipt.auditSequence); the router decides it again")
        }
    }

    struct Link: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Link a held message to one person's NHS number (checked with its check digit); the router then routes it to them.")
        @OptionGroup var resolve: Resolve
        @Option(help: "The person's NHS number, 10 digits or 3-3-4.") var nhsNumber: String

        func run() async throws { try await resolve.resolve(.link, nhsNumber: nhsNumber) }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reject a held message: the router records it as rejected and delivers it nowhere.")
        @OptionGroup var resolve: Resolve

        func run() async throws { try await resolve.resolve(.reject, nhsNumber: nil) }
    }
}
