/// MSA-1 acknowledgment codes (original mode).
package enum HL7AcknowledgmentCode: String, Sendable, CaseIterable {
    /// Application accept.
    case accept = "AA"
    /// Application error: the receiver could not process it; resending the
    /// same message will fail again.
    case error = "AE"
    /// Application reject: not acceptable (type, version, processing id ...).
    case reject = "AR"
}

/// HL7 table 0357 message error condition codes (for ERR-3).
package enum HL7ErrorCondition: String, Sendable, CaseIterable {
    case segmentSequenceError = "100"
    case requiredFieldMissing = "101"
    case dataTypeError = "102"
    case tableValueNotFound = "103"
    case unsupportedMessageType = "200"
    case unsupportedEventCode = "201"
    case unsupportedProcessingID = "202"
    case unsupportedVersionID = "203"
    case unknownKeyIdentifier = "204"
    case duplicateKeyIdentifier = "205"
    case applicationRecordLocked = "206"
    case applicationInternalError = "207"

    package var text: String {
        switch self {
        case .segmentSequenceError: "Segment sequence error"
        case .requiredFieldMissing: "Required field missing"
        case .dataTypeError: "Data type error"
        case .tableValueNotFound: "Table value not found"
        case .unsupportedMessageType: "Unsupported message type"
        case .unsupportedEventCode: "Unsupported event code"
        case .unsupportedProcessingID: "Unsupported processing id"
        case .unsupportedVersionID: "Unsupported version id"
        case .unknownKeyIdentifier: "Unknown key identifier"
        case .duplicateKeyIdentifier: "Duplicate key identifier"
        case .applicationRecordLocked: "Application record locked"
        case .applicationInternalError: "Application internal error"
        }
    }
}

/// What an acknowledgement needs from the message it answers. Built from a
/// parsed message, or by hand when the message was too broken to parse but
/// its header could still be read.
package struct HL7AckContext: Sendable, Equatable {
    package var sendingApplication: HL7Field
    package var sendingFacility: HL7Field
    package var receivingApplication: HL7Field
    package var receivingFacility: HL7Field
    package var messageControlID: String
    package var processingID: HL7Field
    package var versionID: HL7Field
    package var triggerEvent: String?
    package var encoding: HL7EncodingCharacters
    /// MSH-18 as the message declared it, echoed in the answer (which is
    /// written in that character set), or empty.
    package var characterSet: HL7Field

    package init(
        sendingApplication: HL7Field, sendingFacility: HL7Field, receivingApplication: HL7Field,
        receivingFacility: HL7Field, messageControlID: String, processingID: HL7Field = "P",
        versionID: HL7Field = "2.4", triggerEvent: String? = nil, encoding: HL7EncodingCharacters = .standard,
        characterSet: HL7Field = ""
    ) {
        self.sendingApplication = sendingApplication
        self.sendingFacility = sendingFacility
        self.receivingApplication = receivingApplication
        self.receivingFacility = receivingFacility
        self.messageControlID = messageControlID
        self.processingID = processingID
        self.versionID = versionID
        self.triggerEvent = triggerEvent
        self.encoding = encoding
        self.characterSet = characterSet
    }

    package init(replyingTo message: HL7Message) {
        let msh = message.segment(at: 0)
        func f(_ n: Int) -> HL7Field { msh.field(n) ?? HL7Field("") }
        let processing = f(11)
        let version = f(12)
        self.init(
            sendingApplication: f(3), sendingFacility: f(4), receivingApplication: f(5), receivingFacility: f(6),
            messageControlID: message.controlID ?? "",
            processingID: processing.isEmpty ? "P" : processing,
            versionID: version.isEmpty ? "2.4" : version,
            triggerEvent: message.triggerEvent, encoding: message.encoding, characterSet: f(18))
    }
}

package enum HL7Acknowledgement {
    /// Builds an original-mode ACK. Control id and timestamp are passed in
    /// (no clock or counter inside), so the same inputs give the same bytes.
    ///
    /// - `errorLocation`: a terser path such as `PID-3.1`, written to ERR-2
    ///   (v2.5+) and ERR-1 (v2.4 receivers read that one).
    ///
    /// The bytes are UTF-8; for a sender in another character set (MSH-18,
    /// echoed here) write them with `TextEncoding.encode(utf8:)`.
    package static func build(
        replyingTo context: HL7AckContext,
        code: HL7AcknowledgmentCode,
        controlID: String,
        timestamp: String,
        text: String? = nil,
        errorCondition: HL7ErrorCondition? = nil,
        errorLocation: String? = nil
    ) -> [UInt8] {
        var msh = HL7SegmentValue(name: "MSH")
        // The answer goes back where the message came from.
        msh[field: 3] = context.receivingApplication
        msh[field: 4] = context.receivingFacility
        msh[field: 5] = context.sendingApplication
        msh[field: 6] = context.sendingFacility
        msh[field: 7] = HL7Field(timestamp)
        msh[field: 9] = context.triggerEvent.map { HL7Field(components: ["ACK", $0, "ACK"]) } ?? "ACK"
        msh[field: 10] = HL7Field(controlID)
        msh[field: 11] = context.processingID
        msh[field: 12] = context.versionID
        if !context.characterSet.isEmpty { msh[field: 18] = context.characterSet }

        var msa = HL7SegmentValue(name: "MSA")
        msa[field: 1] = HL7Field(code.rawValue)
        msa[field: 2] = HL7Field(context.messageControlID)
        if let text, !text.isEmpty { msa[field: 3] = HL7Field(text) }

        var segments = [msh, msa]
        if code != .accept {
            let condition = errorCondition ?? (code == .reject ? .unsupportedMessageType : .applicationInternalError)
            var err = HL7SegmentValue(name: "ERR")
            let location = errorLocation.flatMap(HL7Path.init)
            let conditionCE = [condition.rawValue, condition.text, "HL70357"]
            // ERR-1 (v2.4 CM_ELD): segment ^ sequence ^ field ^ code&text&system.
            err[field: 1] = HL7Field(repetitions: [[
                [location?.segment ?? ""],
                [location.map { String($0.occurrence) } ?? ""],
                [location.map { String($0.field) } ?? ""],
                conditionCE,
            ]])
            if let location {
                // ERR-2 (ERL): segment ^ sequence ^ field ^ repetition ^ component ^ sub-component.
                err[field: 2] = HL7Field(components: [
                    location.segment, String(location.occurrence), String(location.field),
                    String(location.repetition ?? 1), location.component.map(String.init) ?? "",
                    location.subcomponent.map(String.init) ?? "",
                ])
            }
            err[field: 3] = HL7Field(components: conditionCE)
            err[field: 4] = "E"
            if let text, !text.isEmpty { err[field: 8] = HL7Field(text) }
            segments.append(err)
        }
        return HL7Encoder.encode(segments, encoding: context.encoding)
    }

    package static func build(
        replyingTo message: HL7Message, code: HL7AcknowledgmentCode, controlID: String, timestamp: String,
        text: String? = nil, errorCondition: HL7ErrorCondition? = nil, errorLocation: String? = nil
    ) -> [UInt8] {
        build(replyingTo: HL7AckContext(replyingTo: message), code: code, controlID: controlID,
              timestamp: timestamp, text: text, errorCondition: errorCondition, errorLocation: errorLocation)
    }
}
