import ArgumentParser
import Foundation
import HXAudit
import HXCanonical
import HXDelivery
import HXPlace

struct DeliverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract: "Delivery to recipients' own systems (docs/design.md \"Delivery to recipients' systems\").",
        subcommands: [DeliverRenderCommand.self]
    )
}

struct DeliverRenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print what a recipient's system would receive for a canonical message, without any network.",
        discussion: """
        Renders in the format of the recipient's delivery block (organisations.yaml). The ids inside (HL7 MSH-10 and \
        TXA-12, FHIR Bundle and resource ids) derive from the decision id: by default the one the router gives this \
        message and recipient. On a terminal HL7 v2 segments are shown one per line; piped, the bytes are exactly \
        those sent (segments end in a carriage return). Exit status 65 with a reason code when the message cannot \
        be rendered for that recipient, 78 when the configuration is wrong.
        """
    )

    @Option(help: "The place's configuration folder.")
    var config: String = "config"

    @Option(help: "The receiving organisation's code.")
    var recipient: String

    @Option(help: "The decision id to render for (default: the router's for this message and recipient).")
    var decisionId: String?

    @Argument(help: "A canonical message (hx.canonical/1 JSON), e.g. one of config/tests/messages.")
    var message: String

    func run() throws {
        let place = try loadPlace(config)
        let canonical: CanonicalMessage
        do {
            canonical = try CanonicalJSON.decode(Data(contentsOf: URL(fileURLWithPath: message)))
        } catch let error as CanonicalDecodingError {
            FileHandle.standardError.write(Data("\(message): \(error)\n".utf8))
            throw ExitCode(65)
        } catch {
            throw ValidationError("cannot read \(message): \(error.localizedDescription)")
        }
        let decision = decisionId ?? AuditIdentifiers.decisionId(messageId: canonical.id, recipient: recipient)
        do {
            let rendered = try DeliveryRenderer.render(canonical, decisionId: decision, recipient: recipient, configuration: place)
            var bytes = rendered.bytes
            if isatty(STDOUT_FILENO) == 1 {
                if rendered.fileExtension == "hl7" { bytes = bytes.map { $0 == 0x0D ? 0x0A : $0 } }
                if bytes.last != 0x0A { bytes.append(0x0A) }
            }
            FileHandle.standardOutput.write(Data(bytes))
        } catch {
            FileHandle.standardError.write(Data("hx deliver render: \(error.code.rawValue): \(error.message)\n".utf8))
            throw ExitCode(65)
        }
    }
}
