import AWSClient
import Endpoint
import Foundation
import GlueDomain
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
    /// Seconds in a timeout minute: 60, or less for tests (`glueshim` takes it from `GLUESHIM_MINUTE_SECONDS`).
    public var minuteSeconds: Double = 60
    /// The limits of every worker (jobs and sessions); `glueshim` takes them from `GLUESHIM_WORKER_*`.
    public var limits: WorkerLimits = .standard
    /// The job's Python environment and module layers are cached here; `glueshim` takes it from
    /// `GLUESHIM_CACHE` (`PythonEnvironment.cacheDirectory(environment:)`).
    public var cacheDirectory: String = PythonEnvironment.defaultCacheDirectory
    public var progress: @Sendable (String) -> Void = { _ in }
    public var stdout: @Sendable (Data) -> Void = { _ in }
    public var stderr: @Sendable (Data) -> Void = { _ in }

    public init(runsDirectory: URL, workerExecutable: String) {
        self.runsDirectory = runsDirectory
        self.workerExecutable = workerExecutable
    }

    /// `GLUESHIM_MINUTE_SECONDS` in `environment` (shortens timeouts for tests: a job's `Timeout: 1`
    /// then lasts that many seconds), else 60.
    public static func minuteSeconds(from environment: [String: String]) -> Double {
        environment["GLUESHIM_MINUTE_SECONDS"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? 60
    }
}

/// A finished run: its record, its folder and the AWS calls it made.
public struct RunResult: Sendable {
    public var record: JobRunRecord
    public var folder: URL
    public var events: [CallEvent]
    /// Every attempt, first to last (more than one when MaxRetries retried a failure).
    public var attempts: [JobRunRecord]
    /// The run's S3 objects as the job left them.
    public var store: ObjectStore
}

/// Runs Python shell jobs as Glue does, against a local world: `glueshim run`.
public enum RunEngine {
    public static func run(_ source: JobSource, world: World, options: RunOptions) async throws(RunError) -> RunResult {
        let job = source.definition
        let merged = JobArguments.merge(job: job, run: options.arguments)
        if let problem = JobArguments.validate(merged) { throw .input("job \(job.Name): \(problem)") }
        let environment = try PythonEnvironments.provision(options)

        let firstId = JobRunRecord.newId()
        let storeFolder = options.runsDirectory.appendingPathComponent(firstId).appendingPathComponent("store")
        let store: ObjectStore
        do {
            store = try ObjectStore(root: storeFolder)
            try store.seed(from: world)
        } catch {
            throw .input(error.description)
        }
        let events = RunEventSink()
        let credentials = CredentialStore()
        let launcher = RuntimeJobLauncher(world: world, environment: environment, options: options, events: events, store: store,
                                          credentials: credentials)
        var configuration = EndpointConfiguration(world: world, store: store, credentials: credentials, events: events)
        configuration.launcher = launcher
        // The job calls the endpoint over HTTPS, with the certificate authority kept in the cache.
        configuration.certificateAuthorityFolder = LocalCertificateAuthority.folder(inCache: options.cacheDirectory)
        // A job may drive Glue interactive sessions through the Glue API, as in AWS.
        try SessionService.enableSessions(&configuration, options: options)
        // The job lives in its role's account, as a job created there would.
        let account = world.role(nameOrArn: job.Role, defaultAccount: nil)?.account ?? world.accounts.keys.sorted().first ?? "000000000000"
        let stored = StoredJob(definition: job, createdOn: configuration.clock(), account: account, localScript: source.localScript, folder: source.folder)

        let timeout = options.timeoutMinutes
        let final: JobRunRecord
        let attempts: [JobRunRecord]
        do {
            (final, attempts) = try await withLocalEndpoint(configuration) { endpoint in
                let registry = endpoint.configuration.glueJobs
                registry.create(stored)
                guard let run = GlueJobRuns.start(stored, arguments: options.arguments, timeout: timeout, host: endpoint.glueHost, id: firstId) else {
                    throw RunError.local("the run could not be admitted")
                }
                let last = await GlueJobRuns.waitForLastAttempt(job: job.Name, id: run.Id, registry: registry)
                return (last, registry.runs(of: job.Name).reversed())
            }
        } catch let error as RunError {
            throw error
        } catch {
            throw .local("the local endpoint failed: \(error)")
        }
        return RunResult(record: final, folder: options.runsDirectory.appendingPathComponent(final.Id),
                         events: events.events(of: final.Id), attempts: attempts, store: store)
    }
}

/// The job's Python environment, provisioned once per process.
enum PythonEnvironments {
    static func provision(_ options: RunOptions) throws(RunError) -> PythonEnvironment {
        let environment: PythonEnvironment
        do {
            environment = try PythonEnvironment.provision(cache: options.cacheDirectory, progress: options.progress)
        } catch {
            throw .local(error.description)
        }
        // The job's private /tmp hides whatever the host keeps under /tmp.
        for path in [environment.sitePackages, environment.supportPath] where path.hasPrefix("/tmp/") {
            throw .input("the job's Python environment is under /tmp (\(path)), which the job's private /tmp hides; set GLUESHIM_CACHE to a folder outside /tmp")
        }
        return environment
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
