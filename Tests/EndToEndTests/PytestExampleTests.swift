import Foundation
import TestSupport
import Testing

/// The documented pytest fixture (examples/pytest) works against the built binary.
@Suite struct PytestExampleTests {
    @Test func pytestExamplePasses() async throws {
        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.
        try await offPool { try self.pytestExamplePassesBody() }
    }

    func pytestExamplePassesBody() throws {
        var env = ProcessInfo.processInfo.environment
        env["GLUESHIM"] = glueshimBinary.path
        for key in env.keys where key.hasPrefix("AWS_") { env[key] = nil }
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "examples/pytest"],
                                    environment: env, cwd: repoRoot, stderrIntoStdout: true)
        let text = result.stdout
        #expect(result.status == 0, "\(text)")
        #expect(text.contains("3 passed"))
    }
}
