import CPython
import Foundation

/// The failure to build the private /tmp, with its cause and what to do about it.
public struct SandboxError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The private /tmp: a new mount namespace whose / is private (nothing propagates back to the host),
/// with the run folder bind-mounted on /tmp. Every way a script writes (open, tempfile, subprocess,
/// C code through ctypes) lands in the run folder, and listing /tmp shows only the run's files.
/// As non-root it needs a user namespace; where the kernel refuses, it throws (it never falls back
/// to the host's /tmp). Must be called before any thread starts: unshare fails in a threaded process.
public enum TmpSandbox {
    public static func isolate(hostDirectory: String) throws(SandboxError) {
        let source = URL(fileURLWithPath: hostDirectory).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SandboxError("glueshim: cannot isolate /tmp: the run folder \(source) does not exist; create it before starting the worker")
        }
        if let threads = threadCount(), threads > 1 {
            throw SandboxError(
                "glueshim: cannot isolate /tmp: the worker already runs \(threads) threads and unshare needs a single-threaded process; call TmpSandbox.isolate before starting any thread")
        }
        let uid = getuid()
        let gid = getgid()
        if geteuid() == 0, glueshim_unshare_mount_ns(0) == 0 {
            // root (with CAP_SYS_ADMIN): a mount namespace alone is enough.
        } else {
            let rootError = geteuid() == 0 ? errno : 0
            guard glueshim_unshare_mount_ns(1) == 0 else {
                throw SandboxError(unshareFailure(errno: errno, rootErrno: rootError))
            }
            // Map our own ids 1:1 so files the job writes belong to the user who started glueshim.
            do {
                try write("deny", to: "/proc/self/setgroups")
                try write("\(uid) \(uid) 1\n", to: "/proc/self/uid_map")
                try write("\(gid) \(gid) 1\n", to: "/proc/self/gid_map")
            } catch {
                throw SandboxError(
                    "glueshim: cannot isolate /tmp: writing the user namespace id maps failed (\(error.description)); the kernel or a security module restricts user namespaces, run glueshim as root or allow unprivileged user namespaces")
            }
        }
        // Private recursively first: the bind mount below must not propagate to the host's /tmp.
        guard glueshim_make_root_private() == 0 else {
            throw SandboxError("glueshim: cannot isolate /tmp: making / private in the new mount namespace failed (\(errnoText())); the container forbids mount changes, run glueshim with CAP_SYS_ADMIN or without a restrictive seccomp profile")
        }
        guard glueshim_bind_mount(source, "/tmp") == 0 else {
            throw SandboxError("glueshim: cannot isolate /tmp: bind-mounting \(source) on /tmp failed (\(errnoText())); check that /tmp exists and that the run folder is readable")
        }
        // Everything else read-only. As root this must hold; in a user namespace some mounts keep
        // flags the kernel locks, so what cannot be changed there is left as it is.
        let stillWritable = ReadOnlyMounts.apply()
        if geteuid() == 0 && uid == 0, stillWritable.contains(where: { $0.hasPrefix("/ ") }) {
            throw SandboxError("glueshim: cannot make the host's file systems read-only for the job (\(stillWritable.joined(separator: ", "))); refusing to run the script with the host writable")
        }
        // A working directory inside the old /tmp would still see the host's files.
        _ = chdir("/")
    }

    private static func unshareFailure(errno code: Int32, rootErrno: Int32) -> String {
        let cause = String(cString: strerror(code))
        if code == EINVAL {
            return "glueshim: cannot isolate /tmp: unshare refused (\(cause)), most likely because the process already has threads; call TmpSandbox.isolate first thing in the worker"
        }
        if code == EPERM || code == ENOSPC || code == EUSERS {
            var hint = "allow unprivileged user namespaces (`sysctl -w kernel.unprivileged_userns_clone=1`, on Ubuntu also `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`; in a container, run it with a seccomp profile that permits unshare) or run glueshim as root"
            if let limit = try? String(contentsOfFile: "/proc/sys/user/max_user_namespaces", encoding: .utf8),
                limit.trimmingCharacters(in: .whitespacesAndNewlines) == "0"
            {
                hint = "user namespaces are disabled (user.max_user_namespaces = 0): `sysctl -w user.max_user_namespaces=10000`, or run glueshim as root"
            }
            let asRoot = rootErrno != 0 ? " (as root, a plain mount namespace failed too: \(String(cString: strerror(rootErrno))))" : ""
            return "glueshim: cannot isolate /tmp: the kernel refuses a user namespace (\(cause))\(asRoot); \(hint)"
        }
        return "glueshim: cannot isolate /tmp: unshare failed (\(cause)); run glueshim as root or allow user namespaces"
    }

    private static func threadCount() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("Threads:") {
            return Int(line.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    private static func write(_ text: String, to path: String) throws(SandboxError) {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { throw SandboxError("\(path): \(errnoText())") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else {
            throw SandboxError("\(path): \(errnoText())")
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
