import Foundation

/// Command-line options of `audit-index-bench`.
struct Options {
    var records = 1_000_000
    var subjects = 200_000
    var searches = 1_000
    var batch = 5_000
    var chains = 12
    var backends: [String] = ["sqlite", "postgres"]
    /// An existing PostgreSQL database; without it the benchmark starts its own server.
    var postgresURL: String?
    var directory = "/tmp"
    var seed: UInt64 = 20_261_124

    static func parse(_ arguments: [String]) -> Options {
        var o = Options()
        var i = 0
        func value() -> String {
            i += 1
            guard i < arguments.count else { usage() }
            return arguments[i]
        }
        func int() -> Int {
            guard let n = Int(value().replacingOccurrences(of: "_", with: "")), n > 0 else { usage() }
            return n
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--records": o.records = int()
            case "--subjects": o.subjects = int()
            case "--searches": o.searches = int()
            case "--batch": o.batch = int()
            case "--chains": o.chains = int()
            case "--backend":
                let b = value()
                guard ["sqlite", "postgres", "both"].contains(b) else { usage() }
                o.backends = b == "both" ? ["sqlite", "postgres"] : [b]
            case "--postgres-url": o.postgresURL = value()
            case "--dir": o.directory = value()
            case "--seed": o.seed = UInt64(int())
            default: usage()
            }
            i += 1
        }
        return o
    }

    static func usage() -> Never {
        FileHandle.standardError.write(Data("""
            usage: audit-index-bench [--records N] [--subjects S] [--searches Q] [--batch B] [--chains C]
                                     [--backend sqlite|postgres|both] [--postgres-url URL] [--dir DIR] [--seed N]

            """.utf8))
        exit(2)
    }
}
