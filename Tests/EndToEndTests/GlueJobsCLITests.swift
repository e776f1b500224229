import Foundation
import TestSupport
import Testing

/// The Glue jobs API through the AWS CLI, and job history across a restart of `serve --state`.
@Suite(.serialized) struct GlueJobsCLITests {
    @Test func awsCLIStartsAndReadsRunsAndHistorySurvivesARestart() async throws {
        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.
        try await offPool { try self.awsCLIStartsAndReadsRunsAndHistorySurvivesARestartBody() }
    }

    func awsCLIStartsAndReadsRunsAndHistorySurvivesARestartBody() throws {
        let state = temporaryFolder("serve-state")
        var serve: ServeProcess? = try ServeProcess(as: GlueJobsAPITests.developer, state: .folder(state))
        let created = try serve!.aws(["glue", "create-job", "--name", "cli-job", "--role", "glue-role-test",
                                      "--command", "Name=pythonshell,ScriptLocation=s3://aws-glue-assets-111111111111-us-east-1/scripts/assume-role-download.py,PythonVersion=3.9",
                                      "--default-arguments", #"{"--TARGET_ROLE_ARN":"arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed","--DATA_BUCKET":"bucket-kjshadjas-3432-dsadas","--DATA_KEY":"test_path/some_demo_file.gz"}"#])
        #expect(created.status == 0, "\(created.output)")
        // The script object exists in S3 once the jobs/ folder's job has been run once; upload it here.
        let upload = try serve!.aws(["s3", "cp", repoRoot.appendingPathComponent("jobs/assume-role-download/script.py").path,
                                     "s3://aws-glue-assets-111111111111-us-east-1/scripts/assume-role-download.py"])
        #expect(upload.status == 0, "\(upload.output)")
        let started = try serve!.aws(["glue", "start-job-run", "--job-name", "cli-job"])
        #expect(started.status == 0, "\(started.output)")
        let runId = try #require((try JSONSerialization.jsonObject(with: Data(started.output.utf8)) as? [String: Any])?["JobRunId"] as? String)
        var state1 = ""
        for _ in 0..<100 {
            let run = try serve!.aws(["glue", "get-job-run", "--job-name", "cli-job", "--run-id", runId, "--query", "JobRun.JobRunState"])
            state1 = run.output.trimmingCharacters(in: CharacterSet(charactersIn: "\"\n "))
            if ["SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "ERROR"].contains(state1) { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(state1 == "SUCCEEDED")
        let missing = try serve!.aws(["glue", "get-job", "--job-name", "nope"])
        #expect(missing.status != 0)
        #expect(missing.output.contains("EntityNotFoundException"))

        serve!.stop()
        serve = nil
        let again = try ServeProcess(as: GlueJobsAPITests.developer, state: .folder(state))
        let job = try again.aws(["glue", "get-job", "--job-name", "cli-job", "--query", "Job.Name"])
        #expect(job.output.contains("cli-job"))
        let runs = try again.aws(["glue", "get-job-runs", "--job-name", "cli-job", "--query", "JobRuns[].[Id,JobRunState]"])
        #expect(runs.output.contains(runId))
        #expect(runs.output.contains("SUCCEEDED"))
        let logs = try again.aws(["logs", "get-log-events", "--log-group-name", "/aws-glue/python-jobs/output", "--log-stream-name", runId,
                                  "--start-from-head", "--query", "events[].message"])
        #expect(logs.output.contains("Direct download denied: 403"))
    }
}
