import Foundation

/// One line on the process's stderr, unbuffered (C's `stderr` global is off limits in Swift 6).
func writeStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line.hasSuffix("\n") ? line : line + "\n").utf8))
}
