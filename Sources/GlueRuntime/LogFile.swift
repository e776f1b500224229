import Foundation
import Synchronization

/// An append-only log file written from the worker's reader threads.
final class LogFile: Sendable {
    private let handle: Mutex<FileHandle?>
    init(_ url: URL) {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        handle = Mutex(try? FileHandle(forWritingTo: url))
    }
    func write(_ data: Data) { handle.withLock { $0?.write(data) } }
    func close() { handle.withLock { try? $0?.close(); $0 = nil } }
}

/// Set once when a run passes its timeout.
final class TimeoutFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
