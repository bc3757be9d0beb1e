import Foundation
import HXKafkaTestSupport
import Testing

/// The container, compose, Kubernetes and systemd files, checked by scripts/test-deploy.sh with
/// hadolint, docker-compose config, kubernetes-validate, systemd-analyze verify and our own checks
/// of the Strimzi resources against config/. A checker that cannot be installed fails this test.
@Suite("Deployment files")
struct DeployFilesTests {
    @Test("scripts/test-deploy.sh passes every checker")
    func checkers() async throws {
        let result = try await runProgram(URL(fileURLWithPath: "/bin/bash"), ["scripts/test-deploy.sh", hxExecutable.path], directory: repositoryRoot, timeout: .seconds(300))
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        for checker in ["hadolint deploy/Dockerfile", "docker-compose config deploy/compose.yaml", "kubernetes-validate --strict",
                        "deploy-checks.py", "systemd-analyze verify deploy/systemd"] {
            #expect(result.output.contains("ok: \(checker)"), "\(checker) did not run: \(result.error)")
        }
    }
}
