import HXCanonical
import HXConfigFile
import Yams

/// Reading an organisation's `delivery` block, with file and line for every problem.
extension Loader {
    static let deliveryKeys: Set<String> = ["transport", "format", "mllp", "fhirHttp", "folder", "mesh", "retry", "acknowledgements"]
    /// The endpoint block each transport takes.
    static let endpointKey: [DeliverySettings.Transport: String] = [.mllp: "mllp", .fhirHTTP: "fhirHttp", .folder: "folder", .mesh: "mesh"]

    func readDelivery(_ node: Node, of code: String, reader: YAMLReader) -> DeliverySettings? {
        let what = "delivery of \(code)"
        let e = reader.mapping(node, what: what, allowed: Self.deliveryKeys)
        let transportNode = reader.required(e, "transport", what: what, at: node)
        let formatNode = reader.required(e, "format", what: what, at: node)
        var transport: DeliverySettings.Transport?
        if let text = reader.string(transportNode, what: "\(what): transport") {
            transport = DeliverySettings.Transport(rawValue: text)
            if transport == nil {
                reader.error(Self.unknown("transport", text, DeliverySettings.Transport.allCases.map(\.rawValue)), at: transportNode)
            }
        }
        var format: DeliverySettings.Format?
        if let text = reader.string(formatNode, what: "\(what): format") {
            format = DeliverySettings.Format(rawValue: text)
            if format == nil {
                reader.error(Self.unknown("format", text, DeliverySettings.Format.allCases.map(\.rawValue)), at: formatNode)
            }
        }
        guard let transport else { return nil }
        if let format, !transport.formats.contains(format) {
            reader.error("\(what): transport \(transport.rawValue) cannot carry format \(format.rawValue) (it carries: "
                + transport.formats.map(\.rawValue).joined(separator: ", ") + ")", at: formatNode)
        }
        // Exactly the transport's own endpoint block: another one is a mistake that would be silently ignored.
        let ownKey = Self.endpointKey[transport]!
        for (other, key) in Self.endpointKey where other != transport {
            if let n = e[key] { reader.error("\(what): '\(key)' is for transport \(other.rawValue), but the transport is \(transport.rawValue)", at: n) }
        }
        let endpoint = e[ownKey].flatMap { readEndpoint(transport, $0, what: "\(what): \(ownKey)", reader: reader) }
        if e[ownKey] == nil { reader.error("\(what): transport \(transport.rawValue) needs a '\(ownKey)' block (where to deliver)", at: node) }
        let retry = e["retry"].flatMap { readRetry($0, what: "\(what): retry", reader: reader) } ?? .standard
        var acknowledgements: DeliverySettings.Acknowledgements?
        if let n = e["acknowledgements"] {
            if transport != .mesh {
                reader.error("\(what): acknowledgements are ITK3's over MESH; transport \(transport.rawValue) has none", at: n)
            }
            let a = reader.mapping(n, what: "\(what): acknowledgements", allowed: ["infrastructure", "business"])
            acknowledgements = DeliverySettings.Acknowledgements(
                infrastructure: duration(a["infrastructure"], what: "\(what): acknowledgements.infrastructure", reader: reader),
                business: duration(a["business"], what: "\(what): acknowledgements.business", reader: reader))
        }
        var workflows: [MessageType: DeliverySettings.MeshWorkflow] = [:]
        var workflowsFrom: [String: [MessageType: DeliverySettings.MeshWorkflow]] = [:]
        if transport == .mesh, let meshNode = e["mesh"], case .mapping(let m) = meshNode {
            if let n = m.first(where: { $0.key.string == "workflows" })?.value {
                workflows = readMeshWorkflows(n, what: "\(what): mesh.workflows", reader: reader)
            }
            if let n = m.first(where: { $0.key.string == "workflowsFrom" })?.value {
                workflowsFrom = readMeshWorkflowsFrom(n, what: "\(what): mesh.workflowsFrom", reader: reader)
            }
        }
        guard let format, transport.formats.contains(format), let endpoint else { return nil }
        return DeliverySettings(transport: transport, format: format, endpoint: endpoint, retry: retry, acknowledgements: acknowledgements,
                                meshWorkflows: workflows, meshWorkflowsFrom: workflowsFrom)
    }

    private func readEndpoint(_ transport: DeliverySettings.Transport, _ node: Node, what: String, reader: YAMLReader) -> DeliverySettings.Endpoint? {
        switch transport {
        case .mllp:
            let e = reader.mapping(node, what: what, allowed: ["host", "port", "ackTimeout"])
            let host = reader.string(reader.required(e, "host", what: what, at: node), what: "\(what).host")
            let port = reader.int(reader.required(e, "port", what: what, at: node), what: "\(what).port", range: 1...65_535)
            let ackTimeout = e["ackTimeout"] == nil ? DeliverySettings.defaultAckTimeout
                : duration(e["ackTimeout"], what: "\(what).ackTimeout", reader: reader)
            guard let host, let port, let ackTimeout else { return nil }
            return .mllp(host: host, port: port, ackTimeout: ackTimeout)
        case .fhirHTTP:
            let e = reader.mapping(node, what: what, allowed: ["url"])
            guard let urlNode = reader.required(e, "url", what: what, at: node),
                  let url = reader.string(urlNode, what: "\(what).url") else { return nil }
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                reader.error("\(what).url must be an http(s) URL, not '\(url)'", at: urlNode)
                return nil
            }
            if url.hasPrefix("http://") && !Self.isLoopback(url) {
                reader.error("\(what).url must use https: patient data does not cross a network in the clear ('\(url)')", at: urlNode)
                return nil
            }
            return .fhirHTTP(url: url)
        case .folder:
            let e = reader.mapping(node, what: what, allowed: ["path"])
            guard let pathNode = reader.required(e, "path", what: what, at: node),
                  let path = reader.string(pathNode, what: "\(what).path") else { return nil }
            guard path.hasPrefix("/") else {
                reader.error("\(what).path must be absolute, not '\(path)' (a worker's working directory is not a place to deliver to)", at: pathNode)
                return nil
            }
            return .folder(path: path)
        case .mesh:
            let e = reader.mapping(node, what: what, allowed: ["mailbox", "to", "workflow", "ackWorkflow", "workflows", "workflowsFrom"])
            let values = ["mailbox", "to", "workflow", "ackWorkflow"].map { key in
                reader.string(reader.required(e, key, what: what, at: node), what: "\(what).\(key)")
            }
            guard let mailbox = values[0], let to = values[1], let workflow = values[2], let ackWorkflow = values[3] else { return nil }
            return .mesh(mailbox: mailbox, to: to, workflow: workflow, ackWorkflow: ackWorkflow)
        }
    }

    /// `workflowsFrom: {<sending organisation's code>: <as workflows>}`. Whether each code is an
    /// organisation of the file is checked once all are read (`checkWorkflowSenders`).
    private func readMeshWorkflowsFrom(_ node: Node, what: String, reader: YAMLReader) -> [String: [MessageType: DeliverySettings.MeshWorkflow]] {
        guard case .mapping(let mapping) = node else {
            reader.error("\(what) must be a mapping of sending organisations' codes to their workflows per message type", at: node)
            return [:]
        }
        var result: [String: [MessageType: DeliverySettings.MeshWorkflow]] = [:]
        for (key, value) in mapping {
            guard let code = reader.string(key, what: "\(what): organisation code") else { continue }
            result[code] = readMeshWorkflows(value, what: "\(what).\(code)", reader: reader)
        }
        return result
    }

    /// `workflows: {<message type>: WORKFLOW}` or `{<message type>: {workflow: W, ackWorkflow: A}}`;
    /// the acknowledgement workflow is `<WORKFLOW>_ACK` unless given.
    private func readMeshWorkflows(_ node: Node, what: String, reader: YAMLReader) -> [MessageType: DeliverySettings.MeshWorkflow] {
        let e = reader.mapping(node, what: what, allowed: Set(MessageType.allCases.map(\.rawValue)))
        var result: [MessageType: DeliverySettings.MeshWorkflow] = [:]
        for type in MessageType.allCases {
            guard let n = e[type.rawValue] else { continue }
            let place = "\(what).\(type.rawValue)"
            var workflowNode: Node? = n, ackNode: Node?
            if case .mapping = n {
                let w = reader.mapping(n, what: place, allowed: ["workflow", "ackWorkflow"])
                workflowNode = reader.required(w, "workflow", what: place, at: n)
                ackNode = w["ackWorkflow"]
            }
            guard let workflow = workflowId(workflowNode, what: place, reader: reader) else { continue }
            if workflow.hasSuffix("_ACK") {
                reader.error("\(place): '\(workflow)' is an acknowledgement workflow; name the one documents travel on ('\(workflow.dropLast(4))', whose ITK3 responses come back on \(workflow))", at: workflowNode)
                continue
            }
            var ack = workflow + "_ACK"
            if let ackNode {
                guard let given = workflowId(ackNode, what: "\(place).ackWorkflow", reader: reader) else { continue }
                ack = given
            }
            result[type] = DeliverySettings.MeshWorkflow(workflow: workflow, ackWorkflow: ack)
        }
        return result
    }

    /// MESH workflow ids are upper-case letters, digits and underscores (`TOC_FHIR_IP_DISCH`).
    private func workflowId(_ node: Node?, what: String, reader: YAMLReader) -> String? {
        guard let node, let text = reader.string(node, what: what) else { return nil }
        guard text.utf8.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 }) else {
            reader.error("\(what) must be a MESH workflow id (upper-case letters, digits and _ such as TOC_FHIR_IP_DISCH), not '\(text)'", at: node)
            return nil
        }
        return text
    }

    private func readRetry(_ node: Node, what: String, reader: YAMLReader) -> DeliverySettings.Retry? {
        let e = reader.mapping(node, what: what, allowed: ["initial", "max", "giveUpAfter"])
        let standard = DeliverySettings.Retry.standard
        let initial = e["initial"] == nil ? standard.initial : duration(e["initial"], what: "\(what).initial", reader: reader)
        let max = e["max"] == nil ? standard.max : duration(e["max"], what: "\(what).max", reader: reader)
        let giveUp = e["giveUpAfter"] == nil ? standard.giveUpAfter : duration(e["giveUpAfter"], what: "\(what).giveUpAfter", reader: reader)
        guard let initial, let max, let giveUp else { return nil }
        if initial > max { reader.error("\(what): initial (\(ConfigDuration.text(initial))) is longer than max (\(ConfigDuration.text(max)))", at: e["initial"] ?? node) }
        if max > giveUp { reader.error("\(what): max (\(ConfigDuration.text(max))) is longer than giveUpAfter (\(ConfigDuration.text(giveUp)))", at: e["max"] ?? node) }
        return DeliverySettings.Retry(initial: initial, max: max, giveUpAfter: giveUp)
    }

    private func duration(_ node: Node?, what: String, reader: YAMLReader) -> Int64? {
        guard let node, let text = reader.string(node, what: what) else { return nil }
        guard let ms = ConfigDuration.milliseconds(text) else {
            reader.error("\(what) must be a duration such as 500ms, 30s, 15m, 72h or 7d, not '\(text)'", at: node)
            return nil
        }
        return ms
    }

    /// http:// is accepted only to this machine (tests, a local relay).
    static func isLoopback(_ url: String) -> Bool {
        let rest = url.dropFirst("http://".count)
        let host = rest.prefix { $0 != "/" && $0 != ":" }
        return host == "127.0.0.1" || host == "localhost" || rest.hasPrefix("[::1]")
    }
}
