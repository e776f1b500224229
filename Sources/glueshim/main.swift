import ArgumentParser
import PythonHost

// The worker mode must be chosen before anything starts a thread: the /tmp sandbox needs
// a single-threaded process to unshare its mount namespace.
if CommandLine.arguments.count >= 2, CommandLine.arguments[1] == PythonWorker.commandName {
    PythonWorker.main(arguments: Array(CommandLine.arguments.dropFirst(2)))
}

do {
    var command = try GlueShimCommand.parseAsRoot()
    if let subcommand = command as? any AsyncSubcommand {
        try await subcommand.execute()
    } else {
        try command.run()
    }
} catch {
    GlueShimCommand.exit(withError: error)
}
