import Foundation
import Testing

let wireRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let repositoryRoot = wireRoot.deletingLastPathComponent().deletingLastPathComponent()

/// The built `glueshim` binary, next to the test bundle.
let servedBinary: URL = {
    let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [bundleDir, bundleDir.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("glueshim")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return repositoryRoot.appendingPathComponent(".build/debug/glueshim")
}()

/// A program on PATH, or nil.
func onPath(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// `glueshim serve --port 0 --as PRINCIPAL` as a child process; its exported variables.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    var environment: [String: String] = [:]

    init(world: URL, principal: String) throws {
        process.executableURL = servedBinary
        process.arguments = ["serve", "--world", world.path, "--port", "0", "--as", principal]
        process.currentDirectoryURL = repositoryRoot
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let handle = out.fileHandleForReading
        while !text.contains("# serving until Ctrl-C") {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        for line in text.split(separator: "\n") where line.hasPrefix("export ") {
            let pair = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1)
            if pair.count == 2 { environment[String(pair[0])] = String(pair[1]) }
        }
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

@Suite(.serialized) struct WireTests {
    /// Every STS and IAM check of wire_sts_iam.py, through boto3 and the AWS CLI. A missing
    /// python3, boto3 or aws fails the test: CI must install them.
    @Test func boto3AndTheCLIAgainstServe() async throws {
        // Waiting on child processes blocks a thread: keep that off Swift's small cooperative
        // pool, which the in-process endpoints of other tests need.
        try await Self.offPool { try Self.runWireChecks() }
    }

    /// Every service's denial and the unserved-service answer, parsed by botocore (wire_protocols.py).
    @Test func errorsParseInEveryProtocol() async throws {
        try await Self.offPool {
            let python = try #require(onPath("python3"), "python3 is not on PATH: install Python 3 with boto3")
            let serve = try ServeProcess(world: wireRoot.appendingPathComponent("sts-iam-world.yaml"), principal: "arn:aws:iam::111111111111:user/bob")
            defer { serve.stop() }
            let endpoint = try #require(serve.environment["AWS_ENDPOINT_URL"], "serve printed no AWS_ENDPOINT_URL")
            let script = Process()
            script.executableURL = URL(fileURLWithPath: python)
            script.arguments = [wireRoot.appendingPathComponent("wire_protocols.py").path]
            var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
            for (k, v) in serve.environment { env[k] = v }
            env["AWS_ENDPOINT_URL"] = endpoint
            env["AWS_CONFIG_FILE"] = "/dev/null"
            env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
            script.environment = env
            let out = Pipe()
            script.standardOutput = out
            script.standardError = out
            try script.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            script.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self)
            #expect(script.terminationStatus == 0, "protocol checks failed:\n\(text)")
            #expect(text.contains("all protocol checks passed"), "\(text)")
        }
    }

    static func offPool(_ body: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            Thread.detachNewThread {
                do { try body(); continuation.resume() } catch { continuation.resume(throwing: error) }
            }
        }
    }

    static func runWireChecks() throws {
        let python = try #require(onPath("python3"), "python3 is not on PATH: install Python 3 with boto3 (pip install boto3 awscli)")
        _ = try #require(onPath("aws"), "the AWS CLI (aws) is not on PATH: pip install awscli")
        let world = wireRoot.appendingPathComponent("sts-iam-world.yaml")
        let serve = try ServeProcess(world: world, principal: "arn:aws:iam::111111111111:user/alice")
        defer { serve.stop() }
        #expect(serve.environment["AWS_ACCESS_KEY_ID"] == "AKIAGLUESHIMALICE001")
        let endpoint = try #require(serve.environment["AWS_ENDPOINT_URL"], "serve printed no AWS_ENDPOINT_URL")

        let script = Process()
        script.executableURL = URL(fileURLWithPath: python)
        script.arguments = [wireRoot.appendingPathComponent("wire_sts_iam.py").path]
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        for (k, v) in serve.environment { env[k] = v }
        env["AWS_ENDPOINT_URL"] = endpoint
        env["AWS_CONFIG_FILE"] = "/dev/null"
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        env["GLUESHIM_PROFILES"] = profiles
        // A home of its own: the AWS CLI caches assumed-role credentials under ~/.aws/cli/cache.
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-wire-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        env["HOME"] = home.path
        script.environment = env
        let out = Pipe()
        script.standardOutput = out
        script.standardError = out
        try script.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        script.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        #expect(script.terminationStatus == 0, "wire checks failed:\n\(text)")
        #expect(text.contains("all wire checks passed"), "\(text)")
    }

    /// The world's profiles, as `World.awsConfigFile()` renders them (kept in step by UsersAndProfilesTests).
    static let profiles = """
    [profile external]
    role_arn = arn:aws:iam::111111111111:role/external-role
    credential_source = Environment
    external_id = ext-123
    region = us-east-1

    [profile tagged]
    role_arn = arn:aws:iam::111111111111:role/tagged-role
    credential_source = Environment
    duration_seconds = 1800
    role_session_name = from-profile
    region = us-east-1

    """
}
