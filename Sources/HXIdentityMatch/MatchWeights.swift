/// The weight of each kind of agreement: log2 of how much likelier it is
/// between two records of one person than between two people (Fellegi and
/// Sunter's m/u ratio), rounded to half units so sums print exactly.
///
/// Our own estimates for a population of about a million: a birth date is
/// shared by one person in ~30,000 (+14), a full postcode by one in ~500 (+9),
/// a family name by one in ~500 (+9), a first name by one in ~150 (+7).
/// Disagreement weighs by how often one person's records still differ: birth
/// dates rarely (−10), names now and then (−5; a first name −8), postcodes
/// often, as people move (−1.5). The place sets the threshold and margin, not these.
package enum MatchWeights {
    // Family name.
    static let familyExact = 9.0
    static let familyEarlier = 7.5
    static let familyPart = 6.0
    static let familySpelling = 5.0
    static let familySound = 3.5
    static let familyDifferent = -5.0
    // Given names.
    static let givenExact = 7.0
    static let givenNickname = 5.0
    static let givenSpelling = 4.5
    static let givenOtherName = 4.0
    static let givenInitial = 1.5
    /// More than the −5 of names in general: people whose family name, birth
    /// date and address all agree are twins or siblings far more often than
    /// independent fields would say, and their first names are what differ
    /// (the labelled set's unseen twin scored 32 at −5).
    static let givenDifferent = -8.0
    // Birth date.
    static let birthExact = 14.0
    static let birthSwap = 7.0
    static let birthSlip = 6.0
    static let birthDifferent = -10.0
    // Sex.
    static let sexExact = 1.0
    static let sexDifferent = -5.0
    // Postcode.
    static let postcodeExact = 9.0
    static let postcodeEarlier = 6.0
    static let postcodeSector = 4.0
    static let postcodeDistrict = 1.5
    static let postcodeDifferent = -1.5
    // Address lines.
    static let addressExact = 4.0
    static let addressClose = 2.0
    static let addressDifferent = -1.0

    /// The highest score any candidate can reach: every field exact.
    package static let maximum = familyExact + givenExact + birthExact + sexExact + postcodeExact + addressExact
    /// The most one field can add: a link threshold must need more than this.
    package static let strongestField = birthExact
}
