import Foundation
import HXDevBroker
import HXMESHSandbox

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway certificate authority, server certificate (for 127.0.0.1) and client certificate,
/// made with the system's `openssl` in `folder`: the files for `MESHSandbox.start(tls:)`.
package enum MESHTestCertificates {
    package static func make(in folder: URL) throws -> MESHSandbox.TLS {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        let extensions = path("server.ext")
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: extensions, atomically: true, encoding: .utf8)
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=HX test MESH CA",
             "-keyout", path("ca.key"), "-out", path("ca.pem")],
            ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", path("server.key"), "-out", path("server.csr")],
            ["x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-CAcreateserial",
             "-days", "2", "-extfile", extensions, "-out", path("server.pem")],
            ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=HXEXCH01", "-keyout", path("client.key"), "-out", path("client.csr")],
            ["x509", "-req", "-in", path("client.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-CAcreateserial",
             "-days", "2", "-out", path("client.pem")],
        ]
        for arguments in steps {
            let process = try ChildProcess(executable: "/usr/bin/openssl", arguments: arguments, output: folder.appendingPathComponent("openssl.log"))
            while process.isRunning { usleep(10_000) }
            guard process.status == 0 else {
                let log = (try? String(contentsOf: folder.appendingPathComponent("openssl.log"), encoding: .utf8)) ?? ""
                throw MESHSandbox.Failure.admin("openssl \(arguments[0]) failed: \(log)")
            }
        }
        return MESHSandbox.TLS(
            serverCertificate: path("server.pem"), serverKey: path("server.key"), caCertificate: path("ca.pem"),
            clientCertificate: path("client.pem"), clientKey: path("client.key"))
    }
}
