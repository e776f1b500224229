import Foundation

/// A `glueshim serve` child process and the environment it printed.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    var environment: [String: String] = [:]
    /// The state folder: the one given with --state, or the temporary one serve printed.
    private(set) var state: URL
    /// What serve printed before it began serving.
    private(set) var banner = ""

    /// Starts `glueshim serve --port 0` from the repository root and waits for its export lines.
    /// With `keepState` false, no --state is given (serve makes a temporary folder of its own).
    init(as principal: String?, extraEnvironment: [String: String] = [:], state: URL? = nil, keepState: Bool = true) throws {
        self.state = state ?? temporaryFolder("serve-state")
        process.executableURL = glueshimBinary
        var arguments = ["serve", "--port", "0"]
        if keepState { arguments += ["--state", self.state.path] } else { try? FileManager.default.removeItem(at: self.state) }
        if let principal { arguments += ["--as", principal] }
        process.arguments = arguments
        process.currentDirectoryURL = repoRoot
        process.environment = ProcessInfo.processInfo.environment.merging(extraEnvironment) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        var text = ""
        let handle = out.fileHandleForReading
        let deadline = Date().addingTimeInterval(60)
        while !text.contains("# serving until Ctrl-C"), Date() < deadline {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        banner = text
        // "# glueshim serve: world W, state S"
        if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("# glueshim serve:") }),
           let range = line.range(of: ", state ") {
            self.state = URL(fileURLWithPath: String(line[range.upperBound...]))
        }
        for line in text.split(separator: "\n") where line.hasPrefix("export ") {
            let pair = line.dropFirst("export ".count)
            if let eq = pair.firstIndex(of: "=") { environment[String(pair[..<eq])] = String(pair[pair.index(after: eq)...]) }
        }
        guard environment["AWS_ENDPOINT_URL"] != nil else {
            process.terminate()
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "glueshim serve printed no endpoint: \(text)"])
        }
    }

    deinit {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }

    /// Stops the server (SIGTERM) and waits for it.
    func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }

    /// Runs the AWS CLI against this endpoint as the served principal; returns its status and output.
    func aws(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        child.arguments = ["aws"] + arguments + ["--output", "json"]
        let home = temporaryFolder("aws-home")
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        env.merge(environment) { $1 }
        env["HOME"] = home.path
        env["AWS_CONFIG_FILE"] = "/dev/null"
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        child.environment = env
        let out = Pipe()
        child.standardOutput = out
        child.standardError = out
        try child.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        return (child.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs a Python script with boto3 (the job environment's interpreter) against this endpoint;
    /// the script's last stdout line is JSON, returned decoded.
    func python(_ source: String) throws -> [String: Any] {
        let file = temporaryFolder("client").appendingPathComponent("client.py")
        try source.write(to: file, atomically: true, encoding: .utf8)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: jobPython)
        child.arguments = [file.path]
        var env = ["PATH": "/usr/bin:/bin", "HOME": NSHomeDirectory(), "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"]
        env.merge(environment) { $1 }
        child.environment = env
        let out = Pipe(), err = Pipe()
        child.standardOutput = out
        child.standardError = err
        try child.run()
        nonisolated(unsafe) var errData = Data()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); done.signal() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        child.waitUntilExit()
        let lastLine = String(decoding: outData, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        guard child.terminationStatus == 0, let object = try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any] else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "client failed: \(String(decoding: errData, as: UTF8.self))"])
        }
        return object
    }
}

/// The interpreter of glueshim's job environment (boto3 1.44.5), provisioned by the first run.
let jobPython: String = {
    let env = ProcessInfo.processInfo.environment
    let cache = env["GLUESHIM_CACHE"] ?? env["XDG_CACHE_HOME"].map { $0 + "/glueshim" } ?? (NSHomeDirectory() + "/.cache/glueshim")
    return cache + "/venv-py3.11-boto3-1.44.5/bin/python3"
}()
