import ArgumentParser
import Foundation
import HXAudit
import HXAuditIndex
import HXConfigFile
import HXConsole
import HXKafka
import HXOperations
import HXPlace
import Logging
import ServiceLifecycle

struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "The web console for operators and auditors, and its users.",
        subcommands: [Serve.self, User.self],
        defaultSubcommand: Serve.self
    )

    /// Where the users file is: not in config/, since it belongs to the host, not the place.
    struct UsersOption: ParsableArguments {
        @Option(help: ArgumentHelp("The console's users file (env HX_CONSOLE_USERS).", valueName: "path"))
        var users: String = ProcessInfo.processInfo.environment["HX_CONSOLE_USERS"] ?? "var/console-users.yaml"
    }

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve the console (the default): overview, topics, consumer groups, dead letters and replay, agreements, audit.",
            discussion: """
            Pages are server-rendered and need no script. Sign-in is through the OpenID Connect provider of --oidc \
            when given, else by the users of --users (add them with `hx console user add`). Operators see operations and replay dead letters; auditors search the audit \
            log and are the only role shown patient identifiers, each view recorded on hx.audit.ig.v1 first; \
            admins also see the users. Cookies are Secure: serve it behind TLS, or open it as http://localhost \
            on the machine itself. /health and /metrics need no sign-in and show no patient data.
            """
        )

        @OptionGroup var config: ConfigDirectoryOption
        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var index: AuditIndexOptions
        @OptionGroup var users: UsersOption

        @Option(help: "Folder of adapters, whose configuration a replay translates with.")
        var adapters: String = "adapters"

        @Option(help: ArgumentHelp("Address and port to listen on.", valueName: "host:port"))
        var listen: String = "127.0.0.1:8090"

        @Option(help: "File holding the audit HMAC key (env HX_AUDIT_KEY_FILE), for the records of replays and auditors' access.")
        var auditKeyFile: String?

        @Option(help: "Seconds between samples of the cluster (offsets, lag, heartbeats).")
        var sampleInterval: Int = 10

        @Option(help: ArgumentHelp(
            "Sign staff in through this OpenID Connect provider (env HX_CONSOLE_OIDC); the users file is then off unless it sets localUsers: true.",
            valueName: "path"))
        var oidc: String?

        @Option(help: ArgumentHelp("Prometheus to ask for firing alerts, shown on the overview (env HX_PROMETHEUS_URL).", valueName: "url"))
        var prometheusUrl: String?

        func run() async throws {
            LogSetup.bootstrap()
            let logger = Logger(label: "hx.console")
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
                throw ValidationError("--listen must be host:port, not '\(listen)'")
            }
            let host = String(listen[..<colon])
            var oidcConfiguration: OIDCConfiguration?
            if let oidc = oidc ?? ProcessInfo.processInfo.environment["HX_CONSOLE_OIDC"] {
                do {
                    oidcConfiguration = try OIDCConfiguration.load(URL(fileURLWithPath: oidc))
                } catch {
                    report(error.issues)
                    throw ExitCode(78)
                }
            }
            // With OIDC and no break-glass, nobody signs in with a password: the users file is not read.
            var staff = StaffDirectory(members: [])
            if oidcConfiguration?.localUsers ?? true {
                do {
                    staff = try StaffDirectory.load(URL(fileURLWithPath: users.users))
                } catch {
                    report(error.issues)
                    throw ExitCode(78)
                }
            }
            let place = try RouterCommand.load(config.url)
            let catalogue = try AdapterCatalogue.checked(adapters: adapters, config: config.url)
            let client = try kafka.clientConfiguration(clientID: "hx-console")
            let key = try loadAuditKey(auditKeyFile)
            var prometheus: URL?
            if let prometheusUrl = prometheusUrl ?? ProcessInfo.processInfo.environment["HX_PROMETHEUS_URL"] {
                guard let url = URL(string: prometheusUrl), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                    FileHandle.standardError.write(Data("hx console: --prometheus-url '\(prometheusUrl)' is not an http(s) address\n".utf8))
                    throw ExitCode(78)
                }
                prometheus = url
            }
            let store = try await index.open()
            let console = try LiveConsole(
                client: client, place: place, adapters: catalogue, index: store, staff: staff, key: key,
                sampleInterval: .seconds(sampleInterval), host: host, port: port, prometheus: prometheus, oidc: oidcConfiguration, logger: logger)
            let group = ServiceGroup(configuration: .init(
                services: console.services(stopGroupWithServer: true),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            logger.info("console starting", metadata: [
                "users": "\(staff.members.count)", "adapters": "\(adapters)", "oidc": "\(oidcConfiguration.map { $0.issuer } ?? "off")",
                "localUsers": "\(oidcConfiguration?.localUsers ?? true)",
            ])
            do {
                try await group.run()
            } catch {
                await console.close()
                throw error
            }
            await console.close()
        }
    }

    struct User: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage the console's users.",
            subcommands: [Add.self]
        )

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a user, or set an existing user's role and password.",
                discussion: "The password is read from the terminal without echo, or from the first line of standard input; only its bcrypt hash is stored."
            )

            @OptionGroup var users: UsersOption
            @Argument(help: "User name: letters, digits and . - _ @ (recorded in the audit log as the actor).") var name: String
            @Option(help: "operator, auditor, admin or identity-reviewer.") var role: String
            @Option(help: .hidden) var bcryptCost: UInt8 = 12

            func validate() throws {
                guard StaffDirectory.isValidName(name) else { throw ValidationError("user name '\(name)' may hold only letters, digits and . - _ @") }
                guard StaffRole(rawValue: role) != nil else { throw ValidationError("--role must be operator, auditor, admin or identity-reviewer, not '\(role)'") }
                guard (4...16).contains(bcryptCost) else { throw ValidationError("--bcrypt-cost must be 4...16") }
            }

            func run() throws {
                let url = URL(fileURLWithPath: users.users)
                var directory = StaffDirectory(members: [])
                if FileManager.default.fileExists(atPath: url.path) {
                    do {
                        directory = try StaffDirectory.load(url)
                    } catch {
                        // An empty file is a new one; anything else wrong stops here.
                        if !(error.issues.count == 1 && error.issues[0].message.hasPrefix("no users")) {
                            report(error.issues)
                            throw ExitCode(78)
                        }
                    }
                }
                let password: String
                if isatty(0) == 1 {
                    guard let typed = getpass("Password for \(name): ") else { throw ValidationError("no password given") }
                    password = String(cString: typed)
                } else {
                    password = readLine(strippingNewline: true) ?? ""
                }
                guard password.count >= 12 else { throw ValidationError("the password must have at least 12 characters") }
                directory.set(name: name, role: StaffRole(rawValue: role)!, password: password, cost: bcryptCost)
                try directory.save(to: url)
                print("\(name) (\(role)) saved in \(url.path)")
            }
        }
    }
}

extension AdapterCatalogue {
    /// The adapters under `adapters`, checked against the place's sensitivity codes;
    /// a broken adapter.yaml stops the command naming file and line (exit 78).
    static func checked(adapters: String, config: URL) throws -> AdapterCatalogue {
        let catalogue = AdapterCatalogue(
            directory: URL(fileURLWithPath: adapters, isDirectory: true), sensitivityCodes: config.appendingPathComponent("sensitivity-codes.yaml"))
        do {
            _ = try catalogue.load()
        } catch {
            report(error.issues)
            throw ExitCode(78)
        }
        return catalogue
    }
}
