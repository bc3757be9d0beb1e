import HXCanonical

/// Field-by-field comparison of a subject (`s`) with a candidate (`c`).
/// Each returns the field's agreement and weight (`MatchWeights`).
enum FieldComparators {
    typealias W = MatchWeights

    static func family(_ s: PreparedPerson, _ c: PreparedPerson) -> FieldScore {
        guard !s.family.isEmpty, !c.family.isEmpty else { return FieldScore(field: .family, agreement: .missing, weight: 0) }
        if s.family == c.family { return FieldScore(field: .family, agreement: .exact, weight: W.familyExact) }
        if c.earlierFamilies.contains(s.family) || s.earlierFamilies.contains(c.family) {
            return FieldScore(field: .family, agreement: .exact, detail: "earlier-name", weight: W.familyEarlier)
        }
        // Double-barrelled: "Smith-Jones" and "Jones" share a part.
        if s.familyParts.count > 1 || c.familyParts.count > 1, s.familyNameParts.contains(where: { c.familyNameParts.contains($0) }) {
            return FieldScore(field: .family, agreement: .close, detail: "one-part", weight: W.familyPart)
        }
        let similarity = JaroWinkler.similarity(s.family, c.family)
        if similarity >= 0.92 || (similarity >= 0.85 && EditDistance.atMostOne(s.family, c.family)) {
            return FieldScore(field: .family, agreement: .close, detail: "spelling", weight: W.familySpelling)
        }
        if similarity >= 0.80, Phonetic.code(s.family) == Phonetic.code(c.family) {
            return FieldScore(field: .family, agreement: .close, detail: "sound", weight: W.familySound)
        }
        return FieldScore(field: .family, agreement: .different, weight: W.familyDifferent)
    }

    /// Whether `family` says exact (earlier names included) or one-part, without its spelling
    /// comparisons: what a household needs, asked of every fact of a birth-date block.
    static func sameFamilyOrPart(_ s: PreparedPerson, _ c: PreparedPerson) -> Bool {
        guard !s.family.isEmpty, !c.family.isEmpty else { return false }
        if s.family == c.family || c.earlierFamilies.contains(s.family) || s.earlierFamilies.contains(c.family) { return true }
        return (s.familyParts.count > 1 || c.familyParts.count > 1) && s.familyNameParts.contains(where: { c.familyNameParts.contains($0) })
    }

    static func given(_ s: PreparedPerson, _ c: PreparedPerson) -> FieldScore {
        guard let a = s.given.first, let b = c.given.first else { return FieldScore(field: .given, agreement: .missing, weight: 0) }
        if a == b { return FieldScore(field: .given, agreement: .exact, weight: W.givenExact) }
        if a.count > 1, b.count > 1, Nicknames.sameName(a, b) {
            return FieldScore(field: .given, agreement: .close, detail: "nickname", weight: W.givenNickname)
        }
        if a.count > 2, b.count > 2, JaroWinkler.similarity(a, b) >= 0.92 || (EditDistance.atMostOne(a, b) && min(a.count, b.count) >= 4) {
            return FieldScore(field: .given, agreement: .close, detail: "spelling", weight: W.givenSpelling)
        }
        // Known by a middle name: one side's first name is another of the other's names.
        if a.count > 1, b.count > 1, c.given.dropFirst().contains(a) || s.given.dropFirst().contains(b) {
            return FieldScore(field: .given, agreement: .close, detail: "other-given-name", weight: W.givenOtherName)
        }
        if (a.count == 1 || b.count == 1), a[0] == b[0] {
            return FieldScore(field: .given, agreement: .close, detail: "initial", weight: W.givenInitial)
        }
        return FieldScore(field: .given, agreement: .different, weight: W.givenDifferent)
    }

    static func birthDate(_ s: PreparedPerson, _ c: PreparedPerson) -> FieldScore { birthDate(s.birth, c.birth) }

    /// Birth dates as yyyymmdd, 0 when not known.
    static func birthDate(_ s: Int32, _ c: Int32) -> FieldScore {
        let a = Int(s), b = Int(c)
        guard a != 0, b != 0 else { return FieldScore(field: .birthDate, agreement: .missing, weight: 0) }
        if a == b { return FieldScore(field: .birthDate, agreement: .exact, weight: W.birthExact) }
        if a / 10000 == b / 10000, a % 100 == b / 100 % 100, a / 100 % 100 == b % 100 {
            return FieldScore(field: .birthDate, agreement: .close, detail: "day-month-swap", weight: W.birthSwap)
        }
        // The eight digits of YYYYMMDD compared one by one (as written YYYY-MM-DD: neighbours
        // across a hyphen are not neighbours).
        var x = a, y = b, differing = 0, first = -1, second = -1, firstX = 0, firstY = 0, secondX = 0, secondY = 0
        for i in stride(from: 7, through: 0, by: -1) {
            let dx = x % 10, dy = y % 10
            x /= 10
            y /= 10
            guard dx != dy else { continue }
            differing += 1
            if differing > 2 { break }
            // Walking from the last digit: the first found is the later position.
            if second < 0 { (second, secondX, secondY) = (i, dx, dy) } else { (first, firstX, firstY) = (i, dx, dy) }
        }
        if differing == 1 {
            return FieldScore(field: .birthDate, agreement: .close, detail: "one-digit", weight: W.birthSlip)
        }
        // Two neighbouring digits typed the other way round (1967 → 1976).
        if differing == 2, second == first + 1, first != 3, first != 5, firstX == secondY, secondX == firstY {
            return FieldScore(field: .birthDate, agreement: .close, detail: "transposed-digits", weight: W.birthSlip)
        }
        return FieldScore(field: .birthDate, agreement: .different, weight: W.birthDifferent)
    }

    static func sex(_ s: PreparedPerson, _ c: PreparedPerson) -> FieldScore {
        guard let a = s.sex, let b = c.sex else { return FieldScore(field: .sex, agreement: .missing, weight: 0) }
        return a == b ? FieldScore(field: .sex, agreement: .exact, weight: W.sexExact)
            : FieldScore(field: .sex, agreement: .different, weight: W.sexDifferent)
    }

    static func postcode(_ s: PreparedPerson, _ c: PreparedPerson) -> FieldScore {
        guard let a = s.postcode, c.postcode != nil || !c.earlierPostcodes.isEmpty else {
            return FieldScore(field: .postcode, agreement: .missing, weight: 0)
        }
        if let unit = a.unit, unit == c.postcode?.unit { return FieldScore(field: .postcode, agreement: .exact, weight: W.postcodeExact) }
        // The person lived there: the subject's details are from before a move.
        if let unit = a.unit, c.earlierPostcodes.contains(where: { $0.unit == unit }) {
            return FieldScore(field: .postcode, agreement: .close, detail: "earlier-address", weight: W.postcodeEarlier)
        }
        if let sector = a.sector, sector == c.postcode?.sector {
            return FieldScore(field: .postcode, agreement: .close, detail: "sector", weight: W.postcodeSector)
        }
        if a.district == c.postcode?.district {
            return FieldScore(field: .postcode, agreement: .close, detail: "district", weight: W.postcodeDistrict)
        }
        return FieldScore(field: .postcode, agreement: .different, weight: W.postcodeDifferent)
    }

    static func address(_ s: PreparedPerson, _ c: PreparedPerson) -> FieldScore {
        guard !s.addressWords.isEmpty, !c.addressWords.isEmpty else { return FieldScore(field: .address, agreement: .missing, weight: 0) }
        // Both sorted without repeats: count the shared words in one pass.
        var i = 0, j = 0, shared = 0
        while i < s.addressWords.count, j < c.addressWords.count {
            let x = s.addressWords[i], y = c.addressWords[j]
            if x == y { shared += 1; i += 1; j += 1 } else if x < y { i += 1 } else { j += 1 }
        }
        let jaccard = Double(shared) / Double(s.addressWords.count + c.addressWords.count - shared)
        let sameNumber = s.houseNumber == c.houseNumber
        if sameNumber, jaccard >= 0.8 { return FieldScore(field: .address, agreement: .exact, weight: W.addressExact) }
        if sameNumber, jaccard >= 0.4 { return FieldScore(field: .address, agreement: .close, weight: W.addressClose) }
        return FieldScore(field: .address, agreement: .different, weight: W.addressDifferent)
    }
}

enum EditDistance {
    /// Whether one insertion, deletion or substitution turns `a` into `b`.
    static func atMostOne(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        if a == b { return true }
        if abs(a.count - b.count) > 1 { return false }
        var i = 0, j = 0, edits = 0
        while i < a.count, j < b.count {
            if a[i] == b[j] {
                i += 1
                j += 1
                continue
            }
            edits += 1
            if edits > 1 { return false }
            if a.count > b.count { i += 1 } else if b.count > a.count { j += 1 } else {
                i += 1
                j += 1
            }
        }
        return edits + (a.count - i) + (b.count - j) <= 1
    }
}
