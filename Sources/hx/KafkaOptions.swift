import ArgumentParser
import Foundation
import HXAccess
import HXKafka

/// How a command reaches Kafka. Every value also comes from the environment,
/// so a systemd unit or container sets it once.
struct KafkaOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Kafka bootstrap servers, comma separated (env HX_BOOTSTRAP_SERVERS).", valueName: "host:port,..."))
    var bootstrapServers: String = ProcessInfo.processInfo.environment["HX_BOOTSTRAP_SERVERS"] ?? "127.0.0.1:9092"

    @Option(name: .long, help: "security.protocol: plaintext, ssl, sasl_plaintext or sasl_ssl (env HX_KAFKA_SECURITY).")
    var securityProtocol: String = ProcessInfo.processInfo.environment["HX_KAFKA_SECURITY"] ?? "plaintext"

    @Option(name: .long, help: "CA certificate file that signed the brokers' certificates (env HX_KAFKA_CA).")
    var sslCA: String?

    @Option(name: .long, help: "This client's certificate for mutual TLS (env HX_KAFKA_CERT).")
    var sslCertificate: String?

    @Option(name: .long, help: "This client's private key for mutual TLS (env HX_KAFKA_KEY).")
    var sslKey: String?

    @Option(name: .long, help: "SASL mechanism, e.g. SCRAM-SHA-512 (env HX_KAFKA_SASL_MECHANISM).")
    var saslMechanism: String = ProcessInfo.processInfo.environment["HX_KAFKA_SASL_MECHANISM"] ?? "SCRAM-SHA-512"

    @Option(name: .long, help: "SASL user name (env HX_KAFKA_SASL_USERNAME).")
    var saslUsername: String?

    @Option(name: .long, help: "File holding the SASL password, so it stays out of process listings (env HX_KAFKA_SASL_PASSWORD_FILE).")
    var saslPasswordFile: String?

    @Option(name: .customLong("kafka-property"), help: ArgumentHelp("Any other librdkafka property; repeatable.", valueName: "name=value"))
    var kafkaProperties: [String] = []

    private func value(_ option: String?, env name: String) -> String? {
        option ?? ProcessInfo.processInfo.environment[name]
    }

    func clientConfiguration(clientID: String) throws -> KafkaClientConfiguration {
        let sslCA = value(sslCA, env: "HX_KAFKA_CA"), sslCertificate = value(sslCertificate, env: "HX_KAFKA_CERT")
        let sslKey = value(sslKey, env: "HX_KAFKA_KEY"), saslUsername = value(saslUsername, env: "HX_KAFKA_SASL_USERNAME")
        let saslPasswordFile = value(saslPasswordFile, env: "HX_KAFKA_SASL_PASSWORD_FILE")
        var configuration = KafkaClientConfiguration(bootstrapServers: bootstrapServers.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
        configuration.clientID = clientID
        guard let transport = KafkaSecurity.TransportProtocol(rawValue: securityProtocol.lowercased()) else {
            throw ValidationError("--security-protocol must be plaintext, ssl, sasl_plaintext or sasl_ssl, not '\(securityProtocol)'")
        }
        // Every named file is checked before librdkafka starts: a missing or wrong certificate
        // otherwise shows up as endless reconnects that name no file.
        let problems = CredentialFiles.problems(CredentialFiles.Settings(
            tls: transport == .ssl || transport == .saslSSL, sasl: transport == .saslPlaintext || transport == .saslSSL,
            ca: sslCA, certificate: sslCertificate, key: sslKey, saslUsername: saslUsername, saslPasswordFile: saslPasswordFile))
        if !problems.isEmpty {
            for problem in problems { FileHandle.standardError.write(Data("hx: error: Kafka security: \(problem)\n".utf8)) }
            throw ExitCode(78)  // EX_CONFIG
        }
        var security = KafkaSecurity(transport: transport)
        if transport == .ssl || transport == .saslSSL {
            security.tls = KafkaSecurity.TLS(caLocation: sslCA, certificateLocation: sslCertificate, keyLocation: sslKey)
        }
        if transport == .saslPlaintext || transport == .saslSSL {
            guard let saslUsername, let saslPasswordFile else {
                throw ValidationError("SASL needs --sasl-username and --sasl-password-file")
            }
            let password: String
            do {
                password = try String(contentsOfFile: saslPasswordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw ValidationError("cannot read the SASL password file \(saslPasswordFile): \(error.localizedDescription)")
            }
            security.sasl = KafkaSecurity.SASL(mechanism: saslMechanism, username: saslUsername, password: password)
        }
        configuration.security = security
        for property in kafkaProperties {
            guard let equals = property.firstIndex(of: "=") else {
                throw ValidationError("--kafka-property takes name=value, not '\(property)'")
            }
            configuration.properties[String(property[..<equals])] = String(property[property.index(after: equals)...])
        }
        return configuration
    }
}

struct ConfigDirectoryOption: ParsableArguments {
    @Option(name: .long, help: "The place's configuration folder (env HX_CONFIG).")
    var config: String = ProcessInfo.processInfo.environment["HX_CONFIG"] ?? "config"

    var url: URL { URL(fileURLWithPath: config, isDirectory: true) }
}
