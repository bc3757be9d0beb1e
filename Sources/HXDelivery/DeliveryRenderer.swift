import Foundation
import HXCanonical
import HXPlace

/// The ids a recipient can de-duplicate on, all from the decision id
/// (docs/design.md "Identity of what is sent"): a retry, a redelivery after a
/// crash and an operator's replay send the same ids, and the same bytes.
package struct DecisionIdentity: Sendable, Equatable {
    /// The decision id, a UUID in lower case.
    package let uuid: String
    private let namespace: UUID

    package init?(_ decisionId: String) {
        guard let id = UUID(uuidString: decisionId) else { return nil }
        uuid = id.lowerCaseString
        namespace = id
    }

    /// HL7 v2.4 MSH-10 holds 20 characters: the first 20 hex digits of the
    /// decision id (80 bits, so two decisions do not share one).
    package var controlId: String { String(uuid.replacingOccurrences(of: "-", with: "").prefix(20)) }

    /// A stable id for one part of what is sent (a FHIR resource), from the decision.
    package func derived(_ part: String) -> String { UUIDv5.make(namespace: namespace, name: part).lowerCaseString }
}

/// What one recipient's system receives for one decision.
package struct RenderedDelivery: Sendable, Equatable {
    package var bytes: [UInt8]
    package var mediaType: String
    /// For the folder transport: `<decision id>.<extension>`.
    package var fileExtension: String
}

/// Why a delivery cannot be rendered; `code` is stable (dead letters, exit 65).
package struct RenderError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Code: String, Sendable {
        case recipientUnknown = "recipient-unknown"
        case deliveryNotConfigured = "delivery-not-configured"
        case formatNotSupported = "format-not-supported"
        case decisionIdInvalid = "decision-id-invalid"
        case nhsNumberMissing = "nhs-number-missing"
    }

    package var code: Code
    package var message: String

    package var description: String { "\(code.rawValue): \(message)" }
}

/// Canonical message → the recipient's format. Pure: no clock, no
/// randomness, so the same decision always gives the same bytes.
package enum DeliveryRenderer {
    /// In the format the recipient's `delivery` block names.
    package static func render(_ message: CanonicalMessage, decisionId: String, recipient: String,
                               configuration: PlaceConfiguration) throws(RenderError) -> RenderedDelivery {
        guard let organisation = configuration.organisation(recipient) else {
            throw RenderError(code: .recipientUnknown, message: "\(recipient) is not an organisation of this configuration")
        }
        guard let delivery = organisation.delivery else {
            throw RenderError(code: .deliveryNotConfigured,
                              message: "\(organisation.code) has no delivery block: it reads its topic \(organisation.deliveryTopic) itself")
        }
        return try render(message, decisionId: decisionId, recipient: organisation.code, delivery: delivery) {
            configuration.organisation($0)?.name
        }
    }

    /// As the recipient's delivery block says: its format, and for MESH its
    /// mailbox and the workflow for the message's type (which chooses the ITK3 event).
    package static func render(_ message: CanonicalMessage, decisionId: String, recipient: String, delivery: DeliverySettings,
                               names: (String) -> String?) throws(RenderError) -> RenderedDelivery {
        var mesh: (mailbox: String, workflow: String)?
        if case .mesh(let mailbox, _, _, _) = delivery.endpoint, let w = delivery.meshWorkflow(for: message) {
            mesh = (mailbox, w.workflow)
        }
        return try render(message, decisionId: decisionId, recipient: recipient, format: delivery.format,
                          meshMailbox: mesh?.mailbox, meshWorkflow: mesh?.workflow, names: names)
    }

    /// `meshMailbox` and `meshWorkflow` matter to `itk3` only: the sending
    /// mailbox (MessageHeader.source) and the workflow (the ITK3 event).
    package static func render(_ message: CanonicalMessage, decisionId: String, recipient: String, format: DeliverySettings.Format,
                               meshMailbox: String? = nil, meshWorkflow: String? = nil,
                               names: (String) -> String?) throws(RenderError) -> RenderedDelivery {
        guard let id = DecisionIdentity(decisionId) else {
            throw RenderError(code: .decisionIdInvalid, message: "decision id '\(decisionId)' is not a UUID")
        }
        // The delivery topic is keyed by NHS number: a record without one was never a delivery.
        guard message.subject.nhsNumber != nil else {
            throw RenderError(code: .nhsNumberMissing, message: "the message has no NHS number; deliveries always carry one")
        }
        switch format {
        case .canonicalJSON:
            return RenderedDelivery(bytes: CanonicalJSON.bytes(message), mediaType: "application/json", fileExtension: "json")
        case .hl7v2:
            let bytes = HL7v2Renderer.render(message, decisionId: id, recipient: recipient, document: ReadableDocument(message, names: names))
            return RenderedDelivery(bytes: bytes, mediaType: "x-application/hl7-v2+er7", fileExtension: "hl7")
        case .fhirR4:
            let bytes = FHIRR4Renderer.render(message, decisionId: id, recipient: recipient, names: names)
            return RenderedDelivery(bytes: bytes, mediaType: "application/fhir+json", fileExtension: "json")
        case .itk3:
            let bytes = ITK3Renderer.render(message, decisionId: id, recipient: recipient, workflow: meshWorkflow,
                                            sourceEndpoint: meshMailbox, names: names)
            return RenderedDelivery(bytes: bytes, mediaType: "application/fhir+json", fileExtension: "json")
        }
    }
}
