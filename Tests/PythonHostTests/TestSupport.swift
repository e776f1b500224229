import Foundation
import TestSupport
import Testing
@testable import PythonHost

/// Tests that run Python in this test process share one interpreter and the process's fd 2 and
/// working directory, so they all live under this serialized suite.
@Suite(.serialized) struct InProcessPython {}

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
    let folder = temporaryFolder("script")
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
    let outcome = runInWorker(spec)
    let status = outcome.status, stderr = outcome.stderr
    let result = FileManager.default.contents(atPath: resultPath).flatMap {
        try? JSONSerialization.jsonObject(with: $0, options: [.fragmentsAllowed])
    }
    return ScriptRun(status: status, result: result, stderr: stderr)
}

func pythonString(_ text: String) -> String {
    let data = try! JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
    return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
}

/// Runs a spec in a worker process (`glueshim __worker SPEC.json`). A script's stderr is its
/// process's fd 2; capturing it inside the test process would also capture the test runner's
/// own output from tests running in parallel, so scripts always run in a child process.
func runInWorker(_ spec: WorkerSpec) -> ProcessOutput {
    guard let binary = WorkerProcessTests.glueshim else {
        return ProcessOutput(status: -1, stdout: "", stderr: "glueshim executable not found next to the test bundle; run `swift build` first")
    }
    let folder = temporaryFolder("spec")
    defer { try? FileManager.default.removeItem(at: folder) }
    let specFile = folder.appendingPathComponent("spec.json")
    do {
        try JSONEncoder().encode(spec).write(to: specFile)
        return try WorkerProcessTests.run(binary, [PythonWorker.commandName, specFile.path])
    } catch {
        return ProcessOutput(status: -1, stdout: "", stderr: "cannot start the worker: \(error)")
    }
}
