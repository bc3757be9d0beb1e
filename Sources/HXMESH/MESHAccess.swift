/// Where MESH is and the secrets of our mailboxes, as `hx deliver run` and `hx adapter run`
/// read them from the files its options name (never from `config/`).
package struct MESHAccess: Sendable {
    /// MESH's polling guidance: a mailbox's inbox no more often than every 5 minutes.
    package static let guidancePollInterval: Duration = .seconds(300)

    /// The MESH API's base address (`https://msg.intspineservices.nhs.uk`, or a sandbox).
    package var url: String
    /// Password per sending mailbox id.
    package var passwords: [String: String]
    /// The environment's shared key for the NHSMESH authorisation.
    package var sharedKey: String
    /// Mutual TLS: the mailbox's client certificate and key (PEM files), and the CAs to trust for MESH.
    package var clientCertificateFile: String?
    package var clientKeyFile: String?
    package var caFile: String?
    package var pollInterval: Duration = guidancePollInterval
    /// MESH asks for a handshake at start and daily.
    package var handshakeInterval: Duration = .seconds(86_400)

    package init(url: String, passwords: [String: String], sharedKey: String) {
        self.url = url
        self.passwords = passwords
        self.sharedKey = sharedKey
    }

    /// How a client reaches one of our mailboxes; nil when no password was given for it.
    package func configuration(mailbox: String) -> MESHConfiguration? {
        guard let password = passwords[mailbox] else { return nil }
        let tls = clientCertificateFile == nil && caFile == nil
            ? nil : MESHTLSFiles(certificate: clientCertificateFile, privateKey: clientKeyFile, caCertificates: caFile)
        return MESHConfiguration(baseURL: url, mailbox: mailbox, password: password, sharedKey: sharedKey, tls: tls)
    }
}
