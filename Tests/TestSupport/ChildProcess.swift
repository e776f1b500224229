import Foundation

/// How a child process ended and what it wrote.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    /// Empty when stderr went into stdout.
    public var stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Runs `executable` to its end and collects its output. `environment` nil inherits this process's
/// environment; with `stderrIntoStdout` both streams go into one pipe, read as `stdout`.
public func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil, cwd: URL? = nil,
                       stderrIntoStdout: Bool = false) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let cwd { process.currentDirectoryURL = cwd }
    let out = Pipe(), err: Pipe? = stderrIntoStdout ? nil : Pipe()
    process.standardOutput = out
    process.standardError = err ?? out
    try process.run()
    // Read both pipes while the process runs so neither fills up.
    let group = DispatchGroup()
    nonisolated(unsafe) var outData = Data(), errData = Data()
    group.enter(); DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    if let err {
        group.enter(); DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    }
    process.waitUntilExit()
    group.wait()
    return ProcessOutput(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs the built `glueshim` with `arguments` in `cwd`, as a user would; `environment` is added to
/// this process's own.
public func glueshim(_ arguments: [String], cwd: URL = repoRoot, environment: [String: String] = [:]) throws -> ProcessOutput {
    try runProcess(glueshimBinary, arguments,
                   environment: environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 },
                   cwd: cwd)
}

/// Runs blocking work on a thread of its own, so that the tasks of an in-process server (or of
/// other tests) keep Swift's cooperative pool while a test waits on a socket or a child process.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            do { continuation.resume(returning: try work()) } catch { continuation.resume(throwing: error) }
        }
    }
}
