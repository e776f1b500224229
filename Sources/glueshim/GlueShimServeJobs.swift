import Endpoint
import Foundation
import GlueRuntime
import World

/// Job runs for `glueshim serve`: the jobs in ./jobs, and StartJobRun running them.
enum GlueShimServeJobs {
    static func enable(_ configuration: inout EndpointConfiguration, world: World, runsDirectory: URL) -> [String] {
        var options = RunOptions(runsDirectory: runsDirectory, workerExecutable: RunCommand.selfExecutable())
        options.progress = { Terminal.err($0 + "\n") }
        do {
            try JobService.enableJobRuns(&configuration, options: options)
            try SessionService.enableSessions(&configuration, options: options)
        } catch {
            Terminal.err("glueshim: job runs are off: \(error.description)\n")
            return []
        }
        return JobService.loadJobFolders(URL(fileURLWithPath: "jobs"), world: world, into: configuration.glueJobs)
    }
}
