/// Where MESH is and the secrets of the sending mailboxes, as `hx deliver run`
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
}
