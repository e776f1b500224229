import ArgumentParser
import Foundation
import GlueRuntime

/// `glueshim test`: run scenarios (a job, a world, what must happen) and report each.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run scenarios (jobs with an expect.yaml) and check what happened.",
        discussion: """
        Each job folder with an expect.yaml is a scenario (or several, under `scenarios:`). Every \
        scenario runs from a fresh copy of its world, in parallel up to the core count. Prints one \
        line per scenario and closes with `N passed, N failed`; exit 1 when any failed. \
        See docs/scenarios.md for the expect.yaml format.
        """
    )

    @Argument(help: "Job folders or expect.yaml files (default: jobs).")
    var paths: [String] = []

    @Option(help: "Write JUnit XML here.")
    var junit: String?

    @Option(help: "Run only scenarios whose name contains this text.")
    var filter: String?

    @OptionGroup var runFolder: RunFolderOptions

    @Option(help: "Scenarios run at once (default: the core count).")
    var parallel: Int?

    func run() async throws {
        let signals = SignalWaiter.install()
        var scenarios: [Scenario]
        do {
            scenarios = try Scenario.discover(paths.isEmpty ? ["jobs"] : paths)
        } catch {
            Terminal.err("glueshim: \(error.description)\n")
            throw ExitCode(2)
        }
        if let filter { scenarios = scenarios.filter { $0.name.contains(filter) } }
        guard !scenarios.isEmpty else {
            Terminal.err("glueshim: no scenarios found (a scenario is a job folder with an expect.yaml)\n")
            throw ExitCode(2)
        }
        let options = runFolder.runOptions(CLIEnvironment.current)
        let cwd = FileManager.default.currentDirectoryPath
        let parallelism = parallel ?? ProcessInfo.processInfo.activeProcessorCount
        let results = await signals.cancellingOnSignal { [scenarios, options] in
            await ScenarioRunner.run(scenarios, options: options, parallelism: parallelism) { result in
            var line = String(format: "%@ %@ (%.2f s)", result.passed ? "PASS" : "FAIL", result.name, result.seconds)
            if !result.passed {
                for failure in result.failures { line += "\n    " + failure.replacingOccurrences(of: "\n", with: "\n    ") }
                if var folder = result.runFolder?.path {
                    if folder.hasPrefix(cwd + "/") { folder = String(folder.dropFirst(cwd.count + 1)) }
                    line += "\n    run folder: \(folder)"
                }
            }
            Terminal.out(line + "\n")
            }
        }
        if let junit {
            do {
                try JUnitReport.xml(results).write(toFile: junit, atomically: true, encoding: .utf8)
            } catch {
                Terminal.err("glueshim: cannot write \(junit): \(error.localizedDescription)\n")
            }
        }
        let failed = results.filter { !$0.passed }.count
        Terminal.out("\(results.count - failed) passed, \(failed) failed\n")
        if failed > 0 { throw ExitCode(1) }
    }
}
