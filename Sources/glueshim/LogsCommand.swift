import ArgumentParser
import Foundation

/// `glueshim logs RUN_ID`: a finished or running run's output and error streams.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a run's output log (Glue's /aws-glue/python-jobs/output) and, with --errors, its error log."
    )

    @Argument(help: "Run id (jr_...).")
    var runId: String

    @Option(help: "Folder of run folders.")
    var runsDir: String = "sandbox/runs"

    @Flag(help: "Print the error log (/aws-glue/python-jobs/error) instead.")
    var errors = false

    func run() throws {
        guard runId.hasPrefix("jr_"), !runId.contains("/") else {
            Terminal.err("glueshim: \(runId) is not a run id (jr_ followed by 64 hex digits)\n")
            throw ExitCode(2)
        }
        let folder = URL(fileURLWithPath: runsDir).appendingPathComponent(runId)
        let file = folder.appendingPathComponent(errors ? "error.log" : "output.log")
        guard let data = FileManager.default.contents(atPath: file.path) else {
            Terminal.err("glueshim: no run \(runId) in \(runsDir) (give the folder with --runs-dir)\n")
            throw ExitCode(2)
        }
        Terminal.outData(data)
    }
}
