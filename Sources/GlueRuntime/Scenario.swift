import Endpoint
import Foundation
import World
import Yams

/// A job plus a world plus what must happen: one entry of a job's `expect.yaml`.
public struct Scenario: Sendable {
    public var name: String
    public var job: JobSource
    public var world: URL
    public var patches: [WorldPatch]
    public var arguments: [String: String]
    public var expectations: Expectations
}

/// What a scenario checks after its run.
public struct Expectations: Sendable {
    public struct TmpFile: Sendable { public var path: String; public var size: Int?; public var sha256: String?; public var exists: Bool }
    public struct S3Object: Sendable { public var bucket: String; public var key: String; public var exists: Bool; public var sha256: String?; public var metadata: [String: String] }
    public struct Call: Sendable {
        public var action: String?
        public var resource: String?
        public var principal: String?
        public var decision: String?
        /// A substring of the reason (for denials: AWS's reason clause).
        public var reason: String?
    }
    public var state: String?
    public var exitCode: Int32?
    public var outputContains: [String] = []
    public var outputNotContains: [String] = []
    public var tmpFiles: [TmpFile] = []
    public var s3: [S3Object] = []
    public var calls: [Call] = []
    public var deniedCalls: Int?
    public var maxDurationSeconds: Double?
}

/// A problem in a scenario file, with the file and what is wrong.
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

extension Scenario {
    /// Every scenario under `paths` (job folders holding an `expect.yaml`, searched recursively).
    public static func discover(_ paths: [String]) throws(ScenarioError) -> [Scenario] {
        var files: [URL] = []
        for path in paths {
            let url = URL(fileURLWithPath: path).standardizedFileURL
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                throw ScenarioError(description: "\(path): no such file or folder")
            }
            if !isDirectory.boolValue { files.append(url); continue }
            let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil)
            while let item = enumerator?.nextObject() as? URL {
                if item.lastPathComponent == "runs" { enumerator?.skipDescendants(); continue }
                if item.lastPathComponent == "expect.yaml" { files.append(item) }
            }
        }
        var scenarios: [Scenario] = []
        for file in files.sorted(by: { $0.path < $1.path }) { scenarios += try load(file) }
        return scenarios
    }

    /// The scenarios of one `expect.yaml`: either one (top-level `expect:`) or a `scenarios:` list.
    public static func load(_ file: URL) throws(ScenarioError) -> [Scenario] {
        let folder = file.deletingLastPathComponent()
        let fail = { (message: String) in ScenarioError(description: "\(file.path): \(message)") }
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { throw fail("cannot read the file") }
        let root: [String: Any]
        do {
            root = (try Yams.load(yaml: text) as? [String: Any]) ?? [:]
        } catch {
            throw fail("not valid YAML: \(error)")
        }
        let job: JobSource
        do {
            job = try JobSource.load(folder.path, role: nil)
        } catch {
            throw fail("the scenario's job: \(error.description)")
        }
        let defaultWorld = (root["world"] as? String).map { URL(fileURLWithPath: $0, relativeTo: folder).standardizedFileURL }
            ?? job.world ?? Self.defaultWorld(near: folder)
        let entries: [[String: Any]]
        if let list = root["scenarios"] as? [[String: Any]] { entries = list } else { entries = [root] }
        var result: [Scenario] = []
        for (index, entry) in entries.enumerated() {
            let name = (entry["name"] as? String).map { "\(job.definition.Name)/\($0)" }
                ?? (entries.count == 1 ? job.definition.Name : "\(job.definition.Name)/\(index + 1)")
            let world = (entry["world"] as? String).map { URL(fileURLWithPath: $0, relativeTo: folder).standardizedFileURL } ?? defaultWorld
            var arguments: [String: String] = [:]
            for (k, v) in (entry["arguments"] as? [String: Any]) ?? [:] {
                arguments[k.hasPrefix("--") ? k : "--" + k] = "\(v)"
            }
            var patches: [WorldPatch] = []
            for patch in (entry["worldPatch"] as? [[String: Any]]) ?? [] {
                if let path = patch["remove"] as? String {
                    patches.append(.remove(path: WorldPatch.splitPath(path)))
                } else if let path = patch["set"] as? String, let value = patch["value"] {
                    let yaml: String
                    if let s = value as? String { yaml = s } else {
                        do { yaml = try Yams.dump(object: value) } catch { throw fail("worldPatch value for \(path) cannot be written as YAML") }
                    }
                    patches.append(.set(path: WorldPatch.splitPath(path), yaml: yaml))
                } else {
                    throw fail("worldPatch entries are {remove: PATH} or {set: PATH, value: VALUE}")
                }
            }
            guard let expect = entry["expect"] as? [String: Any] else { throw fail("scenario \(name) has no expect: section") }
            result.append(Scenario(name: name, job: job, world: world, patches: patches, arguments: arguments,
                                   expectations: try Expectations(expect, fail: fail)))
        }
        return result
    }

    /// `sandbox/world.yaml` of the checkout the job lives in, else of the current folder.
    static func defaultWorld(near folder: URL) -> URL {
        var dir = folder
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("sandbox/world.yaml")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: "sandbox/world.yaml").standardizedFileURL
    }
}

extension Expectations {
    init(_ e: [String: Any], fail: (String) -> ScenarioError) throws(ScenarioError) {
        let known: Set<String> = ["state", "exitCode", "output", "tmpFiles", "s3", "calls", "deniedCalls", "maxDuration"]
        for key in e.keys where !known.contains(key) {
            throw fail("unknown expectation '\(key)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        state = e["state"] as? String
        exitCode = (e["exitCode"] as? Int).map(Int32.init)
        if let output = e["output"] as? [String: Any] {
            outputContains = Self.strings(output["contains"])
            outputNotContains = Self.strings(output["notContains"])
        }
        for item in (e["tmpFiles"] as? [[String: Any]]) ?? [] {
            guard let path = item["path"] as? String else { throw fail("tmpFiles entries need a path") }
            tmpFiles.append(TmpFile(path: path, size: item["size"] as? Int, sha256: item["sha256"] as? String, exists: (item["exists"] as? Bool) ?? true))
        }
        for item in (e["s3"] as? [[String: Any]]) ?? [] {
            guard let bucket = item["bucket"] as? String, let key = item["key"] as? String else { throw fail("s3 entries need bucket and key") }
            s3.append(S3Object(bucket: bucket, key: key, exists: (item["exists"] as? Bool) ?? true, sha256: item["sha256"] as? String,
                               metadata: (item["metadata"] as? [String: String]) ?? [:]))
        }
        for item in (e["calls"] as? [[String: Any]]) ?? [] {
            calls.append(Call(action: item["action"] as? String, resource: item["resource"] as? String, principal: item["principal"] as? String,
                              decision: item["decision"] as? String, reason: item["reason"] as? String))
        }
        deniedCalls = e["deniedCalls"] as? Int
        maxDurationSeconds = (e["maxDuration"] as? Double) ?? (e["maxDuration"] as? Int).map(Double.init)
    }

    static func strings(_ value: Any?) -> [String] {
        if let s = value as? String { return [s] }
        return (value as? [Any])?.map { "\($0)" } ?? []
    }
}
