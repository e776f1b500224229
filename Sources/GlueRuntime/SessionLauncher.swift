import AWSClient
import Endpoint
import Foundation
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
        let environment = try PythonEnvironments.provision(options.progress)
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

    func start(session: GlueSessionRecord, endpoint: LocalEndpoint) async throws(GlueSessionLaunchError) -> any GlueSessionInterpreter {
        guard let role = world.role(arn: session.role) else {
            throw GlueSessionLaunchError("The role \(session.role) does not exist in the world \(world.source)")
        }
        let service = endpoint.configuration.credentials.issueServicePrincipal("glue.amazonaws.com", expiration: Date().addingTimeInterval(7 * 86400))
        let glue = AWSClient(endpoint: endpoint.url, region: world.region, credentials: service.credentials)
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
                              blockedHostSuffixes: RuntimeJobLauncher.realAWSHosts, keepDescriptors: [3])
        let specURL = folder.appendingPathComponent("worker.json")
        do {
            try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
            try JSONEncoder().encode(spec).write(to: specURL)
        } catch {
            throw GlueSessionLaunchError("cannot create the session folder \(folder.path): \(error.localizedDescription)")
        }
        let token = RuntimeJobLauncher.randomToken(32)
        let credentialsURI = endpoint.registerContainerCredentials(token: token) {
            let c = try await roleSession.credentials()
            return (c.credentials, c.expiration)
        }
        let env = RuntimeJobLauncher.workerEnvironment(endpoint: endpoint, region: world.region, credentialsURI: credentialsURI,
                                                       token: token, environment: environment)
        let worker: SessionWorker
        do {
            worker = try SessionWorker(executable: options.workerExecutable, arguments: [PythonWorker.commandName, specURL.path],
                                       environment: env, folder: folder)
        } catch {
            throw GlueSessionLaunchError(error.description)
        }
        guard await worker.waitUntilReady(timeout: startTimeout) else {
            worker.shutdown()
            let stderr = (try? String(contentsOf: folder.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
            throw GlueSessionLaunchError("the session's Python did not start: \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return worker
    }
}

/// The session's worker process: statements go in on its stdin, answers come back on fd 3,
/// whatever reaches its stdout/stderr file descriptors directly goes to the session's logs.
final class SessionWorker: GlueSessionInterpreter, @unchecked Sendable {
    let pid: pid_t
    private let commandFD: Int32
    private let replies = ReplyQueue()
    /// Guards the command pipe; true once it is closed.
    private let writeLock = Mutex(false)

    init(executable: String, arguments: [String], environment: [String: String], folder: URL) throws(RunError) {
        var input: [Int32] = [0, 0], out: [Int32] = [0, 0], err: [Int32] = [0, 0], answers: [Int32] = [0, 0]
        guard pipe(&input) == 0, pipe(&out) == 0, pipe(&err) == 0, pipe(&answers) == 0 else {
            throw RunError.local("cannot create pipes for the session worker: errno \(errno)")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        posix_spawn_file_actions_adddup2(&actions, answers[1], 3)
        for fd in input + out + err + answers where fd > 3 { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The host may block or ignore SIGINT (serve waits for it); CancelStatement needs it in the worker.
        var noSignals = sigset_t(), defaultSignals = sigset_t()
        sigemptyset(&noSignals)
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGINT)
        sigaddset(&defaultSignals, SIGTERM)
        sigaddset(&defaultSignals, SIGPIPE)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv { free(p) }; for p in envp { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        close(input[0]); close(out[1]); close(err[1]); close(answers[1])
        guard rc == 0 else {
            close(input[1]); close(out[0]); close(err[0]); close(answers[0])
            throw RunError.local("cannot start the session worker \(executable): \(String(cString: strerror(rc)))")
        }
        pid = child
        commandFD = input[1]
        _ = fcntl(commandFD, F_SETFD, FD_CLOEXEC)
        let outLog = LogFile(folder.appendingPathComponent("output.log"))
        let errLog = LogFile(folder.appendingPathComponent("error.log"))
        for (fd, log) in [(out[0], outLog), (err[0], errLog)] {
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = read(fd, &buffer, buffer.count)
                    if n > 0 { log.write(Data(buffer[0..<n])); continue }
                    if n < 0 && errno == EINTR { continue }
                    break
                }
                close(fd)
                log.close()
            }
        }
        let answerFD = answers[0]
        Thread.detachNewThread { [replies] in
            var pending = Data()
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(answerFD, &buffer, buffer.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                pending.append(contentsOf: buffer[0..<n])
                while let newline = pending.firstIndex(of: 0x0A) {
                    replies.push(Data(pending[pending.startIndex..<newline]))
                    pending = Data(pending[pending.index(after: newline)...])
                }
            }
            close(answerFD)
            replies.close()
        }
        let pid = child
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            kill(-pid, SIGKILL)
        }
    }

    private func nextReply() async -> Data? { await replies.next() }

    func waitUntilReady(timeout: Double) async -> Bool {
        let pid = self.pid
        let timer = Task {
            try await Task.sleep(for: .seconds(timeout))
            kill(-pid, SIGKILL)
        }
        defer { timer.cancel() }
        guard let line = await nextReply(),
              let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else { return false }
        return object["status"] as? String == "ready"
    }

    func run(_ code: String, statementId: Int) async -> GlueStatementResult {
        let exited = GlueStatementResult(outcome: .interpreterExited, errorName: "SessionError",
                                         errorValue: "the session's Python interpreter exited", traceback: [])
        guard var line = try? JSONSerialization.data(withJSONObject: ["id": statementId, "code": code]) else { return exited }
        line.append(0x0A)
        let written = writeLock.withLock { closed -> Bool in
            if closed { return false }
            return line.withUnsafeBytes { raw -> Bool in
                var offset = 0
                while offset < raw.count {
                    let n = write(commandFD, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { return false }
                    offset += n
                }
                return true
            }
        }
        guard written, let reply = await nextReply(),
              let object = try? JSONSerialization.jsonObject(with: reply) as? [String: Any] else { return exited }
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

    func interrupt() { kill(pid, SIGINT) }

    func shutdown() {
        kill(-pid, SIGKILL)
        writeLock.withLock { closed in
            if !closed { close(commandFD); closed = true }
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
