import AWSClient
import Endpoint
import Foundation
import GlueDomain
import ObjectStore
import PythonHost
import SigV4
import World

/// Runs job attempts as Glue does: assumes the job role as glue.amazonaws.com, fetches the
/// script (and `--extra-py-files`) from S3 with the role's credentials, and runs the script in
/// a sandboxed worker with the role's session behind the container-credentials endpoint.
struct RuntimeJobLauncher: JobRunLauncher {
    let world: World
    let environment: PythonEnvironment
    let options: RunOptions
    /// Set for `glueshim run`, which keeps each attempt's events in its run folder.
    let events: RunEventSink?
    /// The object store the endpoint serves, where a job folder's script is deployed to its ScriptLocation.
    let store: ObjectStore
    /// The endpoint's credentials, where the job role's session is placed in the run's subnet.
    let credentials: CredentialStore

    /// Host names a job must never reach in local mode.
    static let realAWSHosts = ["amazonaws.com", "amazonaws.com.cn", "aws.amazon.com", "api.aws"]

    enum Outcome: Sendable {
        case exited(Int32)
        case timedOut
        case stopped
        case failedToStart(String)
    }

    func execute(job: StoredJob, run: JobRunRecord, control: RunControl, host: GlueHost, registry: GlueJobRegistry) async -> JobRunRecord {
        let folder = options.runsDirectory.appendingPathComponent(run.Id)
        var record = run
        do {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("tmp"), withIntermediateDirectories: true)
        } catch {
            return finish(record, .failedToStart("cannot create the run folder \(folder.path): \(error.localizedDescription)"), folder: folder,
                          now: host.clock())
        }
        events?.begin(runId: run.Id, file: folder.appendingPathComponent("events.jsonl"))
        world.origin?.write(into: folder)
        record.JobRunState = "RUNNING"
        record.LastModifiedOn = host.clock()
        registry.record(record)
        var outcome: Outcome
        do {
            outcome = try await attempt(job, run: record, folder: folder, control: control, host: host)
        } catch {
            outcome = .failedToStart("\(error)")
        }
        // The endpoint's owner stopped (SIGTERM to serve): whatever the attempt was doing, it was stopped.
        if Task.isCancelled, case .failedToStart = outcome { outcome = .stopped }
        return finish(record, outcome, folder: folder, now: host.clock())
    }

    func finish(_ run: JobRunRecord, _ outcome: Outcome, folder: URL, now completed: Date) -> JobRunRecord {
        var record = run
        record.CompletedOn = completed
        record.LastModifiedOn = completed
        record.ExecutionTime = Int(completed.timeIntervalSince(run.StartedOn).rounded())
        switch outcome {
        case .exited(let code):
            record.ExitCode = code
            record.JobRunState = code == 0 ? "SUCCEEDED" : "FAILED"
            record.ErrorMessage = code == 0 ? nil : "Command failed with exit code \(code)"
        case .timedOut:
            record.JobRunState = "TIMEOUT"
            record.ErrorMessage = "Job run timed out after \(record.Timeout) minutes"
        case .stopped:
            record.JobRunState = "STOPPED"
        case .failedToStart(let message):
            record.JobRunState = "FAILED"
            record.ErrorMessage = message
        }
        do {
            try record.json().write(to: folder.appendingPathComponent("run.json"), options: .atomic)
        } catch {
            options.progress("glueshim: cannot write \(folder.appendingPathComponent("run.json").path): \(error.localizedDescription)")
        }
        return record
    }

    func attempt(_ stored: StoredJob, run: JobRunRecord, folder: URL, control: RunControl, host: GlueHost) async throws -> Outcome {
        let job = stored.definition
        let merged = JobArguments.merge(job: job, run: run.Arguments)
        guard job.Command.Name == "pythonshell" else {
            return .failedToStart("glueshim runs Python shell jobs (Command.Name pythonshell), not \(job.Command.Name)")
        }
        guard let role = world.role(nameOrArn: job.Role, defaultAccount: stored.account) else {
            return .failedToStart("The role \(job.Role) does not exist in the world \(world.source) (give the role's name or ARN)")
        }
        // Glue assumes the job role as the service principal glue.amazonaws.com, so a role whose
        // trust policy does not trust Glue cannot run a job.
        // A NETWORK connection places the run in its subnet: every call the run makes with the
        // job role's session comes from there.
        let placement: NetworkPlacement?
        switch Self.placement(of: job, account: stored.account, runId: run.Id, world: world, connections: host.jobs.connections) {
        case .success(let found): placement = found
        case .failure(let problem): return .failedToStart(problem.message)
        }
        let now = host.clock()
        let service = host.issueServiceCredentials("glue.amazonaws.com", now.addingTimeInterval(7 * 86400))
        let glue = AWSClient(endpoint: host.url, region: host.region, credentials: service)
        let session = JobRoleSession(client: glue, roleArn: role.arn) { [credentials] fresh in
            credentials.place(accessKeyId: fresh.credentials.accessKeyId, at: placement)
        }
        let jobCredentials: AssumedRoleCredentials
        do {
            jobCredentials = try await session.credentials()
        } catch {
            return .failedToStart("Glue could not assume the job role \(role.arn): \(error.code): \(error.message)")
        }
        let asJobRole = AWSClient(endpoint: host.url, region: host.region, credentials: jobCredentials.credentials)
        let tmp = folder.appendingPathComponent("tmp")

        // The script: deployed to its ScriptLocation when the job folder has it, then fetched
        // from S3 with the job role's permissions, as Glue fetches it.
        let location = JobArguments.scriptLocation(job: job, merged: merged)
        let script: Data
        if let (bucket, key) = S3URL.parse(location) {
            if let local = stored.localScript, let data = FileManager.default.contents(atPath: local.path) {
                guard store.hasBucket(bucket) else {
                    return .failedToStart("ScriptLocation \(location) names bucket '\(bucket)', which the world does not have")
                }
                try store.put(bucket: bucket, key: key, body: data, attributes: ObjectAttributes(contentType: "text/x-python"), now: host.clock())
            }
            do {
                script = try await asJobRole.getObject(bucket: bucket, key: key)
            } catch {
                return .failedToStart("Failed to download the script from \(location): \(error.code): \(error.message)")
            }
        } else {
            let url = URL(fileURLWithPath: location, relativeTo: stored.folder)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                return .failedToStart("script \(url.path) not found")
            }
            script = data
        }
        let scriptName = (location as NSString).lastPathComponent.isEmpty ? "script.py" : (location as NSString).lastPathComponent
        let scriptFolder = "glue-python-scripts-" + Self.randomToken(8).lowercased()
        let hostScriptDir = tmp.appendingPathComponent(scriptFolder)
        try FileManager.default.createDirectory(at: hostScriptDir, withIntermediateDirectories: true)
        try script.write(to: hostScriptDir.appendingPathComponent(scriptName))
        let scriptPath = "/tmp/\(scriptFolder)/\(scriptName)"

        // --extra-py-files: .py files join a folder on sys.path; .zip and .whl go on sys.path themselves.
        var libraryPaths: [String] = []
        if let extra = merged["--extra-py-files"], !extra.isEmpty {
            let libsFolder = "glue-python-libs-" + Self.randomToken(8).lowercased()
            let hostLibs = tmp.appendingPathComponent(libsFolder)
            try FileManager.default.createDirectory(at: hostLibs, withIntermediateDirectories: true)
            var addedFolder = false
            for item in extra.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
                guard let (bucket, key) = S3URL.parse(item) else {
                    return .failedToStart("--extra-py-files: \(item) is not an s3:// path")
                }
                let name = (key as NSString).lastPathComponent
                guard [".py", ".zip", ".whl"].contains(where: { name.hasSuffix($0) }) else {
                    return .failedToStart("--extra-py-files: \(item) is not a .py, .zip or .whl file")
                }
                let data: Data
                do { data = try await asJobRole.getObject(bucket: bucket, key: key) } catch {
                    return .failedToStart("Failed to download --extra-py-files \(item): \(error.code): \(error.message)")
                }
                try data.write(to: hostLibs.appendingPathComponent(name))
                if name.hasSuffix(".py") {
                    if !addedFolder { libraryPaths.append("/tmp/\(libsFolder)"); addedFolder = true }
                } else {
                    libraryPaths.append("/tmp/\(libsFolder)/\(name)")
                }
            }
        }

        if let modules = merged["--additional-python-modules"], !modules.isEmpty {
            do {
                libraryPaths.append(try ModuleLayer.install(modules, environment: environment, cache: options.cacheDirectory, progress: options.progress))
            } catch {
                return .failedToStart(error.description)
            }
        }

        let spec = WorkerSpec(scriptPath: scriptPath,
                              argv: JobArguments.argv(scriptPath: scriptPath, job: job, merged: merged, passJobName: options.passJobName),
                              modulePaths: libraryPaths + [environment.supportPath, environment.sitePackages],
                              pythonExecutable: environment.pythonExecutable,
                              sandboxTmp: tmp.path,
                              workingDirectory: "/tmp",
                              blockedHostSuffixes: Self.realAWSHosts,
                              limits: options.limits)
        let specURL = folder.appendingPathComponent("worker.json")
        try JSONEncoder().encode(spec).write(to: specURL)

        let token = Self.randomToken(32)
        let container = host.registerContainerCredentials(token) {
            let c = try await session.credentials()
            return (c.credentials, c.expiration)
        }
        // The job role's credentials are served only while the run lasts.
        defer { container.unregister() }
        var env = Self.workerEnvironment(host: host, region: host.region, credentialsURI: container.uri, token: token, environment: environment)
        // Profiles the world declares (role_arn + credential_source...) reach the job as its AWS
        // config file; inside a job the source credentials are the container's (the job role).
        // The file lives in the cache, outside /tmp, which the job's sandbox replaces.
        var configFile: URL?
        if !world.profiles.isEmpty {
            var profiles = world.profiles
            for (name, profile) in profiles where profile.credentialSource != nil { profiles[name]?.credentialSource = "EcsContainer" }
            let folder = URL(fileURLWithPath: options.cacheDirectory).appendingPathComponent("run-config")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let file = folder.appendingPathComponent(run.Id)
            try world.awsConfigFile(profiles: profiles).write(to: file, atomically: true, encoding: .utf8)
            env["AWS_CONFIG_FILE"] = file.path
            configFile = file
        }
        defer { if let configFile { try? FileManager.default.removeItem(at: configFile) } }
        if control.stopRequested || Task.isCancelled { return .stopped }
        let process = try WorkerProcess(executable: options.workerExecutable, arguments: [PythonWorker.commandName, specURL.path],
                                        environment: env, maxProcesses: options.limits.maxProcesses)

        let outLog = LogFile(folder.appendingPathComponent("output.log"), clock: host.clock)
        let errLog = LogFile(folder.appendingPathComponent("error.log"), clock: host.clock)
        let timedOut = TimeoutFlag(), stopped = TimeoutFlag()
        control.onStop { stopped.set(); process.killGroup() }
        let limit = Double(run.Timeout) * options.minuteSeconds
        let out = options.stdout, err = options.stderr
        // The worker and its timeout; cancelling this task (the endpoint's owner stopping) kills the worker.
        let status = await withTaskGroup(of: Int32?.self) { group in
            group.addTask {
                try? await Task.sleep(for: .seconds(limit))
                if !Task.isCancelled {
                    timedOut.set()
                    process.killGroup()
                }
                return nil
            }
            group.addTask {
                await process.wait(stdout: { data in outLog.write(data); out(data) },
                                   stderr: { data in errLog.write(data); err(data) })
            }
            var status: Int32 = 0
            for await value in group {
                if let value {
                    status = value
                    group.cancelAll()
                }
            }
            return status
        }
        outLog.close()
        errLog.close()
        if stopped.isSet || Task.isCancelled { return .stopped }
        return timedOut.isSet ? .timedOut : .exited(status)
    }

    struct PlacementProblem: Error { var message: String }

    /// Where a run of `job` is placed: the subnet of its first connection that names one
    /// (Glue uses one connection's network for the job), with a private address from the
    /// subnet; nil without such a connection.
    static func placement(of job: JobDefinition, account: String, runId: String, world: World,
                          connections: GlueConnectionRegistry) -> Result<NetworkPlacement?, PlacementProblem> {
        for name in job.connectionNames {
            guard let connection = GlueConnections.find(name, account: account, world: world, registry: connections) else {
                return .failure(PlacementProblem(message: "Connection \(name) of job \(job.Name) does not exist in account \(account): create it (CreateConnection) or declare it under the account's connections in the world"))
            }
            guard let subnet = connection.subnetId else { continue }
            guard let placement = world.placement(subnet: subnet, account: account, seed: runId) else {
                return .failure(PlacementProblem(message: "The subnet ID '\(subnet)' does not exist (connection \(name) of job \(job.Name)); declare it under account \(account)'s subnets in the world"))
            }
            return .success(placement)
        }
        return .success(nil)
    }

    /// The worker's whole environment: nothing of the user's, least of all their AWS credentials.
    static func workerEnvironment(host: GlueHost, region: String, credentialsURI: String, token: String, environment: PythonEnvironment) -> [String: String] {
        let venvBin = URL(fileURLWithPath: environment.pythonExecutable).deletingLastPathComponent().path
        // As in Glue, the job's AWS calls go over TLS (the endpoint's HTTPS listener, trusting its
        // local certificate authority). Container credentials stay on loopback HTTP, which
        // botocore accepts for that URI.
        let endpoint = host.workerEndpoint
        var variables = [
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
        if let caBundle = endpoint.caBundle { variables["AWS_CA_BUNDLE"] = caBundle }
        return variables
    }

    static func randomToken(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<count).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}
