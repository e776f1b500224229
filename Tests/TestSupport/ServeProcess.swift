import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `glueshim serve --port 0` as a child process, started from the repository root, and the
/// `export NAME=VALUE` lines it printed before it began serving.
public final class ServeProcess: @unchecked Sendable {
    /// Where serve keeps its state.
    public enum State: Sendable {
        /// A new temporary folder, given with --state (left in place after serve stops).
        case fresh
        /// This folder, given with --state.
        case folder(URL)
        /// No --state: serve makes a temporary folder of its own and removes it when it stops.
        case serveOwn
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let process = Process()
    /// The exported variables (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...); a test may replace some.
    public var environment: [String: String] = [:]
    /// The state folder: the one given with --state, or the temporary one serve printed.
    public let state: URL
    /// What serve printed before it began serving.
    public private(set) var banner = ""
    /// The plain-HTTP listener (`# http: URL`), for requests that must not go through TLS.
    public var httpURL: URL? {
        banner.split(separator: "\n").first { $0.hasPrefix("# http: ") }.flatMap { URL(string: String($0.dropFirst("# http: ".count))) }
    }

    public var pid: Int32 { process.processIdentifier }

    /// Starts serve on `world` (the default world when nil) as `principal` (`--as`), with
    /// `extraEnvironment` added to this process's environment, and waits up to 60 s for its exports.
    /// Throws when serve printed no AWS_ENDPOINT_URL.
    public init(world: URL? = nil, as principal: String? = nil, state: State = .fresh,
                extraEnvironment: [String: String] = [:]) throws {
        var arguments = ["serve", "--port", "0"]
        if let world { arguments += ["--world", world.path] }
        if let principal { arguments += ["--as", principal] }
        let given: URL?
        switch state {
        case .fresh: given = temporaryFolder("serve-state")
        case .folder(let folder): given = folder
        case .serveOwn: given = nil
        }
        if let given { arguments += ["--state", given.path] }
        process.executableURL = glueshimBinary
        process.arguments = arguments
        process.currentDirectoryURL = repoRoot
        if !extraEnvironment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(extraEnvironment) { $1 }
        }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
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
        // "# glueshim serve: world W, state S", printed with the exports.
        var printed: URL?
        if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("# glueshim serve:") }),
           let range = line.range(of: ", state ") {
            printed = URL(fileURLWithPath: String(line[range.upperBound...]))
        }
        for line in text.split(separator: "\n") where line.hasPrefix("export ") {
            let pair = line.dropFirst("export ".count)
            if let eq = pair.firstIndex(of: "=") { environment[String(pair[..<eq])] = String(pair[pair.index(after: eq)...]) }
        }
        guard environment["AWS_ENDPOINT_URL"] != nil, let folder = printed ?? given else {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            throw Failure(description: "glueshim serve printed no endpoint: \(text)")
        }
        self.state = folder
    }

    deinit {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }

    /// The environment for an AWS client of this endpoint: this process's environment without
    /// any AWS_ variable, the exports, no config or credentials file, and `extra`.
    public func clientEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        env.merge(environment) { $1 }
        env["AWS_CONFIG_FILE"] = "/dev/null"
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        env.merge(extra) { $1 }
        return env
    }

    /// Stops the server (SIGTERM) and waits for it.
    public func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// SIGTERM, then up to `seconds` for serve to exit; its exit status (128 + the signal when a
    /// signal ended it), or nil when it was still running.
    public func terminate(within seconds: Double = 30) -> Int32? {
        kill(pid, SIGTERM)
        let end = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < end { usleep(50_000) }
        guard !process.isRunning else { return nil }
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    /// SIGKILL, and waits for it.
    public func kill9() {
        kill(pid, SIGKILL)
        process.waitUntilExit()
    }
}
