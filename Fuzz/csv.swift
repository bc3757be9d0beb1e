// libFuzzer target `csv` (scripts/fuzz.sh csv): the CSV translators (social care events and referrals),
// each input through both CSV adapters as configured in adapters/.
import Foundation
import HXTranslate

let adapters = [loadAdapter("hbc-adult-social-care"), loadAdapter("social-prescribing-referrals")]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Data(bytes: data, count: size)
    for adapter in adapters { checkTranslation(adapter, input) }
    return 0
}
