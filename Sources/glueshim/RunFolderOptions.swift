import ArgumentParser
import Foundation
import GlueRuntime

/// `--runs-dir` of the commands that start job runs (`run`, `test`).
struct RunFolderOptions: ParsableArguments {
    @Option(help: "Folder for run folders.")
    var runsDir: String = "sandbox/runs"

    /// Options of job runs whose folders go in `--runs-dir`.
    func runOptions(_ environment: CLIEnvironment) -> RunOptions {
        .commandLine(runsDirectory: URL(fileURLWithPath: runsDir), environment: environment)
    }
}

extension RunOptions {
    /// Options of a job run the command line starts: the worker is this executable, the host's
    /// environment applies, progress lines go to stderr.
    static func commandLine(runsDirectory: URL, environment: CLIEnvironment) -> RunOptions {
        var options = RunOptions(runsDirectory: runsDirectory, workerExecutable: workerExecutable())
        environment.apply(to: &options)
        options.progress = { Terminal.err($0 + "\n") }
        return options
    }

    /// This executable (its `__worker` mode runs the job's script).
    private static func workerExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
