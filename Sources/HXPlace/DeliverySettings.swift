import HXCanonical

/// How an organisation's own system receives what is shared with it: the
/// `delivery` block of organisations.yaml (docs/design.md "Delivery to
/// recipients' systems"). Endpoints only: secrets (passwords, keys, tokens,
/// certificates) come from files or environment variables named in the
/// deployment, never from the configuration.
package struct DeliverySettings: Sendable, Equatable {
    package enum Transport: String, Sendable, CaseIterable {
        case mesh, mllp
        case fhirHTTP = "fhir-http"
        case folder

        /// The formats this transport can carry. MLLP frames HL7 v2; a FHIR
        /// server takes FHIR; MESH carries ITK3 transfer-of-care messages; a
        /// folder takes any file.
        package var formats: [Format] {
            switch self {
            case .mllp: [.hl7v2]
            case .fhirHTTP: [.fhirR4]
            case .mesh: [.itk3]
            case .folder: [.hl7v2, .fhirR4, .itk3, .canonicalJSON]
            }
        }
    }

    package enum Format: String, Sendable, CaseIterable {
        case hl7v2
        case fhirR4 = "fhir-r4"
        case itk3
        case canonicalJSON = "canonical-json"
    }

    package enum Endpoint: Sendable, Equatable {
        case mllp(host: String, port: Int, ackTimeout: Milliseconds)
        case fhirHTTP(url: String)
        case folder(path: String)
        case mesh(mailbox: String, to: String, workflow: String, ackWorkflow: String)
    }

    /// Retries back off exponentially with jitter from `initial` up to `max`;
    /// after `giveUpAfter` since the first attempt the record is failed.
    package struct Retry: Sendable, Equatable {
        package var initial: Milliseconds
        package var max: Milliseconds
        package var giveUpAfter: Milliseconds

        /// The defaults docs/design.md gives: 5 s, 15 min, 72 h.
        package static let standard = Retry(initial: 5_000, max: 900_000, giveUpAfter: 259_200_000)

        package init(initial: Milliseconds, max: Milliseconds, giveUpAfter: Milliseconds) {
            self.initial = initial
            self.max = max
            self.giveUpAfter = giveUpAfter
        }
    }

    /// When an ITK3 acknowledgement counts as overdue.
    package struct Acknowledgements: Sendable, Equatable {
        package var infrastructure: Milliseconds?
        package var business: Milliseconds?

        package init(infrastructure: Milliseconds?, business: Milliseconds?) {
            self.infrastructure = infrastructure
            self.business = business
        }
    }

    package typealias Milliseconds = Int64

    package var transport: Transport
    package var format: Format
    package var endpoint: Endpoint
    package var retry: Retry
    package var acknowledgements: Acknowledgements?

    package init(transport: Transport, format: Format, endpoint: Endpoint, retry: Retry = .standard,
                 acknowledgements: Acknowledgements? = nil) {
        self.transport = transport
        self.format = format
        self.endpoint = endpoint
        self.retry = retry
        self.acknowledgements = acknowledgements
    }

    /// MLLP's wait for an ACK when the block does not say.
    package static let defaultAckTimeout: Milliseconds = 30_000
}

/// Durations as configuration writes them: a whole number and a unit,
/// `500ms`, `30s`, `15m`, `72h`, `7d`.
package enum ConfigDuration {
    /// Milliseconds, or nil when `text` is not of that form (or is zero).
    package static func milliseconds(_ text: String) -> Int64? {
        let units: [(suffix: String, scale: Int64)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for unit in units where text.hasSuffix(unit.suffix) {
            let digits = text.dropLast(unit.suffix.count)
            // "5ms" also ends in "s": only a run of digits before the suffix counts.
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
                  let value = Int64(digits), value > 0, value <= Int64.max / unit.scale
            else { continue }
            return value * unit.scale
        }
        return nil
    }

    /// The shortest exact spelling of a duration (for the configuration digest and messages).
    package static func text(_ milliseconds: Int64) -> String {
        for (suffix, scale) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] where milliseconds % scale == 0 {
            return "\(milliseconds / scale)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}
