import Foundation

/// Runs a helper program (venv, pip) with stdout and stderr merged, passing each line on as it comes.
enum Subprocess {
    struct Outcome {
        var status: Int32
        /// The last lines of output, for error messages.
        var tail: [String]
    }

    static func run(_ executable: String, _ arguments: [String], progress: @Sendable (String) -> Void) -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        // The host's Python settings must not leak into Debian's interpreter or the venv.
        for key in ["PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "PIP_USER", "VIRTUAL_ENV"] {
            environment[key] = nil
        }
        environment["PYTHONNOUSERSITE"] = "1"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return Outcome(status: 127, tail: ["cannot start \(executable): \(error.localizedDescription)"])
        }
        var tail: [String] = []
        var pending = Data()
        func emit(_ line: Data) {
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { return }
            progress(text)
            tail.append(text)
            if tail.count > 20 { tail.removeFirst() }
        }
        let reader = pipe.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                emit(pending[pending.startIndex..<newline])
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
        emit(pending)
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, tail: tail)
    }
}
