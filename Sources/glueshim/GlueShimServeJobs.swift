import Endpoint
import Foundation
import GlueDomain
import GlueRuntime
import World

/// Job runs for `glueshim serve`: the jobs in ./jobs, and StartJobRun running them.
enum GlueShimServeJobs {
    /// Jobs, tags and run history are kept in STATE/glue-jobs.json, run folders in STATE/runs.
    /// A registry file that exists but cannot be read is an error (it is not replaced).
    static func enable(_ configuration: inout EndpointConfiguration, world: World, state: URL, environment: CLIEnvironment) throws(GlueJobRegistryError) -> [String] {
        configuration.glueJobs = try GlueJobRegistry(file: state.appendingPathComponent("glue-jobs.json"),
                                                     writeFailed: { Terminal.err("glueshim: \($0)\n") })
        configuration.runsDirectory = state.appendingPathComponent("runs")
        let options = RunOptions.commandLine(runsDirectory: state.appendingPathComponent("runs"), environment: environment)
        do {
            try JobService.enableJobRuns(&configuration, options: options)
            try SessionService.enableSessions(&configuration, options: options)
        } catch {
            Terminal.err("glueshim: job runs are off: \(error.description)\n")
            return []
        }
        return JobService.loadJobFolders(URL(fileURLWithPath: "jobs"), world: world, into: configuration.glueJobs, now: configuration.clock())
    }
}
