/// Given names that are the same name to the people who use them: a formal
/// name and its familiar forms. Our own short list of common English forms;
/// a name may sit in two groups (Pat: Patricia, Patrick), and sex tells
/// those apart in the score.
enum Nicknames {
    static let groups: [[String]] = [
        ["WILLIAM", "BILL", "BILLY", "WILL", "WILLIE", "WILLS", "LIAM"],
        ["MARGARET", "PEGGY", "MAGGIE", "MEG", "MEGAN", "MARGIE", "MAISIE", "GRETA", "RITA"],
        ["ROBERT", "BOB", "BOBBY", "ROB", "ROBBIE", "BERT"],
        ["ELIZABETH", "LIZ", "LIZZIE", "LIZA", "ELIZA", "BETH", "BETTY", "BESS", "BESSIE", "LIBBY", "ELSIE", "ELISE"],
        ["RICHARD", "DICK", "DICKIE", "RICK", "RICKY", "RICH", "RICHIE"],
        ["JAMES", "JIM", "JIMMY", "JAMIE", "JIMBO"],
        ["JOHN", "JACK", "JOHNNY", "JON", "JOHNNIE"],
        ["JONATHAN", "JON", "JONNY", "NATHAN"],
        ["MARY", "MOLLY", "POLLY", "MAE", "MAMIE"],
        ["CATHERINE", "KATHERINE", "KATHRYN", "CATHRYN", "KATE", "KATIE", "CATH", "KATH", "CATHY", "KATHY", "KITTY", "KAT"],
        ["MICHAEL", "MIKE", "MICK", "MICKY", "MICKEY", "MIKEY"],
        ["ANTHONY", "TONY", "ANTON"],
        ["EDWARD", "ED", "EDDIE", "EDDY", "TED", "TEDDY", "NED"],
        ["THOMAS", "TOM", "TOMMY"],
        ["CHRISTOPHER", "CHRIS", "KIT", "TOPHER"],
        ["CHRISTINE", "CHRISTINA", "CHRIS", "CHRISSIE", "TINA"],
        ["ALEXANDER", "ALEX", "ALEC", "SANDY", "ALASDAIR", "ALISTAIR"],
        ["ALEXANDRA", "ALEX", "LEXI", "SANDRA", "SANDY"],
        ["SUSAN", "SUE", "SUSIE", "SUZY", "SUZANNE", "SUSANNAH"],
        ["PATRICIA", "PAT", "PATTY", "PATSY", "TRISH", "TRICIA"],
        ["PATRICK", "PAT", "PADDY"],
        ["DAVID", "DAVE", "DAVY", "DAI"],
        ["DANIEL", "DAN", "DANNY"],
        ["JOSEPH", "JOE", "JOEY", "JOSH"],
        ["HENRY", "HARRY", "HAL", "HANK"],
        ["FREDERICK", "FRED", "FREDDIE", "FREDDY"],
        ["ALBERT", "BERT", "BERTIE", "ALBIE", "AL"],
        ["DOROTHY", "DOT", "DOTTIE", "DOLLY", "DOT"],
        ["DEBORAH", "DEBRA", "DEBBIE", "DEB"],
        ["JENNIFER", "JEN", "JENNY", "JENNI"],
        ["REBECCA", "BECKY", "BECCA", "BECS"],
        ["SAMUEL", "SAM", "SAMMY"],
        ["SAMANTHA", "SAM", "SAMMIE", "SAMMY"],
        ["NICHOLAS", "NICK", "NICKY", "NICO"],
        ["STEPHEN", "STEVEN", "STEVE", "STEVIE"],
        ["PETER", "PETE"],
        ["PHILIP", "PHILLIP", "PHIL", "PIP"],
        ["ANDREW", "ANDY", "DREW"],
        ["MATTHEW", "MATT", "MATTY"],
        ["BENJAMIN", "BEN", "BENNY", "BENJI"],
        ["GERALD", "GERARD", "GERRY", "JERRY"],
        ["TERENCE", "TERRY"],
        ["LAWRENCE", "LAURENCE", "LARRY", "LAURIE"],
        ["KENNETH", "KEN", "KENNY"],
        ["RONALD", "RON", "RONNIE"],
        ["DONALD", "DON", "DONNIE"],
        ["GEOFFREY", "JEFFREY", "GEOFF", "JEFF"],
        ["ANNE", "ANN", "ANNA", "ANNIE", "NANCY", "NAN"],
        ["HELEN", "HELENA", "NELL", "NELLIE"],
        ["ELEANOR", "ELINOR", "NELL", "ELLIE", "NORA"],
        ["VICTORIA", "VICKY", "VICKI", "TORI"],
        ["ABIGAIL", "ABBY", "ABBIE", "GAIL"],
        ["JOSEPHINE", "JO", "JOSIE"],
        ["JOANNE", "JOANNA", "JO"],
        ["CHARLES", "CHARLIE", "CHAS", "CHUCK"],
        ["CHARLOTTE", "CHARLIE", "LOTTIE", "LOTTE"],
        ["FRANCIS", "FRANK", "FRANKIE", "FRAN"],
        ["FRANCES", "FRAN", "FRANKIE", "FANNY"],
        ["GEORGE", "GEORDIE"],
        ["GEORGINA", "GEORGIE", "GINA"],
        ["LEONARD", "LEN", "LENNY", "LEO"],
        ["RAYMOND", "RAY"],
        ["DOUGLAS", "DOUG", "DOUGIE"],
        ["TIMOTHY", "TIM", "TIMMY"],
        ["WALTER", "WALLY", "WALT"],
        ["ARTHUR", "ART", "ARTIE"],
        ["HAROLD", "HARRY", "HAL"],
        ["SARAH", "SARA", "SALLY", "SADIE"],
        ["JACQUELINE", "JACKIE", "JACQUI"],
        ["CAROLINE", "CAROLYN", "CAROL", "CARRIE"],
        ["GWENDOLINE", "GWEN", "WENDY"],
        ["MARJORIE", "MARGE", "MARJ"],
        ["WINIFRED", "WINNIE", "FREDA"],
        ["ISABEL", "ISABELLA", "ISOBEL", "IZZY", "BELLA", "ISLA"],
    ]

    /// Each name's groups, by number.
    static let index: [String: [Int]] = {
        var out: [String: [Int]] = [:]
        for (i, group) in groups.enumerated() {
            for name in Set(group) { out[name, default: []].append(i) }
        }
        return out
    }()

    /// Whether two different upper-case given names are forms of one name.
    static func sameName(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard let ga = index[String(decoding: a, as: UTF8.self)], let gb = index[String(decoding: b, as: UTF8.self)] else { return false }
        return ga.contains { gb.contains($0) }
    }
}

/// Whether two given names are one name to matching: the same letters, or
/// forms of one name in `Nicknames`. For made-up people whose names must
/// really differ (twins, siblings).
package enum GivenNames {
    package static func same(_ a: String, _ b: String) -> Bool {
        let x = NameText.letters(a), y = NameText.letters(b)
        return x == y || Nicknames.sameName(x, y)
    }
}
