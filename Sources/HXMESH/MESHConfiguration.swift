/// Where and as whom a `MESHClient` talks to MESH.
package struct MESHConfiguration: Sendable {
    /// The MESH base address, e.g. `https://msg.intspineservices.nhs.uk` (no `/messageexchange`).
    package var baseURL: String
    package var mailbox: String
    package var password: String
    /// The environment's shared key (one per MESH environment, from NHS England).
    package var sharedKey: String
    /// Client certificate and key for mutual TLS, and the CA that signed MESH's certificate; nil: plain
    /// HTTP (the sandbox on loopback) or server-authenticated HTTPS with the system's CAs.
    package var tls: MESHTLSFiles?
    /// Messages larger than this (before compression) go in chunks of this size. MESH's limit per
    /// chunk is 100 MB; NHS England's mesh-client uses 75 MiB.
    package var chunkSize: Int
    /// The time one request (one chunk) may take before its answer counts as lost.
    package var requestTimeout: Duration
    /// `mex-clientversion` names us to MESH (its operators see it on handshakes).
    package var clientName: String

    package init(
        baseURL: String, mailbox: String, password: String, sharedKey: String, tls: MESHTLSFiles? = nil,
        chunkSize: Int = 20 * 1024 * 1024, requestTimeout: Duration = .seconds(60), clientName: String = "OneHaltonExchange"
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.mailbox = mailbox
        self.password = password
        self.sharedKey = sharedKey
        self.tls = tls
        self.chunkSize = max(1, chunkSize)
        self.requestTimeout = requestTimeout
        self.clientName = clientName
    }
}

/// PEM files for mutual TLS with MESH.
package struct MESHTLSFiles: Sendable, Equatable {
    /// The client certificate and its key (MESH requires both); nil only to check that MESH refuses a client without.
    package var certificate: String?
    package var privateKey: String?
    /// The CA bundle to trust for MESH's certificate; nil: the system's.
    package var caCertificates: String?

    package init(certificate: String?, privateKey: String?, caCertificates: String? = nil) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.caCertificates = caCertificates
    }
}
