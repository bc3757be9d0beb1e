import HXCanonical
import HXIdentityMatch

/// A labelled set of made-up people for measuring matching: facts for a
/// population, and requests about them (or about people who are not there)
/// with the right answer. Every name, date and address is invented; NHS
/// numbers are in the 999 test range. The same seed gives the same set.
struct LabelledPeople {
    enum Expect: Equatable {
        /// Should be linked to this person (a miss goes to review: not wrong, only less useful).
        case link(NHSNumber)
        /// Must be held for review: twins, a parent and child of one name.
        case review
        /// The person is not among the facts: any link is wrong.
        case noLink
    }

    struct Case {
        var category: String
        var request: Demographics
        var expect: Expect
    }

    var facts: [IdentityFact] = []
    var cases: [Case] = []

    static let families = [
        "Ashworth", "Brennan", "Critchley", "Dunne", "Eccleston", "Fairclough", "Garside", "Hesketh", "Ince", "Jolley",
        "Kershaw", "Lowe", "Molyneux", "Naylor", "Owens", "Pennington", "Quirk", "Rimmer", "Starkey", "Tickle",
        "Unsworth", "Vickers", "Whittle", "Yates", "Almond", "Birchall", "Cowley", "Davenport", "Entwistle", "Frodsham",
        "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
    ]
    static let male = ["William", "James", "John", "Robert", "Michael", "David", "Thomas", "Peter", "Andrew", "Daniel",
                       "Joseph", "Edward", "Anthony", "Stephen", "Mark", "Paul", "Gary", "Kevin", "Neil", "Craig"]
    static let female = ["Margaret", "Elizabeth", "Mary", "Susan", "Catherine", "Patricia", "Sarah", "Helen", "Karen", "Julie",
                         "Rebecca", "Deborah", "Jennifer", "Victoria", "Joanne", "Lisa", "Nicola", "Amanda", "Claire", "Emma"]
    /// Familiar forms the requests use.
    static let nicknames = ["William": "Bill", "James": "Jim", "Robert": "Bob", "Michael": "Mike", "Thomas": "Tom", "Edward": "Ted",
                            "Anthony": "Tony", "Margaret": "Peggy", "Elizabeth": "Liz", "Susan": "Sue", "Catherine": "Kate",
                            "Patricia": "Trish", "Rebecca": "Becky", "Deborah": "Debbie", "Jennifer": "Jenny", "Victoria": "Vicky",
                            "David": "Dave", "Daniel": "Danny", "Joseph": "Joe", "Peter": "Pete", "Andrew": "Andy", "Stephen": "Steve"]
    static let streets = ["Appleton Road", "Birchfield Avenue", "Castle Street", "Deacon Close", "Elm Grove", "Fieldway",
                          "Greenway Road", "Heath Lane", "Irwell Street", "Kingsway", "Lunts Heath Road", "Mersey Road"]
    static let districts = ["WA7", "WA8", "L24", "L26", "WA5"]

    private var random: UInt64
    private var serial = 0

    init(seed: UInt64 = 18) {
        random = seed
        build()
    }

    mutating func next(_ n: Int) -> Int {
        random &+= 0x9E37_79B9_7F4A_7C15
        var z = random
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(n))
    }

    mutating func nhsNumber() -> NHSNumber {
        while true {
            serial += 1
            let nine = 999_100_000 + serial * 37
            let digits = String(nine).compactMap(\.wholeNumberValue)
            let sum = digits.enumerated().reduce(0) { $0 + $1.element * (10 - $1.offset) }
            let check = (11 - sum % 11) % 11
            if check != 10, let n = try? NHSNumber(String(nine) + String(check)) { return n }
        }
    }

    mutating func postcode() -> String {
        let letters = Array("ABDEFGHJLNPQRSTUWXYZ")
        return "\(Self.districts[next(Self.districts.count)]) \(1 + next(9))\(letters[next(letters.count)])\(letters[next(letters.count)])"
    }

    mutating func date(from: Int, to: Int) -> CalendarDate {
        CalendarDate(year: from + next(to - from), month: 1 + next(12), day: 1 + next(28))!
    }

    mutating func person(family: String? = nil, given: String? = nil, sex: Gender? = nil, birth: CalendarDate? = nil,
                         postcode: String? = nil, address: [String]? = nil) -> IdentityFact {
        let s = sex ?? (next(2) == 0 ? .male : .female)
        let names = s == .male ? Self.male : Self.female
        var middle = names[next(names.count)]
        let first = given ?? names[next(names.count)]
        if middle == first { middle = names[(names.firstIndex(of: first)! + 1) % names.count] }
        return IdentityFact(
            nhsNumber: nhsNumber(), family: family ?? Self.families[next(Self.families.count)], given: [first, middle], sex: s,
            birthDate: birth ?? date(from: 1930, to: 2020), postcode: postcode ?? self.postcode(),
            address: address ?? ["\(1 + next(180)) \(Self.streets[next(Self.streets.count)])", "Widnes"],
            source: Source(organisation: "RWW", system: "pas", adapter: "labelled", messageId: "L\(serial)"),
            recordedAt: RFC3339Timestamp("2026-01-01T09:00:00Z")!)
    }

    static func request(_ f: IdentityFact, given: String? = nil) -> Demographics {
        Demographics(family: f.family, given: [given ?? f.given![0]], sex: f.sex, birthDate: f.birthDate, postcode: f.postcode,
                     address: f.address.map { [$0.joined(separator: ", ")] } ?? [])
    }

    static func typo(_ s: String, at i: Int) -> String {
        var c = Array(s)
        let k = 1 + i % (c.count - 2)
        c.swapAt(k, k + 1)  // neighbouring letters the other way round
        return String(c)
    }

    mutating func build() {
        // The population: 1,500 people, who are the background for every case.
        for _ in 0..<1500 { facts.append(person()) }
        let plain = Array(facts.prefix(1500))
        // Exact copies, typos, nicknames, swapped and slipped birth dates.
        for i in stride(from: 0, to: 200, by: 1) {
            let f = plain[i]
            var r = Self.request(f)
            let category: String
            switch i % 5 {
            case 0: category = "exact"
            case 1:
                category = "family-typo"
                r.family = Self.typo(f.family!, at: i)
            case 2:
                guard let nick = Self.nicknames[f.given![0]] else { continue }
                category = "nickname"
                r.given = [nick]
            case 3:
                let b = f.birthDate!
                guard b.day <= 12, b.day != b.month else { continue }
                category = "day-month-swap"
                r.birthDate = CalendarDate(year: b.year, month: b.day, day: b.month)
            default:
                let b = f.birthDate!
                category = "birth-date-slip"
                r.birthDate = CalendarDate(year: b.year, month: b.month, day: b.day % 10 == 9 ? b.day - 1 : b.day + 1)
            }
            cases.append(Case(category: category, request: r, expect: .link(f.nhsNumber)))
        }
        // Moved house: the facts know the new address and the old postcode; the request has the old one.
        for _ in 0..<30 {
            let old = postcode()
            var f = person()
            f.earlierPostcodes = [old]
            facts.append(f)
            var r = Self.request(f)
            r.postcode = old
            r.address = ["\(1 + next(90)) \(Self.streets[next(Self.streets.count)]), Runcorn"]
            cases.append(Case(category: "moved-known", request: r, expect: .link(f.nhsNumber)))
        }
        // Moved house the facts do not know of yet: a new postcode and address (review is the safe answer).
        for i in 300..<330 {
            let f = plain[i]
            var r = Self.request(f)
            r.postcode = postcode()
            r.address = ["\(1 + next(90)) \(Self.streets[next(Self.streets.count)]), Runcorn"]
            cases.append(Case(category: "moved-unknown", request: r, expect: .link(f.nhsNumber)))
        }
        // Double-barrelled: the facts have both names, the request one of them.
        for i in 0..<25 {
            let f = person(family: "\(Self.families[i % 30])-\(Self.families[(i * 7 + 3) % 30])")
            facts.append(f)
            var r = Self.request(f)
            r.family = String(f.family!.split(separator: "-")[i % 2])
            cases.append(Case(category: "double-barrelled", request: r, expect: .link(f.nhsNumber)))
        }
        // Married: the request has the name before marriage, which the facts keep.
        for i in 0..<25 {
            let maiden = Self.families[(i * 11 + 5) % Self.families.count]
            var f = person(sex: .female)
            guard f.family != maiden else { continue }
            f.earlierFamilies = [maiden]
            facts.append(f)
            var r = Self.request(f)
            r.family = maiden
            cases.append(Case(category: "earlier-name", request: r, expect: .link(f.nhsNumber)))
        }
        // Twins: one surname, birth date and address, different given names. Always review.
        for i in 0..<25 {
            let a = person()
            let names = a.sex == .male ? Self.male : Self.female
            let givenB = Nicknamed.other(than: a.given!, in: names, from: 3 + i)
            let b = person(family: a.family, given: givenB, birth: a.birthDate, postcode: a.postcode, address: a.address)
            facts += [a, b]
            cases.append(Case(category: "twins", request: Self.request(i % 2 == 0 ? a : b), expect: .review))
        }
        // A parent and child of one name at one address. Always review.
        for i in 0..<25 {
            let parent = person(sex: .male, birth: date(from: 1950, to: 1970))
            let child = person(family: parent.family, given: parent.given![0], sex: .male,
                               birth: date(from: 1985, to: 2005), postcode: parent.postcode, address: parent.address)
            facts += [parent, child]
            cases.append(Case(category: "parent-child", request: Self.request(i % 2 == 0 ? parent : child), expect: .review))
        }
        // Common names: John Smith and Mary Jones many times over, some on one birth date.
        var commons: [IdentityFact] = []
        for i in 0..<40 {
            let shared = CalendarDate(year: 1970, month: 5, day: 5)!
            let f = i % 2 == 0
                ? person(family: "Smith", given: "John", sex: .male, birth: i % 4 == 0 ? shared : nil)
                : person(family: "Jones", given: "Mary", sex: .female, birth: i % 4 == 1 ? shared : nil)
            commons.append(f)
        }
        facts += commons
        for (i, f) in commons.enumerated() where i % 3 == 0 {
            cases.append(Case(category: "common-name", request: Self.request(f), expect: .link(f.nhsNumber)))
        }
        // People who are not among the facts, each sharing much with someone who is.
        for i in 0..<60 {
            let known = plain[600 + i]
            let stranger: Demographics
            switch i % 4 {
            case 0:
                // Same name and birth date, living elsewhere (a namesake).
                stranger = Demographics(family: known.family, given: [known.given![0]], sex: known.sex, birthDate: known.birthDate,
                                        postcode: postcode(), address: ["\(1 + next(90)) \(Self.streets[next(Self.streets.count)])"])
            case 1:
                // A spouse: same family name and address, another birth date and first name.
                let names = known.sex == .male ? Self.female : Self.male
                stranger = Demographics(family: known.family, given: [names[i % names.count]], sex: known.sex == .male ? .female : .male,
                                        birthDate: date(from: 1930, to: 2000), postcode: known.postcode, address: known.address ?? [])
            case 2:
                // A sibling not in the facts: same family and address, another first name, birth date a few years off.
                let b = known.birthDate!
                let names = known.sex == .male ? Self.male : Self.female
                let given = Nicknamed.other(than: known.given!, in: names, from: 5 + i)
                stranger = Demographics(family: known.family, given: [given], sex: known.sex,
                                        birthDate: CalendarDate(year: b.year + 3, month: b.month, day: b.day), postcode: known.postcode,
                                        address: known.address ?? [])
            default:
                // A twin the facts never saw (same family, birth date and address, another first name).
                let names = known.sex == .male ? Self.male : Self.female
                let given = Nicknamed.other(than: known.given!, in: names, from: 7 + i)
                stranger = Demographics(family: known.family, given: [given], sex: known.sex, birthDate: known.birthDate,
                                        postcode: known.postcode, address: known.address ?? [])
            }
            cases.append(Case(category: "not-known", request: stranger, expect: .noLink))
        }
        // Common names of people who are not there: John Smith on the shared birth date, at a new address.
        for _ in 0..<10 {
            cases.append(Case(category: "not-known-common", request: Demographics(
                family: "Smith", given: ["John"], sex: .male, birthDate: CalendarDate(year: 1970, month: 5, day: 5)!, postcode: postcode(),
                address: ["\(1 + next(90)) Ditton Road"]), expect: .noLink))
        }
    }
}

/// Whether two of the set's given names are forms of one another, so the
/// twins and siblings made up here really have different names.
enum Nicknamed {
    static func same(_ a: String, _ b: String) -> Bool {
        LabelledPeople.nicknames[a] == b || LabelledPeople.nicknames[b] == a || a == b
    }

    /// A name from `names`, starting at `from`, that is none of `given` nor a form of one.
    static func other(than given: [String], in names: [String], from: Int) -> String {
        var k = from
        while given.contains(where: { same($0, names[k % names.count]) }) { k += 1 }
        return names[k % names.count]
    }
}
