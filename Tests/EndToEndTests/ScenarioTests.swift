import Foundation
import TestSupport
import Testing

/// `glueshim test`: the example scenarios in jobs/ pass, and a failing expectation is reported
/// with what actually happened.
@Suite(.serialized) struct ScenarioTests {
    @Test func everyExampleScenarioPasses() async throws {
        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.
        try await offPool { try self.everyExampleScenarioPassesBody() }
    }

    func everyExampleScenarioPassesBody() throws {
        let runs = temporaryFolder("runs")
        let junit = runs.appendingPathComponent("junit.xml")
        let result = try glueshim(["test", "jobs", "--runs-dir", runs.path, "--junit", junit.path])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let closing = try #require(result.stdout.split(separator: "\n").last)
        #expect(closing.hasSuffix(" passed, 0 failed"))
        let passed = Int(closing.split(separator: " ").first ?? "") ?? 0
        #expect(passed >= 12)
        #expect(result.stdout.split(separator: "\n").filter { $0.hasPrefix("PASS ") }.count == passed)
        let xml = try String(contentsOf: junit, encoding: .utf8)
        #expect(xml.contains("tests=\"\(passed)\" failures=\"0\""))

        // Every call of every scenario decides the same again through `simulate --replay`,
        // against the world (and patches) the run recorded: one authorization input for both.
        let folders = try FileManager.default.contentsOfDirectory(at: runs, includingPropertiesForKeys: nil)
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("events.jsonl").path) }
        #expect(folders.count >= passed)
        var agreed = 0
        for folder in folders {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("world.json").path), "\(folder.lastPathComponent) has no world.json")
            let replay = try glueshim(["simulate", "--replay", folder.path])
            #expect(replay.status == 0, "\(folder.lastPathComponent): \(replay.stdout)\(replay.stderr)")
            let summary = replay.stdout.split(separator: "\n").last.map(String.init) ?? ""
            #expect(summary.contains(" agree, 0 differ"), "\(folder.lastPathComponent): \(replay.stdout)")
            agreed += Int(summary.split(separator: " ").first ?? "") ?? 0
        }
        #expect(agreed >= 3 * passed, "only \(agreed) calls were decided again")
    }

    func scenarioFolder(expect: String, script: String = "print('hello')\n") throws -> URL {
        let folder = temporaryFolder("scenario").appendingPathComponent("hello-job")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try """
        Name: hello-job
        Role: glue-role-test
        Command: {Name: pythonshell, PythonVersion: "3.9", ScriptLocation: script.py}
        """.write(to: folder.appendingPathComponent("job.yaml"), atomically: true, encoding: .utf8)
        try script.write(to: folder.appendingPathComponent("script.py"), atomically: true, encoding: .utf8)
        try expect.write(to: folder.appendingPathComponent("expect.yaml"), atomically: true, encoding: .utf8)
        return folder
    }

    @Test func failingExpectationsShowTheActualValues() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.failingExpectationsShowTheActualValuesBody() }

    }


    func failingExpectationsShowTheActualValuesBody() throws {
        let folder = try scenarioFolder(expect: """
        expect:
          state: FAILED
          output: {contains: "goodbye"}
          tmpFiles: [{path: out.txt}]
          calls: [{action: s3:GetObject, decision: deny}]
        """)
        let junit = folder.appendingPathComponent("junit.xml")
        let result = try glueshim(["test", folder.path, "--runs-dir", temporaryFolder("runs").path, "--junit", junit.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL hello-job"))
        #expect(result.stdout.contains("state: expected FAILED, got SUCCEEDED"))
        #expect(result.stdout.contains("output: expected a line containing \"goodbye\"; output was:"))
        #expect(result.stdout.contains("    hello"))
        #expect(result.stdout.contains("tmpFiles: /tmp/out.txt does not exist"))
        #expect(result.stdout.contains("calls: expected deny s3:GetObject; no such call was made"))
        #expect(result.stdout.hasSuffix("0 passed, 1 failed\n"))
        #expect(try String(contentsOf: junit, encoding: .utf8).contains("<failure message=\"state: expected FAILED, got SUCCEEDED"))
    }

    @Test func deniedCallExpectationShowsTheEnginesReason() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.deniedCallExpectationShowsTheEnginesReasonBody() }

    }


    func deniedCallExpectationShowsTheEnginesReasonBody() throws {
        let folder = try scenarioFolder(expect: """
        expect:
          calls: [{action: s3:GetObject, decision: allow}]
        """, script: """
        import boto3
        try:
            boto3.client("s3").get_object(Bucket="bucket-kjshadjas-3432-dsadas", Key="test_path/some_demo_file.gz")
        except Exception:
            pass
        """)
        let result = try glueshim(["test", folder.path, "--runs-dir", temporaryFolder("runs").path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("calls: expected allow s3:GetObject; the calls made were:"))
        #expect(result.stdout.contains("deny s3:GetObject arn:aws:s3:::bucket-kjshadjas-3432-dsadas/test_path/some_demo_file.gz by arn:aws:sts::111111111111:assumed-role/glue-role-test/GlueJobRunnerSession: because no identity-based policy allows the s3:GetObject action"))
        // The engine's explanation follows: which policies were consulted and what each said.
        #expect(result.stdout.contains("identity-based policy: no statement allows s3:GetObject"))
        #expect(result.stdout.contains("decision: implicit deny because no identity-based policy allows the s3:GetObject action"))
    }

    @Test func badScenarioFileIsAUsageError() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.badScenarioFileIsAUsageErrorBody() }

    }


    func badScenarioFileIsAUsageErrorBody() throws {
        let folder = try scenarioFolder(expect: "expect:\n  stat: SUCCEEDED\n")
        let result = try glueshim(["test", folder.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown expectation 'stat'"))
    }
}
