import ArgumentParser

struct GlueShimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "glueshim", abstract: "Run AWS Glue Python Shell jobs locally.")
}
