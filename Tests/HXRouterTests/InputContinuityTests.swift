import HXKafka
import HXRouter
import Testing

@Suite struct InputContinuityTests {
    let p0 = KafkaTopicPartition(topic: "hx.canonical.discharge.v1", partition: 0)
    let p1 = KafkaTopicPartition(topic: "hx.canonical.discharge.v1", partition: 1)

    @Test func contiguousInputsAreAllTaken() {
        var c = InputContinuity()
        c.resume(p0, at: 10)
        let a = c.admit([(p0, 10), (p0, 11), (p0, 12)])
        #expect(a.admitted == [true, true, true])
        #expect(a.rewind.isEmpty)
        c.committed([KafkaTopicPartitionOffset(topic: p0.topic, partition: 0, offset: 13)])
        #expect(c.admit([(p0, 13)]).admitted == [true])
    }

    @Test func aJumpIsNotDecidedButReadAgainFromTheExpectedOffset() {
        var c = InputContinuity()
        c.resume(p0, at: 10)
        c.resume(p1, at: 5)
        let a = c.admit([(p0, 10), (p1, 5), (p0, 14), (p0, 15), (p1, 6)])
        // p0 takes 10, then stops at the jump and is read again from 11; p1 is unaffected.
        #expect(a.admitted == [true, true, false, false, true])
        #expect(a.rewind == [KafkaTopicPartitionOffset(topic: p0.topic, partition: 0, offset: 11)])
        c.committed([KafkaTopicPartitionOffset(topic: p0.topic, partition: 0, offset: 11), KafkaTopicPartitionOffset(topic: p1.topic, partition: 1, offset: 7)])
        // Read again from 11: the skipped inputs arrive and are taken.
        #expect(c.admit([(p0, 11), (p0, 12)]).admitted == [true, true])
    }

    @Test func theSameJumpTwiceIsTheLogsOwnGap() {
        var c = InputContinuity()
        c.resume(p0, at: 10)
        let first = c.admit([(p0, 12), (p0, 13)])
        #expect(first.admitted == [false, false])
        #expect(first.rewind.map(\.offset) == [10])
        // 10 and 11 hold no record a consumer sees (transaction markers, say): accepted now.
        let second = c.admit([(p0, 12), (p0, 13)])
        #expect(second.admitted == [true, true])
        #expect(second.rewind.isEmpty)
    }

    @Test func recordsAlreadyDecidedAreDropped() {
        var c = InputContinuity()
        c.resume(p0, at: 10)
        let a = c.admit([(p0, 8), (p0, 9), (p0, 10)])
        #expect(a.admitted == [false, false, true])
        #expect(a.stale == 2)
    }

    @Test func anUncommittedBatchLeavesTheExpectedOffsetWhereItWas() {
        var c = InputContinuity()
        c.resume(p0, at: 10)
        #expect(c.admit([(p0, 10), (p0, 11)]).admitted == [true, true])
        // Aborted: nothing committed, the batch comes again from 10.
        #expect(c.admit([(p0, 10), (p0, 11)]).admitted == [true, true])
    }

    @Test func aChainResumedFromTheStartTakesWhateverComesFirst() {
        var c = InputContinuity()
        c.resume(p0, at: nil)
        #expect(c.admit([(p0, 40), (p0, 41)]).admitted == [true, true])
        c.forget(p0)
        #expect(c.admit([(p0, 90)]).admitted == [true])
    }
}
