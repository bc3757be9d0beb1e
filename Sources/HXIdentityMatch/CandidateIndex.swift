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
    private var slotOf: [NHSNumber: Int32] = [:]
    private var blocks: [String: [Int32]] = [:]

    package init(facts: [IdentityFact] = []) {
        facts.forEach { replace(with: $0) }
    }

    /// People known.
    package var count: Int { slotOf.count }

    package func fact(for nhsNumber: NHSNumber) -> IdentityFact? { slotOf[nhsNumber].map { facts[Int($0)] } }

    /// Records a person's latest details, replacing what was known of them before.
    package mutating func replace(with fact: IdentityFact) {
        let keys = Self.keys(PreparedPerson(Demographics(fact)))
        if let slot = slotOf[fact.nhsNumber] {
            let old = Self.keys(PreparedPerson(Demographics(facts[Int(slot)])))
            for key in old where !keys.contains(key) {
                blocks[key]?.removeAll { $0 == slot }
                if blocks[key]?.isEmpty == true { blocks[key] = nil }
            }
            facts[Int(slot)] = fact
            for key in keys where !old.contains(key) { blocks[key, default: []].append(slot) }
        } else {
            let slot = Int32(facts.count)
            facts.append(fact)
            slotOf[fact.nhsNumber] = slot
            for key in keys { blocks[key, default: []].append(slot) }
        }
    }

    /// Every fact in a block the subject shares, each once, in the order first recorded.
    func candidates(_ subject: PreparedPerson) -> [(IdentityFact, PreparedPerson)] {
        facts(in: Self.keys(subject))
    }

    /// Who could share a person's household: the same birth date (a twin), or the same
    /// family name's sound in the same postcode sector (a parent or child). Not the
    /// birth-year blocks, which for a common name hold a thousand strangers.
    func household(_ person: PreparedPerson) -> [(IdentityFact, PreparedPerson)] {
        var keys: Set<String> = []
        if let b = person.birthDate { keys.insert("B" + b.description) }
        if let sector = person.postcode?.sector {
            for sound in Self.sounds(person) { keys.insert("S" + sound + String(decoding: sector, as: UTF8.self)) }
        }
        return facts(in: keys)
    }

    private func facts(in keys: Set<String>) -> [(IdentityFact, PreparedPerson)] {
        var slots: [Int32] = []
        for key in keys { slots += blocks[key] ?? [] }
        return Array(Set(slots)).sorted().map { (facts[Int($0)], PreparedPerson(Demographics(facts[Int($0)]))) }
    }

    /// Facts with exactly this family name (letters only), birth date and
    /// postcode (without spaces): the exact look-up used when the place has
    /// no `identity.yaml`.
    package func exactMatches(family: String, birthDate: CalendarDate, postcode: String) -> [NHSNumber] {
        let name = NameText.letters(family), code = NameText.alphanumerics(postcode)
        guard !name.isEmpty, !code.isEmpty else { return [] }
        return (blocks["B" + birthDate.description] ?? []).compactMap { slot in
            let f = facts[Int(slot)]
            guard let fam = f.family, let pc = f.postcode, NameText.letters(fam) == name, NameText.alphanumerics(pc) == code else { return nil }
            return f.nhsNumber
        }
    }

    static func keys(_ p: PreparedPerson) -> Set<String> {
        var keys: Set<String> = []
        if let b = p.birthDate { keys.insert("B" + b.description) }
        let sounds = Self.sounds(p)
        let sectors = ([p.postcode] + p.earlierPostcodes.map(Optional.some)).compactMap { $0?.sector }
        for sound in sounds {
            if let b = p.birthDate { keys.insert("Y" + sound + String(b.year)) }
            for sector in sectors { keys.insert("S" + sound + String(decoding: sector, as: UTF8.self)) }
        }
        return keys
    }

    /// The sound codes of every family name a person goes by: the name, its parts, earlier names.
    static func sounds(_ p: PreparedPerson) -> Set<String> {
        var names = [p.family] + p.earlierFamilies
        if p.familyParts.count > 1 { names += p.familyParts }
        return Set(names.filter { !$0.isEmpty }.map(Phonetic.code))
    }
}
