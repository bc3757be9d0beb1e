/// Jaro–Winkler similarity of two upper-case ASCII strings, 0 (nothing in
/// common) to 1 (the same). Typing slips (a transposition, a letter dropped
/// or doubled) keep names close to 1; the Winkler part rewards an agreeing
/// start, where names are rarely mistyped.
enum JaroWinkler {
    static func similarity(_ a: [UInt8], _ b: [UInt8]) -> Double {
        if a.isEmpty || b.isEmpty { return 0 }
        if a == b { return 1 }
        // Scratch flags on the stack: this runs for many candidates a request.
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: a.count + b.count) { flags in
            flags.initialize(repeating: false)
            return similarity(a, b, aMatched: UnsafeMutableBufferPointer(rebasing: flags[..<a.count]),
                              bMatched: UnsafeMutableBufferPointer(rebasing: flags[a.count...]))
        }
    }

    private static func similarity(_ a: [UInt8], _ b: [UInt8], aMatched: UnsafeMutableBufferPointer<Bool>,
                                   bMatched: UnsafeMutableBufferPointer<Bool>) -> Double {
        let window = max(0, max(a.count, b.count) / 2 - 1)
        var matches = 0
        for i in a.indices {
            let lo = max(0, i - window), hi = min(b.count - 1, i + window)
            guard lo <= hi else { continue }
            for j in lo...hi where !bMatched[j] && a[i] == b[j] {
                aMatched[i] = true
                bMatched[j] = true
                matches += 1
                break
            }
        }
        if matches == 0 { return 0 }
        // Matched characters out of order, counted in pairs.
        var transposed = 0, j = 0
        for i in a.indices where aMatched[i] {
            while !bMatched[j] { j += 1 }
            if a[i] != b[j] { transposed += 1 }
            j += 1
        }
        let m = Double(matches)
        let jaro = (m / Double(a.count) + m / Double(b.count) + (m - Double(transposed / 2)) / m) / 3
        var prefix = 0
        while prefix < 4, prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        return jaro + Double(prefix) * 0.1 * (1 - jaro)
    }
}
