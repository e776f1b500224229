import Endpoint
import GlueRuntime
import PythonHost

/// The host's environment variables that change glueshim's behaviour. main.swift reads them once,
/// after the worker mode is ruled out, and runs the command line within `bind`; commands take the
/// value from `CLIEnvironment.current` and pass it down (the libraries read no environment).
struct CLIEnvironment: Sendable {
    /// Seconds in a timeout minute (`GLUESHIM_MINUTE_SECONDS`, for tests): 60 by default.
    var minuteSeconds: Double
    /// Limits of every worker (`GLUESHIM_WORKER_MEMORY_MB`, `_MAX_FILE_MB`, `_MAX_PROCESSES`).
    var limits: WorkerLimits
    /// Idle connections are closed after this (`GLUESHIM_IDLE_TIMEOUT_SECONDS`): 60 s by default.
    var idleTimeout: Duration
    /// The job's Python environment and module layers (`GLUESHIM_CACHE`, `XDG_CACHE_HOME`, `HOME`).
    var cacheDirectory: String

    init(_ environment: [String: String]) {
        minuteSeconds = RunOptions.minuteSeconds(from: environment)
        limits = WorkerLimits.fromEnvironment(environment)
        cacheDirectory = PythonEnvironment.cacheDirectory(environment: environment)
        if let text = environment["GLUESHIM_IDLE_TIMEOUT_SECONDS"], let seconds = Double(text), seconds > 0 {
            idleTimeout = .milliseconds(Int64(seconds * 1000))
        } else {
            idleTimeout = EndpointConfiguration.defaultIdleTimeout
        }
    }

    func apply(to options: inout RunOptions) {
        options.minuteSeconds = minuteSeconds
        options.limits = limits
        options.cacheDirectory = cacheDirectory
    }

    @TaskLocal private static var bound: CLIEnvironment?

    /// The value main.swift read, for the command running within its `bind`.
    static var current: CLIEnvironment {
        guard let bound else { preconditionFailure("CLIEnvironment.current read outside CLIEnvironment.bind (main.swift)") }
        return bound
    }

    /// Runs `body` (the command line) with this value as `current`, in `body`'s tasks and theirs.
    func bind(_ body: @Sendable () async -> Void) async {
        await Self.$bound.withValue(self, operation: body)
    }
}
