import HXCanonical

/// A fast reader for the usual shape of an `hx.identity.v1` line: one flat
/// JSON object of the fact's keys, string values without escapes, lists of
/// such strings, and `source` as an object of four strings. Anything else
/// (an escape, a number, an unknown key, a value that does not validate)
/// gives nil, and the caller decodes the line with JSONDecoder, which also
/// says what is wrong. Reading a million facts with JSONDecoder alone took
/// 23 s of CPU; this takes a small part of that.
enum FactLine {
    static func parse(_ line: UnsafeBufferPointer<UInt8>) -> IdentityFact? {
        var p = Parser(bytes: line)
        var nhs: String?, family: String?, given: [String]?, sex: String?, birth: String?, postcode: String?
        var address: [String]?, earlierFamilies: [String]?, earlierPostcodes: [String]?, recorded: String?
        var organisation: String?, system: String?, adapter: String?, messageId: String?
        guard p.take(UInt8(ascii: "{")) else { return nil }
        if !p.take(UInt8(ascii: "}")) {
            repeat {
                guard let key = p.string(), p.take(UInt8(ascii: ":")) else { return nil }
                switch key {
                case "nhsNumber": guard let v = p.string() else { return nil }; nhs = v
                case "family": guard p.null() || { family = p.string(); return family != nil }() else { return nil }
                case "sex": guard p.null() || { sex = p.string(); return sex != nil }() else { return nil }
                case "birthDate": guard p.null() || { birth = p.string(); return birth != nil }() else { return nil }
                case "postcode": guard p.null() || { postcode = p.string(); return postcode != nil }() else { return nil }
                case "recordedAt": guard let v = p.string() else { return nil }; recorded = v
                case "given": guard p.null() || { given = p.strings(); return given != nil }() else { return nil }
                case "address": guard p.null() || { address = p.strings(); return address != nil }() else { return nil }
                case "earlierFamilies": guard p.null() || { earlierFamilies = p.strings(); return earlierFamilies != nil }() else { return nil }
                case "earlierPostcodes": guard p.null() || { earlierPostcodes = p.strings(); return earlierPostcodes != nil }() else { return nil }
                case "source":
                    guard p.take(UInt8(ascii: "{")) else { return nil }
                    repeat {
                        guard let k = p.string(), p.take(UInt8(ascii: ":")), let v = p.string() else { return nil }
                        switch k {
                        case "organisation": organisation = v
                        case "system": system = v
                        case "adapter": adapter = v
                        case "messageId": messageId = v
                        default: return nil
                        }
                    } while p.take(UInt8(ascii: ","))
                    guard p.take(UInt8(ascii: "}")) else { return nil }
                default: return nil
                }
            } while p.take(UInt8(ascii: ","))
            guard p.take(UInt8(ascii: "}")) else { return nil }
        }
        p.skipBlanks()
        guard p.at == line.count, let nhs, let number = try? NHSNumber(nhs), let recorded, let recordedAt = RFC3339Timestamp(recorded),
              let organisation, let system, let adapter, let messageId else { return nil }
        var fact = IdentityFact(nhsNumber: number, family: family, birthDate: nil, postcode: postcode,
                                source: Source(organisation: organisation, system: system, adapter: adapter, messageId: messageId),
                                recordedAt: recordedAt)
        if let birth {
            guard let d = CalendarDate(birth) else { return nil }
            fact.birthDate = d
        }
        if let sex {
            guard let g = Gender(rawValue: sex) else { return nil }
            fact.sex = g
        }
        // As JSONDecoder gives them: an empty list stays an empty list.
        fact.given = given
        fact.address = address
        fact.earlierFamilies = earlierFamilies
        fact.earlierPostcodes = earlierPostcodes
        return fact
    }

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0

        mutating func skipBlanks() {
            while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x09 || bytes[at] == 0x0D || bytes[at] == 0x0A { at += 1 }
        }

        mutating func take(_ b: UInt8) -> Bool {
            skipBlanks()
            guard at < bytes.count, bytes[at] == b else { return false }
            at += 1
            return true
        }

        mutating func null() -> Bool {
            skipBlanks()
            guard at + 4 <= bytes.count, bytes[at] == UInt8(ascii: "n"), bytes[at + 1] == UInt8(ascii: "u"), bytes[at + 2] == UInt8(ascii: "l"),
                  bytes[at + 3] == UInt8(ascii: "l") else { return false }
            at += 4
            return true
        }

        /// A string without escapes or control characters.
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = at
            while at < bytes.count, bytes[at] != UInt8(ascii: "\"") {
                if bytes[at] == UInt8(ascii: "\\") || bytes[at] < 0x20 { return nil }
                at += 1
            }
            guard at < bytes.count else { return nil }
            let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
            at += 1
            return s
        }

        mutating func strings() -> [String]? {
            guard take(UInt8(ascii: "[")) else { return nil }
            var out: [String] = []
            if take(UInt8(ascii: "]")) { return out }
            repeat {
                guard let s = string() else { return nil }
                out.append(s)
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "]")) ? out : nil
        }
    }
}
