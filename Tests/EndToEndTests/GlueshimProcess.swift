import Foundation

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The built `glueshim` binary, next to the test bundle.
let glueshimBinary: URL = {
    let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [bundleDir, bundleDir.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("glueshim")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return repoRoot.appendingPathComponent(".build/debug/glueshim")
}()

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `glueshim` with arguments from the repository root, as a user would.
func glueshim(_ arguments: [String], cwd: URL = repoRoot, environment: [String: String] = [:]) throws -> ProcessResult {
    let process = Process()
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    process.executableURL = glueshimBinary
    process.arguments = arguments
    process.currentDirectoryURL = cwd
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes while the process runs so neither fills up.
    let group = DispatchGroup()
    nonisolated(unsafe) var outData = Data(), errData = Data()
    group.enter(); DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter(); DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    process.waitUntilExit()
    group.wait()
    return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

/// A fresh folder for run folders.
func temporaryFolder(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-\(name)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The one run folder a run left in `runs`.
func onlyRun(in runs: URL) throws -> URL {
    let names = try FileManager.default.contentsOfDirectory(atPath: runs.path).filter { $0.hasPrefix("jr_") }
    guard names.count == 1 else { throw CocoaError(.fileNoSuchFile) }
    return runs.appendingPathComponent(names[0])
}

func runRecord(_ folder: URL) throws -> [String: Any] {
    let data = try Data(contentsOf: folder.appendingPathComponent("run.json"))
    return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
}

func events(_ folder: URL) throws -> [[String: Any]] {
    let text = try String(contentsOf: folder.appendingPathComponent("events.jsonl"), encoding: .utf8)
    return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}

/// A copy of the default world with `replace` applied to world.yaml, in a folder of its own.
func worldVariant(_ replace: (String) -> String) throws -> URL {
    let folder = temporaryFolder("world")
    for item in ["policies", "data"] {
        try FileManager.default.copyItem(at: repoRoot.appendingPathComponent("sandbox/\(item)"), to: folder.appendingPathComponent(item))
    }
    let text = try String(contentsOf: repoRoot.appendingPathComponent("sandbox/world.yaml"), encoding: .utf8)
    let file = folder.appendingPathComponent("world.yaml")
    try replace(text).write(to: file, atomically: true, encoding: .utf8)
    return file
}
