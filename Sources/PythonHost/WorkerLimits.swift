import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The resource limits of one worker: applied in the worker before the interpreter starts
/// (`apply()`), and the process cap also watched by the host (RLIMIT_NPROC does not bind root).
///
/// Defaults fit boto3 jobs (a Glue Python shell job gets 1 GB with 0.0625 DPU, 16 GB with 1 DPU):
/// - memory: 8 GiB of address space, or 3/4 of the machine's memory if that is less
///   (`GLUESHIM_WORKER_MEMORY_MB`); address space, not resident memory, because that is what
///   RLIMIT_AS bounds: glibc reserves 64 MiB per malloc arena and 8 MiB per thread stack.
/// - file size: 16 GiB for any one file the job writes (`GLUESHIM_WORKER_MAX_FILE_MB`).
/// - processes: 512 in the worker's process group and PID namespace (`GLUESHIM_WORKER_MAX_PROCESSES`).
/// A value of 0 in a variable turns that limit off.
public struct WorkerLimits: Codable, Sendable, Hashable {
    /// RLIMIT_AS in bytes; nil = unlimited.
    public var memoryBytes: UInt64?
    /// RLIMIT_FSIZE in bytes; nil = unlimited.
    public var maxFileBytes: UInt64?
    /// Processes the job may have at once (the worker included); nil = unlimited.
    public var maxProcesses: Int?

    public init(memoryBytes: UInt64?, maxFileBytes: UInt64?, maxProcesses: Int?) {
        self.memoryBytes = memoryBytes
        self.maxFileBytes = maxFileBytes
        self.maxProcesses = maxProcesses
    }

    static let mebibyte: UInt64 = 1 << 20

    public static var defaultMemoryBytes: UInt64 {
        let eightGiB: UInt64 = 8 << 30
        let physical = ProcessInfo.processInfo.physicalMemory
        return physical > 0 ? min(eightGiB, physical / 4 * 3) : eightGiB
    }
    public static let defaultMaxFileBytes: UInt64 = 16 << 30
    public static let defaultMaxProcesses = 512

    /// The defaults, with no variable applied.
    public static var standard: WorkerLimits {
        WorkerLimits(memoryBytes: defaultMemoryBytes, maxFileBytes: defaultMaxFileBytes, maxProcesses: defaultMaxProcesses)
    }

    /// The defaults, each overridden by its variable in `environment` (the host's, read by the command line).
    public static func fromEnvironment(_ environment: [String: String]) -> WorkerLimits {
        func megabytes(_ name: String, _ fallback: UInt64) -> UInt64? {
            guard let text = environment[name], let value = UInt64(text.trimmingCharacters(in: .whitespaces)) else { return fallback }
            return value == 0 ? nil : value * mebibyte
        }
        var processes: Int? = defaultMaxProcesses
        if let text = environment["GLUESHIM_WORKER_MAX_PROCESSES"], let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= 0 {
            processes = value == 0 ? nil : value
        }
        return WorkerLimits(
            memoryBytes: megabytes("GLUESHIM_WORKER_MEMORY_MB", defaultMemoryBytes),
            maxFileBytes: megabytes("GLUESHIM_WORKER_MAX_FILE_MB", defaultMaxFileBytes),
            maxProcesses: processes)
    }

    /// Sets the limits on the calling process (the worker, before the script runs); its children inherit them.
    /// Only lowers: a limit already below the requested one stays. Returns the failures, if any, as text.
    @discardableResult
    public func apply() -> [String] {
        var failures: [String] = []
        func lower(_ resource: __rlimit_resource_t, _ name: String, to value: UInt64) {
            var current = rlimit()
            guard getrlimit(resource, &current) == 0 else { failures.append("\(name): getrlimit: \(String(cString: strerror(errno)))"); return }
            let soft = min(rlim_t(value), current.rlim_cur)
            let hard = min(rlim_t(value), current.rlim_max)
            var wanted = rlimit(rlim_cur: soft, rlim_max: hard)
            if setrlimit(resource, &wanted) != 0 {
                failures.append("\(name): setrlimit: \(String(cString: strerror(errno)))")
            }
        }
        lower(__rlimit_resource_t(RLIMIT_CORE.rawValue), "RLIMIT_CORE", to: 0)
        if let memoryBytes { lower(__rlimit_resource_t(RLIMIT_AS.rawValue), "RLIMIT_AS", to: memoryBytes) }
        if let maxFileBytes {
            lower(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), "RLIMIT_FSIZE", to: maxFileBytes)
            // An oversized write then fails with EFBIG (OSError in Python) instead of killing the worker.
            signal(SIGXFSZ, SIG_IGN)
        }
        if let maxProcesses, getuid() != 0 {
            // RLIMIT_NPROC counts every process of the real user, so the cap is on top of those already running.
            lower(__rlimit_resource_t(__RLIMIT_NPROC.rawValue), "RLIMIT_NPROC", to: UInt64(Self.processCount(uid: getuid()) + maxProcesses))
        }
        return failures
    }

    /// Processes whose real user is `uid`, from /proc.
    static func processCount(uid: uid_t) -> Int {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        var count = 0
        for entry in entries where entry.first?.isNumber == true {
            var info = stat()
            if stat("/proc/\(entry)", &info) == 0, info.st_uid == uid { count += 1 }
        }
        return count
    }

    /// Every process of a worker: its process group, and every process in the PID namespace it made for
    /// its children (a process that left the group with `setsid()` is still in the namespace). One pass
    /// over /proc.
    public static func processesOfWorker(_ worker: pid_t) -> Set<pid_t> {
        // Before the worker has made its namespace, its children's namespace is the host's: count the group only.
        let namespace = link("/proc/\(worker)/ns/pid_for_children").flatMap { $0 == link("/proc/self/ns/pid") ? nil : $0 }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var members = Set<pid_t>()
        var buffer = [UInt8](repeating: 0, count: 1024)
        for entry in entries {
            guard let pid = pid_t(entry) else { continue }
            if processGroup(entry, buffer: &buffer) == worker { members.insert(pid); continue }
            if let namespace, link("/proc/\(entry)/ns/pid") == namespace { members.insert(pid) }
        }
        return members
    }

    private static func link(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 128)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The processes now in process group `group`, from /proc.
    public static func processesInGroup(_ group: pid_t) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var buffer = [UInt8](repeating: 0, count: 1024)
        return entries.compactMap { entry in
            guard let pid = pid_t(entry), processGroup(entry, buffer: &buffer) == group else { return nil }
            return pid
        }
    }

    /// The process group of /proc/`entry` (the 5th field of its stat), nil when it is gone.
    private static func processGroup(_ entry: String, buffer: inout [UInt8]) -> pid_t? {
        let fd = open("/proc/\(entry)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        let n = read(fd, &buffer, buffer.count)
        close(fd)
        guard n > 0 else { return nil }
        // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
        guard let end = buffer[0..<n].lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = buffer[(end + 1)..<n].split(separator: UInt8(ascii: " "))
        guard fields.count > 2 else { return nil }
        return pid_t(String(decoding: fields[2], as: UTF8.self))
    }
}
