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
    case mesh(MESHChannel)

    /// Why a channel cannot be made from the delivery block (start-up refuses it).
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    init(_ delivery: DeliverySettings, recipient: String, bearerToken: String?, mesh: (any MESHMailbox)? = nil) throws(Unavailable) {
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
        case .mesh(let mailbox, let to, _, _):
            guard let mesh else {
                throw Unavailable(description: "\(recipient): MESH delivery from mailbox \(mailbox) needs --mesh-url, --mesh-password-file \(mailbox)=FILE and --mesh-shared-key-file")
            }
            self = .mesh(MESHChannel(mailbox: mesh, to: to))
        }
    }

    /// One attempt; every attempt for one decision sends the same bytes and ids. `meshWorkflow`: the
    /// MESH workflow of the message's type. MESH's message id comes back with a MESH `sent`.
    func send(_ rendered: RenderedDelivery, decisionId: String, meshWorkflow: String?) async -> (DeliveryAttempt, meshMessageId: String?) {
        switch self {
        case .mllp(let link):
            // The renderer put the control id in MSH-10; the ACK must answer that one.
            let controlId = DecisionIdentity(decisionId)?.controlId ?? ""
            return (await link.send(rendered.bytes, controlId: controlId), nil)
        case .fhirHTTP(let transport):
            return (await transport.send(rendered.bytes, requestId: decisionId), nil)
        case .folder(let transport):
            return (transport.send(rendered.bytes, fileName: "\(decisionId).\(rendered.fileExtension)"), nil)
        case .mesh(let channel):
            return await channel.send(rendered, decisionId: decisionId, workflowId: meshWorkflow ?? "")
        }
    }

    /// Lets go of a standing connection (the worker is stopping).
    func close() async {
        switch self {
        case .mllp(let link): link.close()
        case .mesh(let channel): await channel.mailbox.close()
        case .fhirHTTP, .folder: break
        }
    }
}
