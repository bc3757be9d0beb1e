// libFuzzer target `fhir` (scripts/fuzz.sh fhir): the FHIR translators (JSON and XML),
// each input through both FHIR adapters as configured in adapters/.
import Foundation
import HXTranslate

let adapters = [loadAdapter("sthk-edischarge"), loadAdapter("bridgewater-referrals")]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Data(bytes: data, count: size)
    for adapter in adapters { checkTranslation(adapter, input) }
    return 0
}
