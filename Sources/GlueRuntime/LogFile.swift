import Endpoint
import Foundation
import GlueDomain
import Synchronization

/// An append-only log file written from the worker's reader threads. Besides the raw text it
/// keeps each line with the time it arrived (`NAME.events.jsonl`), which the CloudWatch Logs API
/// serves as log events.
final class LogFile: Sendable {
    private struct State {
        var raw: FileHandle?
        var events: FileHandle?
        var partial = Data()
    }
    private let state: Mutex<State>
    /// The time stamped on each line (the endpoint's clock).
    private let clock: @Sendable () -> Date
    /// The longest log event kept; a longer line becomes several events (CloudWatch's own limit is 256 KiB).
    static let maxEventBytes = 256 * 1024

    init(_ url: URL, clock: @escaping @Sendable () -> Date) {
        self.clock = clock
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let eventsURL = RunLogEvents.eventsFile(for: url)
        _ = FileManager.default.createFile(atPath: eventsURL.path, contents: nil)
        state = Mutex(State(raw: try? FileHandle(forWritingTo: url), events: try? FileHandle(forWritingTo: eventsURL)))
    }

    func write(_ data: Data) {
        let now = clock()
        state.withLock { s in
            s.raw?.write(data)
            s.partial.append(data)
            while let newline = s.partial.firstIndex(of: UInt8(ascii: "\n")) {
                let line = s.partial[s.partial.startIndex..<newline]
                s.events?.write(RunLogEvents.encode(line: Data(line), at: now))
                s.partial.removeSubrange(s.partial.startIndex...newline)
            }
            // A script printing without newlines must not grow host memory: cut the line into events.
            if s.partial.count > Self.maxEventBytes {
                s.events?.write(RunLogEvents.encode(line: s.partial, at: now))
                s.partial = Data()
            }
        }
    }

    func close() {
        state.withLock { s in
            if !s.partial.isEmpty { s.events?.write(RunLogEvents.encode(line: s.partial, at: clock())) }
            s.partial.removeAll()
            try? s.raw?.close()
            try? s.events?.close()
            s.raw = nil
            s.events = nil
        }
    }
}

/// Set once when a run passes its timeout.
final class TimeoutFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
