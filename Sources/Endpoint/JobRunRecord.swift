import Foundation

/// A job run as Glue's GetJobRun describes it; written to `run.json`.
public struct JobRunRecord: Codable, Sendable, Hashable {
    public var Id: String
    public var Attempt: Int
    public var JobName: String
    public var StartedOn: Date
    public var LastModifiedOn: Date
    public var CompletedOn: Date?
    public var JobRunState: String
    public var Arguments: [String: String]
    public var ErrorMessage: String?
    /// Seconds, as Glue reports it.
    public var ExecutionTime: Int
    public var Timeout: Int
    public var MaxCapacity: Double
    public var LogGroupName: String
    public var GlueVersion: String?
    /// The worker's exit code (not in Glue's shape; kept for scripts and tests).
    public var ExitCode: Int32?

    /// A new run id: `jr_` and 64 hex digits.
    public static func newId() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef")
        return "jr_" + String((0..<64).map { _ in hex[Int(generator.next(upperBound: 16 as UInt64))] })
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return e
    }()

    public func json() -> Data { (try? Self.encoder.encode(self)) ?? Data() }
}

/// Why a run could not be carried out (as opposed to a script that failed).
public enum RunError: Error, Sendable, CustomStringConvertible {
    /// A local problem: bad input, missing files, the environment. Exit status 2.
    case input(String)
    /// Something of glueshim's own failed.
    case local(String)

    public var description: String {
        switch self {
        case .input(let s), .local(let s): return s
        }
    }
}
