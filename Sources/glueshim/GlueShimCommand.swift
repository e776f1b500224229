import ArgumentParser

/// The `glueshim` command line.
struct GlueShimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glueshim",
        abstract: "Run AWS Glue Python Shell jobs locally, with AWS's IAM decisions.",
        subcommands: [RunCommand.self, ServeCommand.self, LogsCommand.self, TestCommand.self, WorldCommand.self, SimulateCommand.self]
    )
}
