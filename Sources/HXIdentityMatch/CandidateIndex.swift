import HXCanonical

/// The identity facts, one per NHS number (the latest replaces the earlier,
/// as `hx.identity.v1` is compacted to it), with blocks that find a
/// subject's plausible candidates without comparing every fact:
///
/// - `B` birth date: finds a person whose names changed or were mistyped;
/// - `Y` family name's sound + birth year: finds a person who moved, or
///   whose birth date has its day and month swapped or a slipped digit;
/// - `S` family name's sound + postcode sector (current and earlier): finds
///   a person whose birth date is wrong in its year, and a household.
///
/// Each part of a double-barrelled name and each earlier family name gets
/// blocks of its own. A person whose family name sound and birth date are
/// both wrong and who moved sector is not found: that is left to review.
package struct CandidateIndex: Sendable {
    private var facts: [IdentityFact] = []
    /// Each fact prepared for comparing once, when recorded, not for every request it is a candidate of.
    private var prepared: [PreparedPerson] = []
    /// The same, as integers only: most candidates are passed over on these alone.
    private var quick: [QuickKeys] = []
    private var slotOf: [NHSNumber: Int32] = [:]
    private var blocks: [String: [Int32]] = [:]

    package init(facts: [IdentityFact] = []) {
        facts.forEach { replace(with: $0) }
    }

    /// People known.
    package var count: Int { slotOf.count }

    package func fact(for nhsNumber: NHSNumber) -> IdentityFact? { slotOf[nhsNumber].map { facts[Int($0)] } }

    func fact(at slot: Int32) -> IdentityFact { facts[Int(slot)] }
    func person(at slot: Int32) -> PreparedPerson { prepared[Int(slot)] }
    func quick(at slot: Int32) -> QuickKeys { quick[Int(slot)] }

    /// Records a person's latest details, replacing what was known of them before.
    package mutating func replace(with fact: IdentityFact) {
        let person = PreparedPerson(Demographics(fact))
        let keys = Self.keys(person)
        if let slot = slotOf[fact.nhsNumber] {
            let old = Self.keys(prepared[Int(slot)])
            for key in old where !keys.contains(key) {
                blocks[key]?.removeAll { $0 == slot }
                if blocks[key]?.isEmpty == true { blocks[key] = nil }
            }
            facts[Int(slot)] = fact
            prepared[Int(slot)] = person
            quick[Int(slot)] = person.quick
            for key in keys where !old.contains(key) { blocks[key, default: []].append(slot) }
        } else {
            let slot = Int32(facts.count)
            facts.append(fact)
            prepared.append(person)
            quick.append(person.quick)
            slotOf[fact.nhsNumber] = slot
            for key in keys { blocks[key, default: []].append(slot) }
        }
    }

    /// The slot of every fact in a block the subject shares, each once, in the order first recorded.
    func candidates(_ subject: PreparedPerson) -> [Int32] {
        slots(in: Self.keys(subject))
    }

    /// Who could share a person's household: the same birth date (a twin), or the same
    /// family name's sound in the same postcode sector (a parent or child). Not the
    /// birth-year blocks, which for a common name hold a thousand strangers.
    func household(_ person: PreparedPerson) -> [Int32] {
        var keys: Set<String> = []
        if person.birth != 0 { keys.insert(Self.birthKey(person.birth)) }
        if let sector = person.postcode?.sector {
            for sound in Self.sounds(person) { keys.insert(Self.sectorKey(sound, sector)) }
        }
        return slots(in: keys)
    }

    private func slots(in keys: Set<String>) -> [Int32] {
        var slots: [Int32] = []
        for key in keys { slots += blocks[key] ?? [] }
        slots.sort()
        // Without repeats (a fact in two of the blocks), in place.
        var kept = 0
        for i in slots.indices where i == 0 || slots[i] != slots[i - 1] {
            slots[kept] = slots[i]
            kept += 1
        }
        slots.removeLast(slots.count - kept)
        return slots
    }

    /// Facts with exactly this family name (letters only), birth date and
    /// postcode (without spaces): the exact look-up used when the place has
    /// no `identity.yaml`.
    package func exactMatches(family: String, birthDate: CalendarDate, postcode: String) -> [NHSNumber] {
        let name = NameText.letters(family), code = NameText.alphanumerics(postcode)
        guard !name.isEmpty, !code.isEmpty else { return [] }
        let birth = Int32(birthDate.year * 10000 + birthDate.month * 100 + birthDate.day)
        return (blocks[Self.birthKey(birth)] ?? []).compactMap { slot in
            let f = facts[Int(slot)]
            guard let fam = f.family, let pc = f.postcode, NameText.letters(fam) == name, NameText.alphanumerics(pc) == code else { return nil }
            return f.nhsNumber
        }
    }

    static func keys(_ p: PreparedPerson) -> Set<String> {
        var keys: Set<String> = []
        if p.birth != 0 { keys.insert(birthKey(p.birth)) }
        let sounds = Self.sounds(p)
        let sectors = ([p.postcode] + p.earlierPostcodes.map(Optional.some)).compactMap { $0?.sector }
        for sound in sounds {
            if p.birth != 0 { keys.insert("Y" + sound + String(p.birth / 10000)) }
            for sector in sectors { keys.insert(sectorKey(sound, sector)) }
        }
        return keys
    }

    // Block keys are short enough (at most 15 bytes) for Swift to keep them without allocating.
    static func birthKey(_ birth: Int32) -> String { "B" + String(birth) }
    static func sectorKey(_ sound: String, _ sector: UInt64) -> String { "S" + sound + String(sector, radix: 36) }

    /// The sound codes of every family name a person goes by: the name, its parts, earlier names.
    static func sounds(_ p: PreparedPerson) -> Set<String> {
        var names = [p.family] + p.earlierFamilies
        if p.familyParts.count > 1 { names += p.familyParts }
        return Set(names.filter { !$0.isEmpty }.map(Phonetic.code))
    }
}
