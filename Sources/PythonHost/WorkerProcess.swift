import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Why a worker could not be started.
public struct WorkerLaunchError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The one way the host starts a worker (`glueshim __worker SPEC.json`), for job runs and
/// interactive sessions alike: its own process group, exactly the environment given, no
/// inherited descriptor or signal disposition, close-on-exec pipes, and a watchdog that kills
/// the worker and everything it started when it has more than `maxProcesses` processes.
public final class WorkerProcess: Sendable {
    public let pid: pid_t
    /// At most this many processes in the worker's group and PID namespace; past it the host kills them all.
    public let maxProcesses: Int?
    /// What the worker runs, in messages ("job", "session").
    let kind: String
    private let stdoutFD: Int32
    private let stderrFD: Int32
    /// The read end of the worker's descriptor 3 (a session's answers), when asked for.
    private let answersFD: Int32?
    /// The write end of the worker's stdin (a session's statements), when asked for; nil once closed.
    private let input: Mutex<Int32?>

    private struct Life {
        var started = false
        var status: Int32?
        var waiters: [CheckedContinuation<Int32, Never>] = []
        var overProcessCap = false
    }
    private let life = Mutex(Life())

    /// Starts `executable` with `arguments` and exactly `environment` (nothing inherited: no
    /// variable, no descriptor but its stdin/stdout/stderr (and 3 with `answers`), no ignored or
    /// blocked signal). stdin is /dev/null, or a pipe written with `send` when `commandInput`.
    public init(executable: String, arguments: [String], environment: [String: String], maxProcesses: Int?,
                kind: String = "job", commandInput: Bool = false, answers: Bool = false) throws(WorkerLaunchError) {
        self.maxProcesses = maxProcesses
        self.kind = kind
        // Close-on-exec: a worker started in parallel must not inherit this worker's pipes
        // (it would hold them open and this worker's readers would wait for that other one to end).
        // (pipe2 is not visible from Swift's Glibc; another spawn between pipe and fcntl may still
        // inherit them, and the worker closes every inherited descriptor above 2 first thing.)
        var pipes: [[Int32]] = []
        func makePipe() throws(WorkerLaunchError) -> [Int32] {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else {
                let message = "cannot create pipes for the \(kind) worker: \(String(cString: strerror(errno)))"
                for p in pipes { close(p[0]); close(p[1]) }
                throw WorkerLaunchError(message)
            }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            pipes.append(fds)
            return fds
        }
        let outPipe = try makePipe(), errPipe = try makePipe()
        var inPipe: [Int32]?, answerPipe: [Int32]?
        if commandInput { inPipe = try makePipe() }
        if answers { answerPipe = try makePipe() }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let inPipe {
            posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        if let answerPipe { posix_spawn_file_actions_adddup2(&actions, answerPipe[1], 3) }
        // Nothing else of the host's reaches the script: PythonWorker.main closes every other
        // descriptor it inherited (the endpoint's sockets, the store's files) before anything runs.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so a timeout can stop the script and everything it started.
        // Every signal at its default disposition and none blocked, whatever the host ignores or
        // blocks (SIGPIPE, the signals a signal waiter holds): Python and the script start clean,
        // and a session's CancelStatement (SIGINT) reaches its interpreter.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv { free(p) }; for p in envp { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        // The child's ends.
        close(outPipe[1]); close(errPipe[1])
        if let inPipe { close(inPipe[0]) }
        if let answerPipe { close(answerPipe[1]) }
        guard rc == 0 else {
            close(outPipe[0]); close(errPipe[0])
            if let inPipe { close(inPipe[1]) }
            if let answerPipe { close(answerPipe[0]) }
            throw WorkerLaunchError("cannot start the \(kind) worker \(executable): \(String(cString: strerror(rc)))")
        }
        pid = child
        stdoutFD = outPipe[0]
        stderrFD = errPipe[0]
        answersFD = answerPipe?[0]
        input = Mutex(inPipe?[1])
    }

    /// Starts reading both output streams to their end on their own threads, the process-cap
    /// watchdog, and the reaper, which calls `ended` once the worker is gone and its output read.
    /// Call once; `exitStatus()` then waits for the end.
    public func start(stdout: @escaping @Sendable (Data) -> Void, stderr: @escaping @Sendable (Data) -> Void,
                      ended: @escaping @Sendable () -> Void = {}) {
        let first = life.withLock { l -> Bool in
            defer { l.started = true }
            return !l.started
        }
        guard first else { return }
        let pid = self.pid, outFD = stdoutFD, errFD = stderrFD
        if let cap = maxProcesses {
            // RLIMIT_NPROC does not bind root, so the host counts the group and the PID namespace itself.
            Thread.detachNewThread { [self] in
                while life.withLock({ $0.status == nil }) {
                    let members = WorkerLimits.processesOfWorker(pid)
                    if members.count > cap {
                        life.withLock { $0.overProcessCap = true }
                        stderr(Data("glueshim: the \(kind) had more than \(cap) processes at once (the worker's process limit, GLUESHIM_WORKER_MAX_PROCESSES); the worker and all its processes were killed\n".utf8))
                        kill(-pid, SIGKILL)
                        // Those that left the group with setsid(): the namespace's own processes.
                        for member in members where member != pid { kill(member, SIGKILL) }
                        return
                    }
                    usleep(members.count > cap / 2 ? 5_000 : 50_000)
                }
            }
        }
        let readers = DispatchGroup()
        for (fd, sink) in [(outFD, stdout), (errFD, stderr)] {
            readers.enter()
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = read(fd, &buffer, buffer.count)
                    if n > 0 { sink(Data(buffer[0..<n])); continue }
                    if n < 0 && errno == EINTR { continue }
                    break
                }
                close(fd)
                readers.leave()
            }
        }
        Thread.detachNewThread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            // Whatever the script left running goes with it, as when a Glue run ends;
            // that also closes the pipes those leftovers held open.
            kill(-pid, SIGKILL)
            closeInput()
            readers.wait()
            ended()
            let normal = (status & 0x7f) == 0
            let code = normal ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            let waiters = life.withLock { l -> [CheckedContinuation<Int32, Never>] in
                l.status = code
                defer { l.waiters = [] }
                return l.waiters
            }
            for waiter in waiters { waiter.resume(returning: code) }
        }
    }

    /// The exit status once the worker has ended and its output is read (128+signal when killed by a signal).
    public func exitStatus() async -> Int32 {
        await withCheckedContinuation { continuation in
            let done = life.withLock { l -> Int32? in
                if let status = l.status { return status }
                l.waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    /// Whether the worker has ended (and been reaped).
    public var hasEnded: Bool { life.withLock { $0.status != nil } }

    /// Reads both streams to their end, then reaps the process; returns the exit status.
    /// Cancelling the calling task kills the worker and everything it started.
    public func wait(stdout: @escaping @Sendable (Data) -> Void, stderr: @escaping @Sendable (Data) -> Void) async -> Int32 {
        start(stdout: stdout, stderr: stderr)
        return await withTaskCancellationHandler {
            await exitStatus()
        } onCancel: {
            killGroup()
        }
    }

    /// Reads the worker's descriptor 3 line by line on a thread of its own until the worker closes it.
    public func readAnswers(line: @escaping @Sendable (Data) -> Void, closed: @escaping @Sendable () -> Void) {
        guard let fd = answersFD else { closed(); return }
        Thread.detachNewThread {
            var pending = Data()
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                pending.append(contentsOf: buffer[0..<n])
                while let newline = pending.firstIndex(of: 0x0A) {
                    line(Data(pending[pending.startIndex..<newline]))
                    pending = Data(pending[pending.index(after: newline)...])
                }
            }
            close(fd)
            closed()
        }
    }

    /// Writes `data` whole to the worker's stdin; false when it is closed or the worker has gone.
    public func send(_ data: Data) -> Bool {
        input.withLock { fd -> Bool in
            guard let fd else { return false }
            return data.withUnsafeBytes { raw -> Bool in
                var offset = 0
                while offset < raw.count {
                    let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { return false }
                    offset += n
                }
                return true
            }
        }
    }

    /// Closes the worker's stdin (it reads end of file).
    public func closeInput() {
        input.withLock { fd in
            if let open = fd { close(open); fd = nil }
        }
    }

    /// Whether the host killed the worker because it passed the process cap.
    public var exceededProcessCap: Bool { life.withLock { $0.overProcessCap } }

    /// Sends `signal` to the worker process alone (its init passes it on to the script).
    public func signal(_ signal: Int32) {
        guard !hasEnded else { return }
        kill(pid, signal)
    }

    /// Kills the worker and every process it started, also those that left its group with `setsid()`.
    public func killGroup() {
        guard !hasEnded else { return }
        let members = WorkerLimits.processesOfWorker(pid)
        kill(-pid, SIGKILL)
        for member in members where member != pid { kill(member, SIGKILL) }
    }
}
