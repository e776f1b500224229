import Foundation

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts")
let dataRoleArn = "arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed"
let glueRoleArn = "arn:aws:iam::111111111111:role/glue-role-test"

/// The built `glueshim` binary, next to the test bundle.
let glueshimBinary: URL = {
    let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [bundleDir, bundleDir.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("glueshim")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return repoRoot.appendingPathComponent(".build/debug/glueshim")
}()

struct WireError: Error, CustomStringConvertible {
    var description: String
}

/// A tool the wire tests need, found on PATH; a missing tool is a failure, not a skip.
func tool(_ name: String) throws -> URL {
    let override = ProcessInfo.processInfo.environment["GLUESHIM_WIRE_" + name.uppercased()]
    if let override { return URL(fileURLWithPath: override) }
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let url = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    throw WireError(description: "the S3 wire tests need '\(name)' on PATH (python3 with boto3>=1.36, and the AWS CLI: pip install 'boto3>=1.43,<1.45' awscli)")
}

/// `glueshim serve` as a child process, with the environment it printed.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    var environment: [String: String] = [:]
    let stdout = Pipe()

    init(state: URL, as principal: String = glueRoleArn, assume: String? = dataRoleArn) throws {
        process.executableURL = glueshimBinary
        process.arguments = ["serve", "--port", "0", "--as", principal, "--state", state.path]
        process.currentDirectoryURL = repoRoot
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Read the exports until "# serving".
        var text = ""
        let handle = stdout.fileHandleForReading
        let deadline = Date().addingTimeInterval(60)
        while !text.contains("# serving") {
            let chunk = handle.availableData
            if chunk.isEmpty {
                if !process.isRunning || Date() > deadline { throw WireError(description: "glueshim serve did not start: \(text)") }
                continue
            }
            text += String(decoding: chunk, as: UTF8.self)
        }
        for line in text.split(separator: "\n") where line.hasPrefix("export ") {
            let assignment = line.dropFirst("export ".count)
            guard let eq = assignment.firstIndex(of: "=") else { continue }
            environment[String(assignment[..<eq])] = String(assignment[assignment.index(after: eq)...])
        }
        // The data role trusts the job role, not a service: assume it from the served session, as the seed job does.
        if let assume {
            let script = "import boto3; c = boto3.client('sts').assume_role(RoleArn='\(assume)', RoleSessionName='wire')['Credentials']; print(c['AccessKeyId'], c['SecretAccessKey'], c['SessionToken'])"
            let out = try run(try tool("python3"), ["-c", script], environment: clientEnvironment)
            let parts = out.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            guard out.status == 0, parts.count == 3 else { throw WireError(description: "cannot assume \(assume): \(out.stderr)") }
            environment["AWS_ACCESS_KEY_ID"] = parts[0]
            environment["AWS_SECRET_ACCESS_KEY"] = parts[1]
            environment["AWS_SESSION_TOKEN"] = parts[2]
        }
    }

    /// The environment for a client: the exports and nothing of the user's own AWS setup.
    var clientEnvironment: [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        env.merge(environment) { $1 }
        env["AWS_CONFIG_FILE"] = "/dev/null"
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        return env
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a tool to its end with `environment`.
func run(_ executable: URL, _ arguments: [String], environment: [String: String], cwd: URL? = nil) throws -> Output {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = environment
    if let cwd { process.currentDirectoryURL = cwd }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let group = DispatchGroup()
    nonisolated(unsafe) var outData = Data(), errData = Data()
    group.enter(); DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter(); DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    process.waitUntilExit()
    group.wait()
    return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

func temporaryFolder(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-\(name)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
