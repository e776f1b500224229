import Foundation

/// glueshim's own Python files (awsglue, the host guard) copied from the resource bundle into the cache,
/// in a folder named by a hash of their contents: a new glueshim build gets a new folder, while running
/// workers keep reading the one they started with.
enum SupportFolder {
    static func install(from bundle: String, cache: String) throws(PythonEnvironmentError) -> String {
        let files = FileManager.default
        let sources = pythonFiles(in: bundle)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: only needs to tell versions apart
        for (relative, contents) in sources {
            for byte in Array(relative.utf8) + [0] + contents + [0] {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
        }
        let target = cache + "/support-" + String(hash, radix: 16)
        if files.fileExists(atPath: target + "/awsglue/utils.py") { return target }

        let staging = cache + "/.support-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? files.removeItem(atPath: staging) }
        do {
            for (relative, contents) in sources {
                let path = staging + "/" + relative
                try files.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(contents).write(to: URL(fileURLWithPath: path))
            }
        } catch {
            throw PythonEnvironmentError("glueshim: cannot copy the awsglue support files into \(cache) (\(error.localizedDescription)); make it writable or set GLUESHIM_CACHE")
        }
        // Losing the race to another process is fine: its folder has the same contents.
        if rename(staging, target) != 0, !files.fileExists(atPath: target + "/awsglue/utils.py") {
            throw PythonEnvironmentError("glueshim: cannot move the support files into \(target) (\(String(cString: strerror(errno)))); delete it and retry")
        }
        return target
    }

    /// Every .py file under `root`, sorted by relative path.
    private static func pythonFiles(in root: String) -> [(String, [UInt8])] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var result: [(String, [UInt8])] = []
        while let relative = enumerator.nextObject() as? String {
            guard relative.hasSuffix(".py"), !relative.contains("__pycache__"),
                let data = FileManager.default.contents(atPath: root + "/" + relative)
            else { continue }
            result.append((relative, Array(data)))
        }
        return result.sorted { $0.0 < $1.0 }
    }
}
