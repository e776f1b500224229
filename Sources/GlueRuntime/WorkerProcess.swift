import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process in its own process group, its stdout and stderr read as they come.
final class WorkerProcess: @unchecked Sendable {
    let pid: pid_t
    private let stdoutFD: Int32
    private let stderrFD: Int32

    /// Starts `executable` with `arguments` and exactly `environment` (nothing inherited).
    init(executable: String, arguments: [String], environment: [String: String]) throws(RunError) {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw RunError.local("cannot create pipes for the worker: errno \(errno)") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in [outPipe[0], outPipe[1], errPipe[0], errPipe[1]] { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so a timeout can stop the script and everything it started.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

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
                // Whatever the script left running goes with it, as when a Glue run ends;
                // that also closes the pipes those leftovers held open.
                kill(-pid, SIGKILL)
                group.wait()
                let exited = (status & 0x7f) == 0
                continuation.resume(returning: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f))
            }
        }
    }

    /// Kills the worker and every process it started.
    func killGroup() {
        kill(-pid, SIGKILL)
    }
}
