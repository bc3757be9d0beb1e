// libFuzzer target `canonical` (scripts/fuzz.sh canonical): bytes as they arrive on a
// canonical topic. The hand-written reader and writer (CanonicalJSON) against the Codable
// form through Foundation (CodableCanonicalJSON), the reference they must match.
import Foundation
import HXCanonical

/// Stops the run with the reason; libFuzzer then saves the input.
func violated(_ what: String) -> Never {
    fatalError("invariant violated: \(what)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // The same message or the same error (kind, path and message) as the reference.
    let expected = Result { () throws(CanonicalDecodingError) in try CodableCanonicalJSON.decode(Data(bytes)) }
    let actual = Result { () throws(CanonicalDecodingError) in try CanonicalJSON.decode(bytes) }
    guard actual == expected else { violated("read \(actual), the reference read \(expected)") }
    guard case .success(let message) = actual else { return 0 }
    // Whatever was read is written byte for byte as the reference writes it, and reads back.
    let written = CanonicalJSON.bytes(message)
    guard written == Array(CodableCanonicalJSON.encode(message)) else {
        violated("wrote \(String(decoding: written, as: UTF8.self)), the reference wrote otherwise")
    }
    guard (try? CanonicalJSON.decode(written)) == message else { violated("its bytes do not read back") }
    return 0
}
