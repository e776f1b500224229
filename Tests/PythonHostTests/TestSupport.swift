import Foundation
import Testing
@testable import PythonHost

/// Tests that run Python in this test process share one interpreter and the process's fd 2 and
/// working directory, so they all live under this serialized suite.
@Suite(.serialized) struct InProcessPython {}

/// A fresh folder for one test, removed by the caller when it is done.
func makeTemporaryFolder(_ label: String = "glueshim-test") -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `source` as a script in a new folder and runs it in-process; returns the status, what the script
/// wrote to `RESULT` (a JSON file whose path is the script's last argument) and what went to stderr.
struct ScriptRun {
    var status: Int32
    var result: Any?
    var stderr: String
}

func runScript(
    _ source: String, arguments: [String] = [], modulePaths: [String]? = nil,
    pythonExecutable: String = "/usr/bin/python3", blockedHostSuffixes: [String] = []
) -> ScriptRun {
    let folder = makeTemporaryFolder("glueshim-script")
    defer { try? FileManager.default.removeItem(at: folder) }
    let script = folder.appendingPathComponent("job.py").path
    let resultPath = folder.appendingPathComponent("result.json").path
    let prelude = "import json as _json, sys as _sys\nRESULT = \(pythonString(resultPath))\n"
        + "def emit(value):\n    _json.dump(value, open(RESULT, 'w'))\n"
    try! (prelude + source).write(toFile: script, atomically: true, encoding: .utf8)
    let spec = WorkerSpec(
        scriptPath: script, argv: [script] + arguments,
        modulePaths: modulePaths ?? [PythonEnvironment.bundledSupportFolder],
        pythonExecutable: pythonExecutable, sandboxTmp: nil, workingDirectory: folder.path,
        blockedHostSuffixes: blockedHostSuffixes)
    let cwd = FileManager.default.currentDirectoryPath
    defer { _ = FileManager.default.changeCurrentDirectoryPath(cwd) }
    var status: Int32 = -1
    let stderr = captureStandardError { status = ScriptRunner.run(spec) }
    let result = FileManager.default.contents(atPath: resultPath).flatMap {
        try? JSONSerialization.jsonObject(with: $0, options: [.fragmentsAllowed])
    }
    return ScriptRun(status: status, result: result, stderr: stderr)
}

func pythonString(_ text: String) -> String {
    let data = try! JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
    return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
}

/// Points fd 2 at a file while `body` runs (the script's stderr is the process's), then restores it.
func captureStandardError(_ body: () -> Void) -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)").path
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
    let saved = dup(2)
    dup2(fd, 2)
    body()
    dup2(saved, 2)
    close(saved)
    close(fd)
    defer { unlink(path) }
    return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}
