import ArgumentParser
import Foundation
import HXMESH
import HXPlace

/// The MESH options of `hx deliver run` and `hx adapter run`: where MESH is,
/// and the files the secrets are read from (never `config/`).
struct MESHOptions: ParsableArguments {
    @Option(help: "MESH API address (e.g. https://msg.intspineservices.nhs.uk), for MESH recipients or a MESH adapter source.")
    var meshUrl: String?

    @Option(help: "MAILBOX=FILE: the password of one of our MESH mailboxes (a delivery block's mesh.mailbox, an adapter's source.mesh.mailbox), read from FILE (repeatable).")
    var meshPasswordFile: [String] = []

    @Option(help: "File holding the MESH environment's shared key for the NHSMESH authorisation.")
    var meshSharedKeyFile: String?

    @Option(help: "PEM file of the MESH client certificate (mutual TLS).")
    var meshClientCert: String?

    @Option(help: "PEM file of the MESH client certificate's private key.")
    var meshClientKey: String?

    @Option(help: "PEM file of the certificate authorities to trust for MESH (default: the system's).")
    var meshCa: String?

    @Option(help: "How often a MESH mailbox is polled, e.g. 5m (MESH's guidance: not more often than every 5 minutes).")
    var meshPollInterval: String = "5m"

    @Flag(help: "Allow --mesh-poll-interval under 5 minutes: for the MESH sandbox in tests and `hx run`, never against NHS England's MESH.")
    var meshSandboxPolling = false

    /// The options read now; nil when no --mesh-url is given. A missing or empty secret file, or a poll
    /// interval under MESH's guidance without --mesh-sandbox-polling, stops start-up (exit 78) naming it.
    func access(command: String) throws -> MESHAccess? {
        let secrets = SecretFiles(command: command)
        guard let meshUrl else {
            if meshSharedKeyFile != nil || !meshPasswordFile.isEmpty { secrets.refuse("--mesh-password-file and --mesh-shared-key-file need --mesh-url") }
            return nil
        }
        guard let keyFile = meshSharedKeyFile else { secrets.refuse("--mesh-url needs --mesh-shared-key-file FILE") }
        var access = MESHAccess(url: meshUrl, passwords: try secrets.pairs(meshPasswordFile, option: "--mesh-password-file"),
                                sharedKey: try secrets.read(keyFile, label: "--mesh-shared-key-file \(keyFile)"))
        for (option, path) in [("--mesh-client-cert", meshClientCert), ("--mesh-client-key", meshClientKey), ("--mesh-ca", meshCa)] {
            if let path, !FileManager.default.isReadableFile(atPath: path) { secrets.refuse("\(option) \(path): the file cannot be read") }
        }
        if (meshClientCert == nil) != (meshClientKey == nil) { secrets.refuse("--mesh-client-cert and --mesh-client-key go together") }
        access.clientCertificateFile = meshClientCert
        access.clientKeyFile = meshClientKey
        access.caFile = meshCa
        guard let ms = ConfigDuration.milliseconds(meshPollInterval) else {
            secrets.refuse("--mesh-poll-interval \(meshPollInterval): expected a duration such as 5m or 30s")
        }
        let interval = Duration.milliseconds(ms)
        if interval < MESHAccess.guidancePollInterval && !meshSandboxPolling {
            secrets.refuse("--mesh-poll-interval \(meshPollInterval) is more often than MESH's guidance (every 5 minutes at most); --mesh-sandbox-polling allows it against a sandbox")
        }
        access.pollInterval = interval
        return access
    }
}

/// Secrets read from files at start-up: a missing, unreadable or empty one stops the command (exit 78)
/// naming the option and the file, never the secret.
struct SecretFiles {
    /// How the command names itself in its messages, e.g. `hx deliver run`.
    let command: String

    func refuse(_ problem: String) -> Never {
        FileHandle.standardError.write(Data("\(command): \(problem)\n".utf8))
        Foundation.exit(78)
    }

    /// One secret file: its content without surrounding white space.
    func read(_ path: String, label: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
            FileHandle.standardError.write(Data("\(command): \(label): the file cannot be read or is empty\n".utf8))
            throw ExitCode(78)
        }
        return text
    }

    /// `NAME=FILE` pairs read now, by name.
    func pairs(_ pairs: [String], option: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                FileHandle.standardError.write(Data("\(command): \(option) \(pair): expected NAME=FILE\n".utf8))
                throw ExitCode(78)
            }
            out[parts[0]] = try read(parts[1], label: "\(option) \(pair)")
        }
        return out
    }
}
