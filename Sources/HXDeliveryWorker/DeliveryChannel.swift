import Foundation
import HXDelivery
import HXDeliveryTransport
import HXPlace

/// The recipient's system as the worker reaches it: one of the transports of
/// HXDeliveryTransport, chosen by the delivery block.
enum DeliveryChannel: Sendable {
    /// One standing connection, reopened when it breaks.
    case mllp(MLLPLink)
    case fhirHTTP(FHIRHTTPTransport)
    case folder(FolderTransport)

    /// Why a channel cannot be made from the delivery block (start-up refuses it).
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    init(_ delivery: DeliverySettings, recipient: String, bearerToken: String?) throws(Unavailable) {
        switch delivery.endpoint {
        case .mllp(let host, let port, let ackTimeout):
            self = .mllp(MLLPLink(MLLPTransport(host: host, port: port, ackTimeout: .milliseconds(ackTimeout))))
        case .fhirHTTP(let text):
            guard let url = URL(string: text), url.scheme == "https" || url.scheme == "http" else {
                throw Unavailable(description: "\(recipient): fhirHttp.url '\(text)' is not an http(s) address")
            }
            self = .fhirHTTP(FHIRHTTPTransport(url: url, token: bearerToken))
        case .folder(let path):
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw Unavailable(description: "\(recipient): folder.path '\(path)' is not a folder")
            }
            self = .folder(FolderTransport(folder: path))
        case .mesh:
            throw Unavailable(description: "\(recipient): MESH delivery is not built yet (docs/design.md \"NHS MESH and ITK3\")")
        }
    }

    /// One attempt; every attempt for one decision sends the same bytes and ids.
    func send(_ rendered: RenderedDelivery, decisionId: String) async -> DeliveryAttempt {
        switch self {
        case .mllp(let link):
            // The renderer put the control id in MSH-10; the ACK must answer that one.
            let controlId = DecisionIdentity(decisionId)?.controlId ?? ""
            return await link.send(rendered.bytes, controlId: controlId)
        case .fhirHTTP(let transport):
            return await transport.send(rendered.bytes, requestId: decisionId)
        case .folder(let transport):
            return transport.send(rendered.bytes, fileName: "\(decisionId).\(rendered.fileExtension)")
        }
    }

    /// Lets go of a standing connection (the worker is stopping).
    func close() {
        if case .mllp(let link) = self { link.close() }
    }
}
