import Crypto
import Foundation
import PythonHost

/// `--additional-python-modules`: the listed packages installed with pip into a cached layer
/// of their own (one per module set), added to the job's `sys.path`. Installed once, with pip's
/// progress shown; later runs with the same set reuse the layer without the network.
enum ModuleLayer {
    static func install(_ spec: String, environment: PythonEnvironment, cache cacheFolder: String, progress: @Sendable (String) -> Void) throws(RunError) -> String {
        let modules = spec.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.sorted()
        guard !modules.isEmpty else { throw .input("--additional-python-modules is empty") }
        for module in modules where module.hasPrefix("-") || module.contains(" ") {
            throw .input("--additional-python-modules: '\(module)' is not a package name or requirement")
        }
        let key = SHA256.hash(data: Data(modules.joined(separator: "\n").utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        let cache = URL(fileURLWithPath: cacheFolder).appendingPathComponent("modules")
        let layer = cache.appendingPathComponent("layer-\(key)")
        if FileManager.default.fileExists(atPath: layer.appendingPathComponent(".complete").path) { return layer.path }

        let building = cache.appendingPathComponent(".building-\(key)-\(getpid())")
        try? FileManager.default.removeItem(at: building)
        do { try FileManager.default.createDirectory(at: building, withIntermediateDirectories: true) } catch {
            throw .local("cannot create \(building.path): \(error.localizedDescription)")
        }
        progress("Installing --additional-python-modules \(modules.joined(separator: ", ")) into \(layer.path) (once; later runs reuse it)")
        let pip = Process()
        pip.executableURL = URL(fileURLWithPath: environment.pythonExecutable)
        pip.arguments = ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--target", building.path] + modules
        let output = Pipe()
        pip.standardOutput = output
        pip.standardError = output
        do { try pip.run() } catch { throw .local("cannot start pip: \(error.localizedDescription)") }
        var log = ""
        let handle = output.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            let text = String(decoding: chunk, as: UTF8.self)
            log += text
            for line in text.split(separator: "\n") { progress("  " + line) }
        }
        pip.waitUntilExit()
        guard pip.terminationStatus == 0 else {
            try? FileManager.default.removeItem(at: building)
            let last = log.split(separator: "\n").last.map(String.init) ?? "pip failed"
            throw .input("--additional-python-modules: pip could not install \(modules.joined(separator: ", ")): \(last)")
        }
        _ = FileManager.default.createFile(atPath: building.appendingPathComponent(".complete").path, contents: Data(modules.joined(separator: "\n").utf8))
        try? FileManager.default.removeItem(at: layer)
        do { try FileManager.default.moveItem(at: building, to: layer) } catch {
            throw .local("cannot move the module layer into place: \(error.localizedDescription)")
        }
        return layer.path
    }
}
