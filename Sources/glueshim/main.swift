import ArgumentParser
import CNative
import Foundation
import PythonHost

// The worker mode must be chosen before anything starts a thread: the /tmp sandbox needs
// a single-threaded process to unshare its mount namespace. This is the first thing the
// process does: nothing has been parsed and no other thread has been started.
if CommandLine.arguments.count >= 2, CommandLine.arguments[1] == PythonWorker.commandName {
    PythonWorker.main(arguments: Array(CommandLine.arguments.dropFirst(2)))
}

// Object bodies pass through buffers of 256 KiB and more: keep them in malloc's arenas rather
// than mapping and faulting in fresh pages for each (a quarter of a download's server CPU).
glueshim_tune_malloc()

// The host's environment variables are read here, once; the command runs with that value.
await CLIEnvironment(ProcessInfo.processInfo.environment).bind {
    await GlueShimCommand.main()
}
