import Foundation
import PythonHost
#if canImport(Glibc)
import Glibc
#endif

/// A child process in its own process group, its stdout and stderr read as they come.
final class WorkerProcess: @unchecked Sendable {
    let pid: pid_t
    private let stdoutFD: Int32
    private let stderrFD: Int32
    /// At most this many processes in the worker's group; past it the host kills the group.
    let maxProcesses: Int?
    /// Set by the watchdog when it killed the group for too many processes.
    private let overProcessCap = TimeoutFlag()

    /// Starts `executable` with `arguments` and exactly `environment` (nothing inherited: no
    /// variable, no file descriptor but its stdin/stdout/stderr, no ignored or blocked signal).
    init(executable: String, arguments: [String], environment: [String: String],
         maxProcesses: Int? = WorkerLimits.fromEnvironment().maxProcesses) throws(RunError) {
        self.maxProcesses = maxProcesses
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        // Close-on-exec: a worker started in parallel must not inherit this worker's pipes
        // (it would hold them open and this run's readers would wait for that other run to end).
        // (pipe2 is not visible from Swift's Glibc; another spawn between pipe and fcntl may still
        // inherit them, and the worker closes every inherited descriptor above 2 first thing.)
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw RunError.local("cannot create pipes for the worker: errno \(errno)") }
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        // Nothing else of the host's reaches the script: PythonWorker.main closes every other
        // descriptor it inherited (the endpoint's sockets, the store's files) before anything runs.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so a timeout can stop the script and everything it started.
        // Every signal at its default disposition and none blocked, whatever the host ignores or
        // blocks (SIGPIPE, the signals a signal waiter holds): Python and the script start clean.
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
        close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0]); close(errPipe[0])
            throw RunError.local("cannot start the worker process \(executable): \(String(cString: strerror(rc)))")
        }
        pid = child
        stdoutFD = outPipe[0]
        stderrFD = errPipe[0]
    }

    /// Reads both streams to their end on their own threads, then reaps the process.
    /// Returns the exit status (128+signal when killed by a signal).
    func wait(stdout: @escaping @Sendable (Data) -> Void, stderr: @escaping @Sendable (Data) -> Void) async -> Int32 {
        let pid = self.pid, outFD = stdoutFD, errFD = stderrFD
        let exited = TimeoutFlag()
        if let cap = maxProcesses {
            // RLIMIT_NPROC does not bind root, so the host counts the group and the PID namespace itself.
            let over = overProcessCap
            Thread.detachNewThread {
                while !exited.isSet {
                    let members = WorkerLimits.processesOfWorker(pid)
                    if members.count > cap {
                        over.set()
                        stderr(Data("glueshim: the job had more than \(cap) processes at once (the worker's process limit, GLUESHIM_WORKER_MAX_PROCESSES); the worker and all its processes were killed\n".utf8))
                        kill(-pid, SIGKILL)
                        // Those that left the group with setsid(): the namespace's own processes.
                        for member in members where member != pid { kill(member, SIGKILL) }
                        return
                    }
                    usleep(members.count > cap / 2 ? 5_000 : 50_000)
                }
            }
        }
        return await withCheckedContinuation { continuation in
            let group = DispatchGroup()
            for (fd, sink) in [(outFD, stdout), (errFD, stderr)] {
                group.enter()
                Thread.detachNewThread {
                    var buffer = [UInt8](repeating: 0, count: 65536)
                    while true {
                        let n = read(fd, &buffer, buffer.count)
                        if n > 0 { sink(Data(buffer[0..<n])); continue }
                        if n < 0 && errno == EINTR { continue }
                        break
                    }
                    close(fd)
                    group.leave()
                }
            }
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                exited.set()
                // Whatever the script left running goes with it, as when a Glue run ends;
                // that also closes the pipes those leftovers held open.
                kill(-pid, SIGKILL)
                group.wait()
                let normal = (status & 0x7f) == 0
                continuation.resume(returning: normal ? (status >> 8) & 0xff : 128 + (status & 0x7f))
            }
        }
    }

    /// Whether the host killed the worker because its group passed the process cap.
    var exceededProcessCap: Bool { overProcessCap.isSet }

    /// Kills the worker and every process it started.
    func killGroup() {
        kill(-pid, SIGKILL)
    }
}
