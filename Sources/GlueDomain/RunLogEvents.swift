import Foundation

/// One line of a run's output or error stream, with the time it was printed.
public struct RunLogEvent: Sendable, Hashable {
    /// Milliseconds since 1970, as CloudWatch Logs counts.
    public var timestamp: Int64
    public var message: String
}

/// The timestamped lines of a run's logs, stored beside `output.log` / `error.log`.
public enum RunLogEvents {
    public static func eventsFile(for log: URL) -> URL {
        log.deletingPathExtension().appendingPathExtension("events.jsonl")
    }

    public static func encode(line: Data, at date: Date) -> Data {
        let object: [String: Any] = ["t": Int64(date.timeIntervalSince1970 * 1000), "m": String(decoding: line, as: UTF8.self)]
        return ((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()) + Data("\n".utf8)
    }

    public static func read(_ log: URL) -> [RunLogEvent] {
        guard let text = try? String(contentsOf: eventsFile(for: log), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let t = object["t"] as? NSNumber, let m = object["m"] as? String else { return nil }
            return RunLogEvent(timestamp: t.int64Value, message: m)
        }
    }
}
