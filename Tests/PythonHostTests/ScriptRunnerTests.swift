import Foundation
import TestSupport
import Testing
@testable import PythonHost

extension InProcessPython {
    @Suite struct ScriptRunnerTests {
        @Test(arguments: [
            ("pass", Int32(0), ""),
            ("import sys; sys.exit()", 0, ""),
            ("import sys; sys.exit(None)", 0, ""),
            ("import sys; sys.exit(0)", 0, ""),
            ("import sys; sys.exit(7)", 7, ""),
            ("import sys; sys.exit(256 + 3)", 3, ""),
            ("import sys; sys.exit(True)", 1, ""),
            ("import sys; sys.exit('something broke')", 1, "something broke\n"),
            ("exit(4)", 4, ""),
            ("quit()", 0, ""),
        ])
        func exitStatus(source: String, status: Int32, stderr: String) {
            let run = runScript(source)
            #expect(run.status == status, "\(source)")
            #expect(run.stderr == stderr, "\(source)")
        }

        @Test func uncaughtExceptionPrintsTracebackAndExits1() {
            let run = runScript("def f():\n    raise ValueError('bad value')\nf()\n")
            #expect(run.status == 1)
            #expect(run.stderr.hasPrefix("Traceback (most recent call last):\n"))
            #expect(run.stderr.hasSuffix("ValueError: bad value\n"))
            #expect(run.stderr.contains("job.py\", line 6, in f"))
            // The runner's and runpy's frames are not shown, as with `python3 job.py`.
            #expect(!run.stderr.contains("runpy"))
            #expect(!run.stderr.contains("glueshim runner"))
        }

        @Test func syntaxErrorExits1() {
            let run = runScript("def (:\n")
            #expect(run.status == 1)
            #expect(run.stderr.contains("SyntaxError"))
        }

        @Test func argvIsGivenExactly() throws {
            let arguments = ["--JOB_NAME", "job", "--a=1", "--enable-metrics", "ünïcode", ""]
            let run = runScript("import sys\nemit(sys.argv)\n", arguments: arguments)
            #expect(run.status == 0)
            let argv = try #require(run.result as? [String])
            #expect(argv.count == arguments.count + 1)
            #expect(argv.first?.hasSuffix("/job.py") == true)
            #expect(Array(argv.dropFirst()) == arguments)
        }

        @Test func sysPathIsScriptFolderThenModulePathsThenStdlib() throws {
            let extra = temporaryFolder("modules")
            defer { try? FileManager.default.removeItem(at: extra) }
            let support = PythonEnvironment.bundledSupportFolder
            let run = runScript(
                "import sys, os\nemit([sys.path, os.getcwd(), sys.executable, sys.flags.no_site])\n",
                modulePaths: [support, extra.path])
            #expect(run.status == 0)
            let values = try #require(run.result as? [Any])
            let path = try #require(values[0] as? [String])
            let cwd = try #require(values[1] as? String)
            #expect(path.count == 6)
            #expect(path[0] == cwd)  // the script's folder, which is also the working directory here
            #expect(Array(path[1...2]) == [support, extra.path])
            #expect(Array(path[3...]) == ["/usr/lib/python311.zip", "/usr/lib/python3.11", "/usr/lib/python3.11/lib-dynload"])
            #expect(values[2] as? String == "/usr/bin/python3")
        }

        @Test func missingScriptIsASetupFailure() {
            let spec = WorkerSpec(
                scriptPath: "/nonexistent/job.py", argv: ["/nonexistent/job.py"], modulePaths: [],
                pythonExecutable: "/usr/bin/python3", sandboxTmp: nil, workingDirectory: "/",
                blockedHostSuffixes: [])
            let outcome = runInWorker(spec)
            #expect(outcome.status == 2)
            #expect(outcome.stderr.hasPrefix("glueshim: can't open the job script"))
        }

        @Test func hostGuardRefusesRealAWSButNotLoopback() throws {
            let source = """
                import socket
                outcome = {}
                for host in ['s3.amazonaws.com', 'GLUE.us-east-1.AmazonAWS.com.', 'sts.amazonaws.com.cn', 'localhost']:
                    try:
                        socket.getaddrinfo(host, 443)
                        outcome[host] = 'ok'
                    except ConnectionRefusedError as error:
                        outcome[host] = str(error)
                try:
                    socket.create_connection(('s3.amazonaws.com', 443), timeout=1)
                except ConnectionRefusedError as error:
                    outcome['create_connection'] = str(error)
                emit(outcome)
                """
            let run = runScript(source, blockedHostSuffixes: WorkerSpec.defaultBlockedHostSuffixes)
            #expect(run.status == 0)
            let outcome = try #require(run.result as? [String: String])
            #expect(outcome["s3.amazonaws.com"]?.hasPrefix("glueshim: local mode never contacts real AWS (s3.amazonaws.com)") == true)
            #expect(outcome["GLUE.us-east-1.AmazonAWS.com."]?.hasPrefix("glueshim: local mode never contacts real AWS") == true)
            #expect(outcome["sts.amazonaws.com.cn"]?.hasPrefix("glueshim: local mode never contacts real AWS") == true)
            #expect(outcome["create_connection"]?.hasPrefix("glueshim: local mode never contacts real AWS") == true)
            #expect(outcome["localhost"] == "ok")
            #expect(run.stderr.contains("glueshim: local mode never contacts real AWS (s3.amazonaws.com)"))
        }
    }
}
