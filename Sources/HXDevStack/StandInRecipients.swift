import Foundation
import HXDevBroker
import HXMESH
import HXMESHSandbox
import HXPlace

/// `hx run`'s stand-ins for the recipients' own systems, one per organisation
/// with a delivery block, on loopback: python-hl7's MLLP server for an MLLP
/// recipient and a FHIR server validating with fhir.resources for a FHIR one
/// (both from scripts/, run with the virtual environment scripts/setup.sh
/// makes; systems we did not write, answering as a real one would), a
/// folder under the state directory for a folder recipient, and for the GP
/// practices NHS Digital's MESH sandbox with a mailbox for each practice and
/// for the exchange, each practice played by NHS England's mesh-client
/// (scripts/mesh-practice.py), which answers with ITK3 acknowledgements.
package final class StandInRecipients: Sendable {
    package struct StandIn: Sendable {
        package var code: String
        package var endpoint: DeliverySettings.Endpoint
        /// What stands in, and where to see what it received.
        package var description: String
        /// For a MESH recipient: the sandbox's address and the sending mailbox's secrets, what
        /// `hx deliver run` reads from its --mesh-* options.
        package var mesh: MESHAccess?
    }

    /// The MESH sandbox of the run, when a recipient takes MESH.
    package struct MESH: Sendable {
        /// What stands in for MESH and the practices, and where to look.
        package var description: String
        /// The `hx deliver run` options that reach the sandbox, with the secret files written for them.
        package var deliverOptions: String
    }

    package let standIns: [StandIn]
    package let mesh: MESH?
    private let processes: [ChildProcess]
    private let sandbox: MESHSandbox?

    private init(standIns: [StandIn], mesh: MESH?, processes: [ChildProcess], sandbox: MESHSandbox?) {
        self.standIns = standIns
        self.mesh = mesh
        self.processes = processes
        self.sandbox = sandbox
    }

    /// How often `hx run`'s practices and delivery workers look in their MESH mailboxes: far more often
    /// than MESH's guidance allows (`--mesh-sandbox-polling`), so a run sees its acknowledgements in seconds.
    package static let meshPollInterval: Duration = .seconds(2)
    package static let practicePollInterval: Duration = .seconds(1)

    /// Starts a stand-in for every organisation with a delivery block. What they
    /// receive goes under `state/received`, and MESH's mailboxes under
    /// `state/mesh` (both emptied first: the broker of `hx run` is new each time).
    package static func start(place: PlaceConfiguration, state: URL) async throws -> StandInRecipients {
        let received = state.appendingPathComponent("received", isDirectory: true)
        try? FileManager.default.removeItem(at: received)
        try FileManager.default.createDirectory(at: received, withIntermediateDirectories: true)
        var standIns: [StandIn] = []
        var processes: [ChildProcess] = []
        var sandbox: MESHSandbox?
        var meshStandIn: MESH?
        do {
            let meshes = place.organisations.sorted { $0.code < $1.code }.compactMap { organisation -> (code: String, from: String, to: String)? in
                guard case .mesh(let mailbox, let to, _, _) = organisation.delivery?.endpoint else { return nil }
                return (organisation.code, mailbox.uppercased(), to.uppercased())
            }
            var access: MESHAccess?
            if !meshes.isEmpty {
                // The exchange's sending mailboxes (one in Halton), each once.
                let sending = Set(meshes.map(\.from)).sorted()
                let (started, practice, options) = try await startMESH(
                    sending: sending, practices: meshes.map(\.to), folder: state.appendingPathComponent("mesh", isDirectory: true))
                sandbox = started
                processes.append(practice)
                var secrets = MESHAccess(url: started.baseURL, passwords: Dictionary(uniqueKeysWithValues: sending.map { ($0, MESHSandbox.password) }),
                                         sharedKey: MESHSandbox.sharedKey)
                secrets.pollInterval = meshPollInterval
                access = secrets
                let mailboxes = started.folder.appendingPathComponent("mailboxes").relativePath
                meshStandIn = MESH(
                    description: "NHS Digital's MESH sandbox on \(started.baseURL), a mailbox for the exchange (\(sending.joined(separator: ", "))) "
                        + "and each practice; mesh-client plays the practices, answering ITK3 acknowledgements (what arrived: \(mailboxes)/<MAILBOX>/in, "
                        + "what the practices did: \(started.folder.appendingPathComponent("practices.log").relativePath))",
                    deliverOptions: options)
            }
            for organisation in place.organisations.sorted(by: { $0.code < $1.code }) {
                guard let delivery = organisation.delivery else { continue }
                let name = organisation.code.lowercased()
                switch delivery.endpoint {
                case .mllp(_, _, let ackTimeout):
                    let record = received.appendingPathComponent("\(name).txt")
                    let (port, process) = try await peer("mllp-peer-receiver.py", ["--answer", "AA", "--record", record.path], log: received.appendingPathComponent("\(name)-mllp.log"))
                    processes.append(process)
                    standIns.append(StandIn(code: organisation.code, endpoint: .mllp(host: "127.0.0.1", port: port, ackTimeout: ackTimeout),
                                            description: "python-hl7 MLLP receiver on 127.0.0.1:\(port), answering AA (what it got: \(record.relativePath))"))
                case .fhirHTTP:
                    let record = received.appendingPathComponent("\(name).txt")
                    let (port, process) = try await peer("fhir-peer-receiver.py", ["--record", record.path], log: received.appendingPathComponent("\(name)-fhir.log"))
                    processes.append(process)
                    standIns.append(StandIn(code: organisation.code, endpoint: .fhirHTTP(url: "http://127.0.0.1:\(port)/fhir"),
                                            description: "FHIR server validating with fhir.resources on 127.0.0.1:\(port) (what it got: \(record.relativePath))"))
                case .folder:
                    let folder = received.appendingPathComponent(name, isDirectory: true)
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                    standIns.append(StandIn(code: organisation.code, endpoint: .folder(path: folder.path), description: "the folder \(folder.relativePath)"))
                case .mesh(let mailbox, let to, _, _):
                    standIns.append(StandIn(code: organisation.code, endpoint: delivery.endpoint,
                                            description: "MESH from \(mailbox) to the practice's mailbox \(to) in the sandbox", mesh: access))
                }
            }
        } catch {
            for process in processes { process.stop() }
            sandbox?.stop()
            throw error
        }
        return StandInRecipients(standIns: standIns, mesh: meshStandIn, processes: processes, sandbox: sandbox)
    }

    package func stop() {
        for process in processes { process.stop() }
        sandbox?.stop()
    }

    /// The sandbox with a mailbox for each sending mailbox and practice, kept in `folder`; mesh-practice.py
    /// answering for the practices; and the secret files a `hx deliver run` against it would read.
    private static func startMESH(sending: [String], practices: [String], folder: URL) async throws -> (MESHSandbox, ChildProcess, String) {
        let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        guard FileManager.default.fileExists(atPath: "scripts/mesh-practice.py") else {
            throw DevStackProblem("the MESH stand-ins need scripts/mesh-practice.py: run hx run from the repository, after scripts/setup.sh (make run does both)")
        }
        let sandbox: MESHSandbox
        do {
            sandbox = try await MESHSandbox.start(mailboxes: sending + practices, folder: folder, root: root)
        } catch let failure as MESHSandbox.Failure {
            throw DevStackProblem("the MESH sandbox did not start: \(failure)")
        }
        do {
            let practice = try sandbox.practice(mailboxes: practices, interval: practicePollInterval,
                                                output: folder.appendingPathComponent("practices.log"))
            let secrets = folder.appendingPathComponent("secrets", isDirectory: true)
            try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
            let key = secrets.appendingPathComponent("shared-key")
            try Data(MESHSandbox.sharedKey.utf8).write(to: key)
            var options = "--mesh-url \(sandbox.baseURL) --mesh-shared-key-file \(key.relativePath)"
            for mailbox in sending {
                let file = secrets.appendingPathComponent("\(mailbox).password")
                try Data(MESHSandbox.password.utf8).write(to: file)
                options += " --mesh-password-file \(mailbox)=\(file.relativePath)"
            }
            let seconds = meshPollInterval.components.seconds
            return (sandbox, practice, options + " --mesh-poll-interval \(seconds)s --mesh-sandbox-polling")
        } catch {
            sandbox.stop()
            throw error
        }
    }

    /// `scripts/NAME` on a free port, once it accepts connections.
    private static func peer(_ script: String, _ arguments: [String], log: URL) async throws -> (Int, ChildProcess) {
        let python = ProcessInfo.processInfo.environment["HX_PYTHON"] ?? ".venv/bin/python"
        let path = "scripts/\(script)"
        guard FileManager.default.isExecutableFile(atPath: python), FileManager.default.fileExists(atPath: path) else {
            throw DevStackProblem("the stand-in recipients need \(python) and \(path): run hx run from the repository, after scripts/setup.sh (make run does both)")
        }
        let port = try DevBroker.freePort()
        let process = try ChildProcess(executable: python, arguments: [path, "--port", String(port)] + arguments, output: log)
        let deadline = ContinuousClock.now + .seconds(30)
        while !DevBroker.canConnect(port: port) {
            guard process.isRunning, ContinuousClock.now < deadline else {
                process.stop()
                throw DevStackProblem("the stand-in \(script) did not start; its log: \(log.path)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return (port, process)
    }
}
