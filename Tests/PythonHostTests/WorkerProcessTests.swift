import Foundation
import Synchronization
import TestSupport
import Testing
@testable import PythonHost

/// The worker as the host starts it: `glueshim __worker SPEC.json`, a separate process with a private /tmp.
/// Needs the glueshim executable built next to this test bundle (`swift build` builds it).
@Suite struct WorkerProcessTests {
    /// .build/<config>/glueshim: the resource bundle of PythonHost sits in the same folder.
    static let glueshim: String? = builtGlueshim(also: [
        URL(fileURLWithPath: PythonEnvironment.bundledSupportFolder).deletingLastPathComponent().deletingLastPathComponent(),
    ])?.path

    /// Runs `source` as a Glue script in a sandboxed worker; `runFolder` is mounted on /tmp.
    static func runWorker(_ source: String, arguments: [String] = [], runFolder: URL) throws -> ProcessOutput {
        let binary = try #require(glueshim, "glueshim executable not found next to the test bundle; run `swift build` first")
        let specFolder = temporaryFolder("spec")
        defer { try? FileManager.default.removeItem(at: specFolder) }
        let specFile = try writeSpec(source, arguments: arguments, runFolder: runFolder, in: specFolder)
        return try run(binary, [PythonWorker.commandName, specFile.path])
    }

    /// Writes `source` as a Glue script into `runFolder` (the worker's /tmp) and its spec into `folder`.
    static func writeSpec(_ source: String, arguments: [String] = [], runFolder: URL, in folder: URL) throws -> URL {
        let scriptFolder = "glue-python-scripts-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(at: runFolder.appendingPathComponent(scriptFolder), withIntermediateDirectories: true)
        try source.write(to: runFolder.appendingPathComponent("\(scriptFolder)/job.py"), atomically: true, encoding: .utf8)
        // The support files must be visible inside the sandbox, so they come from the cache, not from /tmp.
        let support = try SupportFolder.install(from: PythonEnvironment.bundledSupportFolder, cache: PythonEnvironment.cacheDirectory(environment: ProcessInfo.processInfo.environment))
        let script = "/tmp/\(scriptFolder)/job.py"
        let spec = WorkerSpec(
            scriptPath: script, argv: [script] + arguments, modulePaths: [support], pythonExecutable: "/usr/bin/python3",
            sandboxTmp: runFolder.path, workingDirectory: "/tmp", blockedHostSuffixes: WorkerSpec.defaultBlockedHostSuffixes)
        let specFile = folder.appendingPathComponent("spec.json")
        try JSONEncoder().encode(spec).write(to: specFile)
        return specFile
    }

    static func run(_ binary: String, _ arguments: [String]) throws -> ProcessOutput {
        try runProcess(URL(fileURLWithPath: binary), arguments)
    }

    @Test func writesToTmpLandInTheRunFolderOnly() async throws {
        // Waits on child processes: off Swift's cooperative threads, which in-process endpoints need.
        try await offPool { try self.writesToTmpLandInTheRunFolderOnlyBody() }
    }

    func writesToTmpLandInTheRunFolderOnlyBody() throws {
        try #require(Self.glueshim != nil, "glueshim executable not found next to the test bundle; skipped")
        let runFolder = temporaryFolder("run")
        defer { try? FileManager.default.removeItem(at: runFolder) }
        let name = "x-\(UUID().uuidString)"
        let outcome = try Self.runWorker(
            """
            import json, os, subprocess, sys
            name = sys.argv[1]
            with open('/tmp/' + name, 'w') as f:
                f.write('inside')
            subprocess.run(['/bin/sh', '-c', 'echo sub > /tmp/' + name + '-sub'], check=True)
            print(json.dumps({'listing': sorted(os.listdir('/tmp')), 'cwd': os.getcwd()}))
            sys.exit(5)
            """, arguments: [name], runFolder: runFolder)
        #expect(outcome.status == 5, "\(outcome.stderr)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], "\(outcome.stdout) \(outcome.stderr)")
        let runFiles = try FileManager.default.contentsOfDirectory(atPath: runFolder.path).sorted()
        #expect(report["listing"] as? [String] == runFiles)
        #expect(runFiles.contains(name) && runFiles.contains(name + "-sub") && runFiles.count == 3)
        #expect(report["cwd"] as? String == "/tmp")
        #expect(try String(contentsOf: runFolder.appendingPathComponent(name), encoding: .utf8) == "inside")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/" + name))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/" + name + "-sub"))
    }

    @Test(arguments: [
        ("import sys; sys.exit('job failed: no input')", Int32(1), "job failed: no input\n"),
        ("raise KeyError('k')", 1, "KeyError: 'k'\n"),
        ("import sys\nfrom awsglue.utils import getResolvedOptions\ngetResolvedOptions(sys.argv, ['JOB_NAME'])\n", 2,
         "GlueArgumentError: the following arguments are required: --JOB_NAME\n"),
        ("import boto3", 1, "ModuleNotFoundError: No module named 'boto3'\n"),
        ("print('ok')", 0, ""),
    ])
    func exitStatusOfTheWorker(source: String, status: Int32, stderrSuffix: String) async throws {
        try await offPool { try self.exitStatusOfTheWorkerBody(source: source, status: status, stderrSuffix: stderrSuffix) }
    }

    func exitStatusOfTheWorkerBody(source: String, status: Int32, stderrSuffix: String) throws {
        try #require(Self.glueshim != nil, "glueshim executable not found next to the test bundle; skipped")
        let runFolder = temporaryFolder("run")
        defer { try? FileManager.default.removeItem(at: runFolder) }
        let outcome = try Self.runWorker(source, runFolder: runFolder)
        #expect(outcome.status == status, "\(outcome.stderr)")
        #expect(outcome.stderr.hasSuffix(stderrSuffix), "\(outcome.stderr)")
    }

    @Test func waitsForThreadsAndRunsAtexitBeforeExiting() async throws {
        // Waits on child processes: off Swift's cooperative threads, which in-process endpoints need.
        try await offPool { try self.waitsForThreadsAndRunsAtexitBeforeExitingBody() }
    }

    func waitsForThreadsAndRunsAtexitBeforeExitingBody() throws {
        try #require(Self.glueshim != nil, "glueshim executable not found next to the test bundle; skipped")
        let runFolder = temporaryFolder("run")
        defer { try? FileManager.default.removeItem(at: runFolder) }
        let outcome = try Self.runWorker(
            """
            import atexit, threading, time, sys
            atexit.register(lambda: print('atexit ran'))
            def late():
                time.sleep(0.2)
                print('thread done')
            threading.Thread(target=late).start()
            print('main done')
            sys.exit(3)
            """, runFolder: runFolder)
        #expect(outcome.status == 3, "\(outcome.stderr)")
        #expect(outcome.stdout == "main done\nthread done\natexit ran\n")
    }

    @Test func cancellingTheWaitKillsTheWorkerAndEverythingItStarted() async throws {
        let binary = try #require(Self.glueshim, "glueshim executable not found next to the test bundle; run `swift build` first")
        let runFolder = temporaryFolder("run"), specFolder = temporaryFolder("spec")
        defer {
            try? FileManager.default.removeItem(at: runFolder)
            try? FileManager.default.removeItem(at: specFolder)
        }
        // A child that leaves the worker's process group, and the script itself, both sleeping.
        let spec = try Self.writeSpec(
            "import os, subprocess, time\nsubprocess.Popen(['sleep', '600'], start_new_session=True)\nprint('started', flush=True)\ntime.sleep(600)\n",
            runFolder: runFolder, in: specFolder)
        let worker = try WorkerProcess(executable: binary, arguments: [PythonWorker.commandName, spec.path],
                                       environment: ["PATH": "/usr/bin:/bin"], maxProcesses: nil)
        let printed = Mutex("")
        let waiting = Task { await worker.wait(stdout: { data in printed.withLock { $0 += String(decoding: data, as: UTF8.self) } }, stderr: { _ in }) }
        // A bound, not a timing: the interpreter starts in well under a second on an idle machine,
        // but a busy one (the whole suite at once on two cores) has taken more than 20 s.
        let deadline = ContinuousClock.now + .seconds(120)
        var members = Set<pid_t>()
        while ContinuousClock.now < deadline {
            members = WorkerLimits.processesOfWorker(worker.pid)
            // The worker, its namespace's init, the script and the sleep.
            if printed.withLock({ $0.contains("started") }), members.count >= 4 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(members.count >= 4, "\(members)")
        let start = ContinuousClock.now
        waiting.cancel()
        let status = await waiting.value
        #expect(status == 128 + SIGKILL)
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(worker.hasEnded)
        let alive = members.filter { pid in
            guard let stat = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return false }
            let text = String(decoding: stat, as: UTF8.self)
            return !(text.split(separator: ")").last?.hasPrefix(" Z") ?? false)
        }
        #expect(alive.isEmpty, "processes of the worker survived the cancelled wait: \(alive)")
    }

    @Test func badSpecFailsWithOneLineAndStatus2() async throws {
        // Waits on child processes: off Swift's cooperative threads, which in-process endpoints need.
        try await offPool { try self.badSpecFailsWithOneLineAndStatus2Body() }
    }

    func badSpecFailsWithOneLineAndStatus2Body() throws {
        let binary = try #require(Self.glueshim, "glueshim executable not found next to the test bundle; skipped")
        let folder = temporaryFolder("spec")
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = try Self.run(binary, [PythonWorker.commandName, folder.appendingPathComponent("none.json").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("glueshim: cannot read the worker spec"))
        let file = folder.appendingPathComponent("bad.json")
        try Data("{}".utf8).write(to: file)
        let invalid = try Self.run(binary, [PythonWorker.commandName, file.path])
        #expect(invalid.status == 2)
        #expect(invalid.stderr.hasPrefix("glueshim: the worker spec"))
        #expect(invalid.stderr.filter { $0 == "\n" }.count == 1)
    }
}
