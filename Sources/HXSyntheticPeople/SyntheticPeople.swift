import HXCanonical
import HXIdentityMatch

/// Made-up Halton people as identity facts, and trace requests about them
/// (or about people who are not there), each with its right answer: the one
/// generator of the identity tests and of `make bench-identity`.
///
/// Every name, date and address is invented; NHS numbers are in the 999
/// range set aside for testing, which holds 909,091 valid numbers: facts
/// beyond that many are later facts of people already seen, who moved (a new
/// postcode, the old one kept as earlier), as `hx.identity.v1` carries a
/// person's newer details after their older ones. Family names have a long
/// tail (a few very common, thousands rare), so blocks are as uneven as a real
/// population's. The same seed and sizes give the same people and requests.
package struct SyntheticPeople: Sendable {
    /// What was done to a request, and so what matching should make of it.
    package enum Kind: String, Sendable, CaseIterable {
        // About a known person, designed to link.
        case exact
        case familyTypo = "family-typo"
        case nickname
        case dayMonthSwap = "day-month-swap"
        case birthDateSlip = "birth-date-slip"
        case movedKnown = "moved-known"
        case missingGiven = "missing-given"
        case missingPostcode = "missing-postcode"
        case doubleBarrelled = "double-barrelled"
        case earlierName = "earlier-name"
        case commonName = "common-name"
        case sharedAddress = "shared-address"
        // About a known person, designed to go to review.
        case movedUnknown = "moved-unknown"
        case missingBirthDate = "missing-birth-date"
        case twins
        case parentChild = "parent-child"
        // About someone who is not among the facts: never linked.
        case namesake
        case spouse
        case sibling
        case unseenTwin = "unseen-twin"
        case stranger

        /// What the link rule of config/identity.yaml is designed to do with this kind (docs/design.md).
        package var designed: Designed {
            switch self {
            case .exact, .familyTypo, .nickname, .dayMonthSwap, .birthDateSlip, .movedKnown, .missingGiven, .missingPostcode,
                 .doubleBarrelled, .earlierName, .commonName, .sharedAddress: .link
            case .movedUnknown, .missingBirthDate, .twins, .parentChild: .review
            case .namesake, .spouse, .sibling, .unseenTwin, .stranger: .notLinked
            }
        }
    }

    package enum Designed: String, Sendable {
        /// Linked to the request's person.
        case link
        /// Held for a person's look, with the request's person among the candidates.
        case review
        /// The person is not among the facts: any link is wrong.
        case notLinked = "not-linked"
    }

    /// One trace request with its right answer.
    package struct Request: Sendable {
        package var reference: String
        package var kind: Kind
        /// Who the request is about; nil for someone not among the facts.
        package var person: NHSNumber?
        package var demographics: Demographics
    }

    /// In the order `hx.identity.v1` would carry them (a person's later fact after the earlier).
    package private(set) var facts: [IdentityFact] = []
    package private(set) var requests: [Request] = []

    private var random: UInt64
    private var serial = 0
    private var familyNames: [String] = []
    private var familyCumulative: [Double] = []
    /// Each person's latest fact (index into `facts`), by person number.
    private var latest: [Int] = []
    private var plain: [Int] = [], movers: [Int] = [], earlierAddress: [Int] = [], doubleBarrelled: [Int] = []
    private var married: [Int] = [], common: [Int] = [], sharers: [Int] = [], twins: [Int] = [], parentChild: [Int] = []

    package init(seed: UInt64 = 18, facts: Int, requests: Int) {
        random = seed
        makeFamilyNames(count: max(300, min(20_000, facts / 50)))
        makeFacts(facts)
        makeRequests(requests)
    }

    // MARK: Made-up parts

    static let commonFamilies = ["Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
                                 "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall"]
    static let syllables = ["ash", "brook", "cal", "dun", "el", "farn", "gar", "hes", "ing", "jol", "ker", "low", "mol", "nay",
                            "ow", "pen", "quir", "rim", "stark", "tick", "un", "vick", "whit", "yat", "ald", "bir", "cow", "dav",
                            "ent", "frod", "hal", "mer", "ton", "ley", "worth", "ham", "by", "field", "shaw", "well"]
    static let male = ["William", "James", "John", "Robert", "Michael", "David", "Thomas", "Peter", "Andrew", "Daniel", "Joseph",
                       "Edward", "Anthony", "Stephen", "Mark", "Paul", "Gary", "Kevin", "Neil", "Craig", "Oliver", "Harry", "George",
                       "Jack", "Charlie", "Jacob", "Alfie", "Noah", "Leo", "Oscar"]
    static let female = ["Margaret", "Elizabeth", "Mary", "Susan", "Catherine", "Patricia", "Sarah", "Helen", "Karen", "Julie",
                         "Rebecca", "Deborah", "Jennifer", "Victoria", "Joanne", "Lisa", "Nicola", "Amanda", "Claire", "Emma",
                         "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Sophia", "Grace", "Freya"]
    /// Familiar forms the requests use (each a form HXIdentityMatch's nickname list knows).
    static let nicknames = ["William": "Bill", "James": "Jim", "Robert": "Bob", "Michael": "Mike", "Thomas": "Tom", "Edward": "Ted",
                            "Anthony": "Tony", "Margaret": "Peggy", "Elizabeth": "Liz", "Susan": "Sue", "Catherine": "Kate",
                            "Patricia": "Trish", "Rebecca": "Becky", "Deborah": "Debbie", "Jennifer": "Jenny", "Victoria": "Vicky",
                            "David": "Dave", "Daniel": "Danny", "Joseph": "Joe", "Peter": "Pete", "Andrew": "Andy", "Stephen": "Steve",
                            "Sarah": "Sally", "Charlie": "Charles", "Harry": "Henry"]
    static let streets = ["Road", "Street", "Avenue", "Close", "Lane", "Grove", "Drive", "Way"]
    static let towns = ["Widnes", "Runcorn"]
    static let districts = (1...16).map { "WA\($0)" } + (1...40).map { "L\($0)" } + (1...49).map { "CH\($0)" }
    static let letters = Array("ABDEFGHJLNPQRSTUWXYZ")
    static let source = Source(organisation: "RWW", system: "pas", adapter: "synthetic", messageId: "")
    static let recordedAt = RFC3339Timestamp("2026-01-01T09:00:00Z")!

    mutating func next(_ n: Int) -> Int {
        random &+= 0x9E37_79B9_7F4A_7C15
        var z = random
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(n))
    }

    mutating func pick<T>(_ xs: [T]) -> T { xs[next(xs.count)] }

    mutating func makeFamilyNames(count: Int) {
        var seen = Set(Self.commonFamilies)
        var names = Self.commonFamilies
        while names.count < count {
            let parts = 2 + (next(3) == 0 ? 1 : 0)
            let name = (0..<parts).map { _ in pick(Self.syllables) }.joined()
            let capitalised = name.prefix(1).uppercased() + name.dropFirst()
            if seen.insert(capitalised).inserted { names.append(capitalised) }
        }
        familyNames = names
        // Long tail: weight 1/(rank+10), so "Smith" is about one in a hundred.
        var total = 0.0
        familyCumulative = names.indices.map { rank in
            total += 1.0 / Double(rank + 10)
            return total
        }
    }

    mutating func family() -> String {
        let x = Double(next(1 << 30)) / Double(1 << 30) * familyCumulative.last!
        var lo = 0, hi = familyCumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if familyCumulative[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return familyNames[lo]
    }

    mutating func postcode(in district: String? = nil) -> String {
        "\(district ?? pick(Self.districts)) \(1 + next(9))\(pick(Self.letters))\(pick(Self.letters))"
    }

    /// A postcode in another district than `other`'s.
    mutating func postcode(awayFrom other: String?) -> String {
        let home = other.map { String($0.split(separator: " ")[0]) }
        var district = pick(Self.districts)
        while district == home { district = pick(Self.districts) }
        return postcode(in: district)
    }

    mutating func address() -> [String] {
        ["\(1 + next(200)) \(familyNames[20 + next(min(180, familyNames.count - 20))]) \(pick(Self.streets))", pick(Self.towns)]
    }

    mutating func date(from: Int, to: Int) -> CalendarDate {
        CalendarDate(year: from + next(to - from + 1), month: 1 + next(12), day: 1 + next(28))!
    }

    /// The next valid number of the 999 test range, nil when the range is used up.
    mutating func nhsNumber() -> NHSNumber? {
        while serial < 1_000_000 {
            let nine = 999_000_000 + serial
            serial += 1
            var n = nine, sum = 0
            for weight in 2...10 {
                sum += (n % 10) * weight
                n /= 10
            }
            let check = (11 - sum % 11) % 11
            if check != 10, let number = try? NHSNumber(String(nine) + String(check)) { return number }
        }
        return nil
    }

    mutating func givenName(_ sex: Gender, not others: [String] = []) -> String {
        let names = sex == .male ? Self.male : Self.female
        var name = pick(names)
        while others.contains(where: { Self.sameName(name, $0) }) { name = pick(names) }
        return name
    }

    static func sameName(_ a: String, _ b: String) -> Bool { nicknames[a] == b || nicknames[b] == a || GivenNames.same(a, b) }

    // MARK: Facts

    /// A new person's first fact, or nil when the test range is used up.
    mutating func person(family: String? = nil, given: String? = nil, sex: Gender? = nil, birth: CalendarDate? = nil,
                         postcode: String? = nil, address: [String]? = nil) -> Int? {
        guard let number = nhsNumber() else { return nil }
        let s = sex ?? (next(2) == 0 ? Gender.male : .female)
        let first = given ?? givenName(s)
        let middle = givenName(s, not: [first])
        var source = Self.source
        source.messageId = "S\(facts.count)"
        facts.append(IdentityFact(
            nhsNumber: number, family: family ?? self.family(), given: [first, middle], sex: s, birthDate: birth ?? date(from: 1925, to: 2025),
            postcode: postcode ?? self.postcode(), address: address ?? self.address(), source: source, recordedAt: Self.recordedAt))
        latest.append(facts.count - 1)
        return latest.count - 1
    }

    mutating func makeFacts(_ count: Int) {
        facts.reserveCapacity(count)
        // John Smiths and Mary Joneses, some on one birth date: common names that must still link.
        let shared = CalendarDate(year: 1970, month: 5, day: 5)!
        for i in 0..<min(count / 4, 40 + count / 25_000) {
            let id = i % 2 == 0
                ? person(family: "Smith", given: "John", sex: .male, birth: i % 4 == 0 ? shared : nil)
                : person(family: "Jones", given: "Mary", sex: .female, birth: i % 4 == 1 ? shared : nil)
            common.append(id!)
        }
        while facts.count < count {
            let room = count - facts.count
            switch next(100) {
            case 0 where room >= 2:
                // Twins: one family name, birth date and address; names that are not forms of one another.
                guard let a = person() else { break }
                let f = facts[latest[a]]
                guard let b = person(family: f.family, given: givenName(f.sex!, not: f.given!), sex: f.sex, birth: f.birthDate,
                                     postcode: f.postcode, address: f.address) else { break }
                twins += [a, b]
            case 1 where room >= 2:
                // A parent and child of one name at one address.
                guard let parent = person(sex: .male, birth: date(from: 1945, to: 1970)) else { break }
                let f = facts[latest[parent]]
                guard let child = person(family: f.family, given: f.given![0], sex: .male, birth: date(from: 1985, to: 2008),
                                         postcode: f.postcode, address: f.address) else { break }
                parentChild += [parent, child]
            case 2 where room >= 2:
                // Two households of different names at one address (flats, lodgers).
                guard let a = person() else { break }
                let f = facts[latest[a]]
                var other = family()
                while other == f.family { other = family() }
                guard let b = person(family: other, postcode: f.postcode, address: f.address) else { break }
                sharers += [a, b]
            case 3:
                let a = family()
                var b = family()
                while b == a { b = family() }
                if let id = person(family: "\(a)-\(b)") { doubleBarrelled.append(id) }
            case 4, 5:
                // Married: the name before marriage is kept as an earlier name.
                guard let id = person(sex: .female) else { break }
                var maiden = family()
                while maiden == facts[latest[id]].family { maiden = family() }
                facts[latest[id]].earlierFamilies = [maiden]
                married.append(id)
            case 6...13:
                // Moved: the facts know the earlier postcode.
                guard let id = person() else { break }
                facts[latest[id]].earlierPostcodes = [postcode(awayFrom: facts[latest[id]].postcode)]
                earlierAddress.append(id)
            default:
                guard let id = person() else { break }
                plain.append(id)
                if id % 10 == 3 { movers.append(id) }
            }
            if serial >= 1_000_000 && facts.count < count {
                // The test range is used up: a later fact of someone already seen, who moved.
                let id = movers[(facts.count &* 7919) % movers.count]
                var f = facts[latest[id]]
                f.earlierPostcodes = [f.postcode!] + (f.earlierPostcodes ?? [])
                f.postcode = postcode(awayFrom: f.postcode)
                f.address = address()
                f.source.messageId = "S\(facts.count)"
                facts.append(f)
                latest[id] = facts.count - 1
            }
        }
        // Movers with a later fact are people who moved with the facts knowing.
        let moved = Set(movers.filter { facts[latest[$0]].earlierPostcodes != nil })
        plain.removeAll { moved.contains($0) }
        earlierAddress += moved.sorted()
    }

    // MARK: Requests

    func fact(_ id: Int) -> IdentityFact { facts[latest[id]] }

    static func demographics(_ f: IdentityFact) -> Demographics {
        Demographics(family: f.family, given: f.given.map { [$0[0]] } ?? [], sex: f.sex, birthDate: f.birthDate, postcode: f.postcode,
                     address: f.address.map { [$0.joined(separator: ", ")] } ?? [])
    }

    mutating func makeRequests(_ count: Int) {
        requests.reserveCapacity(count)
        let kinds = Kind.allCases
        var r = 0
        while requests.count < count {
            let kind = kinds[r % kinds.count]
            r += 1
            // A person who does not suit the kind (no nickname, a day after the 12th for a swap): draw again.
            for _ in 0..<50 {
                guard let request = request(kind, variant: r / kinds.count) else { continue }
                requests.append(Request(reference: "T\(requests.count)", kind: request.0, person: request.1, demographics: request.2))
                break
            }
        }
    }

    /// One request of a kind; nil when the person drawn does not suit it (the caller draws again).
    mutating func request(_ kind: Kind, variant: Int) -> (Kind, NHSNumber?, Demographics)? {
        func from(_ pool: [Int]) -> IdentityFact? { pool.isEmpty ? nil : fact(pool[next(pool.count)]) }
        switch kind {
        case .exact, .familyTypo, .nickname, .dayMonthSwap, .birthDateSlip, .movedUnknown, .missingGiven, .missingPostcode,
             .missingBirthDate:
            guard let f = from(plain) else { return nil }
            var d = Self.demographics(f)
            switch kind {
            case .familyTypo:
                var c = Array(f.family!)
                guard c.count >= 5 else { return nil }
                let k = 1 + next(c.count - 2)
                switch variant % 3 {
                case 0: c.swapAt(k, k + 1)  // neighbouring letters the other way round
                case 1: c.insert(c[k], at: k)  // a letter doubled
                default: c.remove(at: k)  // a letter dropped
                }
                guard String(c) != f.family else { return nil }
                d.family = String(c)
            case .nickname:
                guard let nick = Self.nicknames[f.given![0]] else { return nil }
                d.given = [nick]
            case .dayMonthSwap:
                let b = f.birthDate!
                guard b.day <= 12, b.day != b.month else { return nil }
                d.birthDate = CalendarDate(year: b.year, month: b.day, day: b.month)
            case .birthDateSlip:
                let b = f.birthDate!
                if variant % 2 == 0 {
                    d.birthDate = CalendarDate(year: b.year, month: b.month, day: b.day % 10 == 9 ? b.day - 1 : b.day + 1)
                } else {
                    // The year's last two digits typed the other way round (1967 → 1976).
                    let tens = b.year / 10 % 10, units = b.year % 10
                    let year = b.year - tens * 10 - units + units * 10 + tens
                    guard tens != units, year <= 2025 else { return nil }
                    d.birthDate = CalendarDate(year: year, month: b.month, day: b.day)
                }
            case .movedUnknown:
                d.postcode = postcode(awayFrom: f.postcode)
                d.address = [address().joined(separator: ", ")]
            case .missingGiven: d.given = []
            case .missingPostcode: d.postcode = nil
            case .missingBirthDate: d.birthDate = nil
            default: break
            }
            return (kind, f.nhsNumber, d)
        case .movedKnown:
            guard let f = from(earlierAddress) else { return nil }
            var d = Self.demographics(f)
            d.postcode = f.earlierPostcodes![0]
            d.address = [address().joined(separator: ", ")]
            return (kind, f.nhsNumber, d)
        case .doubleBarrelled:
            guard let f = from(doubleBarrelled) else { return nil }
            var d = Self.demographics(f)
            d.family = String(f.family!.split(separator: "-")[variant % 2])
            return (kind, f.nhsNumber, d)
        case .earlierName:
            guard let f = from(married) else { return nil }
            var d = Self.demographics(f)
            d.family = f.earlierFamilies![0]
            return (kind, f.nhsNumber, d)
        case .commonName:
            guard let f = from(common) else { return nil }
            return (kind, f.nhsNumber, Self.demographics(f))
        case .sharedAddress:
            guard let f = from(sharers) else { return nil }
            return (kind, f.nhsNumber, Self.demographics(f))
        case .twins:
            guard let f = from(twins) else { return nil }
            return (kind, f.nhsNumber, Self.demographics(f))
        case .parentChild:
            guard let f = from(parentChild) else { return nil }
            return (kind, f.nhsNumber, Self.demographics(f))
        case .namesake:
            // Same name and birth date, living elsewhere.
            guard let f = from(plain) else { return nil }
            var d = Self.demographics(f)
            d.postcode = postcode(awayFrom: f.postcode)
            d.address = [address().joined(separator: ", ")]
            return (kind, nil, d)
        case .spouse:
            // Same family name and address; another first name, sex and birth date.
            guard let f = from(plain) else { return nil }
            var d = Self.demographics(f)
            let sex: Gender = f.sex == .male ? .female : .male
            d.sex = sex
            d.given = [givenName(sex)]
            d.birthDate = date(from: 1925, to: 2005)
            guard d.birthDate != f.birthDate else { return nil }
            return (kind, nil, d)
        case .sibling:
            // Same family and address, another first name, born three years later.
            guard let f = from(plain) else { return nil }
            var d = Self.demographics(f)
            let b = f.birthDate!
            d.given = [givenName(f.sex!, not: f.given!)]
            d.birthDate = CalendarDate(year: b.year + 3, month: b.month, day: b.day)
            return (kind, nil, d)
        case .unseenTwin:
            // A twin the facts never saw: same family, birth date and address, another first name.
            guard let f = from(plain) else { return nil }
            var d = Self.demographics(f)
            d.given = [givenName(f.sex!, not: f.given!)]
            return (kind, nil, d)
        case .stranger:
            let sex: Gender = next(2) == 0 ? .male : .female
            return (kind, nil, Demographics(family: family(), given: [givenName(sex)], sex: sex, birthDate: date(from: 1925, to: 2025),
                                            postcode: postcode(), address: [address().joined(separator: ", ")]))
        }
    }
}
