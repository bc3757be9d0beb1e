import Testing
@testable import HL7v2

@Suite struct MLLPTests {
    let one = Array("MSH|^~\\&|A|B|C|D|2026||ADT^A03|1|P|2.4\rPID|1||Siân\r".utf8)
    let two = Array("MSH|^~\\&|A|B|C|D|2026||ADT^A03|2|P|2.4\r".utf8)

    private func frames(_ results: [Result<[UInt8], MLLPError>]) -> [[UInt8]] {
        results.compactMap { try? $0.get() }
    }

    @Test func framing() {
        #expect(MLLP.frame([0x41]) == [0x0B, 0x41, 0x1C, 0x0D])
    }

    @Test func everySplitPointOfTwoFramesWithJunk() {
        let stream = Array("\r\n".utf8) + MLLP.frame(one) + Array("noise\n".utf8) + MLLP.frame(two) + [0x0D]
        for cut in 0...stream.count {
            var decoder = MLLPFrameDecoder()
            let out = decoder.feed(stream[..<cut]) + decoder.feed(stream[cut...])
            #expect(frames(out) == [one, two], "cut at \(cut)")
            #expect(out.count == 2)
            #expect(!decoder.hasPartialFrame)
            #expect(decoder.discardedByteCount == 9)  // "\r\n", "noise\n", final "\r"
        }
    }

    @Test func arbitraryChunkSizes() {
        let stream = (0..<20).flatMap { i in MLLP.frame(i % 2 == 0 ? one : two) }
        var seed: UInt64 = 42
        for _ in 0..<50 {
            var decoder = MLLPFrameDecoder()
            var out: [[UInt8]] = []
            var i = 0
            while i < stream.count {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let size = Int(seed >> 59) + 1  // 1...32 bytes
                out += frames(decoder.feed(stream[i..<min(i + size, stream.count)]))
                i += size
            }
            #expect(out == (0..<20).map { $0 % 2 == 0 ? one : two })
        }
    }

    @Test func byteAtATime() {
        var decoder = MLLPFrameDecoder()
        var out: [[UInt8]] = []
        for b in MLLP.frame(one) + MLLP.frame(two) { out += frames(decoder.feed([b])) }
        #expect(out == [one, two])
    }

    @Test func frameTooLargeThenRecovers() {
        var decoder = MLLPFrameDecoder(maxFrameSize: 40)
        let out = decoder.feed(MLLP.frame(one) + MLLP.frame(Array(one.prefix(30))))
        #expect(out.count == 2)
        #expect(out.first.flatMap { r in if case .failure(let e) = r { e } else { nil } } == .frameTooLarge(limit: 40))
        #expect(out.first.map { r in if case .failure(let e) = r { e.code } else { "" } } == "mllp-frame-too-large")
        #expect(frames(out) == [Array(one.prefix(30))])
    }

    @Test func newStartBlockInsideAFrame() {
        var decoder = MLLPFrameDecoder()
        let out = decoder.feed([0x0B] + Array("MSH|half".utf8) + MLLP.frame(two))
        #expect(out.count == 2)
        if case .failure(let e) = out[0] { #expect(e == .frameIncomplete(discardedBytes: 8)) } else { Issue.record("expected failure") }
        #expect(frames(out) == [two])
    }

    @Test func missingFinalCarriageReturnIsTolerated() {
        var decoder = MLLPFrameDecoder()
        let out = decoder.feed([0x0B] + one + [0x1C, 0x0B] + two + [0x1C, 0x0D])
        #expect(frames(out) == [one, two])
    }

    @Test func partialFrameIsHeld() {
        var decoder = MLLPFrameDecoder()
        #expect(decoder.feed([0x0B] + one).isEmpty)
        #expect(decoder.hasPartialFrame)
        #expect(frames(decoder.feed([0x1C])).isEmpty)
        #expect(frames(decoder.feed([0x0D])) == [one])
    }
}
