import Foundation
import Testing
import TestSupport

/// A job that calls a service glueshim does not serve gets an error botocore parses, and the call
/// is in the run's summary and `events.jsonl` as `unsupported`.
@Suite struct UnservedServiceRunTests {
    @Test func aJobCallingAnUnservedServiceSeesNotImplementedAndTheRunRecordsIt() async throws {
        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.
        try await offPool { try self.aJobCallingAnUnservedServiceSeesNotImplementedAndTheRunRecordsItBody() }
    }

    func aJobCallingAnUnservedServiceSeesNotImplementedAndTheRunRecordsItBody() throws {
        let folder = temporaryFolder("unserved-job")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let script = folder.appendingPathComponent("unserved_call.py")
        try """
        import boto3, botocore.exceptions
        try:
            boto3.client("secretsmanager").get_secret_value(SecretId="prod/db")
        except botocore.exceptions.ClientError as e:
            print("secrets:", e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
        """.write(to: script, atomically: true, encoding: .utf8)
        let runs = temporaryFolder("unserved-runs")
        let result = try glueshim(["run", script.path, "--role", "glue-role-test", "--runs-dir", runs.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("secrets: NotImplemented 501"), "\(result.stdout)")
        #expect(result.stdout.contains("UNSUPPORTED secretsmanager:GetSecretValue"), "\(result.stdout)")
        let run = try #require(try FileManager.default.contentsOfDirectory(at: runs, includingPropertiesForKeys: nil)
            .first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("events.jsonl").path) })
        let lines = try String(contentsOf: run.appendingPathComponent("events.jsonl"), encoding: .utf8).split(separator: "\n")
        let events = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let unsupported = events.filter { $0["decision"] as? String == "unsupported" }
        #expect(unsupported.count == 1, "\(lines)")
        #expect(unsupported.first?["service"] as? String == "secretsmanager")
        #expect(unsupported.first?["operation"] as? String == "GetSecretValue")
        #expect(unsupported.first?["principal"] as? String == "arn:aws:sts::111111111111:assumed-role/glue-role-test/GlueJobRunnerSession")
        #expect(unsupported.first?["status"] as? Int == 501)
    }
}
