/// The NHS ITK3 messaging facts (FHIR STU3) the exchange uses to send and
/// read transfer-of-care documents over MESH: profiles, the message handling
/// extension, message events and the ITK3 response codes. Names and codes
/// are NHS England's (ITK3 Messaging Distribution); nothing here does I/O.
package enum ITK3 {
    package static let messageBundleProfile = "https://fhir.nhs.uk/STU3/StructureDefinition/ITK-Message-Bundle-1"
    package static let messageHeaderProfile = "https://fhir.nhs.uk/STU3/StructureDefinition/ITK-MessageHeader-2"
    package static let documentBundleProfile = "https://fhir.nhs.uk/STU3/StructureDefinition/ITK-Document-Bundle-1"
    package static let headerOrganizationProfile = "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-ITK-Header-Organization-1"
    package static let operationOutcomeProfile = "https://fhir.nhs.uk/STU3/StructureDefinition/ITK-Ack-OperationOutcome-1"
    /// The complex extension on the MessageHeader that carries the handling keys.
    package static let handlingExtension = "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-ITK-MessageHandling-2"
    package static let messageEventSystem = "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2"
    package static let recipientTypeSystem = "https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1"
    /// The code system ITK3 responses carry their code in (OperationOutcome.issue.details).
    package static let responseCodeSystem = "https://fhir.nhs.uk/STU3/CodeSystem/ITK-ResponseCodes-1"
    package static let responseMessageDefinition = "https://fhir.nhs.uk/STU3/MessageDefinition/ITK-Response-MessageDefinition-Instance-1"
    package static let odsSystem = "https://fhir.nhs.uk/Id/ods-organization-code"
    package static let nhsNumberSystem = "https://fhir.nhs.uk/Id/nhs-number"

    /// Handling keys: the `url` of each part of the handling extension.
    package enum HandlingKey: String, Sendable, CaseIterable {
        case busAckRequested = "BusAckRequested"
        case infAckRequested = "InfAckRequested"
        case recipientType = "RecipientType"
        case priority = "Priority"
        case messageDefinition = "MessageDefinition"
        case senderReference = "SenderReference"
        case localExtension = "LocalExtension"
    }

    /// MESH workflow ids for transfer of care (FHIR); each has a `_ACK` twin for its ITK3 responses.
    package enum Workflow {
        package static let inpatientDischarge = "TOC_FHIR_IP_DISCH"
        package static let mentalHealthDischarge = "TOC_FHIR_MH_DISCH"
        package static let emergencyCareDischarge = "TOC_FHIR_EC_DISCH"
        package static let outpatientAttendance = "TOC_FHIR_OP_ATTEN"

        /// The workflow MESH expects ITK3 responses to `workflow` on.
        package static func acknowledgement(of workflow: String) -> String { workflow + "_ACK" }
    }
}

/// `MessageHeader.event` codes (ITK-MessageEvent-2) the exchange sends or reads.
package enum ITK3MessageEvent: String, Sendable, CaseIterable {
    case eDischarge = "ITK003D"
    case mentalHealthEDischarge = "ITK004D"
    case emergencyCareEDischarge = "ITK005D"
    case outpatientLetter = "ITK006D"
    case gpConnectSendDocument = "ITK007C"
    case response = "ITK008M"

    package var display: String {
        switch self {
        case .eDischarge: "ITK eDischarge"
        case .mentalHealthEDischarge: "ITK Mental Health eDischarge"
        case .emergencyCareEDischarge: "ITK Emergency Care eDischarge"
        case .outpatientLetter: "ITK Outpatient Letter"
        case .gpConnectSendDocument: "ITK GP Connect Send Document"
        case .response: "ITK Response"
        }
    }

    /// The transfer-of-care document events: what an inbound ITK3 message may carry.
    package var isTransferOfCareDocument: Bool { [.eDischarge, .mentalHealthEDischarge, .emergencyCareEDischarge, .outpatientLetter].contains(self) }

    /// The event for the MESH workflow a message travels on (the transfer-of-care workflows map one to one).
    package static func forWorkflow(_ workflow: String) -> ITK3MessageEvent {
        switch workflow {
        case ITK3.Workflow.mentalHealthDischarge: .mentalHealthEDischarge
        case ITK3.Workflow.emergencyCareDischarge: .emergencyCareEDischarge
        case ITK3.Workflow.outpatientAttendance: .outpatientLetter
        default: .eDischarge
        }
    }
}

/// ITK3 response codes. 1xxxx and 2xxxx answer `InfAckRequested` (20013 is
/// the positive one); 3xxxx answer `BusAckRequested`. Every other code is
/// negative and final: the receiver did nothing more with the message.
package enum ITK3ResponseCode: String, Sendable, CaseIterable {
    case handlingSpecificationError = "10001"
    case infrastructureAckValueError = "10002"
    case businessAckValueError = "10003"
    case messageDefinitionValueError = "10004"
    case messageDefinitionVersionError = "10005"
    case priorityValueError = "10006"
    case senderReferenceValueError = "10007"
    case handlingBusinessRuleError = "10008"
    case unreadableMessage = "10009"
    case unrecognisedRecipientPerson = "20001"
    case unrecognisedRecipientOrganisation = "20002"
    case unrecognisedSender = "20003"
    case nonApprovedAttachmentType = "20004"
    case unsupportedAttachmentType = "20005"
    case headerValidationFailure = "20006"
    case duplicateMessage = "20007"
    case duplicateDocument = "20008"
    case payloadValidationFailure = "20009"
    case unrecognisedPayloadRecipientOrganisation = "20010"
    case unrecognisedPayloadRecipientPerson = "20011"
    case unauthorisedSender = "20012"
    case success = "20013"
    case patientKnownHere = "30001"
    case patientNotKnownHere = "30002"
    case patientNoLongerHere = "30003"

    package var display: String {
        switch self {
        case .handlingSpecificationError: "Handling Specification Error"
        case .infrastructureAckValueError: "Infrastructure Level Response Value - Processing Error"
        case .businessAckValueError: "Business Level Response Value - Processing Error"
        case .messageDefinitionValueError: "Message Definition Value - Processing Error"
        case .messageDefinitionVersionError: "Message Definition Version Value - Processing Error"
        case .priorityValueError: "Priority Value - Processing Error"
        case .senderReferenceValueError: "Sender Reference Value - Processing Error"
        case .handlingBusinessRuleError: "Handling Specification Business Rule Error"
        case .unreadableMessage: "Unreadable message received"
        case .unrecognisedRecipientPerson: "Unrecognised Recipient Person"
        case .unrecognisedRecipientOrganisation: "Unrecognised Recipient Organisation"
        case .unrecognisedSender: "Unrecognised Sender"
        case .nonApprovedAttachmentType: "Non-Approved file type received as an attachment"
        case .unsupportedAttachmentType: "Unsupported file type received as an attachment"
        case .headerValidationFailure: "ITK3 Header validation failure"
        case .duplicateMessage: "Duplicate Message received"
        case .duplicateDocument: "Duplicate Document received"
        case .payloadValidationFailure: "Payload validation failure"
        case .unrecognisedPayloadRecipientOrganisation: "Unrecognised Payload Recipient Organisation"
        case .unrecognisedPayloadRecipientPerson: "Unrecognised Payload Recipient Person"
        case .unauthorisedSender: "Unauthorised Sender"
        case .success: "Success"
        case .patientKnownHere: "Patient known here"
        case .patientNotKnownHere: "Patient not known here"
        case .patientNoLongerHere: "Patient no longer at this clinical setting"
        }
    }

    package var kind: ITK3Response.Kind { rawValue.hasPrefix("3") ? .business : .infrastructure }

    /// The MessageHeader.response.code that goes with this code.
    package var responseType: ITK3Response.Code { self == .success || self == .patientKnownHere ? .ok : .fatalError }

    /// OperationOutcome.issue.code (FHIR IssueType) the ITK3 mapping tables give this code.
    package var issueType: String {
        switch self {
        case .success, .patientKnownHere: "informational"
        case .unrecognisedRecipientPerson, .unrecognisedRecipientOrganisation, .unrecognisedSender,
             .unrecognisedPayloadRecipientOrganisation, .unrecognisedPayloadRecipientPerson,
             .patientNotKnownHere, .patientNoLongerHere: "not-found"
        case .nonApprovedAttachmentType, .unsupportedAttachmentType, .unauthorisedSender: "security"
        case .headerValidationFailure, .payloadValidationFailure: "invalid"
        case .duplicateMessage, .duplicateDocument: "duplicate"
        default: "processing"
        }
    }
}
