import Foundation

/// Runs a script in this process's interpreter (initialized once per process, never finalized) and maps
/// its outcome to an exit status the way Glue's python does: normal end or sys.exit()/sys.exit(None)/
/// sys.exit(0) -> 0; sys.exit(n) -> n; sys.exit("msg") -> msg on stderr, 1; uncaught exception ->
/// traceback on stderr, 1 (2 for a GlueArgumentError, as Glue reports a missing required argument).
/// Runs are serialized: `sys.argv`, `sys.path` and the working directory belong to the whole process.
public enum ScriptRunner {
    /// Status for a failure of glueshim itself before the script ran.
    public static let setupFailureStatus: Int32 = 2

    public static func run(_ spec: WorkerSpec) -> Int32 {
        do {
            // In a worker the interpreter is already up (with signal handlers); elsewhere (tests, tools)
            // start it here without taking over the host's signals.
            try PythonInterpreter.start(
                executable: spec.pythonExecutable, argv: spec.argv, installSignalHandlers: false)
        } catch {
            writeStandardError(error.description)
            return setupFailureStatus
        }
        guard let data = try? JSONEncoder().encode(spec), let json = String(data: data, encoding: .utf8),
            let status = PythonInterpreter.callRunner("run", json)
        else {
            writeStandardError("glueshim: the runner failed before the script ran (a bug in glueshim)")
            return setupFailureStatus
        }
        return Int32(truncatingIfNeeded: status)
    }

    /// Waits for the script's non-daemon threads, runs its atexit handlers and flushes, as the
    /// interpreter's own shutdown would. For a process that exits right after the script.
    static func finish() {
        _ = PythonInterpreter.callRunner("finish", "")
    }
}
