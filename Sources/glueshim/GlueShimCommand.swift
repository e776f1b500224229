import ArgumentParser
import Endpoint
import GlueRuntime
import PythonHost

/// The `glueshim` command line.
struct GlueShimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glueshim",
        abstract: "Run AWS Glue Python Shell jobs locally, with AWS's IAM decisions.",
        subcommands: [RunCommand.self, ServeCommand.self, LogsCommand.self, TestCommand.self, WorldCommand.self, SimulateCommand.self]
    )
}

/// A subcommand whose work is asynchronous; `main.swift` awaits it after parsing.
protocol AsyncSubcommand: ParsableCommand {
    func execute() async throws
}

/// The host's environment variables that change glueshim's behaviour, read once by the command
/// line and passed down (the libraries read no environment).
struct HostEnvironment {
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
}
