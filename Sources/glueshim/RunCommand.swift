import ArgumentParser
import Endpoint
import Foundation
import GlueRuntime
import World

/// `glueshim run JOB`: run a Python shell job as Glue runs it.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a Glue Python shell job locally.",
        discussion: """
        JOB is a job folder (job.yaml + script.py), a job definition file in CreateJob's shape \
        (or `aws glue get-job` output), or a .py script (then --role is needed).
        Exit status: 0 SUCCEEDED, 1 FAILED, 3 TIMEOUT, 2 usage or input error.
        """
    )

    @Argument(help: "Job folder, job definition file, or .py script.")
    var job: String

    @Option(help: "World file (default: the job's own world.yaml, else sandbox/world.yaml).")
    var world: String?

    @Option(name: .customLong("arg"), help: "Run argument KEY=VALUE (overrides DefaultArguments, as StartJobRun's Arguments do).")
    var arguments: [String] = []

    @Option(help: "Timeout in minutes (overrides the job's Timeout).")
    var timeout: Int?

    @Option(help: "Job role name or ARN, for a bare .py script.")
    var role: String?

    @OptionGroup var runFolder: RunFolderOptions

    @Flag(help: "Print the run record as JSON on stdout (the script's output then goes to stderr).")
    var json = false

    func run() async throws {
        // Before the worker starts: Ctrl-C or SIGTERM then stops the run (worker killed, STOPPED).
        let signals = SignalWaiter.install()
        let source: JobSource
        do {
            source = try JobSource.load(job, role: role)
        } catch {
            fail(error.description)
        }
        let worldURL = world.map { URL(fileURLWithPath: $0) } ?? source.world ?? URL(fileURLWithPath: "sandbox/world.yaml")
        if world == nil, source.world == nil, !FileManager.default.fileExists(atPath: worldURL.path) {
            fail("no world: sandbox/world.yaml is not in \(FileManager.default.currentDirectoryPath); run from the glueshim folder or pass --world FILE")
        }
        let loaded: World
        do {
            loaded = try World.load(from: worldURL)
        } catch {
            fail(error.description)
        }
        var runArguments: [String: String] = [:]
        for pair in arguments {
            guard let eq = pair.firstIndex(of: "=") else { fail("--arg \(pair): expected KEY=VALUE") }
            var key = String(pair[..<eq])
            if !key.hasPrefix("--") && key != "library-set" { key = "--" + key }
            runArguments[key] = String(pair[pair.index(after: eq)...])
        }
        if let timeout, timeout < 1 { fail("--timeout must be at least 1 minute") }

        var options = runFolder.runOptions(CLIEnvironment.current)
        options.arguments = runArguments
        options.timeoutMinutes = timeout
        let json = self.json
        options.stdout = { data in json ? Terminal.errData(data) : Terminal.outData(data) }
        options.stderr = { data in Terminal.errData(data) }

        let result: RunResult
        let finished = await signals.cancellingOnSignal { [options] () -> Result<RunResult, RunError> in
            do throws(RunError) { return .success(try await RunEngine.run(source, world: loaded, options: options)) } catch { return .failure(error) }
        }
        switch finished {
        case .success(let r): result = r
        case .failure(let error): fail(error.description)
        }
        if json {
            Terminal.outData(result.record.json() + Data("\n".utf8))
        } else {
            Terminal.out(RunSummary.text(result, cwd: FileManager.default.currentDirectoryPath))
        }
        switch result.record.JobRunState {
        case "SUCCEEDED": return
        case "TIMEOUT": throw ExitCode(3)
        default: throw ExitCode(1)
        }
    }

    /// One line on stderr, exit status 2.
    func fail(_ message: String) -> Never {
        Terminal.err("glueshim: \(message)\n")
        Foundation.exit(2)
    }
}
