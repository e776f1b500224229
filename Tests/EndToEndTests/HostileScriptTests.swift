import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Job scripts that try to hurt the host, through the built binary: the host survives, the run
/// is reported honestly (state, exit code), and nothing leaks. Each is bounded by itself too,
/// so a missing limit fails the test instead of taking the machine down.
@Suite(.serialized) struct HostileScriptTests {
    struct HostileRun {
        var status: Int32
        var stderr: String
        var stdoutBytes: Int
        var stdoutHead: String
        /// Peak resident size of glueshim and every process it waited for, in KiB.
        var maxRSSKiB: Int
        var seconds: Double
        var folder: URL
    }

    /// Runs `source` as a bare script under glue-role-test, stdout into a file (never into memory).
    static func run(_ source: String, arguments: [String] = [], environment: [String: String] = [:]) throws -> HostileRun {
        let work = temporaryFolder("hostile")
        let script = work.appendingPathComponent("job.py")
        try source.write(to: script, atomically: true, encoding: .utf8)
        let runs = work.appendingPathComponent("runs")
        let outPath = work.appendingPathComponent("stdout").path, errPath = work.appendingPathComponent("stderr").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = [glueshimBinary.path, "run", script.path, "--role", "glue-role-test", "--runs-dir", runs.path] + arguments
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in cArgv { free(p) }; for p in cEnv { free(p) } }
        let start = Date()
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, glueshimBinary.path, &actions, nil, cArgv, cEnv)
        #expect(rc == 0)
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let seconds = Date().timeIntervalSince(start)
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let outSize = (try? FileManager.default.attributesOfItem(atPath: outPath)[.size] as? Int) ?? 0
        let head = (try? FileHandle(forReadingFrom: URL(fileURLWithPath: outPath)).read(upToCount: 4096)) ?? nil
        let folder = (try? onlyRun(in: runs)) ?? runs
        return HostileRun(status: exitCode, stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                          stdoutBytes: outSize, stdoutHead: String(decoding: head ?? Data(), as: UTF8.self),
                          maxRSSKiB: usage.ru_maxrss, seconds: seconds, folder: folder)
    }

    /// Processes still running whose command line mentions `text` (a worker and its forks name their spec file).
    static func processes(mentioning text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            return String(decoding: data, as: UTF8.self).contains(text) ? pid : nil
        }
    }

    static func errorMessage(_ run: HostileRun) -> String? { (try? runRecord(run.folder))?["ErrorMessage"] as? String }
    static func state(_ run: HostileRun) -> String? { (try? runRecord(run.folder))?["JobRunState"] as? String }

    @Test func writesToTheHostsTmpLandInTheRunFolder() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.writesToTheHostsTmpLandInTheRunFolderBody() }

    }


    func writesToTheHostsTmpLandInTheRunFolderBody() throws {
        let name = "glueshim-hostile-\(UUID().uuidString)"
        let run = try Self.run("""
        open("/tmp/\(name)", "w").write("escaped")
        import subprocess
        subprocess.run(["sh", "-c", "echo escaped > /tmp/\(name).sh"], check=True)
        print("wrote")
        """)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/\(name)"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/\(name).sh"))
        #expect(FileManager.default.fileExists(atPath: run.folder.appendingPathComponent("tmp/\(name)").path))
        #expect(FileManager.default.fileExists(atPath: run.folder.appendingPathComponent("tmp/\(name).sh").path))
    }

    @Test func writesOutsideTmpAreRefused() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.writesOutsideTmpAreRefusedBody() }

    }


    func writesOutsideTmpAreRefusedBody() throws {
        // Every mount but the run's /tmp (and /dev, /proc, /sys) is read-only in the worker.
        // (A checkout under /tmp is not even visible there: the refusal is then "No such file".)
        let file = repoRoot.appendingPathComponent(".hostile-\(UUID().uuidString)")
        let varTmp = URL(fileURLWithPath: "/var/tmp/.hostile-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: file)
            try? FileManager.default.removeItem(at: varTmp)
        }
        let run = try Self.run("""
        import os
        for path in [\(String(reflecting: file.path)), \(String(reflecting: varTmp.path)), "/tmp/inside.txt"]:
            try:
                open(path, "w").write("escaped")
                print("written", path)
            except OSError as error:
                print("refused", path, error.strerror)
        """)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: file.path))
        #expect(!FileManager.default.fileExists(atPath: varTmp.path))
        #expect(run.stdoutHead.contains("refused \(file.path)"))
        #expect(run.stdoutHead.contains("refused \(varTmp.path) Read-only file system"))
        #expect(run.stdoutHead.contains("written /tmp/inside.txt"))
    }

    @Test func theUsersCredentialsAndEnvironmentDoNotReachTheJob() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.theUsersCredentialsAndEnvironmentDoNotReachTheJobBody() }

    }


    func theUsersCredentialsAndEnvironmentDoNotReachTheJobBody() throws {
        let home = temporaryFolder("home")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".aws"), withIntermediateDirectories: true)
        try "[default]\naws_access_key_id = AKIAHOSTILEUSERKEY01\naws_secret_access_key = hostileUserSecret0123456789\n"
            .write(to: home.appendingPathComponent(".aws/credentials"), atomically: true, encoding: .utf8)
        try "[default]\nregion = eu-west-3\n".write(to: home.appendingPathComponent(".aws/config"), atomically: true, encoding: .utf8)
        let env = ProcessInfo.processInfo.environment
        let cache = env["GLUESHIM_CACHE"] ?? env["XDG_CACHE_HOME"].map { $0 + "/glueshim" } ?? (NSHomeDirectory() + "/.cache/glueshim")
        let run = try Self.run("""
        import os, boto3
        print("ENV", dict(os.environ))
        for path in ["~/.aws/credentials", "~/.aws/config"]:
            full = os.path.expanduser(path)
            print("FILE", full, open(full).read() if os.path.exists(full) else "absent")
        creds = boto3.Session().get_credentials()
        print("CREDS", creds.access_key, creds.secret_key)
        """, environment: [
            "GLUESHIM_CACHE": cache, "HOME": home.path, "AWS_ACCESS_KEY_ID": "AKIAHOSTILEUSERKEY01",
            "AWS_SECRET_ACCESS_KEY": "hostileUserSecret0123456789", "AWS_SESSION_TOKEN": "hostileUserToken",
            "AWS_PROFILE": "default", "HOSTILE_HOST_ONLY_VARIABLE": "hostOnlyValue42",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let output = run.stdoutHead + run.stderr
        #expect(output.contains("CREDS ASIA"), "the job must get the job role's session: \(output)")
        for secret in ["AKIAHOSTILEUSERKEY01", "hostileUserSecret0123456789", "hostileUserToken", "hostOnlyValue42", "eu-west-3", home.path] {
            #expect(!output.contains(secret), "\(secret) reached the job")
        }
        let logs = try String(contentsOf: run.folder.appendingPathComponent("output.log"), encoding: .utf8)
        #expect(!logs.contains("AKIAHOSTILEUSERKEY01") && !logs.contains("hostileUserSecret0123456789"))
    }

    @Test func noOtherProcessIsVisibleThroughProc() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.noOtherProcessIsVisibleThroughProcBody() }

    }


    func noOtherProcessIsVisibleThroughProcBody() throws {
        // The worker runs the script in a PID namespace of its own with its own /proc, so the
        // host's environment (and any other process's) cannot be read from /proc/<pid>/environ.
        let run = try Self.run("""
        import os
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
        print("PIDS", len(pids))
        for pid in pids:
            try:
                data = open("/proc/%s/environ" % pid, "rb").read()
            except OSError:
                continue
            if b"HOSTILE_PROC_SECRET" in data or b"AKIAUSERSOWNKEY" in data:
                print("LEAKED from", pid)
        """, environment: ["HOSTILE_PROC_SECRET": "procSecretValue", "AWS_ACCESS_KEY_ID": "AKIAUSERSOWNKEY00000"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdoutHead.contains("PIDS 2"))  // the namespace's init and the script
        #expect(!run.stdoutHead.contains("LEAKED"))
    }

    @Test func aRealAWSHostIsRefused() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.aRealAWSHostIsRefusedBody() }

    }


    func aRealAWSHostIsRefusedBody() throws {
        let run = try Self.run("""
        import socket
        socket.create_connection(("sts.amazonaws.com", 443), timeout=5)
        print("CONNECTED")
        """)
        #expect(run.status == 1)
        #expect(!run.stdoutHead.contains("CONNECTED"))
        #expect(run.stderr.contains("glueshim: local mode never contacts real AWS (sts.amazonaws.com)"))
        #expect(Self.errorMessage(run) == "Command failed with exit code 1")
    }

    @Test func aForkBombIsCappedAndNothingSurvivesTheRun() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.aForkBombIsCappedAndNothingSurvivesTheRunBody() }

    }


    func aForkBombIsCappedAndNothingSurvivesTheRunBody() throws {
        // 2^8 = 256 processes if nothing stops it; the cap is 32.
        let run = try Self.run("""
        import os, time
        for _ in range(8):
            os.fork()
        time.sleep(30)
        """, environment: ["GLUESHIM_WORKER_MAX_PROCESSES": "32"])
        #expect(run.status == 1)
        #expect(run.seconds < 20, "the cap did not stop the fork bomb; the run lasted \(run.seconds) s")
        #expect(run.stderr.contains("more than 32 processes"))
        #expect(Self.state(run) == "FAILED")
        #expect(Self.errorMessage(run) == "Command failed with exit code 137")
        #expect(Self.processes(mentioning: run.folder.lastPathComponent).isEmpty, "processes of the run survived it")
    }

    @Test func forksThatLeaveTheProcessGroupAreCountedToo() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.forksThatLeaveTheProcessGroupAreCountedTooBody() }

    }


    func forksThatLeaveTheProcessGroupAreCountedTooBody() throws {
        // Each child starts a session of its own (setsid), leaving the worker's process group:
        // the host still counts them, through the worker's PID namespace.
        let run = try Self.run("""
        import os, time
        for _ in range(8):
            if os.fork() == 0:
                os.setsid()
        time.sleep(30)
        """, environment: ["GLUESHIM_WORKER_MAX_PROCESSES": "32"])
        #expect(run.status == 1)
        #expect(run.seconds < 20, "the cap did not stop the setsid fork bomb; the run lasted \(run.seconds) s")
        #expect(run.stderr.contains("more than 32 processes"))
        #expect(Self.errorMessage(run) == "Command failed with exit code 137")
        #expect(Self.processes(mentioning: run.folder.lastPathComponent).isEmpty, "processes of the run survived it")
    }

    @Test func unboundedAllocationFailsTheRunNotTheHost() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.unboundedAllocationFailsTheRunNotTheHostBody() }

    }


    func unboundedAllocationFailsTheRunNotTheHostBody() throws {
        let run = try Self.run("""
        hoard = []
        while len(hoard) < 400:  # 20 GB if no limit holds
            hoard.append(bytearray(50 * 1024 * 1024))
        print("ALLOCATED", len(hoard))
        """, environment: ["GLUESHIM_WORKER_MEMORY_MB": "1024"])
        #expect(run.status == 1)
        #expect(!run.stdoutHead.contains("ALLOCATED"))
        #expect(run.stderr.contains("MemoryError"))
        #expect(Self.errorMessage(run) == "Command failed with exit code 1")
        #expect(run.maxRSSKiB < 1_100 * 1024, "peak RSS \(run.maxRSSKiB) KiB")
    }

    @Test func aFileLargerThanTheLimitIsRefused() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.aFileLargerThanTheLimitIsRefusedBody() }

    }


    func aFileLargerThanTheLimitIsRefusedBody() throws {
        let run = try Self.run("""
        with open("/tmp/big", "wb") as f:
            for _ in range(32):
                f.write(b"x" * (1024 * 1024))
        print("WROTE")
        """, environment: ["GLUESHIM_WORKER_MAX_FILE_MB": "8"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("File too large"))
        let size = try FileManager.default.attributesOfItem(atPath: run.folder.appendingPathComponent("tmp/big").path)[.size] as? Int
        #expect((size ?? 0) <= 8 * 1024 * 1024)
    }

    @Test func printingAHundredMegabytesStreamsWithoutHostMemory() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.printingAHundredMegabytesStreamsWithoutHostMemoryBody() }

    }


    func printingAHundredMegabytesStreamsWithoutHostMemoryBody() throws {
        let run = try Self.run("""
        import sys
        line = "x" * 1023 + "\\n"
        for _ in range(100 * 1024):
            sys.stdout.write(line)
        sys.stdout.write("y" * (8 * 1024 * 1024))  # one 8 MB line without a newline
        sys.stdout.flush()
        """)
        #expect(run.status == 0, "\(run.stderr)")
        let logged = try FileManager.default.attributesOfItem(atPath: run.folder.appendingPathComponent("output.log").path)[.size] as? Int
        #expect(logged == 100 * 1024 * 1024 + 8 * 1024 * 1024)
        #expect(run.stdoutBytes >= 108 * 1024 * 1024)
        // glueshim's own peak (and the worker's) stays far below what it printed.
        #expect(run.maxRSSKiB < 200 * 1024, "peak RSS \(run.maxRSSKiB) KiB")
    }

    @Test func aScriptThatNeverExitsTimesOut() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.aScriptThatNeverExitsTimesOutBody() }

    }


    func aScriptThatNeverExitsTimesOutBody() throws {
        let run = try Self.run("while True:\n    pass\n", arguments: ["--timeout", "1"], environment: ["GLUESHIM_MINUTE_SECONDS": "1"])
        #expect(run.status == 3)
        #expect(run.seconds < 15)
        #expect(Self.state(run) == "TIMEOUT")
        #expect(Self.processes(mentioning: run.folder.lastPathComponent).isEmpty)
    }

    @Test func anAbortedInterpreterIsAFailedRunWithItsSignal() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.anAbortedInterpreterIsAFailedRunWithItsSignalBody() }

    }


    func anAbortedInterpreterIsAFailedRunWithItsSignalBody() throws {
        let run = try Self.run("import os\nprint('before', flush=True)\nos.abort()\n")
        #expect(run.status == 1)
        #expect(run.stdoutHead.contains("before"))
        #expect(Self.state(run) == "FAILED")
        #expect(Self.errorMessage(run) == "Command failed with exit code 134")
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: run.folder.appendingPathComponent("tmp").path)) ?? []
        #expect(!leftovers.contains { $0.hasPrefix("core") })
    }
}

/// The same hostile code as statements of a Glue interactive session under `glueshim serve`: a
/// session's worker is started by the same launcher as a job's, with the same sandbox and limits.
@Suite(.serialized) struct HostileSessionTests {
    static let developer = "arn:aws:iam::111111111111:user/glue-developer"

    static let prelude = """
    import json, time, boto3
    glue = boto3.client("glue")
    def session(sid):
        glue.create_session(Id=sid, Role="arn:aws:iam::111111111111:role/glue-role-test", Command={"Name": "pythonshell"})
        end = time.time() + 60
        while time.time() < end:
            status = glue.get_session(Id=sid)["Session"]["Status"]
            if status != "PROVISIONING":
                return status
            time.sleep(0.1)
        return "PROVISIONING"
    def run(sid, code, timeout=20):
        start = time.time()
        stid = glue.run_statement(SessionId=sid, Code=code)["Id"]
        while time.time() < start + timeout:
            st = glue.get_statement(SessionId=sid, Id=stid)["Statement"]
            if st["State"] in ("AVAILABLE", "CANCELLED", "ERROR"):
                break
            time.sleep(0.1)
        out = st.get("Output", {})
        return {"state": st["State"], "seconds": time.time() - start, "status": out.get("Status"),
                "text": out.get("Data", {}).get("TextPlain", ""), "error": out.get("ErrorValue")}

    """

    /// Processes whose command line mentions `text`.
    static func processes(mentioning text: String) -> [Int32] { HostileScriptTests.processes(mentioning: text) }

    @Test func sessionForkBombsAreCappedAndNothingSurvives() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.sessionForkBombsAreCappedAndNothingSurvivesBody() }

    }


    func sessionForkBombsAreCappedAndNothingSurvivesBody() throws {
        let serve = try ServeProcess(as: Self.developer, extraEnvironment: ["GLUESHIM_WORKER_MAX_PROCESSES": "32"])
        let result = try serve.python(Self.prelude + """
        results = {}
        for sid, code in [("bomb", "import os, time\\nfor _ in range(8):\\n    os.fork()\\ntime.sleep(30)"),
                          ("setsid-bomb", "import os, time\\nfor _ in range(8):\\n    if os.fork() == 0:\\n        os.setsid()\\ntime.sleep(30)")]:
            ready = session(sid)
            statement = run(sid, code)
            end = time.time() + 10
            while glue.get_session(Id=sid)["Session"]["Status"] == "READY" and time.time() < end:
                time.sleep(0.1)
            s = glue.get_session(Id=sid)["Session"]
            results[sid] = {"ready": ready, "statement": statement, "status": s["Status"], "message": s.get("ErrorMessage", "")}
        print(json.dumps(results))
        """)
        for sid in ["bomb", "setsid-bomb"] {
            let outcome = try #require(result[sid] as? [String: Any])
            let statement = try #require(outcome["statement"] as? [String: Any])
            #expect(outcome["ready"] as? String == "READY")
            #expect(statement["state"] as? String == "ERROR", "\(sid): the cap did not stop the fork bomb: \(statement)")
            #expect((statement["seconds"] as? Double ?? 99) < 20)
            #expect(outcome["status"] as? String == "FAILED")
            #expect((outcome["message"] as? String)?.contains("more than 32 processes") == true, "\(sid): \(outcome)")
        }
        let sessions = serve.state.appendingPathComponent("runs/sessions").path
        let left = HostileScriptTests.eventuallyEmpty { Self.processes(mentioning: sessions) }
        #expect(left.isEmpty, "processes of the sessions survived them: \(left)")
    }

    @Test func sessionStatementsAreSandboxedLikeJobs() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.sessionStatementsAreSandboxedLikeJobsBody() }

    }


    func sessionStatementsAreSandboxedLikeJobsBody() throws {
        let name = "glueshim-hostile-session-\(UUID().uuidString)"
        let repoFile = repoRoot.appendingPathComponent(".hostile-\(UUID().uuidString)")
        let varTmp = URL(fileURLWithPath: "/var/tmp/.hostile-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: repoFile)
            try? FileManager.default.removeItem(at: varTmp)
            try? FileManager.default.removeItem(atPath: "/tmp/\(name)")
        }
        let serve = try ServeProcess(as: Self.developer, extraEnvironment: [
            "HOSTILE_HOST_ONLY_VARIABLE": "hostOnlyValue42", "AWS_ACCESS_KEY_ID": "AKIAHOSTILEUSERKEY01",
        ])
        let result = try serve.python(Self.prelude + """
        ready = session("sandbox")
        tmp = run("sandbox", "open('/tmp/\(name)', 'w').write('escaped')\\nimport subprocess\\nsubprocess.run(['sh', '-c', 'echo escaped > /tmp/\(name).sh'], check=True)\\n'wrote'")
        outside = run("sandbox", "out = []\\nfor path in ['\(repoFile.path)', '\(varTmp.path)']:\\n    try:\\n        open(path, 'w').write('escaped')\\n        out.append('written ' + path)\\n    except OSError as error:\\n        out.append('refused ' + path + ' ' + error.strerror)\\nprint('\\\\n'.join(out))")
        procs = run("sandbox", "import os\\nprint(len([p for p in os.listdir('/proc') if p.isdigit()]))")
        env = run("sandbox", "import os\\nprint(dict(os.environ))")
        guard = run("sandbox", "import socket\\nsocket.create_connection(('sts.amazonaws.com', 443), timeout=5)")
        print(json.dumps({"ready": ready, "tmp": tmp, "outside": outside, "procs": procs, "env": env, "guard": guard}))
        """)
        #expect(result["ready"] as? String == "READY")
        let tmp = try #require(result["tmp"] as? [String: Any])
        #expect(tmp["status"] as? String == "ok", "\(tmp)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/\(name)"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/\(name).sh"))
        let sessions = serve.state.appendingPathComponent("runs/sessions")
        let folder = try #require(try FileManager.default.contentsOfDirectory(atPath: sessions.path).first { $0.hasPrefix("sandbox-") })
        #expect(FileManager.default.fileExists(atPath: sessions.appendingPathComponent(folder).appendingPathComponent("tmp/\(name)").path))
        let outside = try #require((result["outside"] as? [String: Any])?["text"] as? String)
        #expect(outside.contains("refused \(repoFile.path)"), "\(outside)")
        #expect(outside.contains("refused \(varTmp.path) Read-only file system"), "\(outside)")
        #expect(!FileManager.default.fileExists(atPath: repoFile.path))
        #expect(!FileManager.default.fileExists(atPath: varTmp.path))
        // The namespace's init and the session's interpreter.
        #expect((result["procs"] as? [String: Any])?["text"] as? String == "2")
        let env = try #require((result["env"] as? [String: Any])?["text"] as? String)
        #expect(env.contains("AWS_CONTAINER_CREDENTIALS_FULL_URI"))
        #expect(!env.contains("hostOnlyValue42") && !env.contains("AKIAHOSTILEUSERKEY01"), "\(env)")
        let guardResult = try #require(result["guard"] as? [String: Any])
        #expect((guardResult["error"] as? String)?.contains("local mode never contacts real AWS") == true, "\(guardResult)")
    }
}

extension HostileScriptTests {
    /// Polls `list` for up to 5 s until it is empty; returns what is left.
    static func eventuallyEmpty(_ list: () -> [Int32]) -> [Int32] {
        let end = Date().addingTimeInterval(5)
        var left = list()
        while !left.isEmpty, Date() < end {
            usleep(50_000)
            left = list()
        }
        return left
    }
}
