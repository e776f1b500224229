import Dispatch
import Foundation
import Synchronization

/// SIGINT and SIGTERM for commands that own workers (`serve`, `run`, `test`): installed first
/// thing, so a signal at any moment asks the command to stop its work (workers killed, runs
/// recorded as STOPPED) instead of ending the process with its workers left running.
final class SignalWaiter: Sendable {
    private struct State {
        var received: Int32?
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }
    private let state = Mutex(State())

    /// Keeps signal sources alive for the life of the process.
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    private init() {}

    /// From now on SIGINT and SIGTERM no longer end the process; they wake `wait()`.
    static func install() -> SignalWaiter {
        let waiter = SignalWaiter()
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { waiter.deliver(sig) }
            source.resume()
            sources.append(source)
        }
        return waiter
    }

    private func deliver(_ sig: Int32) {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            if s.received == nil { s.received = sig }
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The first signal received, if any.
    var received: Int32? { state.withLock { $0.received } }

    /// Returns once a signal has been received, or when the calling task is cancelled.
    func wait() async {
        let id = state.withLock { s -> UInt64 in
            defer { s.nextWaiter += 1 }
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.received != nil || Task.isCancelled { return true }
                    s.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }

    /// Runs `work` until it ends or a signal arrives; on a signal, `work` is cancelled and
    /// waited for (it stops its workers and records how its runs ended).
    func cancellingOnSignal<T: Sendable>(_ work: @escaping @Sendable () async -> T) async -> T {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await work() }
            group.addTask {
                await self.wait()
                return nil
            }
            var result: T?
            for await value in group {
                if let value {
                    result = value
                }
                group.cancelAll()
            }
            return result!
        }
    }
}
