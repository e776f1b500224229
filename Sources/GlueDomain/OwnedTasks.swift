import Synchronization

/// Background work (job runs, sessions, their statements) as child tasks of one task group, run
/// by whoever owns the endpoint (`withLocalEndpoint`), so stopping the owner cancels the work and
/// waits for it: a cancelled run kills its worker and records STOPPED before the owner returns.
///
/// ```swift
/// tasks.spawn { await runTheJob() }   // a child of the group that `run()` runs
/// ```
public final class OwnedTasks: Sendable {
    public typealias Work = @Sendable () async -> Void

    private struct State {
        var pending: [Work] = []
        var wake: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    public init() {}

    /// Starts `work` as a child of the group (queued until the group runs). After the group was
    /// cancelled, `work` still runs, in an already cancelled task, so it can record how it ended.
    public func spawn(_ work: @escaping Work) {
        let wake = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.pending.append(work)
            defer { s.wake = nil }
            return s.wake
        }
        wake?.resume()
    }

    /// Runs the spawned work as child tasks until this task is cancelled, then waits for every
    /// child (cancelled with it) to end.
    public func run() async {
        await withDiscardingTaskGroup { group in
            while true {
                let batch = await nextBatch()
                for work in batch { group.addTask { await work() } }
                if Task.isCancelled { break }
            }
            // Work spawned while the children wind down (a statement or StopSession arriving as the endpoint stops).
            while true {
                let late = state.withLock { s -> [Work] in
                    defer { s.pending = [] }
                    return s.pending
                }
                if late.isEmpty { break }
                for work in late { group.addTask { await work() } }
                await Task.yield()
            }
        }
        // Anything spawned while the last children ended runs here, in this cancelled task.
        while true {
            let late = state.withLock { s -> [Work] in
                defer { s.pending = [] }
                return s.pending
            }
            if late.isEmpty { break }
            for work in late { await work() }
        }
    }

    /// The work spawned since the last call, waiting for some; empty once this task is cancelled.
    private func nextBatch() async -> [Work] {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { s -> Bool in
                    if !s.pending.isEmpty || Task.isCancelled { return true }
                    s.wake = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
            return state.withLock { s in
                defer { s.pending = [] }
                return s.pending
            }
        } onCancel: {
            let wake = state.withLock { s -> CheckedContinuation<Void, Never>? in
                defer { s.wake = nil }
                return s.wake
            }
            wake?.resume()
        }
    }
}
