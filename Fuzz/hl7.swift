// libFuzzer target `hl7` (scripts/fuzz.sh hl7): the HL7 v2 parser, encoder,
// acknowledgements, MLLP framing and the character set decoders, on arbitrary bytes.
import HL7v2

/// Stops the run with the reason; libFuzzer then saves the input.
func violated(_ what: String) -> Never {
    fatalError("invariant violated: \(what)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    checkMLLP(bytes)
    checkCharacterSets(bytes)
    let message: HL7Message
    do {
        message = try HL7Message(bytes)
    } catch {
        // Rejections become dead letters and NAKs: they must say what and where.
        if error.code.rawValue.isEmpty || error.location.isEmpty || error.message.isEmpty {
            violated("error without code, location or message: \(error)")
        }
        return 0
    }
    checkRoundTrip(message)
    checkAccessors(message)
    checkAcknowledgement(message)
    return 0
}

/// parse → encode → parse keeps every decoded value, and encoding is then a fixed point.
func checkRoundTrip(_ first: HL7Message) {
    let values = first.segmentValues
    let encoded = HL7Encoder.encode(values, encoding: first.encoding)
    let second: HL7Message
    do {
        second = try HL7Message(encoded)
    } catch {
        violated("the encoding of a parsed message does not parse: \(error)\n\(show(encoded))")
    }
    if second.encoding != first.encoding { violated("encoding characters changed") }
    let again = second.segmentValues
    if again != values {
        violated("values changed by encode → parse:\n\(values)\n\(again)\nencoded: \(show(encoded))")
    }
    if HL7Encoder.encode(again, encoding: second.encoding) != encoded { violated("encoding is not a fixed point") }
    // The segments as received (what is forwarded and hashed) read the same.
    guard let resent = try? HL7Message(first.serialized()), resent.segmentValues == values else {
        violated("serialized() does not read back as the same message")
    }
}

/// A value read by path (as the translators read them) is the same leaf the fully
/// decoded field has, absent or empty reads as nil, and the path prints and reads back.
func checkAccessors(_ message: HL7Message) {
    var occurrences: [String: Int] = [:]
    for segment in message.segments.prefix(20) {
        let name = segment.name
        occurrences[name, default: 0] += 1
        let header = name == "MSH" || name == "BHS" || name == "FHS"
        // One past the last field: an absent field reads as nil too.
        for n in 1...min(segment.fieldCount + 1, 30) where !(header && n <= 2) {
            let field = segment.field(n)
            for (r, repetition) in (field?.repetitions ?? [[[""]]]).prefix(3).enumerated() {
                for (c, component) in repetition.prefix(3).enumerated() {
                    for (s, leaf) in component.prefix(3).enumerated() {
                        let path = HL7Path(segment: name, occurrence: occurrences[name]!, field: n,
                                           repetition: r + 1, component: c + 1, subcomponent: s + 1)
                        let expected = leaf.isEmpty ? nil : leaf
                        if message.value(at: path) != expected || message[path.description] != expected {
                            violated("\(path) reads \(message.value(at: path) ?? "nil"), the field has \(expected ?? "nil")")
                        }
                        if HL7Path(path.description) != path { violated("path \(path) does not read back") }
                    }
                }
            }
        }
    }
}

/// Every message that parses can be acknowledged, and the ACK names it.
func checkAcknowledgement(_ message: HL7Message) {
    for code in HL7AcknowledgmentCode.allCases {
        let ack = HL7Acknowledgement.build(
            replyingTo: message, code: code, controlID: "HX1", timestamp: "20260101120000",
            text: message["PID-5"], errorLocation: code == .accept ? nil : "PID-3.1")
        guard let parsed = try? HL7Message(ack) else { violated("ACK \(code) does not parse: \(show(ack))") }
        if parsed["MSA-1"] != code.rawValue || parsed["MSA-2"] != message.controlID {
            violated("ACK \(code) names \(parsed["MSA-2"] ?? "nil"), not \(message.controlID ?? "nil")")
        }
    }
}

/// The decoder gives the same frames however the stream is chunked, and a
/// framed payload without framing bytes comes back whole.
func checkMLLP(_ bytes: [UInt8]) {
    var whole = MLLPFrameDecoder(maxFrameSize: 64)
    let all = whole.feed(bytes)
    var split = MLLPFrameDecoder(maxFrameSize: 64)
    let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    let pieces = split.feed(bytes[..<cut]) + split.feed(bytes[cut...])
    if all != pieces || whole.discardedByteCount != split.discardedByteCount || whole.hasPartialFrame != split.hasPartialFrame {
        violated("MLLP frames depend on chunking (cut at \(cut))")
    }
    if !bytes.contains(MLLP.startBlock), !bytes.contains(MLLP.endBlock) {
        var d = MLLPFrameDecoder()
        if d.feed(MLLP.frame(bytes)) != [.success(bytes)] || d.hasPartialFrame { violated("MLLP frame did not round-trip") }
    }
}

func show(_ bytes: [UInt8]) -> String {
    String(decoding: bytes, as: UTF8.self).debugDescription
}

/// Each decoder gives well-formed UTF-8 or names a byte it cannot read; a
/// single-byte set's output encodes back to the input; MSH-18 reading never traps.
func checkCharacterSets(_ bytes: [UInt8]) {
    _ = HL7CharacterSetDeclaration.declared(in: bytes)
    for encoding in TextEncoding.allCases {
        do throws(TextDecodingError) {
            let utf8 = try encoding.utf8(from: bytes)
            guard utf8.withUnsafeBufferPointer({ UTF8Validation.firstInvalidOffset($0) }) == nil else {
                violated("\(encoding.rawValue) decoded to ill-formed UTF-8: \(show(bytes))")
            }
            if encoding != .utf8, encoding.encode(utf8: utf8) != bytes {
                violated("\(encoding.rawValue) does not round-trip: \(show(bytes))")
            }
        } catch {
            guard error.offset < bytes.count, bytes[error.offset] == error.byte, error.byte >= 0x80 else {
                violated("\(encoding.rawValue) refused a byte it should not: \(error) in \(show(bytes))")
            }
        }
    }
}
