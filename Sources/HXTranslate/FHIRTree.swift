import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A FHIR resource read from JSON or XML into one shape, so each mapping is
/// written once. Every element may repeat (XML cannot tell a list of one from
/// a single value), primitives keep their text, and each node knows its FHIR
/// path for error locations (`Bundle.entry[2].resource.identifier[0].value`).
package struct FNode: Sendable {
    package var value: String?
    package var fields: [String: [FNode]] = [:]
    package var path: String

    init(value: String? = nil, path: String) {
        self.value = value
        self.path = path
    }

    package func all(_ name: String) -> [FNode] { fields[name] ?? [] }
    package subscript(_ name: String) -> FNode? { fields[name]?.first }
    /// A primitive child's text, nil when absent or blank.
    package func string(_ name: String) -> String? {
        guard let v = self[name]?.value?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
        return v
    }
    package var resourceType: String? { string("resourceType") }

    /// Elements FHIR defines as lists, indexed in paths even when they occur once
    /// (so JSON and XML inputs give the same locations).
    static let repeating: Set<String> = [
        "entry", "identifier", "name", "given", "prefix", "line", "address", "telecom", "coding", "section", "extension",
        "contact", "note", "reasonCode", "reasonReference", "category", "dosage", "dosageInstruction", "performer",
        "generalPractitioner", "careProvider", "author", "participant", "supportingInfo", "basedOn", "focus", "destination",
        "activity", "group", "question", "answer", "reaction", "substance", "manifestation", "profile", "item", "attester",
        "diagnosis", "practitionerRole",
    ]

    static func childPath(_ parent: String, _ name: String, index: Int, count: Int) -> String {
        repeating.contains(name) || count > 1 ? "\(parent).\(name)[\(index)]" : "\(parent).\(name)"
    }
}

package enum FHIRReader {
    /// JSON (first character `{`) or XML (`<`); anything else is not FHIR.
    package static func parse(_ text: String) throws(TranslationError) -> FNode {
        guard let first = text.first(where: { !$0.isWhitespace }) else {
            throw TranslationError(.fhirInvalid, "input is empty", at: "input")
        }
        if first == "{" { return try parseJSON(text) }
        if first == "<" { return try parseXML(text) }
        throw TranslationError(.fhirInvalid, "input is neither FHIR JSON (starts with '{') nor FHIR XML (starts with '<')", at: "input")
    }

    // MARK: JSON

    static func parseJSON(_ text: String) throws(TranslationError) -> FNode {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [])
        } catch {
            throw TranslationError(.fhirInvalid, "not valid JSON: \(Self.describe(error))", at: "input")
        }
        guard let dict = object as? [String: Any], let type = dict["resourceType"] as? String else {
            throw TranslationError(.fhirInvalid, "a FHIR JSON resource is an object with \"resourceType\"", at: "input")
        }
        return node(dict, path: type)
    }

    static func describe(_ error: any Error) -> String {
        let ns = error as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
    }

    static func node(_ value: Any, path: String) -> FNode {
        switch value {
        case let dict as [String: Any]:
            var n = FNode(path: path)
            for (key, v) in dict where !key.hasPrefix("_") && key != "fhir_comments" {
                let items = (v as? [Any]) ?? [v]
                n.fields[key] = items.enumerated().map { i, item in
                    node(item, path: v is [Any] ? "\(path).\(key)[\(i)]" : FNode.childPath(path, key, index: i, count: items.count))
                }
            }
            // In JSON the XHTML narrative is a string; keep its text only.
            if let div = n["div"]?.value, div.contains("<") { n.fields["div"] = [FNode(value: XHTMLText.text(of: div), path: path + ".div")] }
            return n
        case let s as String:
            return FNode(value: s, path: path)
        case let num as NSNumber:
            // JSONSerialization gives booleans as a distinct NSNumber subclass.
            if String(describing: type(of: num)).contains("Boolean") { return FNode(value: num.boolValue ? "true" : "false", path: path) }
            return FNode(value: num.stringValue, path: path)
        default:
            return FNode(path: path)
        }
    }

    // MARK: XML

    static func parseXML(_ text: String) throws(TranslationError) -> FNode {
        let root: XMLElementNode
        do {
            root = try XMLTree.parse(Data(text.utf8))
        } catch {
            throw TranslationError(.fhirInvalid, "not well-formed XML: \(error.message)", at: error.location)
        }
        return resource(root, path: root.name)
    }

    /// A resource element: its name is the resource type.
    static func resource(_ e: XMLElementNode, path: String) -> FNode {
        var n = element(e, path: path)
        n.fields["resourceType"] = [FNode(value: e.name, path: path + ".resourceType")]
        return n
    }

    static func element(_ e: XMLElementNode, path: String) -> FNode {
        if e.name == "div" { return FNode(value: XHTMLText.text(of: e), path: path) }
        var n = FNode(value: e.attributes["value"], path: path)
        for (k, v) in e.attributes where k != "value" && !k.hasPrefix("xmlns") {
            n.fields[k] = [FNode(value: v, path: path + "." + k)]
        }
        var counts: [String: Int] = [:]
        for c in e.children { counts[c.name, default: 0] += 1 }
        var seen: [String: Int] = [:]
        for c in e.children {
            let i = seen[c.name, default: 0]
            seen[c.name] = i + 1
            let p = FNode.childPath(path, c.name, index: i, count: counts[c.name]!)
            if c.name == "resource" || c.name == "contained", let inner = c.children.first {
                n.fields[c.name, default: []].append(resource(inner, path: p))
            } else {
                n.fields[c.name, default: []].append(element(c, path: p))
            }
        }
        return n
    }
}

/// Plain text of XHTML narrative: block elements become line breaks, table
/// cells are separated by spaces, whitespace is tidied.
enum XHTMLText {
    static let blocks: Set<String> = ["p", "br", "tr", "li", "div", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table"]

    static func text(of e: XMLElementNode) -> String {
        var out = ""
        func walk(_ e: XMLElementNode) {
            for part in e.content {
                switch part {
                case .text(let t): out += t
                case .element(let c):
                    let block = blocks.contains(c.name)
                    if block { out += "\n" }
                    walk(c)
                    if block { out += "\n" } else if c.name == "td" || c.name == "th" { out += " " }
                }
            }
        }
        walk(e)
        return tidy(out)
    }

    static func text(of xhtml: String) -> String {
        if let e = try? XMLTree.parse(Data(xhtml.utf8)) { return text(of: e) }
        // Not well-formed: drop anything that looks like a tag.
        var out = ""
        var inTag = false
        for c in xhtml {
            if c == "<" { inTag = true } else if c == ">" { inTag = false; out += " " } else if !inTag { out.append(c) }
        }
        return tidy(out)
    }

    static func tidy(_ s: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).joined(separator: " ") }
            .filter { !$0.isEmpty }
            .joined(separator: "\n")
    }
}

/// A minimal XML element tree built with Foundation's XMLParser.
final class XMLElementNode: @unchecked Sendable {
    enum Part { case text(String), element(XMLElementNode) }
    let name: String
    let attributes: [String: String]
    var content: [Part] = []
    var children: [XMLElementNode] { content.compactMap { if case .element(let e) = $0 { e } else { nil } } }

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }
}

struct XMLTreeError: Error {
    let message: String
    let location: String
}

enum XMLTree {
    static func parse(_ data: Data) throws(XMLTreeError) -> XMLElementNode {
        let parser = XMLParser(data: data)
        // No DTDs or external entities: input comes from other organisations' systems.
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        let builder = Builder()
        parser.delegate = builder
        let ok = parser.parse()
        if let mismatch = builder.mismatch {
            throw XMLTreeError(message: mismatch.message, location: "line \(mismatch.line)")
        }
        if !builder.stack.isEmpty {
            throw XMLTreeError(message: "element <\(builder.stack.last!.name)> is never closed", location: "line \(max(parser.lineNumber, 1))")
        }
        if !ok || builder.root == nil {
            let reason = parser.parserError.map { FHIRReader.describe($0) } ?? "no root element"
            throw XMLTreeError(message: reason, location: "line \(max(parser.lineNumber, 1))")
        }
        return builder.root!
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var stack: [XMLElementNode] = []
        var root: XMLElementNode?

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            // Drop a namespace prefix (fhir:Bundle → Bundle).
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            let e = XMLElementNode(name: local, attributes: attributeDict)
            if let parent = stack.last { parent.content.append(.element(e)) } else if root == nil { root = e }
            stack.append(e)
        }

        var mismatch: (message: String, line: Int)?

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            // libxml2 on Linux may recover from a mismatched end tag; we do not.
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            if mismatch == nil, let open = stack.last, open.name != local {
                mismatch = ("end tag </\(local)> does not match <\(open.name)>", max(parser.lineNumber, 1))
                parser.abortParsing()
            }
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.content.append(.text(string))
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            stack.last?.content.append(.text(String(decoding: CDATABlock, as: UTF8.self)))
        }
    }
}
