import Foundation

/// The worker process (`glueshim __worker SPEC.json`): one job script, one interpreter, then exit.
public enum PythonWorker {
    public static let commandName = "__worker"

    /// Entry point of the worker process: reads the spec, isolates /tmp (before any thread starts),
    /// starts the interpreter, runs the script as __main__, flushes, and exits with the script's status.
    /// A sandbox/spec/interpreter failure before the script ran exits 2 with one "glueshim: ..." line.
    public static func main(arguments: [String]) -> Never {
        let spec: WorkerSpec
        do {
            spec = try readSpec(arguments)
        } catch {
            fail(error.description)
        }
        closeInheritedDescriptors(keeping: Set(spec.keepDescriptors ?? []))
        if let folder = spec.sandboxTmp {
            do throws(SandboxError) {
                try TmpSandbox.isolate(hostDirectory: folder)
                try PIDNamespace.enter()
            } catch {
                fail(error.description)
            }
        }
        // Checked after the sandbox: anything the host keeps under /tmp is hidden from here on.
        for path in spec.modulePaths where !FileManager.default.fileExists(atPath: path) {
            let hint = spec.sandboxTmp != nil && (path == "/tmp" || path.hasPrefix("/tmp/"))
                ? "it lies under /tmp, which the sandbox replaces: keep the cache outside /tmp (set GLUESHIM_CACHE)"
                : "provision the environment again (PythonEnvironment.provision)"
            fail("glueshim: module path \(path) does not exist in the worker; \(hint)")
        }
        // Limits before the interpreter: everything the script does, and every process it starts, is bounded.
        if let limits = spec.limits {
            let failures = limits.apply()
            if !failures.isEmpty {
                fail("glueshim: cannot set the worker's resource limits (\(failures.joined(separator: "; "))); the host's own hard limits may be lower, or the kernel refuses them")
            }
        }
        do {
            try PythonInterpreter.start(
                executable: spec.pythonExecutable, argv: spec.argv, installSignalHandlers: true)
        } catch {
            fail(error.description)
        }
        let status = ScriptRunner.run(spec)
        ScriptRunner.finish()
        fflush(nil)  // Swift's print buffers, if anything printed
        // _exit, not exit: Py_FinalizeEx after boto3 costs 100+ ms and the script's shutdown work is done.
        _exit(status)
    }

    /// Closes every descriptor above stderr: whatever the host had open without close-on-exec
    /// (sockets, store files, another run's pipes) must not reach the script.
    static func closeInheritedDescriptors(keeping kept: Set<Int32>) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for name in names { if let fd = Int32(name), fd > 2, !kept.contains(fd) { close(fd) } }
    }

    private struct SpecError: Error, CustomStringConvertible { var description: String }

    private static func readSpec(_ arguments: [String]) throws(SpecError) -> WorkerSpec {
        guard arguments.count == 1, let path = arguments.first else {
            throw SpecError(description: "glueshim: the worker takes exactly one argument, the spec file (`glueshim \(commandName) SPEC.json`); it is started by glueshim itself")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SpecError(description: "glueshim: cannot read the worker spec \(path) (\(error.localizedDescription)); it is written by the host before the worker starts")
        }
        do {
            return try JSONDecoder().decode(WorkerSpec.self, from: data)
        } catch {
            throw SpecError(description: "glueshim: the worker spec \(path) is not valid (\(error)); the host and worker must be the same glueshim build")
        }
    }

    private static func fail(_ message: String) -> Never {
        fflush(nil)
        writeStandardError(message.replacingOccurrences(of: "\n", with: " "))
        _exit(ScriptRunner.setupFailureStatus)
    }
}
