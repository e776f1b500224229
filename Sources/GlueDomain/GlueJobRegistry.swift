import Foundation
import Synchronization

/// A job as the Glue API keeps it.
public struct StoredJob: Codable, Sendable, Hashable {
    public var definition: JobDefinition
    public var createdOn: Date
    public var lastModifiedOn: Date
    /// The account the job lives in (whose credentials created it).
    public var account: String
    /// Where a job from a job folder keeps its local script (deployed to ScriptLocation at each run).
    public var localScript: URL?
    public var folder: URL?

    public init(definition: JobDefinition, createdOn: Date, account: String, localScript: URL? = nil, folder: URL? = nil) {
        self.definition = definition
        self.createdOn = createdOn
        self.lastModifiedOn = createdOn
        self.account = account
        self.localScript = localScript
        self.folder = folder
    }
}

/// Stops a running attempt: set by BatchStopJobRun, honoured by the launcher.
public final class RunControl: Sendable {
    private let state = Mutex<(stopRequested: Bool, stop: (@Sendable () -> Void)?)>((false, nil))
    public init() {}
    /// The launcher registers how to stop the worker once it runs.
    public func onStop(_ action: @escaping @Sendable () -> Void) {
        let already = state.withLock { s -> Bool in
            s.stop = action
            return s.stopRequested
        }
        if already { action() }
    }
    public func requestStop() {
        let action = state.withLock { s -> (@Sendable () -> Void)? in
            s.stopRequested = true
            return s.stop
        }
        action?()
    }
    public var stopRequested: Bool { state.withLock { $0.stopRequested } }
}

/// Starts job runs; implemented by the runtime, which owns the worker processes.
public protocol JobRunLauncher: Sendable {
    /// Runs one attempt to its end, recording RUNNING in `registry`; returns the final record
    /// (the caller records it, so a retry can be admitted first).
    func execute(job: StoredJob, run: JobRunRecord, control: RunControl, host: GlueHost, registry: GlueJobRegistry) async -> JobRunRecord
}

/// Why a registry file could not be read: it exists but is not a registry.
public struct GlueJobRegistryError: Error, Sendable, CustomStringConvertible {
    public var file: URL
    public var reason: String
    public var description: String { "\(file.path): \(reason)".replacingOccurrences(of: "\n", with: " ") }
}

/// The Glue jobs and job runs of an endpoint, shared by the Glue API and `glueshim run`.
/// With a file, jobs, tags and runs survive restarts of `glueshim serve --state DIR`.
public final class GlueJobRegistry: Sendable {
    /// What is written to the file.
    struct Snapshot: Codable {
        var jobs: [String: StoredJob]
        var tags: [String: [String: String]]
        var runs: [String: [JobRunRecord]]
    }
    private let file: URL?
    /// Told when the file cannot be written (the change stays in memory).
    private let writeFailed: @Sendable (String) -> Void
    /// The runs going now, as children of the endpoint's scope.
    public let tasks = OwnedTasks()
    /// Connections created through the Glue API (CreateConnection), and world ones deleted.
    public let connections = GlueConnectionRegistry()

    struct State {
        var jobs: [String: StoredJob] = [:]
        var tags: [String: [String: String]] = [:]
        /// Runs by job name, oldest first.
        var runs: [String: [JobRunRecord]] = [:]
        var controls: [String: RunControl] = [:]
        var finished: [String: [CheckedContinuation<JobRunRecord, Never>]] = [:]
        /// The last write failure reported, so a failing disk is reported once, not at every change.
        var lastWriteFailure: String?
    }
    private let state = Mutex(State())

    public init() {
        file = nil
        writeFailed = { _ in }
    }

    /// A registry kept in `file`: loaded now (a missing file is an empty registry), saved after
    /// every change. Runs that were going when glueshim stopped are recorded as ERROR. A file that
    /// exists but cannot be read or parsed is an error, and is left as it is.
    public init(file: URL, writeFailed: @escaping @Sendable (String) -> Void) throws(GlueJobRegistryError) {
        self.file = file
        self.writeFailed = writeFailed
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
            return
        } catch {
            throw GlueJobRegistryError(file: file, reason: "cannot read: \(error.localizedDescription)")
        }
        let snapshot: Snapshot
        do {
            snapshot = try Self.decoder.decode(Snapshot.self, from: data)
        } catch {
            throw GlueJobRegistryError(file: file, reason: "not a glueshim job registry: \(Self.describe(error))")
        }
        state.withLock { s in
            s.jobs = snapshot.jobs
            s.tags = snapshot.tags
            s.runs = snapshot.runs.mapValues { runs in
                runs.map { run in
                    guard !run.isFinished else { return run }
                    var ended = run
                    ended.JobRunState = "ERROR"
                    ended.ErrorMessage = "glueshim stopped while the run was going"
                    ended.CompletedOn = run.LastModifiedOn
                    return ended
                }
            }
        }
    }

    /// A decoding error in one line: what is wrong, and where.
    static func describe(_ error: any Error) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.isEmpty ? "" : " at " + context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        guard let error = error as? DecodingError else { return String(describing: error) }
        switch error {
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return (underlying ?? context.debugDescription) + path(context)
        case .keyNotFound(let key, let context):
            return "missing \(key.stringValue)" + path(context)
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return context.debugDescription + path(context)
        @unknown default:
            return String(describing: error)
        }
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        return e
    }()
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()

    /// Writes the registry to its file (temporary file, then rename); a failure is reported.
    private func save() {
        guard let file else { return }
        let snapshot = state.withLock { Snapshot(jobs: $0.jobs, tags: $0.tags, runs: $0.runs) }
        let failure: String?
        do {
            let data = try Self.encoder.encode(snapshot)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: file, options: .atomic)
            failure = nil
        } catch {
            failure = "cannot write the job registry \(file.path): \(error.localizedDescription)"
        }
        let report = state.withLock { s -> Bool in
            defer { s.lastWriteFailure = failure }
            return failure != nil && failure != s.lastWriteFailure
        }
        if report, let failure { writeFailed(failure) }
    }

    public func job(_ name: String) -> StoredJob? { state.withLock { $0.jobs[name] } }
    public var jobs: [StoredJob] { state.withLock { $0.jobs.values.sorted { $0.definition.Name < $1.definition.Name } } }

    /// Adds a job; false when the name is taken.
    @discardableResult
    public func create(_ job: StoredJob) -> Bool {
        let created = state.withLock { s in
            guard s.jobs[job.definition.Name] == nil else { return false }
            s.jobs[job.definition.Name] = job
            s.tags[job.definition.Name] = job.definition.Tags ?? [:]
            return true
        }
        if created { save() }
        return created
    }

    public func update(_ name: String, _ change: (inout StoredJob) -> Void) -> Bool {
        let updated = state.withLock { s in
            guard var job = s.jobs[name] else { return false }
            change(&job)
            s.jobs[name] = job
            return true
        }
        if updated { save() }
        return updated
    }

    public func delete(_ name: String) {
        state.withLock { s in s.jobs[name] = nil; s.tags[name] = nil }
        save()
    }

    public func tags(_ name: String) -> [String: String] { state.withLock { $0.tags[name] ?? [:] } }
    public func setTags(_ name: String, _ change: (inout [String: String]) -> Void) {
        state.withLock { s in
            var t = s.tags[name] ?? [:]
            change(&t)
            s.tags[name] = t
        }
        save()
    }

    /// Runs of a job, newest first.
    public func runs(of job: String) -> [JobRunRecord] { state.withLock { Array(($0.runs[job] ?? []).reversed()) } }

    public func run(job: String, id: String) -> JobRunRecord? { state.withLock { $0.runs[job]?.first { $0.Id == id } } }

    /// Records a new run unless the job already has `limit` runs going.
    public func admit(_ run: JobRunRecord, limit: Int) -> RunControl? {
        let control: RunControl? = state.withLock { s in
            let active = (s.runs[run.JobName] ?? []).filter { !$0.isFinished }.count
            guard active < limit else { return nil }
            s.runs[run.JobName, default: []].append(run)
            let control = RunControl()
            s.controls[run.Id] = control
            return control
        }
        if control != nil { save() }
        return control
    }

    public func control(_ runId: String) -> RunControl? { state.withLock { $0.controls[runId] } }

    /// Replaces a run's record; wakes whoever waits for it when it has finished.
    public func record(_ run: JobRunRecord) {
        let waiters = state.withLock { s -> [CheckedContinuation<JobRunRecord, Never>] in
            if let index = s.runs[run.JobName]?.firstIndex(where: { $0.Id == run.Id }) { s.runs[run.JobName]![index] = run }
            guard run.isFinished else { return [] }
            s.controls[run.Id] = nil
            return s.finished.removeValue(forKey: run.Id) ?? []
        }
        save()
        for waiter in waiters { waiter.resume(returning: run) }
    }

    /// Records every run still going as STOPPED (the endpoint that ran them has stopped).
    public func stopUnfinished(now: Date) {
        let unfinished = state.withLock { s in s.runs.values.flatMap { $0.filter { !$0.isFinished } } }
        for run in unfinished {
            var stopped = run
            stopped.JobRunState = "STOPPED"
            stopped.CompletedOn = now
            stopped.LastModifiedOn = now
            record(stopped)
        }
    }

    /// Waits until a run has finished.
    public func waitUntilFinished(job: String, id: String) async -> JobRunRecord {
        await withCheckedContinuation { continuation in
            let done = state.withLock { s -> JobRunRecord? in
                if let run = s.runs[job]?.first(where: { $0.Id == id }), run.isFinished { return run }
                s.finished[id, default: []].append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }
}
