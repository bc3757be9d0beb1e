import Foundation

/// A TLS or SASL file a service was told to use, found wanting before librdkafka
/// starts (librdkafka would otherwise retry for ever or say little about which file).
package struct CredentialFileProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable reason codes, for runbooks and tests.
    package enum Reason: String, Sendable {
        case missing = "file-missing"
        case unreadable = "file-unreadable"
        case notPEM = "not-pem"
        case wrongPEMKind = "wrong-pem-kind"
        case empty = "file-empty"
        case certificateWithoutKey = "certificate-without-key"
        case keyWithoutCertificate = "key-without-certificate"
        case saslIncomplete = "sasl-incomplete"
    }

    package var reason: Reason
    /// The option that named the file (e.g. `--ssl-ca`), and its environment variable.
    package var option: String
    package var path: String?
    package var detail: String

    package var description: String {
        "\(option)\(path.map { " \($0)" } ?? ""): \(detail) [\(reason.rawValue)]"
    }
}

/// Checks the files of a Kafka client's security settings. Pure apart from the
/// `read` it is given, so tests and the command share it.
package enum CredentialFiles {
    package enum Kind: Sendable { case certificate, privateKey }

    package struct Settings: Sendable {
        package var tls: Bool
        package var sasl: Bool
        package var ca: String?
        package var certificate: String?
        package var key: String?
        package var saslUsername: String?
        package var saslPasswordFile: String?

        package init(tls: Bool, sasl: Bool, ca: String? = nil, certificate: String? = nil, key: String? = nil,
                    saslUsername: String? = nil, saslPasswordFile: String? = nil) {
            self.tls = tls
            self.sasl = sasl
            self.ca = ca
            self.certificate = certificate
            self.key = key
            self.saslUsername = saslUsername
            self.saslPasswordFile = saslPasswordFile
        }
    }

    /// What reading a path gave: nil bytes when it does not exist, an error text when it exists but cannot be read.
    package enum ReadResult: Sendable {
        case bytes([UInt8]), missing, unreadable(String)
    }

    package static func fileSystemRead(_ path: String) -> ReadResult {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .missing }
        if isDirectory.boolValue { return .unreadable("is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else { return .unreadable("cannot be read (permissions?)") }
        return .bytes(Array(data))
    }

    /// Every problem, in option order; empty when the files can be handed to librdkafka.
    package static func problems(_ settings: Settings, read: (String) -> ReadResult = fileSystemRead) -> [CredentialFileProblem] {
        var found: [CredentialFileProblem] = []
        if settings.tls {
            if let path = settings.ca { found += pem(path, option: "--ssl-ca (HX_KAFKA_CA)", kind: .certificate, read: read) }
            switch (settings.certificate, settings.key) {
            case (let c?, let k?):
                found += pem(c, option: "--ssl-certificate (HX_KAFKA_CERT)", kind: .certificate, read: read)
                found += pem(k, option: "--ssl-key (HX_KAFKA_KEY)", kind: .privateKey, read: read)
            case (let c?, nil):
                found.append(.init(reason: .certificateWithoutKey, option: "--ssl-certificate (HX_KAFKA_CERT)", path: c,
                                   detail: "a client certificate needs its private key (--ssl-key / HX_KAFKA_KEY)"))
            case (nil, let k?):
                found.append(.init(reason: .keyWithoutCertificate, option: "--ssl-key (HX_KAFKA_KEY)", path: k,
                                   detail: "a private key needs its certificate (--ssl-certificate / HX_KAFKA_CERT)"))
            case (nil, nil): break
            }
        }
        if settings.sasl {
            if settings.saslUsername == nil || settings.saslPasswordFile == nil {
                found.append(.init(reason: .saslIncomplete, option: "--sasl-username / --sasl-password-file", path: nil,
                                   detail: "SASL needs a user name (HX_KAFKA_SASL_USERNAME) and a password file (HX_KAFKA_SASL_PASSWORD_FILE)"))
            }
            if let path = settings.saslPasswordFile {
                let option = "--sasl-password-file (HX_KAFKA_SASL_PASSWORD_FILE)"
                switch read(path) {
                case .missing: found.append(.init(reason: .missing, option: option, path: path, detail: "no such file"))
                case .unreadable(let why): found.append(.init(reason: .unreadable, option: option, path: path, detail: why))
                case .bytes(let bytes):
                    if String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                        found.append(.init(reason: .empty, option: option, path: path, detail: "the file is empty"))
                    }
                }
            }
        }
        return found
    }

    static func pem(_ path: String, option: String, kind: Kind, read: (String) -> ReadResult) -> [CredentialFileProblem] {
        switch read(path) {
        case .missing: return [.init(reason: .missing, option: option, path: path, detail: "no such file")]
        case .unreadable(let why): return [.init(reason: .unreadable, option: option, path: path, detail: why)]
        case .bytes(let bytes):
            let labels = pemLabels(String(decoding: bytes, as: UTF8.self))
            guard let labels, !labels.isEmpty else {
                return [.init(reason: .notPEM, option: option, path: path, detail: "not a PEM file (no valid -----BEGIN ...----- block with base64 content)")]
            }
            let wanted: (String) -> Bool = kind == .certificate ? { $0 == "CERTIFICATE" } : { $0.hasSuffix("PRIVATE KEY") }
            if !labels.contains(where: wanted) {
                let expected = kind == .certificate ? "CERTIFICATE" : "PRIVATE KEY"
                return [.init(reason: .wrongPEMKind, option: option, path: path,
                              detail: "holds \(labels.joined(separator: ", ")), not a \(expected)")]
            }
            return []
        }
    }

    /// The labels of the PEM blocks in `text`, or nil when a block is malformed (unterminated, or not base64).
    static func pemLabels(_ text: String) -> [String]? {
        var labels: [String] = []
        var current: String?
        var body = ""
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if let label = current {
                if line == "-----END \(label)-----" {
                    guard !body.isEmpty, Data(base64Encoded: body) != nil else { return nil }
                    labels.append(label)
                    current = nil
                    body = ""
                } else if line.hasPrefix("-----") {
                    return nil
                } else if !line.contains(":") {  // skip RFC 1421 headers (Proc-Type, DEK-Info)
                    body += line
                }
            } else if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----") {
                current = String(line.dropFirst("-----BEGIN ".count).dropLast(5))
            }
        }
        return current == nil ? labels : nil
    }
}
