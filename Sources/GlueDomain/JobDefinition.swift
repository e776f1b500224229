import Foundation

/// A Glue job in the shape of CreateJob's request (the output of `aws glue get-job` is accepted too).
public struct JobDefinition: Codable, Sendable, Hashable {
    public struct Command: Codable, Sendable, Hashable {
        public var Name: String
        public var ScriptLocation: String
        public var PythonVersion: String?
        public init(Name: String, ScriptLocation: String, PythonVersion: String? = nil) {
            self.Name = Name
            self.ScriptLocation = ScriptLocation
            self.PythonVersion = PythonVersion
        }
    }
    public struct ExecutionProperty: Codable, Sendable, Hashable {
        public var MaxConcurrentRuns: Int?
        public init(MaxConcurrentRuns: Int? = nil) { self.MaxConcurrentRuns = MaxConcurrentRuns }
    }
    /// The job's connections (`{"Connections": [names]}`); a NETWORK connection places its runs in a subnet.
    public struct ConnectionsList: Codable, Sendable, Hashable {
        public var Connections: [String]?
        public init(Connections: [String]? = nil) { self.Connections = Connections }
    }
    public var Name: String
    public var Description: String?
    public var Role: String
    public var Command: Command
    public var DefaultArguments: [String: String]?
    public var NonOverridableArguments: [String: String]?
    public var Timeout: Int?
    public var MaxCapacity: Double?
    public var MaxRetries: Int?
    public var GlueVersion: String?
    public var ExecutionProperty: ExecutionProperty?
    public var Tags: [String: String]?
    public var Connections: ConnectionsList?

    public init(Name: String, Description: String? = nil, Role: String, Command: Command, DefaultArguments: [String: String]? = nil,
                NonOverridableArguments: [String: String]? = nil, Timeout: Int? = nil, MaxCapacity: Double? = nil, MaxRetries: Int? = nil,
                GlueVersion: String? = nil, ExecutionProperty: ExecutionProperty? = nil, Tags: [String: String]? = nil) {
        self.Name = Name
        self.Description = Description
        self.Role = Role
        self.Command = Command
        self.DefaultArguments = DefaultArguments
        self.NonOverridableArguments = NonOverridableArguments
        self.Timeout = Timeout
        self.MaxCapacity = MaxCapacity
        self.MaxRetries = MaxRetries
        self.GlueVersion = GlueVersion
        self.ExecutionProperty = ExecutionProperty
        self.Tags = Tags
    }

    /// The names of the job's connections, in order.
    public var connectionNames: [String] { self.Connections?.Connections ?? [] }

    /// Glue's default timeout for Python shell jobs: 2880 minutes.
    public var timeoutMinutes: Int { Timeout ?? 2880 }
    public var maxConcurrentRuns: Int { self.ExecutionProperty?.MaxConcurrentRuns ?? 1 }
    /// Python shell runs Glue 1.0 for Python 3.6 and Glue 3.0 for Python 3.9.
    public var effectiveGlueVersion: String { GlueVersion ?? (self.Command.PythonVersion == "3" ? "1.0" : "3.0") }
}

