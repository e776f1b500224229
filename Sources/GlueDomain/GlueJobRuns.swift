import Foundation

/// Starting runs, retries and waiting: what StartJobRun and `glueshim run` share.
public enum GlueJobRuns {
    /// Admits a run of `job` and starts it as a child of the endpoint's scope (cancelling that
    /// scope stops the run); nil when MaxConcurrentRuns is reached.
    public static func start(_ job: StoredJob, arguments: [String: String], timeout: Int?, host: GlueHost, id: String = JobRunRecord.newId(),
                             retrying previous: JobRunRecord? = nil) -> JobRunRecord? {
        let now = host.clock()
        let run = JobRunRecord(Id: id, Attempt: previous.map { $0.Attempt + 1 } ?? 0, PreviousRunId: previous?.Id, JobName: job.definition.Name, StartedOn: now, LastModifiedOn: now,
                               JobRunState: "STARTING", Arguments: arguments, Timeout: timeout ?? job.definition.timeoutMinutes,
                               MaxCapacity: job.definition.MaxCapacity ?? 0.0625, GlueVersion: job.definition.effectiveGlueVersion)
        let registry = host.jobs
        guard let control = registry.admit(run, limit: job.definition.maxConcurrentRuns) else { return nil }
        registry.tasks.spawn { await attempt(job, run: run, control: control, host: host) }
        return run
    }

    /// Runs one attempt; a failed attempt is retried as a new run while MaxRetries allows.
    static func attempt(_ job: StoredJob, run: JobRunRecord, control: RunControl, host: GlueHost) async {
        let registry = host.jobs
        var final: JobRunRecord
        if let launcher = host.launcher {
            final = await launcher.execute(job: job, run: run, control: control, host: host, registry: registry)
        } else {
            final = run
            final.JobRunState = "FAILED"
            final.ErrorMessage = "this endpoint does not run jobs"
            final.CompletedOn = host.clock()
        }
        if final.JobRunState == "FAILED", run.Attempt < (job.definition.MaxRetries ?? 0), !Task.isCancelled {
            let now = host.clock()
            var next = run
            next.Id = JobRunRecord.newId()
            next.Attempt = run.Attempt + 1
            next.PreviousRunId = run.Id
            next.StartedOn = now
            next.LastModifiedOn = now
            next.JobRunState = "STARTING"
            // The retry is admitted before the failed attempt is recorded as finished, so anyone
            // waiting for the run finds its successor.
            if let nextControl = registry.admit(next, limit: Int.max) {
                registry.record(final)
                await attempt(job, run: next, control: nextControl, host: host)
                return
            }
        }
        registry.record(final)
    }

    /// Waits for a run and, when it was retried, for its last attempt.
    public static func waitForLastAttempt(job: String, id: String, registry: GlueJobRegistry) async -> JobRunRecord {
        var current = await registry.waitUntilFinished(job: job, id: id)
        while let next = registry.runs(of: job).first(where: { $0.PreviousRunId == current.Id }) {
            current = await registry.waitUntilFinished(job: job, id: next.Id)
        }
        return current
    }
}
