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

    /// The MESH workflow a message travels on, and the one its ITK3 responses come back on.
    package struct MeshWorkflow: Sendable, Equatable {
        package var workflow: String
        package var ackWorkflow: String

        package init(workflow: String, ackWorkflow: String) {
            self.workflow = workflow
            self.ackWorkflow = ackWorkflow
        }
    }

    package var transport: Transport
    package var format: Format
    package var endpoint: Endpoint
    package var retry: Retry
    package var acknowledgements: Acknowledgements?
    /// The mesh block's `workflows`: a workflow per canonical message type,
    /// overriding the block's own `workflow` / `ackWorkflow` for that type.
    package var meshWorkflows: [MessageType: MeshWorkflow]
    /// The mesh block's `workflowsFrom`: by the sending organisation's code, a
    /// workflow per message type, before `workflows` (a mental health trust's
    /// discharge summary on `TOC_FHIR_MH_DISCH`; the canonical type is the same).
    package var meshWorkflowsFrom: [String: [MessageType: MeshWorkflow]]

    package init(transport: Transport, format: Format, endpoint: Endpoint, retry: Retry = .standard,
                 acknowledgements: Acknowledgements? = nil, meshWorkflows: [MessageType: MeshWorkflow] = [:],
                 meshWorkflowsFrom: [String: [MessageType: MeshWorkflow]] = [:]) {
        self.transport = transport
        self.format = format
        self.endpoint = endpoint
        self.retry = retry
        self.acknowledgements = acknowledgements
        self.meshWorkflows = meshWorkflows
        self.meshWorkflowsFrom = meshWorkflowsFrom
    }

    /// The workflows for a message of this type: the block's `workflows` entry
    /// for the type, else the block's own `workflow` and `ackWorkflow`; nil
    /// when the transport is not MESH. Pure: the MESH transport calls it for
    /// each send and for the `_ACK` workflow it polls.
    package func meshWorkflow(for type: MessageType) -> MeshWorkflow? {
        guard case .mesh(_, _, let workflow, let ackWorkflow) = endpoint else { return nil }
        return meshWorkflows[type] ?? MeshWorkflow(workflow: workflow, ackWorkflow: ackWorkflow)
    }

    /// The workflows for this message: `workflowsFrom` its source organisation for its type, else
    /// as `meshWorkflow(for: type)`. What the MESH transport sends it on and polls for its answers on.
    package func meshWorkflow(for message: CanonicalMessage) -> MeshWorkflow? {
        guard case .mesh = endpoint else { return nil }
        return meshWorkflowsFrom[message.source.organisation]?[message.type] ?? meshWorkflow(for: message.type)
    }

    /// Every workflow ITK3 responses to this recipient's messages come back on
    /// (the block's `ackWorkflow` and those of `workflows` and `workflowsFrom`); empty when not MESH.
    package var meshAckWorkflows: Set<String> {
        guard case .mesh(_, _, _, let ackWorkflow) = endpoint else { return [] }
        return Set([ackWorkflow] + meshWorkflows.values.map(\.ackWorkflow) + meshWorkflowsFrom.values.flatMap { $0.values.map(\.ackWorkflow) })
    }

    /// The standard transfer-of-care workflow for a canonical message type (what
    /// `workflows` usually says; a discharge summary is an inpatient discharge).
    /// The mental health (`TOC_FHIR_MH_DISCH`) and emergency care
    /// (`TOC_FHIR_EC_DISCH`) discharges are not canonical types of their own:
    /// a recipient that takes them on those workflows names them in `workflows`.
    package static func standardMeshWorkflow(for type: MessageType) -> String? {
        switch type {
        case .dischargeSummary: "TOC_FHIR_IP_DISCH"
        case .referral, .socialCareNotification: nil
        }
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
