import ArgumentParser
import Foundation
import Logging

@main
struct HX: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hx",
        abstract: "One Halton Exchange: share discharge summaries, social care notifications and referrals between Halton's health and care organisations, under data sharing agreements, with an audit trail.",
        discussion: "Start with `hx run` to see the system on its embedded defaults, or `hx <subcommand> --help`.",
        subcommands: [
            RunCommand.self, AdapterCommand.self, TranslateCommand.self, RouteCommand.self, TestCommand.self, ConfigCommand.self,
            ConsentCommand.self, RouterCommand.self, AuditCommand.self, ConsoleCommand.self, DeadLetterCommand.self,
            TopicsCommand.self, TailCommand.self, DevCommand.self, AclCommand.self, DeliverCommand.self, AgreementsCommand.self,
            IdentityCommand.self, ReviewCommand.self,
        ]
    )
}

/// Logs go to standard error; the level comes from HX_LOG_LEVEL (default info).
/// Application logs never carry patient data, only ids, codes and counts.
enum LogSetup {
    static func bootstrap() {
        let level = ProcessInfo.processInfo.environment["HX_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
