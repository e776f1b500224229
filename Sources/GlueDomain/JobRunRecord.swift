import Foundation

/// A job run as Glue's GetJobRun describes it; written to `run.json`.
public struct JobRunRecord: Codable, Sendable, Hashable {
    public var Id: String
    public var Attempt: Int
    public var PreviousRunId: String?
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

    public init(Id: String, Attempt: Int, PreviousRunId: String? = nil, JobName: String, StartedOn: Date, LastModifiedOn: Date,
                CompletedOn: Date? = nil, JobRunState: String, Arguments: [String: String], ErrorMessage: String? = nil,
                ExecutionTime: Int = 0, Timeout: Int, MaxCapacity: Double, LogGroupName: String = "/aws-glue/python-jobs",
                GlueVersion: String?, ExitCode: Int32? = nil) {
        self.Id = Id
        self.Attempt = Attempt
        self.PreviousRunId = PreviousRunId
        self.JobName = JobName
        self.StartedOn = StartedOn
        self.LastModifiedOn = LastModifiedOn
        self.CompletedOn = CompletedOn
        self.JobRunState = JobRunState
        self.Arguments = Arguments
        self.ErrorMessage = ErrorMessage
        self.ExecutionTime = ExecutionTime
        self.Timeout = Timeout
        self.MaxCapacity = MaxCapacity
        self.LogGroupName = LogGroupName
        self.GlueVersion = GlueVersion
        self.ExitCode = ExitCode
    }

    /// Whether the run has ended.
    public var isFinished: Bool { ["SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "ERROR", "EXPIRED"].contains(JobRunState) }

    /// The run as GetJobRun returns it (times as epoch seconds).
    public func apiObject() -> [String: Any] {
        var o: [String: Any] = [
            "Id": Id, "Attempt": Attempt, "JobName": JobName, "JobMode": "SCRIPT",
            "StartedOn": StartedOn.timeIntervalSince1970, "LastModifiedOn": LastModifiedOn.timeIntervalSince1970,
            "JobRunState": JobRunState, "Arguments": Arguments, "PredecessorRuns": [Any](),
            "AllocatedCapacity": 0, "ExecutionTime": ExecutionTime, "Timeout": Timeout, "MaxCapacity": MaxCapacity,
            "LogGroupName": LogGroupName,
        ]
        if let PreviousRunId { o["PreviousRunId"] = PreviousRunId }
        if let CompletedOn { o["CompletedOn"] = CompletedOn.timeIntervalSince1970 }
        if let ErrorMessage { o["ErrorMessage"] = ErrorMessage }
        if let GlueVersion { o["GlueVersion"] = GlueVersion }
        return o
    }

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

