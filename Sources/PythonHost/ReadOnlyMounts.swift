import CPython
import Foundation

/// Makes every mount of the worker's mount namespace read-only except the run's `/tmp` and the
/// kernel's own file systems (`/dev`, `/proc`, `/sys`), so a script cannot write into the
/// repository, `$HOME` or anywhere else on the host by absolute path.
enum ReadOnlyMounts {
    /// Called after the run folder is bound on /tmp (a bind made afterwards would inherit read-only).
    /// Returns the mount points that could not be made read-only.
    static func apply() -> [String] {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return ["/proc/self/mountinfo unreadable"] }
        var failed: [String] = []
        // Deepest first is not needed for bind remounts; each mount is changed on its own.
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count > 5 else { continue }
            let point = unescape(String(fields[4]))
            if point == "/tmp" || point.hasPrefix("/tmp/") || point == "/dev" || point.hasPrefix("/dev/")
                || point == "/proc" || point.hasPrefix("/proc/") || point == "/sys" || point.hasPrefix("/sys/") { continue }
            let options = fields[5].split(separator: ",")
            if options.contains("ro") { continue }
            var kept: UInt = 0
            for option in options {
                switch option {
                case "nosuid": kept |= 2
                case "nodev": kept |= 4
                case "noexec": kept |= 8
                case "noatime": kept |= 1024
                case "nodiratime": kept |= 2048
                case "relatime": kept |= 1 << 21
                case "strictatime": kept |= 1 << 24
                default: break
                }
            }
            if glueshim_remount_read_only(point, kept) != 0 { failed.append("\(point) (\(String(cString: strerror(errno))))") }
        }
        return failed
    }

    /// mountinfo escapes space, tab, newline and backslash as octal (`\040`).
    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = ""
        var chars = Array(s)
        var i = 0
        while i < chars.count {
            if chars[i] == "\\", i + 3 < chars.count, let code = UInt8(String(chars[(i + 1)...(i + 3)]), radix: 8) {
                out.append(Character(Unicode.Scalar(code)))
                i += 4
            } else {
                out.append(chars[i])
                i += 1
            }
        }
        chars.removeAll()
        return out
    }
}
