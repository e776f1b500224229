import ArgumentParser

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
