import Endpoint
import GlueDomain
import Testing

/// How Glue merges a job's and a run's arguments and builds the script's argv
/// (Glue's "Job parameters" documentation; facts in the reference notes).
@Suite struct JobArgumentsTests {
    let job = JobDefinition(Name: "nightly", Role: "glue-role-test",
                            Command: .init(Name: "pythonshell", ScriptLocation: "s3://assets/scripts/nightly.py", PythonVersion: "3.9"),
                            DefaultArguments: ["--color": "red", "--size": "1", "--TempDir": "s3://assets/temp/"],
                            NonOverridableArguments: ["--env": "prod"])

    @Test func runArgumentsOverrideDefaultsKeyByKeyAndNonOverridableWin() {
        let merged = JobArguments.merge(job: job, run: ["--color": "blue", "--env": "dev", "--new": "x"])
        #expect(merged == ["--color": "blue", "--size": "1", "--TempDir": "s3://assets/temp/", "--env": "prod", "--new": "x"])
    }

    @Test func scriptLocationArgumentOverridesTheCommand() {
        #expect(JobArguments.scriptLocation(job: job, merged: [:]) == "s3://assets/scripts/nightly.py")
        #expect(JobArguments.scriptLocation(job: job, merged: ["--scriptLocation": "s3://assets/other.py"]) == "s3://assets/other.py")
    }

    @Test func argvHasTheScriptThenEachArgumentAndGluesOwn() {
        let argv = JobArguments.argv(scriptPath: "/tmp/glue-python-scripts-x/nightly.py", job: job,
                                     merged: JobArguments.merge(job: job, run: ["--flag": ""]))
        #expect(argv.first == "/tmp/glue-python-scripts-x/nightly.py")
        func value(_ key: String) -> String? {
            guard let i = argv.firstIndex(of: key), i + 1 < argv.count else { return nil }
            return argv[i + 1]
        }
        #expect(value("--color") == "red")
        #expect(value("--env") == "prod")
        #expect(value("--scriptLocation") == "s3://assets/scripts/nightly.py")
        #expect(value("--job-bookmark-option") == "job-bookmark-disable")
        #expect(value("--job-language") == "python")
        #expect(value("--JOB_NAME") == "nightly")
        // An empty value is passed as a bare flag.
        let flag = argv.firstIndex(of: "--flag")
        #expect(flag != nil)
        if let flag, flag + 1 < argv.count { #expect(argv[flag + 1].hasPrefix("--")) }
    }

    @Test func jobNameCanBeLeftOut() {
        let argv = JobArguments.argv(scriptPath: "/tmp/s.py", job: job, merged: [:], passJobName: false)
        #expect(!argv.contains("--JOB_NAME"))
    }

    @Test(arguments: [(["--ok": "1"], nil), (["library-set": "analytics"], nil), (["bad": "1"], "argument key 'bad' must start with '--'")])
    func argumentKeysAreChecked(arguments: [String: String], problem: String?) {
        #expect(JobArguments.validate(arguments) == problem)
    }
}
