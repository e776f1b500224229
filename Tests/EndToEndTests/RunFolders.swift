import Foundation
import TestSupport

/// The one run folder a run left in `runs`.
func onlyRun(in runs: URL) throws -> URL {
    let names = try FileManager.default.contentsOfDirectory(atPath: runs.path).filter { $0.hasPrefix("jr_") }
    guard names.count == 1 else { throw CocoaError(.fileNoSuchFile) }
    return runs.appendingPathComponent(names[0])
}

func runRecord(_ folder: URL) throws -> [String: Any] {
    let data = try Data(contentsOf: folder.appendingPathComponent("run.json"))
    return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
}

func events(_ folder: URL) throws -> [[String: Any]] {
    let text = try String(contentsOf: folder.appendingPathComponent("events.jsonl"), encoding: .utf8)
    return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}

/// A copy of the default world with `replace` applied to world.yaml, in a folder of its own.
func worldVariant(_ replace: (String) -> String) throws -> URL {
    let folder = temporaryFolder("world")
    for item in ["policies", "data"] {
        try FileManager.default.copyItem(at: repoRoot.appendingPathComponent("sandbox/\(item)"), to: folder.appendingPathComponent(item))
    }
    let text = try String(contentsOf: repoRoot.appendingPathComponent("sandbox/world.yaml"), encoding: .utf8)
    let file = folder.appendingPathComponent("world.yaml")
    try replace(text).write(to: file, atomically: true, encoding: .utf8)
    return file
}
