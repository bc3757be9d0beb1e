import HXCanonical

/// An audit record's canonical bytes written directly: what `json(sealed:).bytes`
/// gives (the RFC 8785 form of docs/audit-chain.md, kept in `AuditJSON` as the
/// reference and compared in HXAuditTests), without building the tree, sorting
/// its member names and boxing every value. Chains written by either must
/// verify with the other, so the two may never differ by a byte.
extension AuditRecord {
    func canonicalJSON(sealed: Bool) -> [UInt8] { written(sealed: sealed).bytes }

    /// `canonicalBytes`, and the place in them where `hash` and `hmac` go in `wireBytes`.
    func canonicalForm() -> (bytes: [UInt8], sealAt: Int) { written(sealed: false) }

    /// `wireBytes` made from `canonicalForm()`: the hashed bytes with `hash` and
    /// `hmac` put in their place, rather than the record written a second time.
    func wireBytes(canonical: [UInt8], sealAt: Int) -> [UInt8] {
        var out = JSONBytes(capacity: canonical.count + 180)
        out.bytes.append(contentsOf: canonical[..<sealAt])
        writeSeal(&out)
        out.bytes.append(contentsOf: canonical[sealAt...])
        return out.bytes
    }

    private func writeSeal(_ out: inout JSONBytes) {
        out.raw(#","hash":"#)
        out.string(hash)
        out.raw(#","hmac":"#)
        out.optional(hmac)
    }

    private func written(sealed: Bool) -> (bytes: [UInt8], sealAt: Int) {
        let e = entry
        var out = JSONBytes(capacity: 1024)
        // Members in byte order of their names, which for these ASCII names is
        // RFC 8785's UTF-16 order: "hash" and "hmac" fall between "details" and "inputOffset".
        out.raw(#"{"agreementId":"#)
        out.optional(e.agreementId)
        out.raw(#","agreementVersion":"#)
        out.optional(e.agreementVersion)
        out.raw(#","chainId":"#)
        out.string(chainId)
        out.raw(#","configurationDigest":"#)
        out.string(e.configurationDigest)
        out.raw(#","decisionId":"#)
        out.string(e.decisionId)
        out.raw(#","details":"#)
        out.details(e.details)
        let sealAt = out.bytes.count
        if sealed { writeSeal(&out) }
        out.raw(#","inputOffset":"#)
        out.optional(e.inputOffset)
        out.raw(#","inputPartition":"#)
        out.optional(e.inputPartition)
        out.raw(#","inputTopic":"#)
        out.optional(e.inputTopic)
        out.raw(#","kind":"#)
        out.string(e.kind.rawValue)
        out.raw(#","messageId":"#)
        out.optional(e.messageId)
        out.raw(#","messageType":"#)
        out.optional(e.messageType)
        out.raw(#","nhsNumber":"#)
        out.optional(e.nhsNumber)
        out.raw(#","outcome":"#)
        out.optional(e.outcome?.rawValue)
        out.raw(#","previousHash":"#)
        out.string(previousHash)
        out.raw(#","reasons":"#)
        out.strings(e.reasons)
        out.raw(#","recipient":"#)
        out.optional(e.recipient)
        out.raw(#","recipientKind":"#)
        out.optional(e.recipientKind)
        out.raw(#","removedFields":"#)
        out.strings(e.removedFields)
        out.raw(#","schema":"hx.audit/1","sequence":"#)
        out.int(sequence)
        out.raw(#","source":"#)
        if let source = e.source {
            out.raw(#"{"adapter":"#)
            out.string(source.adapter)
            out.raw(#","organisation":"#)
            out.string(source.organisation)
            out.byte(UInt8(ascii: "}"))
        } else {
            out.null()
        }
        out.raw(#","time":"#)
        out.string(e.time)
        out.byte(UInt8(ascii: "}"))
        return (out.bytes, sealAt)
    }
}

extension JSONBytes {
    mutating func optional(_ s: String?) {
        if let s { string(s) } else { null() }
    }

    mutating func optional(_ i: Int?) {
        if let i { int(i) } else { null() }
    }

    /// `details`: names sorted as `AuditJSON` sorts them (UTF-8 bytes for ASCII names, else UTF-16 code units).
    mutating func details(_ members: [String: String]) {
        byte(UInt8(ascii: "{"))
        if !members.isEmpty {
            let names = members.keys.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }
                ? members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                : members.keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
            for (i, name) in names.enumerated() {
                if i > 0 { byte(UInt8(ascii: ",")) }
                string(name)
                byte(UInt8(ascii: ":"))
                string(members[name]!)
            }
        }
        byte(UInt8(ascii: "}"))
    }
}
