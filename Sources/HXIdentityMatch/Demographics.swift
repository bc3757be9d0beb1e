import HXCanonical

/// What is known of a person to compare: a message's subject, a trace
/// request or an identity fact, all fields optional.
package struct Demographics: Sendable, Equatable {
    package var family: String?
    package var given: [String]
    package var sex: Gender?
    package var birthDate: CalendarDate?
    package var postcode: String?
    package var address: [String]
    package var earlierFamilies: [String]
    package var earlierPostcodes: [String]

    package init(
        family: String? = nil, given: [String] = [], sex: Gender? = nil, birthDate: CalendarDate? = nil, postcode: String? = nil,
        address: [String] = [], earlierFamilies: [String] = [], earlierPostcodes: [String] = []
    ) {
        self.family = family
        self.given = given
        self.sex = sex
        self.birthDate = birthDate
        self.postcode = postcode
        self.address = address
        self.earlierFamilies = earlierFamilies
        self.earlierPostcodes = earlierPostcodes
    }

    package init(_ fact: IdentityFact) {
        self.init(
            family: fact.family, given: fact.given ?? [], sex: fact.sex, birthDate: fact.birthDate, postcode: fact.postcode,
            address: fact.address ?? [], earlierFamilies: fact.earlierFamilies ?? [], earlierPostcodes: fact.earlierPostcodes ?? [])
    }

    /// A canonical message's subject (it has no address lines).
    package init(_ subject: Subject) {
        self.init(family: subject.name?.family, given: subject.name?.given ?? [], sex: subject.gender, birthDate: subject.birthDate,
                  postcode: subject.postcode)
    }
}

/// A UK postcode taken apart: "WA7 2AB" → district `WA7`, sector `WA7 2`,
/// unit `WA72AB`. A partial one ("WA7 2", "WA7") has only what it gives.
/// Each part is packed into an integer (`Packed`), so comparing two is one
/// instruction and a prepared fact keeps no arrays for its postcode.
struct Postcode: Sendable, Equatable {
    var district: UInt64
    /// District and the inward code's digit; nil when not given.
    var sector: UInt64?
    /// The whole postcode without spaces; nil for a partial one.
    var unit: UInt64?

    init?(_ text: String) {
        guard let p = Parsed(text) else { return nil }
        self.init(p)
    }

    init(_ p: Parsed) {
        district = Packed.bytes(p.district)
        sector = p.sector.map(Packed.bytes)
        unit = p.unit.map(Packed.bytes)
    }

    /// The parts as bytes, for taking the postcode out of address lines.
    struct Parsed {
        var district: [UInt8]
        var sector: [UInt8]?
        var unit: [UInt8]?

        init?(_ text: String) {
            let compact = NameText.alphanumerics(text)
            guard compact.count >= 2 else { return nil }
            let digit: (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
            let letter: (UInt8) -> Bool = { $0 >= 0x41 && $0 <= 0x5A }
            let n = compact.count
            if n >= 5, n <= 7, digit(compact[n - 3]), letter(compact[n - 2]), letter(compact[n - 1]) {
                district = Array(compact[..<(n - 3)])
                sector = district + [compact[n - 3]]
                unit = compact
                return
            }
            // Partial: "WA7 2" (a sector) or "WA7" (a district), as written with a space.
            let pieces = text.uppercased().split(separator: " ")
            if pieces.count == 2, let inward = pieces.last, inward.utf8.count == 1, let d = inward.utf8.first, digit(d) {
                district = NameText.alphanumerics(String(pieces[0]))
                sector = district + [d]
            } else {
                district = compact
                sector = nil
            }
            unit = nil
        }
    }
}

/// Short byte strings (postcodes, words) as one integer: up to 8 bytes
/// exactly (ASCII has no zero byte, so lengths stay apart), longer ones by
/// a 64-bit FNV-1a hash with the top bit set.
enum Packed {
    static func bytes<C: Collection>(_ b: C) -> UInt64 where C.Element == UInt8 {
        if b.count <= 8 { return b.reduce(0) { $0 << 8 | UInt64($1) } }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for x in b { h = (h ^ UInt64(x)) &* 0x100_0000_01b3 }
        return h | 1 << 63
    }
}

/// Demographics prepared once for comparing: letters only, parts split,
/// postcodes taken apart, address reduced to its words. The index keeps one
/// per fact, so a request compares with what is ready; kept small (integers
/// where a value is only compared for equality).
struct PreparedPerson: Sendable {
    var family: [UInt8]
    /// The parts of a double-barrelled family name; empty for a single one (see `familyNameParts`).
    var familyParts: [[UInt8]]
    var earlierFamilies: [[UInt8]]
    var given: [[UInt8]]
    var sex: Gender?
    /// yyyymmdd, 0 when not known.
    var birth: Int32
    var postcode: Postcode?
    var earlierPostcodes: [Postcode]
    /// The address's words, each packed (`Packed`), sorted, without repeats.
    var addressWords: [UInt64]
    /// The first word with a digit in it: the house number ("12", "12A", "FLAT3"), packed.
    var houseNumber: UInt64?

    /// What the index keeps of a prepared fact in each of its blocks, without references, for the first,
    /// cheap look at a candidate (`slot` −1 for a subject).
    func quick(slot: Int32 = -1) -> QuickKeys {
        QuickKeys(slot: slot, birth: birth, sex: sex.map { UInt8(Gender.allCases.firstIndex(of: $0)! + 1) } ?? 0,
                  unit: postcode?.unit ?? 0, sector: postcode?.sector ?? 0, district: postcode?.district ?? 0,
                  earlierPostcodes: !earlierPostcodes.isEmpty)
    }

    var birthDate: CalendarDate? { birth == 0 ? nil : CalendarDate(year: Int(birth) / 10000, month: Int(birth) / 100 % 100, day: Int(birth) % 100) }

    /// Every part of the family name: the name itself when it has one part.
    var familyNameParts: [[UInt8]] { familyParts.isEmpty ? [family] : familyParts }

    init(_ d: Demographics) {
        family = d.family.map(NameText.letters) ?? []
        let parts = d.family.map(NameText.parts) ?? []
        familyParts = parts.count > 1 ? parts : []
        earlierFamilies = d.earlierFamilies.map(NameText.letters).filter { !$0.isEmpty }
        given = d.given.flatMap(NameText.parts)
        sex = d.sex == .unknown ? nil : d.sex
        birth = d.birthDate.map { Int32($0.year * 10000 + $0.month * 100 + $0.day) } ?? 0
        let parsed = d.postcode.flatMap(Postcode.Parsed.init)
        postcode = parsed.map(Postcode.init)
        earlierPostcodes = d.earlierPostcodes.compactMap(Postcode.init)
        let words = AddressWords.words(d.address, postcode: parsed)
        addressWords = Array(Set(words.map { Packed.bytes($0.utf8) })).sorted()
        houseNumber = words.first { $0.utf8.contains { $0 >= 0x30 && $0 <= 0x39 } }.map { Packed.bytes($0.utf8) }
    }
}

/// The integer fields of a prepared person (0 for not known): birth date,
/// sex, postcode. Enough to tell, with no names compared, that most
/// candidates of a request cannot reach the review threshold. The blocks
/// hold these rather than bare slots: a common name's birth-year block is
/// read from one stretch of memory instead of a thousand places in a
/// million facts (which cost more than all the comparing).
struct QuickKeys: Sendable {
    /// Where the fact is in the index.
    var slot: Int32
    var birth: Int32
    var sex: UInt8
    var unit: UInt64
    var sector: UInt64
    var district: UInt64
    var earlierPostcodes: Bool
}

/// Address lines as comparable words: upper case, punctuation dropped, the
/// usual abbreviations spelt out ("RD" = "ROAD"), the postcode left out.
enum AddressWords {
    static let spelled: [String: String] = [
        "RD": "ROAD", "ST": "STREET", "AVE": "AVENUE", "AV": "AVENUE", "CL": "CLOSE", "DR": "DRIVE", "LN": "LANE",
        "CRES": "CRESCENT", "CR": "CRESCENT", "GDNS": "GARDENS", "GRN": "GREEN", "GR": "GROVE", "PL": "PLACE", "SQ": "SQUARE",
        "CT": "COURT", "TER": "TERRACE", "TERR": "TERRACE", "WY": "WAY", "PK": "PARK", "HSE": "HOUSE", "APT": "FLAT",
    ]

    static func words(_ lines: [String], postcode: Postcode.Parsed?) -> [String] {
        var out: [String] = []
        // On bytes, after folding accents: splitting Characters cost most of a candidate's preparation.
        func add(_ bytes: [UInt8]) {
            guard !bytes.isEmpty, bytes != postcode?.unit else { return }
            let word = String(decoding: bytes, as: UTF8.self)
            out.append(spelled[word] ?? word)
        }
        for line in lines {
            var word: [UInt8] = []
            for b in NameText.folded(line).utf8 {
                if b >= 0x61 && b <= 0x7A { word.append(b - 0x20) } else if (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) { word.append(b) } else {
                    add(word)
                    word = []
                }
            }
            add(word)
        }
        // A postcode written across two words ("WA7", "2AB") is not an address word either.
        if let p = postcode, let unit = p.unit {
            out.removeAll { Array($0.utf8) == p.district || (unit.count > p.district.count && Array($0.utf8) == Array(unit[p.district.count...])) }
        }
        return out
    }
}
