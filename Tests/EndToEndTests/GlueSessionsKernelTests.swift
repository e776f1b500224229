import Foundation
import TestSupport
import Testing

/// The Glue interactive sessions Jupyter kernel (PyPI aws-glue-sessions) against `glueshim serve`:
/// a cell's boto3 call runs as the session's runtime role. The kernel and jupyter_client are
/// installed once into a virtualenv in glueshim's cache (about a minute the first time).
@Suite(.serialized) struct GlueSessionsKernelTests {
    static let kernelVenv: URL = {
        let env = ProcessInfo.processInfo.environment
        let cache = env["GLUESHIM_CACHE"] ?? env["XDG_CACHE_HOME"].map { $0 + "/glueshim" } ?? (NSHomeDirectory() + "/.cache/glueshim")
        return URL(fileURLWithPath: cache).appendingPathComponent("test-glue-sessions-kernel-1.0.9")
    }()

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (Int32, String) {
        let result = try runProcess(URL(fileURLWithPath: executable), arguments, environment: environment, stderrIntoStdout: true)
        return (result.status, result.stdout)
    }

    /// The kernel's virtualenv, created on first use.
    static func kernelPython() throws -> String {
        let python = kernelVenv.appendingPathComponent("bin/python").path
        if FileManager.default.fileExists(atPath: kernelVenv.appendingPathComponent(".complete").path) { return python }
        try? FileManager.default.removeItem(at: kernelVenv)
        let (venv, venvOut) = try run("/usr/bin/python3", ["-m", "venv", kernelVenv.path])
        guard venv == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: venvOut]) }
        let (pip, pipOut) = try run(python, ["-m", "pip", "install", "-q", "aws-glue-sessions==1.0.9", "jupyter_client==8.10.0"])
        guard pip == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: pipOut]) }
        _ = FileManager.default.createFile(atPath: kernelVenv.appendingPathComponent(".complete").path, contents: Data())
        return python
    }

    static let cellScript = """
    import sys
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="glue_pyspark", startup_timeout=90)
    def run(code):
        out = []
        def hook(msg):
            c = msg.get("content", {})
            if msg["msg_type"] == "stream": out.append(c.get("text", ""))
            elif msg["msg_type"] in ("execute_result", "display_data"): out.append(c.get("data", {}).get("text/plain", ""))
            elif msg["msg_type"] == "error": out.append("ERROR " + c.get("ename", "") + ": " + c.get("evalue", ""))
        kc.execute_interactive(code, output_hook=hook, timeout=120)
        return "".join(out)
    run("%profile local")
    run("%region us-east-1")
    run("%iam_role arn:aws:iam::111111111111:role/AwsGlueSessionUserRestrictedServiceRole-glueshim")
    print(run("import boto3\\nprint('caller=' + boto3.client('sts').get_caller_identity()['Arn'])"))
    print(run("x = 20\\nx + 22"))
    km.shutdown_kernel(now=True)
    """

    @Test func kernelCellRunsAsTheRuntimeRole() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.kernelCellRunsAsTheRuntimeRoleBody() }

    }


    func kernelCellRunsAsTheRuntimeRoleBody() throws {
        let python = try Self.kernelPython()
        let serve = try ServeProcess(as: "arn:aws:iam::111111111111:user/session-user-a")
        let home = temporaryFolder("kernel-home")
        let aws = home.appendingPathComponent(".aws")
        try FileManager.default.createDirectory(at: aws, withIntermediateDirectories: true)
        // The kernel honours AWS_ENDPOINT_URL only for clients of a named profile.
        try "[profile local]\nregion = us-east-1\n".write(to: aws.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        try "[local]\naws_access_key_id = \(serve.environment["AWS_ACCESS_KEY_ID"] ?? "")\naws_secret_access_key = \(serve.environment["AWS_SECRET_ACCESS_KEY"] ?? "")\n"
            .write(to: aws.appendingPathComponent("credentials"), atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") && !$0.key.hasPrefix("JUPYTER") }
        env["HOME"] = home.path
        env["JUPYTER_DATA_DIR"] = home.appendingPathComponent("jupyter").path
        env["PATH"] = Self.kernelVenv.appendingPathComponent("bin").path + ":/usr/bin:/bin"
        env["AWS_ENDPOINT_URL"] = serve.environment["AWS_ENDPOINT_URL"]
        env["AWS_CA_BUNDLE"] = serve.environment["AWS_CA_BUNDLE"]
        env["AWS_CONFIG_FILE"] = aws.appendingPathComponent("config").path
        env["AWS_SHARED_CREDENTIALS_FILE"] = aws.appendingPathComponent("credentials").path
        let (installed, installOut) = try Self.run(Self.kernelVenv.appendingPathComponent("bin/install-glue-kernels").path, [], environment: env)
        #expect(installed == 0, "\(installOut)")
        let script = home.appendingPathComponent("cell.py")
        try Self.cellScript.write(to: script, atomically: true, encoding: .utf8)
        let (status, output) = try Self.run(python, [script.path], environment: env)
        #expect(status == 0, "\(output)")
        #expect(output.contains("caller=arn:aws:sts::111111111111:assumed-role/AwsGlueSessionUserRestrictedServiceRole-glueshim/GlueJobRunnerSession"), "\(output)")
        #expect(output.contains("42"), "\(output)")
    }
}
