import ArgumentParser
import Foundation
import HXKafka
import HXOperations
import Logging

struct DeadLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "List the dead letters on hx.dlq.v1, and replay them after a fix.",
        subcommands: [List.self, Replay.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per dead letter, newest first: place, age, stage, adapter, reason and where. Never the content.")

        @OptionGroup var kafka: KafkaOptions

        func run() async throws {
            LogSetup.bootstrap()
            let store = DeadLetterStore(client: try kafka.clientConfiguration(clientID: "hx-dlq"))
            let letters = try await store.all()
            await store.close()
            let now = Date()
            for l in letters {
                let age = l.age(at: now).map { "\(Int($0)) s" } ?? "?"
                print([l.ref.description, age, l.stage.rawValue, l.adapter ?? "-", l.reasonCode, l.location].joined(separator: "\t"))
            }
            print("\(letters.count) dead letters")
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-send dead letters through their adapter's translator as configured now.",
            discussion: """
            Each REF is a dead letter's place, PARTITION-OFFSET, as `hx dlq list` prints it. Without --confirm, \
            prints what would be re-sent and sends nothing. With it, the messages and one dead-letter-replay \
            audit record per dead letter (in the chain operator:<actor>) are written in one Kafka transaction.
            """
        )

        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var config: ConfigDirectoryOption
        @Argument(help: "Dead letters to replay, as PARTITION-OFFSET.") var refs: [String]
        @Option(help: "Folder of adapters whose configuration translates the replay.") var adapters: String = "adapters"
        @Option(help: "Who is replaying, recorded in the audit log (env HX_OPERATOR, else the login name).") var actor: String?
        @Option(help: "File holding the audit HMAC key (env HX_AUDIT_KEY_FILE).") var auditKeyFile: String?
        @Flag(help: "Send; without it, only say what would be sent.") var confirm = false

        func run() async throws {
            LogSetup.bootstrap()
            let parsed = try refs.map { text in
                guard let ref = DeadLetterRef(text) else { throw ValidationError("\(text) is not PARTITION-OFFSET") }
                return ref
            }
            let env = ProcessInfo.processInfo.environment
            let who = actor ?? env["HX_OPERATOR"] ?? env["USER"] ?? env["LOGNAME"] ?? "unknown"
            let place = try RouterCommand.load(config.url)
            let planner = ReplayPlanner(adapters: try AdapterCatalogue.checked(adapters: adapters, config: config.url).load())
            let client = try kafka.clientConfiguration(clientID: "hx-dlq")
            let store = DeadLetterStore(client: client)
            let letters = try await store.letters(parsed)
            if let missing = parsed.first(where: { ref in !letters.contains { $0.ref == ref } }) {
                await store.close()
                throw ValidationError("no dead letter at \(missing)")
            }
            var items: [ReplayItem] = []
            for letter in letters { items.append(planner.plan(letter, value: try await store.value(letter.ref) ?? [])) }
            await store.close()
            guard confirm else {
                for item in items { print("\(item.deadLetter.ref)\t\(item.verdict.summary)") }
                print("\(items.filter(\.isReady).count) of \(items.count) would be re-sent; add --confirm to send")
                return
            }
            let replayer = DeadLetterReplayer(client: client, key: try loadAuditKey(auditKeyFile), configurationDigest: place.configurationDigest,
                                              logger: Logger(label: "hx.dlq"))
            let outcomes = try await replayer.replay(items, actor: who, role: "operator")
            for o in outcomes {
                print("\(o.ref)\t" + (o.auditSequence.map { "re-sent (\(o.verdict.summary)), audit \(DeadLetterReplayer.chainId(actor: who)) #\($0)" } ?? o.verdict.summary))
            }
            if outcomes.contains(where: { $0.auditSequence == nil }) { throw ExitCode(1) }
        }
    }
}
