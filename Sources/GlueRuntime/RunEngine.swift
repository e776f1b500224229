import AWSClient
import Endpoint
import Foundation
import IAMPolicy
import ObjectStore
import PythonHost
import SigV4
import World

/// What a run needs besides the job and the world.
public struct RunOptions: Sendable {
    /// Run arguments (StartJobRun's Arguments).
    public var arguments: [String: String] = [:]
    /// Minutes; overrides the job's Timeout.
    public var timeoutMinutes: Int?
    /// Where run folders go (`sandbox/runs`).
    public var runsDirectory: URL
    /// The binary to start as the worker (`glueshim` itself).
    public var workerExecutable: String
    /// Pass `--JOB_NAME` to the script (unverified for Python shell in Glue; on by default).
    public var passJobName = true
    public var progress: @Sendable (String) -> Void = { _ in }
    public var stdout: @Sendable (Data) -> Void = { _ in }
    public var stderr: @Sendable (Data) -> Void = { _ in }

    public init(runsDirectory: URL, workerExecutable: String) {
        self.runsDirectory = runsDirectory
        self.workerExecutable = workerExecutable
    }
}

/// A finished run: its record, its folder and the AWS calls it made.
public struct RunResult: Sendable {
    public var record: JobRunRecord
    public var folder: URL
    public var events: [CallEvent]
}

/// Runs Python shell jobs as Glue does, against a local world.
public enum RunEngine {
    /// Host names a job must never reach in local mode.
    static let realAWSHosts = ["amazonaws.com", "amazonaws.com.cn", "aws.amazon.com", "api.aws"]

    public static func run(_ source: JobSource, world: World, options: RunOptions) async throws(RunError) -> RunResult {
        let job = source.definition
        let merged = JobArguments.merge(job: job, run: options.arguments)
        if let problem = JobArguments.validate(merged) { throw .input("job \(job.Name): \(problem)") }

        let runId = JobRunRecord.newId()
        let folder = options.runsDirectory.appendingPathComponent(runId)
        let tmp = folder.appendingPathComponent("tmp")
        do {
            try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        } catch {
            throw .local("cannot create the run folder \(folder.path): \(error.localizedDescription)")
        }
        let store = try seedStore(world: world, folder: folder.appendingPathComponent("store"))
        let environment: PythonEnvironment
        do {
            environment = try PythonEnvironment.provision(progress: options.progress)
        } catch {
            throw .local(error.description)
        }

        // The job's private /tmp hides whatever the host keeps under /tmp.
        for path in [environment.sitePackages, environment.supportPath] where path.hasPrefix("/tmp/") {
            throw .input("the job's Python environment is under /tmp (\(path)), which the job's private /tmp hides; set GLUESHIM_CACHE to a folder outside /tmp")
        }
        let started = Date()
        var record = JobRunRecord(Id: runId, Attempt: 0, JobName: job.Name, StartedOn: started, LastModifiedOn: started,
                                  CompletedOn: nil, JobRunState: "RUNNING", Arguments: options.arguments, ErrorMessage: nil,
                                  ExecutionTime: 0, Timeout: options.timeoutMinutes ?? job.timeoutMinutes,
                                  MaxCapacity: job.MaxCapacity ?? 0.0625, LogGroupName: "/aws-glue/python-jobs",
                                  GlueVersion: job.GlueVersion ?? (job.Command.PythonVersion == "3" ? "1.0" : "3.0"), ExitCode: nil)
        let events = JSONLinesEventSink(file: folder.appendingPathComponent("events.jsonl"))
        let configuration = EndpointConfiguration(world: world, store: store, events: events)

        let timeoutMinutes = record.Timeout
        let outcome: RunOutcome
        do {
            outcome = try await withLocalEndpoint(configuration) { endpoint in
                try await execute(source, world: world, merged: merged, endpoint: endpoint, store: store,
                                  environment: environment, folder: folder, timeoutMinutes: timeoutMinutes, options: options)
            }
        } catch let error as RunError {
            throw error
        } catch {
            throw .local("the local endpoint failed: \(error)")
        }

        let completed = Date()
        record.CompletedOn = completed
        record.LastModifiedOn = completed
        record.ExecutionTime = Int(completed.timeIntervalSince(started).rounded())
        switch outcome {
        case .exited(let code):
            record.ExitCode = code
            record.JobRunState = code == 0 ? "SUCCEEDED" : "FAILED"
            if code != 0 { record.ErrorMessage = "Command failed with exit code \(code)" }
        case .timedOut:
            record.JobRunState = "TIMEOUT"
            record.ErrorMessage = "Job run timed out after \(record.Timeout) minutes"
        case .failedToStart(let message):
            record.JobRunState = "FAILED"
            record.ErrorMessage = message
        }
        try? record.json().write(to: folder.appendingPathComponent("run.json"), options: .atomic)
        return RunResult(record: record, folder: folder, events: events.events)
    }

    enum RunOutcome: Sendable {
        case exited(Int32)
        case timedOut
        case failedToStart(String)
    }

    /// A fresh object store holding the world's buckets and objects.
    static func seedStore(world: World, folder: URL) throws(RunError) -> ObjectStore {
        do {
            let store = try ObjectStore(root: folder)
            try store.seed(from: world)
            return store
        } catch {
            throw .input(error.description)
        }
    }

    static func execute(_ source: JobSource, world: World, merged: [String: String], endpoint: LocalEndpoint, store: ObjectStore,
                        environment: PythonEnvironment, folder: URL, timeoutMinutes: Int, options: RunOptions) async throws -> RunOutcome {
        let job = source.definition
        guard let role = world.role(nameOrArn: job.Role, defaultAccount: nil) else {
            return .failedToStart("The role \(job.Role) does not exist in the world \(world.source) (give the role's name or ARN)")
        }
        // Glue assumes the job role as the service principal glue.amazonaws.com, so a role whose
        // trust policy does not trust Glue cannot run a job.
        let service = endpoint.configuration.credentials.issueServicePrincipal("glue.amazonaws.com", expiration: Date().addingTimeInterval(7 * 86400))
        let glue = AWSClient(endpoint: endpoint.url, region: world.region, credentials: service.credentials)
        let session = JobRoleSession(client: glue, roleArn: role.arn)
        let jobCredentials: AssumedRoleCredentials
        do {
            jobCredentials = try await session.credentials()
        } catch {
            return .failedToStart("Glue could not assume the job role \(role.arn): \(error.code): \(error.message)")
        }

        // The script: deployed to its ScriptLocation when the job folder has it, then fetched
        // from S3 with the job role's permissions, as Glue fetches it.
        let location = JobArguments.scriptLocation(job: job, merged: merged)
        let script: Data
        if let (bucket, key) = S3URL.parse(location) {
            if let local = source.localScript {
                guard store.hasBucket(bucket), let data = FileManager.default.contents(atPath: local.path) else {
                    throw RunError.input("job \(job.Name): ScriptLocation \(location) names bucket '\(bucket)', which the world does not have")
                }
                try store.put(bucket: bucket, key: key, body: data, attributes: ObjectAttributes(contentType: "text/x-python"), now: Date())
            }
            let client = AWSClient(endpoint: endpoint.url, region: world.region, credentials: jobCredentials.credentials)
            do {
                script = try await client.getObject(bucket: bucket, key: key)
            } catch {
                return .failedToStart("Failed to download the script from \(location): \(error.code): \(error.message)")
            }
        } else {
            let url = URL(fileURLWithPath: location, relativeTo: source.folder)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw RunError.input("job \(job.Name): script \(url.path) not found")
            }
            script = data
        }
        let scriptName = (location as NSString).lastPathComponent.isEmpty ? "script.py" : (location as NSString).lastPathComponent
        let scriptFolder = "glue-python-scripts-" + randomToken(8).lowercased()
        let hostScriptDir = folder.appendingPathComponent("tmp").appendingPathComponent(scriptFolder)
        try FileManager.default.createDirectory(at: hostScriptDir, withIntermediateDirectories: true)
        try script.write(to: hostScriptDir.appendingPathComponent(scriptName))
        let scriptPath = "/tmp/\(scriptFolder)/\(scriptName)"

        let spec = WorkerSpec(scriptPath: scriptPath,
                              argv: JobArguments.argv(scriptPath: scriptPath, job: job, merged: merged, passJobName: options.passJobName),
                              modulePaths: [environment.supportPath, environment.sitePackages],
                              pythonExecutable: environment.pythonExecutable,
                              sandboxTmp: folder.appendingPathComponent("tmp").path,
                              workingDirectory: "/tmp",
                              blockedHostSuffixes: realAWSHosts)
        let specURL = folder.appendingPathComponent("worker.json")
        try JSONEncoder().encode(spec).write(to: specURL)

        let token = randomToken(32)
        let credentialsURI = endpoint.registerContainerCredentials(token: token) {
            let c = try await session.credentials()
            return (c.credentials, c.expiration)
        }
        let env = workerEnvironment(endpoint: endpoint, region: world.region, credentialsURI: credentialsURI, token: token, environment: environment)
        let process = try WorkerProcess(executable: options.workerExecutable, arguments: [PythonWorker.commandName, specURL.path], environment: env)

        let outLog = LogFile(folder.appendingPathComponent("output.log"))
        let errLog = LogFile(folder.appendingPathComponent("error.log"))
        let timedOut = TimeoutFlag()
        let timer = Task {
            try await Task.sleep(for: .seconds(Double(timeoutMinutes) * 60))
            timedOut.set()
            process.killGroup()
        }
        let status = await process.wait(
            stdout: { data in outLog.write(data); options.stdout(data) },
            stderr: { data in errLog.write(data); options.stderr(data) })
        timer.cancel()
        outLog.close()
        errLog.close()
        return timedOut.isSet ? .timedOut : .exited(status)
    }

    /// The worker's whole environment: nothing of the user's, least of all their AWS credentials.
    static func workerEnvironment(endpoint: LocalEndpoint, region: String, credentialsURI: String, token: String, environment: PythonEnvironment) -> [String: String] {
        let venvBin = URL(fileURLWithPath: environment.pythonExecutable).deletingLastPathComponent().path
        return [
            "PATH": "\(venvBin):/usr/local/bin:/usr/bin:/bin",
            "HOME": "/tmp",
            "TMPDIR": "/tmp",
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONIOENCODING": "utf-8",
            "GLUE_INSTALLATION": "/opt/amazon",
            "AWS_ENDPOINT_URL": endpoint.url.absoluteString,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": credentialsURI,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": token,
            // The user's ~/.aws files must not reach the job.
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_EC2_METADATA_DISABLED": "true",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        ]
    }

    static func randomToken(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<count).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}

/// `s3://bucket/key`
enum S3URL {
    static func parse(_ url: String) -> (String, String)? {
        guard url.hasPrefix("s3://") else { return nil }
        let rest = url.dropFirst(5)
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let bucket = String(rest[..<slash]), key = String(rest[rest.index(after: slash)...])
        return bucket.isEmpty || key.isEmpty ? nil : (bucket, key)
    }
}
