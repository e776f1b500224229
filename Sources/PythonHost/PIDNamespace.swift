import CPython
import Foundation

/// Puts the script in a PID namespace of its own with its own /proc, so it cannot read the
/// host's or any other process's `/proc/PID/environ` (the user's AWS keys may be there).
///
/// `unshare(CLONE_NEWPID)` applies to the caller's next child, so the worker forks: the child is
/// the namespace's first process (its init), which mounts the new /proc and forks again; the
/// grandchild runs the script. The script is not PID 1, so signals and `abort()` behave for it as
/// on any host; the init passes signals on, reaps orphans, and when the script ends, ends the
/// namespace (every process left in it is killed). The outer parent waits and exits with the
/// script's status.
enum PIDNamespace {
    /// Returns in the child; the parent never returns.
    static func enter() throws(SandboxError) {
        guard glueshim_unshare_pid_ns() == 0 else {
            throw SandboxError("glueshim: cannot create a PID namespace for the job (\(String(cString: strerror(errno)))); the job's private /proc needs unshare(CLONE_NEWPID), which this kernel or container refuses")
        }
        let child = glueshim_fork()
        if child < 0 {
            throw SandboxError("glueshim: cannot start the job's first process (\(String(cString: strerror(errno))))")
        }
        if child == 0 {
            guard glueshim_mount_proc() == 0 else {
                throw SandboxError("glueshim: cannot mount the job's own /proc (\(String(cString: strerror(errno)))); refusing to run the script with the host's /proc visible")
            }
            let script = glueshim_fork()
            if script < 0 {
                throw SandboxError("glueshim: cannot start the job's process (\(String(cString: strerror(errno))))")
            }
            if script == 0 { return }
            glueshim_forward_signals_to(script)
            var status: Int32 = 0
            while true {
                var reaped: Int32 = 0
                let pid = waitpid(-1, &reaped, 0)
                if pid == script { status = reaped; break }
                if pid < 0 && errno != EINTR { break }
            }
            exitWithStatus(of: status)
        }
        glueshim_forward_signals_to(child)
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        exitWithStatus(of: status)
    }

    /// A script killed by a signal reads to the host as 128 + the signal, as a shell reports it.
    private static func exitWithStatus(of status: Int32) -> Never {
        fflush(nil)
        let signaled = status & 0x7f
        _exit(signaled == 0 ? (status >> 8) & 0xff : 128 + signaled)
    }
}
