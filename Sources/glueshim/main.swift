import ArgumentParser
import CNative
import PythonHost

// The worker mode must be chosen before anything starts a thread: the /tmp sandbox needs
// a single-threaded process to unshare its mount namespace.
if CommandLine.arguments.count >= 2, CommandLine.arguments[1] == PythonWorker.commandName {
    PythonWorker.main(arguments: Array(CommandLine.arguments.dropFirst(2)))
}

// Object bodies pass through buffers of 256 KiB and more: keep them in malloc's arenas rather
// than mapping and faulting in fresh pages for each (a quarter of a download's server CPU).
glueshim_tune_malloc()

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
