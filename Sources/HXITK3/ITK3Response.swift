import Foundation
import HXCanonical
import HXPlace
import HXTranslate

/// An ITK3 response: what a recipient's system sends back (on the `_ACK`
/// workflow) about one ITK3 message it received, and what the exchange sends
/// back about one it received. `respondsTo` is the id of the MessageHeader
/// being answered.
package struct ITK3Response: Sendable, Equatable {
    package enum Kind: String, Sendable { case infrastructure, business }

    /// MessageHeader.response.code (FHIR ResponseType).
    package enum Code: String, Sendable, CaseIterable {
        case ok
        case transientError = "transient-error"
        case fatalError = "fatal-error"
    }

    /// The response's own MessageHeader id.
    package var id: String
    package var respondsTo: String
    package var kind: Kind
    package var code: Code
    /// The ITK3 response code as sent (`20013`, `10009`, `30001`...); a code this
    /// version does not know is kept as it is, see `knownCode`.
    package var itkResponseCode: String
    /// What the responder wrote (diagnostics, or the code's display).
    package var text: String?
    /// ODS code of the organisation that responded, when the response names it.
    package var sender: String?

    package var knownCode: ITK3ResponseCode? { ITK3ResponseCode(rawValue: itkResponseCode) }
    /// True for 20013 (infrastructure) and 30001 (business) with response code `ok`.
    package var isPositive: Bool { code == .ok }

    package init(id: String, respondsTo: String, kind: Kind, code: Code, itkResponseCode: String, text: String?, sender: String? = nil) {
        self.id = id
        self.respondsTo = respondsTo
        self.kind = kind
        self.code = code
        self.itkResponseCode = itkResponseCode
        self.text = text
        self.sender = sender
    }
}

/// Why bytes are not an ITK3 response; `code` is stable (logs, metrics, dead letters).
package struct ITK3ResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Code: String, Sendable, CaseIterable {
        /// Neither FHIR JSON nor FHIR XML.
        case unreadable = "itk3-response-unreadable"
        /// A FHIR resource, but not a Bundle of type `message`.
        case notMessageBundle = "itk3-response-not-message-bundle"
        case messageHeaderMissing = "itk3-response-messageheader-missing"
        /// A message, but not an ITK3 response (event is not ITK008M, or no `response` element).
        case notResponse = "itk3-not-a-response"
        /// An ITK3 response missing what every one carries (response.identifier, response.code, an ITK3 response code).
        case invalid = "itk3-response-invalid"
    }

    package var code: Code
    package var message: String

    package var description: String { "\(code.rawValue): \(message)" }
}

extension ITK3Response {
    /// Reads an ITK3 response message (FHIR STU3 JSON or XML). Pure.
    package static func parse(_ bytes: [UInt8]) throws(ITK3ResponseError) -> ITK3Response {
        let root: FNode
        do {
            root = try FHIRReader.parse(String(decoding: bytes, as: UTF8.self))
        } catch {
            throw ITK3ResponseError(code: .unreadable, message: error.message)
        }
        guard root.resourceType == "Bundle", root.string("type") == "message" else {
            throw ITK3ResponseError(code: .notMessageBundle,
                                    message: "expected a Bundle of type message, found \(root.resourceType == "Bundle" ? "a Bundle of type \(root.string("type") ?? "(none)")" : root.resourceType ?? "no resource")")
        }
        let resources = root.all("entry").compactMap { $0["resource"] }
        // FHIR puts the MessageHeader first; a response that does not is still read.
        guard let header = resources.first(where: { $0.resourceType == "MessageHeader" }) else {
            throw ITK3ResponseError(code: .messageHeaderMissing, message: "the message Bundle has no MessageHeader")
        }
        let event = header["event"]?.string("code") ?? header["eventCoding"]?.string("code")
        guard let response = header["response"] else {
            throw ITK3ResponseError(code: .notResponse, message: "the MessageHeader (event \(event ?? "none")) has no response element: it is not an ITK3 response")
        }
        if let event, event != ITK3MessageEvent.response.rawValue {
            throw ITK3ResponseError(code: .notResponse, message: "the MessageHeader's event is \(event), not \(ITK3MessageEvent.response.rawValue) (ITK Response)")
        }
        guard let respondsTo = response.string("identifier") else {
            throw ITK3ResponseError(code: .invalid, message: "MessageHeader.response.identifier (the answered message's id) is missing")
        }
        guard let codeText = response.string("code"), let code = Code(rawValue: codeText) else {
            throw ITK3ResponseError(code: .invalid, message: "MessageHeader.response.code is \(response.string("code") ?? "missing"), not one of ok, transient-error, fatal-error")
        }
        // The OperationOutcome the response points at, or the message's only one.
        let outcomes = resources.filter { $0.resourceType == "OperationOutcome" }
        let detailsRef = response["details"]?.string("reference")
        let outcome = outcomes.first { o in
            guard let ref = detailsRef, let id = o.string("id") else { return false }
            return ref == "urn:uuid:\(id)" || ref.hasSuffix("OperationOutcome/\(id)") || ref == id
        } ?? outcomes.first { o in
            // Without ids, match the entry's fullUrl.
            root.all("entry").contains { $0["resource"]?.path == o.path && $0.string("fullUrl") == detailsRef }
        } ?? outcomes.first
        var itkCode: String?, text: String?
        for issue in outcome?.all("issue") ?? [] {
            for coding in issue["details"]?.all("coding") ?? [] where (coding.string("system") ?? "").contains("ITK-ResponseCodes") {
                if itkCode == nil, let c = coding.string("code") {
                    itkCode = c
                    text = issue.string("diagnostics") ?? issue["details"]?.string("text") ?? coding.string("display")
                }
            }
        }
        guard let itkCode else {
            throw ITK3ResponseError(code: .invalid, message: "no ITK3 response code (OperationOutcome.issue.details.coding with system ITK-ResponseCodes)")
        }
        let kind: Kind? = if itkCode.hasPrefix("3") { .business } else if itkCode.hasPrefix("1") || itkCode.hasPrefix("2") { .infrastructure } else { nil }
        guard let kind, itkCode.count == 5, itkCode.allSatisfy(\.isASCII), itkCode.allSatisfy(\.isNumber) else {
            throw ITK3ResponseError(code: .invalid, message: "ITK3 response code '\(itkCode)' is not a five-digit 1xxxx, 2xxxx or 3xxxx code")
        }
        let senderRef = header["sender"]
        let sender = senderRef.flatMap { ref -> String? in
            if let id = ref["identifier"], id.string("system") == ITK3.odsSystem { return id.string("value") }
            guard let r = ref.string("reference") else { return nil }
            let org = root.all("entry").first { e in
                e.string("fullUrl") == r || (e["resource"].map { "\($0.resourceType ?? "")/\($0.string("id") ?? "")" } == r)
            }?["resource"]
            return org?.all("identifier").first { $0.string("system") == ITK3.odsSystem }?.string("value")
        }
        return ITK3Response(id: header.string("id") ?? "", respondsTo: respondsTo, kind: kind, code: code,
                            itkResponseCode: itkCode, text: text, sender: sender)
    }
}

/// ITK3 responses the exchange sends (the MESH adapter source's infrastructure
/// acknowledgements). Pure: the caller gives the time, and every id derives
/// from the answered MessageHeader id and the code, so sending the same
/// answer again sends the same bytes.
package enum ITK3ResponseBuilder {
    /// Names the ids of responses (UUIDv5 namespace).
    static let namespace = UUID(uuidString: "5b0c6f62-2f7a-4d36-9b8e-6e2a1f3c7d19")!

    /// - Parameters:
    ///   - respondsTo: the id of the MessageHeader answered.
    ///   - from: ODS code of the organisation answering (the exchange's host organisation).
    ///   - to: ODS code of the organisation that sent the answered message.
    ///   - sourceEndpoint: the answering MESH mailbox.
    package static func build(respondingTo respondsTo: String, code: ITK3ResponseCode, text: String? = nil,
                              from sender: String, to receiver: String, sourceEndpoint: String,
                              timestamp: RFC3339Timestamp) -> [UInt8] {
        func id(_ part: String) -> String { UUIDv5.make(namespace: namespace, name: "\(respondsTo)|\(code.rawValue)|\(part)").lowerCaseString }
        let bundleId = id("Bundle"), headerId = id("MessageHeader"), outcomeId = id("OperationOutcome")
        let senderId = id("Organization|\(sender)"), receiverId = id("Organization|\(receiver)")
        func ref(_ id: String) -> JSONText { .object([("reference", .string("urn:uuid:\(id)"))]) }
        func entry(_ id: String, _ resource: JSONText) -> JSONText { .object([("fullUrl", .string("urn:uuid:\(id)")), ("resource", resource)]) }
        func profile(_ url: String) -> JSONText { .object([("profile", .strings([url]))]) }
        func org(_ id: String, _ code: String) -> JSONText {
            .object([("resourceType", .string("Organization")), ("id", .string(id)), ("meta", profile(ITK3.headerOrganizationProfile)),
                     ("identifier", .array([.object([("system", .string(ITK3.odsSystem)), ("value", .string(code))])]))])
        }
        let header = JSONText.object([
            ("resourceType", .string("MessageHeader")), ("id", .string(headerId)), ("meta", profile(ITK3.messageHeaderProfile)),
            ("extension", .array([ITK3Handling.handlingExtension(businessAck: false, infrastructureAck: false, recipientType: .forInformation,
                                                         messageDefinition: ITK3.responseMessageDefinition, senderReference: nil)])),
            ("event", .object([("system", .string(ITK3.messageEventSystem)), ("code", .string(ITK3MessageEvent.response.rawValue)),
                               ("display", .string(ITK3MessageEvent.response.display))])),
            ("receiver", ref(receiverId)), ("sender", ref(senderId)),
            ("timestamp", .string(timestamp.rawValue)),
            ("source", .object([("endpoint", .string(sourceEndpoint))])),
            ("response", .object([("identifier", .string(respondsTo)), ("code", .string(code.responseType.rawValue)), ("details", ref(outcomeId))])),
        ])
        var issue: [(String, JSONText)] = [
            ("severity", .string(code.responseType == .ok ? "information" : "fatal")), ("code", .string(code.issueType)),
            ("details", .object([("coding", .array([.object([("system", .string(ITK3.responseCodeSystem)), ("code", .string(code.rawValue)),
                                                            ("display", .string(code.display))])]))])),
        ]
        if let text, !text.isEmpty { issue.append(("diagnostics", .string(text))) }
        let outcome = JSONText.object([
            ("resourceType", .string("OperationOutcome")), ("id", .string(outcomeId)), ("meta", profile(ITK3.operationOutcomeProfile)),
            ("issue", .array([.object(issue)])),
        ])
        var entries = [entry(headerId, header), entry(senderId, org(senderId, sender))]
        if receiverId != senderId { entries.append(entry(receiverId, org(receiverId, receiver))) }
        entries.append(entry(outcomeId, outcome))
        let bundle = JSONText.object([
            ("resourceType", .string("Bundle")), ("id", .string(bundleId)), ("meta", profile(ITK3.messageBundleProfile)),
            ("identifier", .object([("system", .string("https://tools.ietf.org/html/rfc4122")), ("value", .string(bundleId))])),
            ("type", .string("message")), ("entry", .array(entries)),
        ])
        return Array(bundle.rendered.utf8)
    }
}

/// The message handling extension (ITK-MessageHandling-2) as FHIR JSON.
package enum ITK3Handling {
    package enum RecipientType: String, Sendable {
        case forAction = "FA"
        case forInformation = "FI"
        var display: String { self == .forAction ? "For Action" : "For Information" }
    }

    package static func handlingExtension(businessAck: Bool, infrastructureAck: Bool, recipientType: RecipientType,
                                    messageDefinition: String?, senderReference: String?) -> JSONText {
        var parts: [JSONText] = [
            .object([("url", .string(ITK3.HandlingKey.busAckRequested.rawValue)), ("valueBoolean", .bool(businessAck))]),
            .object([("url", .string(ITK3.HandlingKey.infAckRequested.rawValue)), ("valueBoolean", .bool(infrastructureAck))]),
            .object([("url", .string(ITK3.HandlingKey.recipientType.rawValue)),
                     ("valueCoding", .object([("system", .string(ITK3.recipientTypeSystem)), ("code", .string(recipientType.rawValue)),
                                              ("display", .string(recipientType.display))]))]),
        ]
        if let messageDefinition {
            parts.append(.object([("url", .string(ITK3.HandlingKey.messageDefinition.rawValue)),
                                  ("valueReference", .object([("reference", .string(messageDefinition))]))]))
        }
        parts.append(.object([("url", .string(ITK3.HandlingKey.senderReference.rawValue)), ("valueString", .string(senderReference ?? "None"))]))
        parts.append(.object([("url", .string(ITK3.HandlingKey.localExtension.rawValue)), ("valueString", .string("None"))]))
        return .object([("url", .string(ITK3.handlingExtension)), ("extension", .array(parts))])
    }
}
