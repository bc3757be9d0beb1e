/// Strict UTF-8 checking, shared by every feed reader (HL7 v2 here, the
/// translators of the other formats too).
package enum UTF8Validation {
    /// Offset of the first byte that starts an ill-formed sequence (overlong
    /// forms, surrogates and values above U+10FFFF included), or nil.
    package static func firstInvalidOffset(_ p: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = p.count
        var i = 0
        @inline(__always) func isContinuation(_ b: UInt8) -> Bool { b & 0xC0 == 0x80 }
        while i < n {
            // ASCII fast path, eight bytes at a time: most HL7 is plain ASCII.
            if i + 8 <= n, let base = p.baseAddress {
                let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                    continue
                }
            }
            let b = p[i]
            if b < 0x80 {
                i += 1
            } else if b >= 0xC2 && b <= 0xDF {
                guard i + 1 < n, isContinuation(p[i + 1]) else { return i }
                i += 2
            } else if b >= 0xE0 && b <= 0xEF {
                guard i + 2 < n else { return i }
                let lower: UInt8 = b == 0xE0 ? 0xA0 : 0x80  // no overlongs
                let upper: UInt8 = b == 0xED ? 0x9F : 0xBF  // no surrogates
                guard p[i + 1] >= lower, p[i + 1] <= upper, isContinuation(p[i + 2]) else { return i }
                i += 3
            } else if b >= 0xF0 && b <= 0xF4 {
                guard i + 3 < n else { return i }
                let lower: UInt8 = b == 0xF0 ? 0x90 : 0x80
                let upper: UInt8 = b == 0xF4 ? 0x8F : 0xBF  // nothing above U+10FFFF
                guard p[i + 1] >= lower, p[i + 1] <= upper, isContinuation(p[i + 2]), isContinuation(p[i + 3])
                else { return i }
                i += 4
            } else {
                return i
            }
        }
        return nil
    }

    static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { firstInvalidOffset($0) == nil }
    }
}
