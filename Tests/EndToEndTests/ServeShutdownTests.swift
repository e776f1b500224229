import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `glueshim serve` stopped with SIGTERM while a job run and a session are going: every worker
/// dies with it, the run and the session are recorded as STOPPED, a temporary state folder goes,
/// and serve exits 0. And a state file serve cannot read stops serve without touching the file.
@Suite(.serialized) struct ServeShutdownTests {
    static let developer = "arn:aws:iam::111111111111:user/glue-developer"

    /// Starts a job run that sleeps and (with `session`) a session running a statement that sleeps,
    /// and returns once both are under way.
    static let startLongWork = """
    import json, time, boto3
    glue = boto3.client("glue")
    s3 = boto3.client("s3")
    ASSETS = "aws-glue-assets-111111111111-us-east-1"
    s3.put_object(Bucket=ASSETS, Key="scripts/sleeps.py", Body=b"import time\\nprint('sleeping', flush=True)\\ntime.sleep(600)\\n")
    glue.create_job(Name="sleeps", Role="glue-role-test",
                    Command={"Name": "pythonshell", "ScriptLocation": f"s3://{ASSETS}/scripts/sleeps.py"})
    run_id = glue.start_job_run(JobName="sleeps")["JobRunId"]
    session = None
    if WITH_SESSION:
        glue.create_session(Id="long", Role="arn:aws:iam::111111111111:role/glue-role-test", Command={"Name": "pythonshell"})
        end = time.time() + 60
        while glue.get_session(Id="long")["Session"]["Status"] == "PROVISIONING" and time.time() < end:
            time.sleep(0.1)
        session = glue.get_session(Id="long")["Session"]["Status"]
        glue.run_statement(SessionId="long", Code="import time\\ntime.sleep(600)")
    end = time.time() + 60
    while glue.get_job_run(JobName="sleeps", RunId=run_id)["JobRun"]["JobRunState"] in ("STARTING",) and time.time() < end:
        time.sleep(0.1)
    print(json.dumps({"run": run_id, "session": session,
                      "state": glue.get_job_run(JobName="sleeps", RunId=run_id)["JobRun"]["JobRunState"]}))
    """

    /// A live process: its pid and its start time (so a reused pid is not taken for it).
    struct LiveProcess: Hashable {
        var pid: pid_t
        var startTime: String
        var commandLine: String
    }

    /// Fields of /proc/PID/stat after the command name: state, ppid, ..., starttime (22nd field overall).
    static func stat(_ pid: pid_t) -> (state: String, parent: pid_t, startTime: String)? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let parent = pid_t(fields[1]) else { return nil }
        return (String(fields[0]), parent, String(fields[19]))
    }

    /// Every process descended from `root` now.
    static func descendants(of root: pid_t) -> [LiveProcess] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var parents: [pid_t: pid_t] = [:]
        var all: [pid_t: LiveProcess] = [:]
        for entry in entries {
            guard let pid = pid_t(entry), let info = stat(pid) else { continue }
            parents[pid] = info.parent
            let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map { String(decoding: $0, as: UTF8.self) } ?? ""
            all[pid] = LiveProcess(pid: pid, startTime: info.startTime, commandLine: command.replacingOccurrences(of: "\0", with: " "))
        }
        return all.values.filter { process in
            var current = process.pid
            for _ in 0..<64 {
                guard let parent = parents[current], parent > 1 else { return false }
                if parent == root { return true }
                current = parent
            }
            return false
        }
    }

    /// Whether the process is still running (a zombie or a reused pid is not).
    static func isAlive(_ process: LiveProcess) -> Bool {
        guard let info = stat(process.pid) else { return false }
        return info.startTime == process.startTime && info.state != "Z"
    }

    /// Waits up to `seconds` for `condition`.
    static func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    @Test func sigtermStopsTheRunAndTheSessionAndKillsTheirWorkers() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.sigtermStopsTheRunAndTheSessionAndKillsTheirWorkersBody() }

    }


    func sigtermStopsTheRunAndTheSessionAndKillsTheirWorkersBody() throws {
        _ = try glueshim(["run", "bench/hello.py", "--role", "glue-role-test", "--runs-dir", temporaryFolder("warm").path])
        let serve = try ServeProcess(as: Self.developer)
        let started = try serve.python("WITH_SESSION = True\n" + Self.startLongWork)
        #expect(started["session"] as? String == "READY")
        #expect(started["state"] as? String == "RUNNING")
        let runId = try #require(started["run"] as? String)
        let servePid = serve.pid
        // The job's worker and the session's worker, each with its namespace's init and script.
        var workers: [LiveProcess] = []
        let bothRunning = Self.eventually(20) {
            workers = Self.descendants(of: servePid).filter { $0.commandLine.contains("__worker") }
            return workers.contains { $0.commandLine.contains(runId) } && workers.contains { $0.commandLine.contains("/sessions/") }
        }
        #expect(bothRunning, "workers of serve: \(workers.map(\.commandLine))")
        let everything = Self.descendants(of: servePid)

        let status = serve.terminate(within: 30)
        #expect(status == 0, "serve did not exit 0 on SIGTERM: \(String(describing: status))")
        let survivors = everything.filter(Self.isAlive)
        #expect(survivors.isEmpty, "\(survivors.count) of \(everything.count) processes of serve survived it: \(survivors.map(\.commandLine))")
        print("serve shutdown: \(workers.count) worker processes (\(everything.count) descendants) before SIGTERM, \(survivors.count) after")

        let registry = try JSONSerialization.jsonObject(with: Data(contentsOf: serve.state.appendingPathComponent("glue-jobs.json"))) as? [String: Any]
        let runs = (registry?["runs"] as? [String: Any])?["sleeps"] as? [[String: Any]] ?? []
        let run = try #require(runs.first { $0["Id"] as? String == runId })
        #expect(run["JobRunState"] as? String == "STOPPED")
        #expect(run["CompletedOn"] != nil)
        let runJSON = try runRecord(serve.state.appendingPathComponent("runs").appendingPathComponent(runId))
        #expect(runJSON["JobRunState"] as? String == "STOPPED")

        let sessions = serve.state.appendingPathComponent("runs/sessions")
        let folders = try FileManager.default.contentsOfDirectory(atPath: sessions.path).filter { $0.hasPrefix("long-") }
        #expect(folders.count == 1)
        let session = try JSONSerialization.jsonObject(with: Data(contentsOf: sessions.appendingPathComponent(folders[0]).appendingPathComponent("session.json"))) as? [String: Any]
        #expect(session?["Status"] as? String == "STOPPED")
        #expect(session?["CompletedOn"] != nil)
    }

    @Test func sigtermRemovesTheTemporaryStateFolder() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.sigtermRemovesTheTemporaryStateFolderBody() }

    }


    func sigtermRemovesTheTemporaryStateFolderBody() throws {
        let serve = try ServeProcess(as: Self.developer, state: .serveOwn)
        let state = serve.state
        #expect(state.lastPathComponent.hasPrefix("glueshim-serve-"), "\(serve.banner)")
        let started = try serve.python("WITH_SESSION = False\n" + Self.startLongWork)
        #expect(started["state"] as? String == "RUNNING")
        #expect(FileManager.default.fileExists(atPath: state.appendingPathComponent("runs").path))
        let everything = Self.descendants(of: serve.pid)
        #expect(serve.terminate(within: 30) == 0)
        #expect(!FileManager.default.fileExists(atPath: state.path), "the temporary state folder \(state.path) survived serve")
        #expect(everything.filter(Self.isAlive).isEmpty)
    }

    @Test func sigtermStopsGlueshimRunAndItsWorker() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.sigtermStopsGlueshimRunAndItsWorkerBody() }

    }


    func sigtermStopsGlueshimRunAndItsWorkerBody() throws {
        let work = temporaryFolder("run-sigterm")
        let script = work.appendingPathComponent("sleeps.py")
        try "import time\nprint('sleeping', flush=True)\ntime.sleep(600)\n".write(to: script, atomically: true, encoding: .utf8)
        let runs = work.appendingPathComponent("runs")
        let process = Process()
        process.executableURL = glueshimBinary
        process.arguments = ["run", script.path, "--role", "glue-role-test", "--runs-dir", runs.path]
        process.currentDirectoryURL = repoRoot
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var workers: [LiveProcess] = []
        #expect(Self.eventually(30) {
            workers = Self.descendants(of: process.processIdentifier).filter { $0.commandLine.contains("__worker") }
            return !workers.isEmpty
        })
        let everything = Self.descendants(of: process.processIdentifier)
        kill(process.processIdentifier, SIGTERM)
        #expect(Self.eventually(30) { !process.isRunning })
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 1)
        #expect(everything.filter(Self.isAlive).isEmpty, "processes of glueshim run survived it")
        #expect(try runRecord(onlyRun(in: runs))["JobRunState"] as? String == "STOPPED")
    }

    @Test func aCorruptRegistryStopsServeAndIsLeftAsItIs() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.aCorruptRegistryStopsServeAndIsLeftAsItIsBody() }

    }


    func aCorruptRegistryStopsServeAndIsLeftAsItIsBody() throws {
        let state = temporaryFolder("corrupt-state")
        let file = state.appendingPathComponent("glue-jobs.json")
        let garbage = Data("{\"jobs\": {\"x\": 1}, this is not json".utf8)
        try garbage.write(to: file)
        let result = try glueshim(["serve", "--port", "0", "--state", state.path])
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("glueshim: \(file.path): "), "\(result.stderr)")
        #expect(result.stderr.contains("not valid JSON") || result.stderr.contains("JSON"), "\(result.stderr)")
        #expect(try Data(contentsOf: file) == garbage)

        // Valid JSON that is not a registry is refused the same way, naming what is missing.
        let wrong = Data("{\"jobs\": {}}".utf8)
        try wrong.write(to: file)
        let second = try glueshim(["serve", "--port", "0", "--state", state.path])
        #expect(second.status == 2)
        #expect(second.stderr.contains(file.path) && second.stderr.contains("missing tags"), "\(second.stderr)")
        #expect(try Data(contentsOf: file) == wrong)
    }
}
