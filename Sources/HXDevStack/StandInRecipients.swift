import Foundation
import HXDevBroker
import HXPlace

/// `hx run`'s stand-ins for the recipients' own systems, one per organisation
/// with a delivery block, on loopback: python-hl7's MLLP server for an MLLP
/// recipient and a FHIR server validating with fhir.resources for a FHIR one
/// (both from scripts/, run with the virtual environment scripts/setup.sh
/// makes; systems we did not write, answering as a real one would), and a
/// folder under the state directory for a folder recipient.
package final class StandInRecipients: Sendable {
    package struct StandIn: Sendable {
        package var code: String
        package var endpoint: DeliverySettings.Endpoint
        /// What stands in, and where to see what it received.
        package var description: String
    }

    package let standIns: [StandIn]
    private let processes: [ChildProcess]

    private init(standIns: [StandIn], processes: [ChildProcess]) {
        self.standIns = standIns
        self.processes = processes
    }

    /// Starts a stand-in for every organisation with a delivery block (MESH ones
    /// are left out until MESH delivery is built). What they receive goes under
    /// `state/received` (emptied first: the broker of `hx run` is new each time).
    package static func start(place: PlaceConfiguration, state: URL) async throws -> StandInRecipients {
        let received = state.appendingPathComponent("received", isDirectory: true)
        try? FileManager.default.removeItem(at: received)
        try FileManager.default.createDirectory(at: received, withIntermediateDirectories: true)
        var standIns: [StandIn] = []
        var processes: [ChildProcess] = []
        do {
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
                case .mesh:
                    continue
                }
            }
        } catch {
            for process in processes { process.stop() }
            throw error
        }
        return StandInRecipients(standIns: standIns, processes: processes)
    }

    package func stop() {
        for process in processes { process.stop() }
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
