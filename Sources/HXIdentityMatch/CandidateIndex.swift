import HXCanonical

/// The identity facts, one per NHS number (the latest replaces the earlier,
/// as `hx.identity.v1` is compacted to it), with blocks that find a
/// subject's plausible candidates without comparing every fact:
///
/// - `B` birth date: finds a person whose names changed or were mistyped;
/// - `M` family name's sound + birth year and month, and `D` the sound +
///   birth year and day: find a person who moved and whose birth date has a
///   slipped digit (in the day, or in the month) or its day and month swapped
///   (the subject's day looked up as a month). They replace one block of
///   the sound and birth year, which for a common name held a thousand people:
///   of those, only the ones these blocks hold can reach the review threshold
///   (a birth date that is neither a slip nor a swap scores −10, and then only
///   a full or earlier postcode brings a candidate to 16, and that candidate
///   is in an `S` block);
/// - `S` family name's sound + postcode sector (current and earlier): finds
///   a person whose birth date is wrong in its year, and a household.
///
/// Each part of a double-barrelled name and each earlier family name gets
/// blocks of its own. A person whose family name sound and birth date are
/// both wrong and who moved sector is not found: that is left to review.
package struct CandidateIndex: Sendable {
    /// Candidates the blocks may miss that the earlier birth-year blocks held score at most this
    /// (family 9 + given 7 + birth date −10 + sex 1 + sector 4 + address 4): they are never shown
    /// for review, and a link needs a lead over this of the rule's margin.
    static let unseenBelow = MatchWeights.familyExact + MatchWeights.givenExact + MatchWeights.birthDifferent
        + MatchWeights.sexExact + MatchWeights.postcodeSector + MatchWeights.addressExact

    private var facts: [IdentityFact] = []
    /// Each fact prepared for comparing once, when recorded, not for every request it is a candidate of.
    private var prepared: [PreparedPerson] = []
    private var slotOf: [NHSNumber: Int32] = [:]
    /// Each block's facts, by their integer keys (which hold the slot).
    private var blocks: [String: [QuickKeys]] = [:]

    package init(facts: [IdentityFact] = []) {
        facts.forEach { replace(with: $0) }
    }

    /// Room for this many people, so a large index is not copied as it grows.
    package mutating func reserveCapacity(_ n: Int) {
        facts.reserveCapacity(n)
        prepared.reserveCapacity(n)
        slotOf.reserveCapacity(n)
    }

    /// People known.
    package var count: Int { slotOf.count }

    package func fact(for nhsNumber: NHSNumber) -> IdentityFact? { slotOf[nhsNumber].map { facts[Int($0)] } }

    func fact(at slot: Int32) -> IdentityFact { facts[Int(slot)] }
    func person(at slot: Int32) -> PreparedPerson { prepared[Int(slot)] }

    /// `MatchScorer.score(_:nhsNumber:_:floor:)` against the fact in `slot`, read where it is
    /// kept (returning a prepared fact copied it, a retain of each of its arrays per candidate).
    func score(_ subject: PreparedPerson, slot: Int32, floor: Double) -> MatchScore? {
        MatchScorer.score(subject, nhsNumber: facts[Int(slot)].nhsNumber, prepared[Int(slot)], floor: floor)
    }

    /// The household rivals of the fact in `slot` (`IdentityMatcher.household`), itself left out.
    func householdRivals(of slot: Int32) -> [Int32] {
        household(prepared[Int(slot)]).filter { $0 != slot && IdentityMatcher.household(prepared[Int(slot)], prepared[Int($0)]) }
    }

    /// Records a person's latest details, replacing what was known of them before.
    package mutating func replace(with fact: IdentityFact) {
        let person = PreparedPerson(Demographics(fact))
        let keys = Self.keys(person)
        if let slot = slotOf[fact.nhsNumber] {
            let old = Self.keys(prepared[Int(slot)])
            for key in old {
                blocks[key]?.removeAll { $0.slot == slot }
                if blocks[key]?.isEmpty == true { blocks[key] = nil }
            }
            facts[Int(slot)] = fact
            prepared[Int(slot)] = person
            let quick = person.quick(slot: slot)
            for key in keys { blocks[key, default: []].append(quick) }
        } else {
            let slot = Int32(facts.count)
            facts.append(fact)
            prepared.append(person)
            slotOf[fact.nhsNumber] = slot
            let quick = person.quick(slot: slot)
            for key in keys { blocks[key, default: []].append(quick) }
        }
    }

    /// The slot of every fact in a block the subject shares, each once, in the order first recorded.
    func candidates(_ subject: PreparedPerson) -> [Int32] {
        slots(in: Self.keys(subject, asking: true))
    }

    /// The same, but only those whose integer keys pass `keep`, which is asked before repeats are
    /// taken out: a common name's birth-year block holds a thousand people, and sorting them all
    /// cost more than looking at each.
    func candidates(_ subject: PreparedPerson, keeping keep: (QuickKeys) -> Bool) -> [Int32] {
        var slots: [Int32] = []
        for key in Self.keys(subject, asking: true) {
            guard let block = blocks[key] else { continue }
            for entry in block where keep(entry) { slots.append(entry.slot) }
        }
        return Self.unique(&slots)
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
        for key in keys { slots += (blocks[key] ?? []).map(\.slot) }
        return Self.unique(&slots)
    }

    /// Sorted, without repeats (a fact in two of the blocks), in place.
    private static func unique(_ slots: inout [Int32]) -> [Int32] {
        slots.sort()
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
        return (blocks[Self.birthKey(birth)] ?? []).compactMap { entry in
            let f = facts[Int(entry.slot)]
            guard let fam = f.family, let pc = f.postcode, NameText.letters(fam) == name, NameText.alphanumerics(pc) == code else { return nil }
            return f.nhsNumber
        }
    }

    /// The blocks a fact is in.
    static func keys(_ p: PreparedPerson) -> Set<String> { keys(p, asking: false) }

    /// The blocks a subject's candidates are in: a fact's, and for a birth date whose day could be
    /// a month, the block of the birth date with day and month the other way round.
    static func keys(_ p: PreparedPerson, asking: Bool) -> Set<String> {
        var keys: Set<String> = []
        if p.birth != 0 { keys.insert(birthKey(p.birth)) }
        let sounds = Self.sounds(p)
        let sectors = ([p.postcode] + p.earlierPostcodes.map(Optional.some)).compactMap { $0?.sector }
        let year = p.birth / 10000, month = p.birth / 100 % 100, day = p.birth % 100
        for sound in sounds {
            if p.birth != 0 {
                // A birth date with a slip in its day keeps year and month; one in its month keeps year and day.
                keys.insert("M" + sound + String(year * 100 + month))
                keys.insert("D" + sound + String(year * 100 + day))
                if asking, day <= 12 { keys.insert("M" + sound + String(year * 100 + day)) }
            }
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
