import AWSClient
import Endpoint
import Foundation
import GlueDomain
import PythonHost
import Synchronization
import World
#if canImport(Glibc)
import Glibc
#endif

/// Glue interactive sessions for `glueshim serve`: each session's statements run in a live
/// Python under the session's runtime role.
public enum SessionService {
    /// Lets the endpoint run session interpreters (provisions the Python environment once).
    public static func enableSessions(_ configuration: inout EndpointConfiguration, options: RunOptions) throws(RunError) {
        let environment = try PythonEnvironments.provision(options)
        let launcher = SessionLauncher(world: configuration.world, environment: environment, options: options)
        configuration.glueSessions = GlueSessionRegistry(launcher: launcher, minuteSeconds: options.minuteSeconds, clock: configuration.clock)
    }
}

/// Starts a session as Glue does: assumes the runtime role as glue.amazonaws.com, serves its
/// session through the container-credentials endpoint, and starts a sandboxed worker (its own
/// /tmp, a scrubbed environment) whose script is glueshim's session interpreter, kept alive.
struct SessionLauncher: GlueSessionLauncher {
    let world: World
    let environment: PythonEnvironment
    let options: RunOptions
    /// How long an interpreter may take to come up.
    var startTimeout: Double = 60

    func start(session: GlueSessionRecord, host: GlueHost) async throws(GlueSessionLaunchError) -> any GlueSessionInterpreter {
        guard let role = world.role(arn: session.role) else {
            throw GlueSessionLaunchError("The role \(session.role) does not exist in the world \(world.source)")
        }
        let service = host.issueServiceCredentials("glue.amazonaws.com", host.clock().addingTimeInterval(7 * 86400))
        let glue = AWSClient(endpoint: host.url, region: host.region, credentials: service)
        let roleSession = JobRoleSession(client: glue, roleArn: role.arn, sessionName: "GlueJobRunnerSession")
        do {
            _ = try await roleSession.credentials()
        } catch {
            throw GlueSessionLaunchError("Glue could not assume the session's role \(role.arn): \(error.code): \(error.message)")
        }
        let safeId = session.id.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
        let folder = options.runsDirectory.appendingPathComponent("sessions")
            .appendingPathComponent("\(String(safeId.prefix(64)))-\(RuntimeJobLauncher.randomToken(8).lowercased())")
        let tmp = folder.appendingPathComponent("tmp")
        let script = environment.supportPath + "/glueshim_session.py"
        let spec = WorkerSpec(scriptPath: script, argv: [script],
                              modulePaths: [environment.supportPath, environment.sitePackages],
                              pythonExecutable: environment.pythonExecutable,
                              sandboxTmp: tmp.path, workingDirectory: "/tmp",
                              blockedHostSuffixes: RuntimeJobLauncher.realAWSHosts, limits: options.limits, keepDescriptors: [3])
        let specURL = folder.appendingPathComponent("worker.json")
        do {
            try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
            try JSONEncoder().encode(spec).write(to: specURL)
        } catch {
            throw GlueSessionLaunchError("cannot create the session folder \(folder.path): \(error.localizedDescription)")
        }
        let token = RuntimeJobLauncher.randomToken(32)
        let container = host.registerContainerCredentials(token) {
            let c = try await roleSession.credentials()
            return (c.credentials, c.expiration)
        }
        let env = RuntimeJobLauncher.workerEnvironment(host: host, region: host.region, credentialsURI: container.uri,
                                                       token: token, environment: environment)
        let worker: SessionWorker
        do {
            worker = try SessionWorker(executable: options.workerExecutable, arguments: [PythonWorker.commandName, specURL.path],
                                       environment: env, folder: folder, maxProcesses: options.limits.maxProcesses,
                                       clock: host.clock, errorReport: options.progress, onEnd: container.unregister)
        } catch {
            container.unregister()
            throw GlueSessionLaunchError(String(describing: error))
        }
        guard await worker.waitUntilReady(timeout: startTimeout) else {
            worker.shutdown()
            let stderr = (try? String(contentsOf: folder.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
            throw GlueSessionLaunchError("the session's Python did not start: \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return worker
    }
}

/// The session's worker process (started by PythonHost's `WorkerProcess`, as a job's is, with the
/// same process cap and signal defaults): statements go in on its stdin, answers come back on
/// fd 3, whatever reaches its stdout/stderr goes to the session's logs.
final class SessionWorker: GlueSessionInterpreter, Sendable {
    let process: WorkerProcess
    private let replies = ReplyQueue()
    /// The session's folder (logs, spec, its /tmp).
    let folder: URL
    private let errorReport: @Sendable (String) -> Void

    init(executable: String, arguments: [String], environment: [String: String], folder: URL, maxProcesses: Int?,
         clock: @escaping @Sendable () -> Date, errorReport: @escaping @Sendable (String) -> Void,
         onEnd: @escaping @Sendable () -> Void = {}) throws(RunError) {
        self.folder = folder
        self.errorReport = errorReport
        do {
            process = try WorkerProcess(executable: executable, arguments: arguments, environment: environment,
                                        maxProcesses: maxProcesses, kind: "session", commandInput: true, answers: true)
        } catch {
            throw RunError.local(error.description)
        }
        let outLog = LogFile(folder.appendingPathComponent("output.log"), clock: clock)
        let errLog = LogFile(folder.appendingPathComponent("error.log"), clock: clock)
        process.readAnswers(line: { [replies] in replies.push($0) }, closed: { [replies] in replies.close() })
        // The session's role credentials are served only while its worker lives.
        process.start(stdout: { outLog.write($0) }, stderr: { errLog.write($0) }, ended: { outLog.close(); errLog.close(); onEnd() })
    }

    private func nextReply() async -> Data? { await replies.next() }

    /// Whether the interpreter said it is ready within `timeout` seconds; kills it otherwise, or
    /// when the calling task is cancelled.
    func waitUntilReady(timeout: Double) async -> Bool {
        let process = self.process
        return await withTaskGroup(of: Bool?.self) { group in
            group.addTask {
                try? await Task.sleep(for: .seconds(timeout))
                if !Task.isCancelled { process.killGroup() }
                return nil
            }
            group.addTask { [replies] in
                let line = await withTaskCancellationHandler {
                    await replies.next()
                } onCancel: {
                    process.killGroup()
                }
                guard let line, let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else { return false }
                return object["status"] as? String == "ready"
            }
            var ready = false
            for await value in group {
                if let value {
                    ready = value
                    group.cancelAll()
                }
            }
            return ready
        }
    }

    func run(_ code: String, statementId: Int) async -> GlueStatementResult {
        var exited = GlueStatementResult(outcome: .interpreterExited, errorName: "SessionError",
                                         errorValue: "the session's Python interpreter exited", traceback: [])
        guard var line = try? JSONSerialization.data(withJSONObject: ["id": statementId, "code": code]) else { return exited }
        line.append(0x0A)
        guard process.send(line), let reply = await nextReply(),
              let object = try? JSONSerialization.jsonObject(with: reply) as? [String: Any] else {
            if process.exceededProcessCap, let cap = process.maxProcesses {
                exited.errorValue = "the session had more than \(cap) processes at once (the worker's process limit); its interpreter and all its processes were killed"
            }
            return exited
        }
        let text = object["text"] as? String ?? ""
        switch object["status"] as? String {
        case "ok":
            return GlueStatementResult(outcome: .ok, text: text)
        case "cancelled":
            return GlueStatementResult(outcome: .cancelled, text: text, errorName: object["ename"] as? String,
                                       errorValue: object["evalue"] as? String, traceback: [])
        default:
            return GlueStatementResult(outcome: .error, text: text, errorName: object["ename"] as? String,
                                       errorValue: object["evalue"] as? String, traceback: object["traceback"] as? [String] ?? [])
        }
    }

    func interrupt() { process.signal(SIGINT) }

    func shutdown() {
        process.killGroup()
        process.closeInput()
    }

    func waitUntilEnded() async { _ = await process.exitStatus() }

    /// Keeps the session's last record as `session.json` beside its logs.
    func sessionEnded(record: Data) {
        let file = folder.appendingPathComponent("session.json")
        do {
            try record.write(to: file, options: .atomic)
        } catch {
            errorReport("glueshim: cannot write \(file.path): \(error.localizedDescription)")
        }
    }
}

/// Answer lines from a worker, handed to whoever waits for them in order.
final class ReplyQueue: Sendable {
    private struct State {
        var lines: [Data] = []
        var waiters: [CheckedContinuation<Data?, Never>] = []
        var closed = false
    }
    private let state = Mutex(State())

    func push(_ line: Data) {
        let waiter = state.withLock { s -> CheckedContinuation<Data?, Never>? in
            if s.waiters.isEmpty { s.lines.append(line); return nil }
            return s.waiters.removeFirst()
        }
        waiter?.resume(returning: line)
    }

    func close() {
        let waiters = state.withLock { s -> [CheckedContinuation<Data?, Never>] in
            s.closed = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// The next line, or nil once the worker has gone.
    func next() async -> Data? {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { s -> Data?? in
                if !s.lines.isEmpty { return .some(s.lines.removeFirst()) }
                if s.closed { return .some(nil) }
                s.waiters.append(continuation)
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
