/// What one worker runs: everything the worker process needs, written by the host as JSON.
public struct WorkerSpec: Codable, Sendable, Hashable {
    /// Path of the script as the worker sees it (inside the sandbox: under /tmp).
    public var scriptPath: String
    /// `sys.argv` exactly (argv[0] is the script path).
    public var argv: [String]
    /// Extra `sys.path` entries after the script's folder: the awsglue support folder, the venv's site-packages.
    public var modulePaths: [String]
    /// `sys.executable` (the venv's python), so subprocess/multiprocessing work.
    public var pythonExecutable: String
    /// Host folder to mount on /tmp in a private mount namespace; nil = no sandbox.
    public var sandboxTmp: String?
    /// The script's working directory ("/tmp" for Glue).
    public var workingDirectory: String
    /// Connecting to a host ending in one of these raises an error saying local mode never reaches real AWS.
    public var blockedHostSuffixes: [String]
    /// Resource limits the worker sets on itself before the script runs; nil (an older spec) = none.
    public var limits: WorkerLimits?
    /// Descriptors above stderr the worker keeps (a session's answer pipe on 3); every other inherited one is closed.
    public var keepDescriptors: [Int32]?

    public init(
        scriptPath: String, argv: [String], modulePaths: [String], pythonExecutable: String,
        sandboxTmp: String?, workingDirectory: String, blockedHostSuffixes: [String],
        limits: WorkerLimits? = .standard, keepDescriptors: [Int32]? = nil
    ) {
        self.keepDescriptors = keepDescriptors
        self.limits = limits
        self.scriptPath = scriptPath
        self.argv = argv
        self.modulePaths = modulePaths
        self.pythonExecutable = pythonExecutable
        self.sandboxTmp = sandboxTmp
        self.workingDirectory = workingDirectory
        self.blockedHostSuffixes = blockedHostSuffixes
    }

    /// The hosts Glue scripts would reach in real AWS; the host passes these unless told otherwise.
    public static let defaultBlockedHostSuffixes = ["amazonaws.com", "amazonaws.com.cn", "aws.amazon.com"]
}
