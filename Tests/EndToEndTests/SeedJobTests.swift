import Foundation
import TestSupport
import Testing

/// The seed scenario through the built binary: every layer, for real.
@Suite(.serialized) struct SeedJobTests {
    let deniedLine = "GetObject: AccessDenied: User: arn:aws:sts::111111111111:assumed-role/glue-role-test/GlueJobRunnerSession is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::bucket-kjshadjas-3432-dsadas/test_path/some_demo_file.gz\" because no identity-based policy allows the s3:GetObject action"

    @Test func seedJobSucceedsWithTheDeniedAndTheAssumedDownload() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.seedJobSucceedsWithTheDeniedAndTheAssumedDownloadBody() }

    }


    func seedJobSucceedsWithTheDeniedAndTheAssumedDownloadBody() throws {
        let runs = temporaryFolder("runs")
        let hostTmpFile = URL(fileURLWithPath: "/tmp/file.gz")
        let before = try? FileManager.default.attributesOfItem(atPath: hostTmpFile.path)[.modificationDate] as? Date

        let result = try glueshim(["run", "jobs/assume-role-download", "--runs-dir", runs.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("Direct download denied: 403"))
        #expect(result.stdout.contains(deniedLine))
        #expect(result.stdout.contains("Assumed arn:aws:sts::222222222222:assumed-role/glue-role-test-to-be-assumed/assume-role"))
        #expect(result.stdout.contains("state      SUCCEEDED"))

        let folder = try onlyRun(in: runs)
        let record = try runRecord(folder)
        #expect(record["JobRunState"] as? String == "SUCCEEDED")
        #expect(record["JobName"] as? String == "assume-role-download")
        let id = try #require(record["Id"] as? String)
        #expect(id.hasPrefix("jr_") && id.count == 67 && id.dropFirst(3).allSatisfy(\.isHexDigit))
        #expect(record["CompletedOn"] != nil && record["StartedOn"] != nil && record["ExecutionTime"] != nil)

        // The download landed in the run's own /tmp, not the host's.
        let downloaded = try Data(contentsOf: folder.appendingPathComponent("tmp/file.gz"))
        let original = try Data(contentsOf: repoRoot.appendingPathComponent("sandbox/data/some_demo_file.gz"))
        #expect(downloaded == original)
        let after = try? FileManager.default.attributesOfItem(atPath: hostTmpFile.path)[.modificationDate] as? Date
        #expect(after == before, "the job wrote to the host's /tmp")

        // The script saw only its own /tmp: the copied script folder, then the download too
        // (glob's order is the directory's, so the entries are checked, not their order).
        let listings = result.stdout.split(separator: "\n").filter { $0.hasPrefix("['/tmp/") }
        #expect(listings.count == 2)
        if listings.count == 2 {
            #expect(listings[0].hasPrefix("['/tmp/glue-python-scripts-") && !listings[0].contains(","))
            let after = listings[1].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "[]' ")) }
            #expect(after.count == 2)
            #expect(after.contains("/tmp/file.gz"))
            #expect(after.contains { $0.hasPrefix("/tmp/glue-python-scripts-") })
        }

        let calls = try events(folder)
        let denied = calls.filter { $0["decision"] as? String == "deny" }
        #expect(denied.contains { $0["action"] as? String == "s3:GetObject"
            && $0["principal"] as? String == "arn:aws:sts::111111111111:assumed-role/glue-role-test/GlueJobRunnerSession"
            && $0["resource"] as? String == "arn:aws:s3:::bucket-kjshadjas-3432-dsadas/test_path/some_demo_file.gz"
            && $0["reason"] as? String == "because no identity-based policy allows the s3:GetObject action" })
        #expect(calls.contains { $0["action"] as? String == "s3:GetObject" && $0["decision"] as? String == "allow"
            && $0["principal"] as? String == "arn:aws:sts::222222222222:assumed-role/glue-role-test-to-be-assumed/assume-role" })
        #expect(calls.contains { $0["action"] as? String == "sts:AssumeRole" && $0["principal"] as? String == "glue.amazonaws.com" })
        #expect(calls.allSatisfy { $0["time"] is String && $0["service"] is String })

        let output = try String(contentsOf: folder.appendingPathComponent("output.log"), encoding: .utf8)
        #expect(output.contains(deniedLine))
    }

    @Test func untrustedSecondRoleFailsTheJobWithAWSsAssumeRoleMessage() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.untrustedSecondRoleFailsTheJobWithAWSsAssumeRoleMessageBody() }

    }


    func untrustedSecondRoleFailsTheJobWithAWSsAssumeRoleMessageBody() throws {
        let world = try worldVariant {
            $0.replacingOccurrences(of: #""Principal": {"AWS": "arn:aws:iam::111111111111:role/glue-role-test"}"#,
                                    with: #""Principal": {"AWS": "arn:aws:iam::111111111111:role/another-role"}"#)
        }
        let runs = temporaryFolder("runs")
        let result = try glueshim(["run", "jobs/assume-role-download", "--world", world.path, "--runs-dir", runs.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:sts::111111111111:assumed-role/glue-role-test/GlueJobRunnerSession is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed"))
        let folder = try onlyRun(in: runs)
        let record = try runRecord(folder)
        #expect(record["JobRunState"] as? String == "FAILED")
        #expect(record["ErrorMessage"] as? String == "Command failed with exit code 1")
        let calls = try events(folder)
        #expect(calls.contains { $0["action"] as? String == "sts:AssumeRole" && $0["decision"] as? String == "deny"
            && $0["resource"] as? String == "arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed" })
        // The traceback goes to the error log, as in Glue.
        let errors = try String(contentsOf: folder.appendingPathComponent("error.log"), encoding: .utf8)
        #expect(errors.contains("Traceback"))
    }

    @Test func jobRoleThatDoesNotTrustGlueFailsToStart() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.jobRoleThatDoesNotTrustGlueFailsToStartBody() }

    }


    func jobRoleThatDoesNotTrustGlueFailsToStartBody() throws {
        let world = try worldVariant {
            $0.replacingOccurrences(of: #""Principal": {"Service": "glue.amazonaws.com"}"#, with: #""Principal": {"Service": "ec2.amazonaws.com"}"#)
        }
        let runs = temporaryFolder("runs")
        let result = try glueshim(["run", "jobs/assume-role-download", "--world", world.path, "--runs-dir", runs.path, "--json"])
        #expect(result.status == 1)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(record["JobRunState"] as? String == "FAILED")
        #expect((record["ErrorMessage"] as? String)?.contains("is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/glue-role-test") == true)
    }
}

@Suite(.serialized) struct RunCommandTests {
    func script(_ source: String) throws -> URL {
        let folder = temporaryFolder("script")
        let file = folder.appendingPathComponent("job.py")
        try source.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func bareScriptWithRoleSeesGluesArgvAndResolvedOptions() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.bareScriptWithRoleSeesGluesArgvAndResolvedOptionsBody() }

    }


    func bareScriptWithRoleSeesGluesArgvAndResolvedOptionsBody() throws {
        let file = try script("""
        import os, sys
        from awsglue.utils import getResolvedOptions
        args = getResolvedOptions(sys.argv, ["JOB_NAME", "COLOR"])
        print("argv0", sys.argv[0])
        print("color", args["COLOR"], "job", args["JOB_NAME"], "bookmark", args["job_bookmark_option"])
        print("cwd", os.getcwd())
        print("aws-env", sorted(k for k in os.environ if k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE")))
        print("home-aws", os.path.exists(os.path.expanduser("~/.aws/credentials")))
        import boto3
        print("caller", boto3.client("sts").get_caller_identity()["Arn"])
        """)
        let runs = temporaryFolder("runs")
        // The user's own AWS credentials, in the environment and in ~/.aws, must not reach the job.
        let home = temporaryFolder("home")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".aws"), withIntermediateDirectories: true)
        try "[default]\naws_access_key_id = AKIAUSERSOWNKEY00000\naws_secret_access_key = usersecret\n"
            .write(to: home.appendingPathComponent(".aws/credentials"), atomically: true, encoding: .utf8)
        let env = ProcessInfo.processInfo.environment
        let cache = env["GLUESHIM_CACHE"] ?? env["XDG_CACHE_HOME"].map { $0 + "/glueshim" } ?? (NSHomeDirectory() + "/.cache/glueshim")
        let userEnvironment = ["GLUESHIM_CACHE": cache, "HOME": home.path, "AWS_ACCESS_KEY_ID": "AKIAUSERSOWNKEY00000", "AWS_SECRET_ACCESS_KEY": "usersecret", "AWS_PROFILE": "default"]
        let result = try glueshim(["run", file.path, "--role", "glue-role-test", "--arg", "COLOR=blue", "--runs-dir", runs.path], environment: userEnvironment)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("argv0 /tmp/glue-python-scripts-"))
        #expect(result.stdout.contains("color blue job job bookmark job-bookmark-disable"))
        #expect(result.stdout.contains("cwd /tmp"))
        #expect(result.stdout.contains("aws-env []"))
        #expect(result.stdout.contains("home-aws False"))
        #expect(result.stdout.contains("caller arn:aws:sts::111111111111:assumed-role/glue-role-test/GlueJobRunnerSession"))
    }

    @Test func missingRequiredArgumentFailsWithExitCodeTwo() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.missingRequiredArgumentFailsWithExitCodeTwoBody() }

    }


    func missingRequiredArgumentFailsWithExitCodeTwoBody() throws {
        let file = try script("import sys\nfrom awsglue.utils import getResolvedOptions\ngetResolvedOptions(sys.argv, ['NOT_GIVEN'])\n")
        let runs = temporaryFolder("runs")
        let result = try glueshim(["run", file.path, "--role", "glue-role-test", "--runs-dir", runs.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("the following arguments are required: --NOT_GIVEN"))
        let record = try runRecord(try onlyRun(in: runs))
        #expect(record["ErrorMessage"] as? String == "Command failed with exit code 2")
    }

    @Test func logsPrintsARunsOutputAndErrors() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.logsPrintsARunsOutputAndErrorsBody() }

    }


    func logsPrintsARunsOutputAndErrorsBody() throws {
        let file = try script("import sys\nprint('to output')\nprint('to error', file=sys.stderr)\n")
        let runs = temporaryFolder("runs")
        _ = try glueshim(["run", file.path, "--role", "glue-role-test", "--runs-dir", runs.path])
        let id = try onlyRun(in: runs).lastPathComponent
        #expect(try glueshim(["logs", id, "--runs-dir", runs.path]).stdout == "to output\n")
        #expect(try glueshim(["logs", id, "--runs-dir", runs.path, "--errors"]).stdout == "to error\n")
        let missing = try glueshim(["logs", "jr_0000", "--runs-dir", runs.path])
        #expect(missing.status == 2)
    }

    @Test func missingJobFolderIsAUsageError() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.missingJobFolderIsAUsageErrorBody() }

    }


    func missingJobFolderIsAUsageErrorBody() throws {
        let result = try glueshim(["run", "jobs/does-not-exist"])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("glueshim: jobs/does-not-exist: no such job folder"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func malformedWorldNamesTheFileAndTheProblem() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.malformedWorldNamesTheFileAndTheProblemBody() }

    }


    func malformedWorldNamesTheFileAndTheProblemBody() throws {
        let world = try worldVariant { $0.replacingOccurrences(of: "\"Effect\": \"Allow\",\n                \"Principal\": {\"Service\"", with: "\"Effect\": \"Permit\",\n                \"Principal\": {\"Service\"") }
        let result = try glueshim(["run", "jobs/assume-role-download", "--world", world.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains(world.path))
        #expect(result.stderr.contains("MalformedPolicyDocument"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
