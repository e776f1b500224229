import Foundation

/// The repository's root folder (this file is Tests/TestSupport/Paths.swift).
public let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The built `glueshim` executable next to the test bundle (or in its parent folder, or in one of
/// `also`), or nil when there is none.
public func builtGlueshim(also folders: [URL] = []) -> URL? {
    let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var candidates = [bundleDir, bundleDir.deletingLastPathComponent()] + folders
    if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
    return candidates.map { $0.appendingPathComponent("glueshim") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
}

/// The built `glueshim` binary, next to the test bundle; .build/debug/glueshim when none is found there.
public let glueshimBinary: URL = builtGlueshim() ?? repoRoot.appendingPathComponent(".build/debug/glueshim")

/// A program on PATH, or nil.
public func onPath(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// A fresh folder `glueshim-NAME-UUID` under the temporary directory.
public func temporaryFolder(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-\(name)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
