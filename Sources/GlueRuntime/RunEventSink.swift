import Endpoint
import Foundation
import Synchronization

/// Events of `glueshim run`: each attempt's calls go to its own run folder's `events.jsonl`
/// (attempts of one `run` follow each other, never overlap).
final class RunEventSink: EventSink {
    private let state = Mutex<(current: String?, sinks: [String: JSONLinesEventSink])>((nil, [:]))

    /// Points the following events at a run's file.
    func begin(runId: String, file: URL) {
        let sink = JSONLinesEventSink(file: file)
        state.withLock { $0.current = runId; $0.sinks[runId] = sink }
    }

    func record(_ event: CallEvent) {
        let sink = state.withLock { s in s.current.flatMap { s.sinks[$0] } }
        sink?.record(event)
    }

    func events(of runId: String) -> [CallEvent] {
        state.withLock { $0.sinks[runId] }?.events ?? []
    }
}
