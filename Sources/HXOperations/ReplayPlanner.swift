import Foundation
import HXAdapterRecords
import HXCanonical
import HXKafka
import HXTranslate

/// What re-sending one dead letter would do, decided before anything is sent,
/// so the person confirming sees exactly how many messages will go. Pure.
package struct ReplayItem: Sendable {
    package init(deadLetter: DeadLetter, verdict: Verdict, records: [KafkaOutgoingMessage]) {
        self.deadLetter = deadLetter
        self.verdict = verdict
        self.records = records
    }

    package enum Verdict: Sendable, Equatable {
        /// Translates now: these canonical message ids will be written again.
        case ready(messageIDs: [String])
        /// The adapter still rejects it (no fix yet): code and place, never values.
        case stillFails(code: String, location: String)
        /// Cannot be replayed from here, and why.
        case notReplayable(String)

        /// In words, for the console and `hx dlq replay`: counts, codes and places, never values.
        package var summary: String {
            switch self {
            case .ready(let ids): ids.count == 1 ? "1 message" : "\(ids.count) messages"
            case .stillFails(let code, let location): "still rejected: \(code) at \(location)"
            case .notReplayable(let why): "not replayable: \(why)"
            }
        }
    }

    package var deadLetter: DeadLetter
    package var verdict: Verdict
    /// The records a replay writes (empty unless ready): the adapter's records
    /// for the input, each with `hx-replay-of` naming the dead letter's place.
    package var records: [KafkaOutgoingMessage]

    package var isReady: Bool { if case .ready = verdict { return true } else { return false } }
}

/// Plans replays of adapters' dead letters with the adapters' configuration
/// as it is now (after the fix).
///
/// A translate-stage dead letter holds its input's bytes: they go through the
/// adapter's translator again and, if every message of the input now
/// translates, all of them are written again exactly as the adapter would
/// (their ids are derived from the source, so messages of the input that got
/// through the first time are repeats that consumers drop by id). Router
/// dead letters hold bytes that are not a canonical message at all; sending
/// them again would fail again, so they are not replayed from here.
package struct ReplayPlanner: Sendable {
    package let adapters: [String: AdapterConfiguration]

    package init(adapters: [String: AdapterConfiguration]) {
        self.adapters = adapters
    }

    package func plan(_ letter: DeadLetter, value: [UInt8]) -> ReplayItem {
        func item(_ verdict: ReplayItem.Verdict, _ records: [KafkaOutgoingMessage] = []) -> ReplayItem {
            ReplayItem(deadLetter: letter, verdict: verdict, records: records)
        }
        switch letter.stage {
        case .router:
            return item(.notReplayable("the router rejected bytes that are not a canonical message; correct the sender and send again"))
        case .unknown:
            return item(.notReplayable("the record does not say which stage rejected it"))
        case .deliver:
            return Self.redeliver(letter, value: value)
        case .translate:
            break
        }
        if letter.valueOmitted != nil {
            return item(.notReplayable("the input was too large for the dead-letter topic; replay it from the adapter's rejected folder"))
        }
        guard let name = letter.adapter, let configuration = adapters[name] else {
            return item(.notReplayable("adapter \(letter.adapter ?? "(none)") is not configured here"))
        }
        let outcomes = Translator.translate(configuration: configuration, input: Data(value))
        if let failure = outcomes.lazy.compactMap(\.error).first {
            return item(.stillFails(code: failure.code, location: failure.location))
        }
        let (records, receipt) = AdapterRecords.make(configuration: configuration, input: value, outcomes: outcomes)
        let tagged = records.map { record in
            var record = record
            record.headers.append(KafkaHeader(HXHeader.replayOf, letter.ref.logPosition))
            return record
        }
        return item(.ready(messageIDs: receipt.canonicalMessageIDs), tagged)
    }

    /// A delivery the recipient's system refused goes back on its delivery topic
    /// exactly as the router wrote it (same value, same decision id), so the
    /// worker sends the same bytes and ids once the recipient's system is mended.
    static func redeliver(_ letter: DeadLetter, value: [UInt8]) -> ReplayItem {
        func item(_ verdict: ReplayItem.Verdict, _ records: [KafkaOutgoingMessage] = []) -> ReplayItem {
            ReplayItem(deadLetter: letter, verdict: verdict, records: records)
        }
        guard let delivery = letter.delivery, delivery.topic.hasPrefix(HXTopic.delivery("")) else {
            return item(.notReplayable("the dead letter does not name the delivery it was"))
        }
        guard let message = try? CanonicalJSON.decode(value), let nhsNumber = message.subject.nhsNumber else {
            return item(.notReplayable("the delivery record is not a canonical message with an NHS number; it cannot have come from the router"))
        }
        var headers = [KafkaHeader(HXHeader.decisionID, delivery.decisionId)]
        if let agreement = delivery.agreementId { headers.append(KafkaHeader(HXHeader.agreementID, agreement)) }
        headers.append(KafkaHeader(HXHeader.replayOf, letter.ref.logPosition))
        let record = KafkaOutgoingMessage(topic: delivery.topic, key: Array(nhsNumber.digits.utf8), value: value, headers: headers)
        return item(.ready(messageIDs: [message.id.lowerCaseString]), [record])
    }
}
