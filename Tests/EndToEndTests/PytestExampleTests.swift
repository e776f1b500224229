import Foundation
import Testing

/// The documented pytest fixture (examples/pytest) works against the built binary.
@Suite struct PytestExampleTests {
    @Test func pytestExamplePasses() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "examples/pytest"]
        process.currentDirectoryURL = repoRoot
        var env = ProcessInfo.processInfo.environment
        env["GLUESHIM"] = glueshimBinary.path
        for key in env.keys where key.hasPrefix("AWS_") { env[key] = nil }
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("3 passed"))
    }
}
