import HXCanonical
import HXIdentityMatch

/// One held message as a reviewer sees it: the subject's demographics as the
/// message gave them, and each candidate's beside them with how every field
/// agreed. Only for reviewers: it is full of identifiers.
package struct ReviewItemView: Sendable, Equatable {
    package struct Row: Sendable, Equatable {
        package var field: MatchField
        /// The message's value ("" when missing).
        package var held: String
    }

    package struct CandidateView: Sendable, Equatable {
        package var nhsNumber: String
        package var total: Double
        package var fields: [CandidateField]
    }

    package struct CandidateField: Sendable, Equatable {
        package var field: MatchField
        /// The candidate's value ("" when missing).
        package var value: String
        package var agreement: Agreement
        package var detail: String
        package var weight: Double
    }

    package var item: HeldMessage
    package var messageType: String
    package var source: String
    package var registeredPractice: String?
    package var localIdentifiers: [String]
    package var subject: [Row]
    package var candidates: [CandidateView]

    package init?(_ item: HeldMessage, candidates found: [ReviewCandidate]) {
        guard let message = item.message else { return nil }
        self.item = item
        messageType = message.type.rawValue
        source = message.source.organisation
        registeredPractice = message.subject.registeredPractice
        localIdentifiers = message.subject.localIdentifiers.map { "\($0.system): \($0.value)" }
        let s = message.subject
        subject = MatchField.allCases.map { f in
            switch f {
            case .family: Row(field: f, held: s.name?.family ?? "")
            case .given: Row(field: f, held: (s.name?.given ?? []).joined(separator: " "))
            case .birthDate: Row(field: f, held: s.birthDate?.description ?? "")
            case .sex: Row(field: f, held: s.gender?.rawValue ?? "")
            case .postcode: Row(field: f, held: s.postcode ?? "")
            case .address: Row(field: f, held: "")
            }
        }
        candidates = found.map { c in
            CandidateView(nhsNumber: c.fact.nhsNumber.digits, total: c.score.total, fields: MatchField.allCases.map { f in
                let score = c.score.field(f)
                return CandidateField(
                    field: f, value: Self.value(f, of: c.fact), agreement: score?.agreement ?? .missing, detail: score?.detail ?? "",
                    weight: score?.weight ?? 0)
            })
        }
    }

    static func value(_ f: MatchField, of fact: IdentityFact) -> String {
        switch f {
        case .family: ([fact.family].compactMap { $0 } + (fact.earlierFamilies ?? []).map { "(earlier \($0))" }).joined(separator: " ")
        case .given: (fact.given ?? []).joined(separator: " ")
        case .birthDate: fact.birthDate?.description ?? ""
        case .sex: fact.sex?.rawValue ?? ""
        case .postcode: ([fact.postcode].compactMap { $0 } + (fact.earlierPostcodes ?? []).map { "(earlier \($0))" }).joined(separator: " ")
        case .address: (fact.address ?? []).joined(separator: ", ")
        }
    }
}
