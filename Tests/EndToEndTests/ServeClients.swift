import Foundation
import TestSupport

extension ServeProcess {
    /// Runs the AWS CLI against this endpoint as the served principal; returns its status and output.
    func aws(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let home = temporaryFolder("aws-home")
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["aws"] + arguments + ["--output", "json"],
                                    environment: clientEnvironment(["HOME": home.path]), stderrIntoStdout: true)
        return (result.status, result.stdout)
    }

    /// Runs a Python script with boto3 (the job environment's interpreter) against this endpoint;
    /// the script's last stdout line is JSON, returned decoded.
    func python(_ source: String) throws -> [String: Any] {
        let file = temporaryFolder("client").appendingPathComponent("client.py")
        try source.write(to: file, atomically: true, encoding: .utf8)
        var env = ["PATH": "/usr/bin:/bin", "HOME": NSHomeDirectory(), "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"]
        env.merge(environment) { $1 }
        let result = try runProcess(URL(fileURLWithPath: jobPython), [file.path], environment: env)
        let lastLine = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard result.status == 0, let object = try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any] else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "client failed: \(result.stderr)"])
        }
        return object
    }
}

/// The interpreter of glueshim's job environment (boto3 1.44.5), provisioned by the first run.
let jobPython: String = {
    let env = ProcessInfo.processInfo.environment
    let cache = env["GLUESHIM_CACHE"] ?? env["XDG_CACHE_HOME"].map { $0 + "/glueshim" } ?? (NSHomeDirectory() + "/.cache/glueshim")
    return cache + "/venv-py3.11-boto3-1.44.5/bin/python3"
}()
