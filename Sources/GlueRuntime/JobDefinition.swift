import Endpoint
import Foundation
import GlueDomain
import Yams

/// A problem with the job given on the command line: a missing folder, a bad definition.
public struct JobInputError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Where a job came from: its definition and, when it has one, the local script that is deployed to its ScriptLocation.
public struct JobSource: Sendable {
    public var definition: JobDefinition
    /// The job's folder or the folder of its definition file.
    public var folder: URL
    /// A local script to deploy to ScriptLocation before the run (`script.py` beside the definition).
    public var localScript: URL?
    /// A world that comes with the job (`world.yaml` in its folder).
    public var world: URL?

    /// Reads JOB as the `run` command takes it: a job folder, a definition file (.yaml/.yml/.json), or a `.py` script (then `role` is needed).
    public static func load(_ path: String, role: String?) throws(JobInputError) -> JobSource {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw JobInputError("\(path): no such job folder or file (give a job folder with job.yaml, a job definition file, or a .py script with --role)")
        }
        if isDirectory.boolValue {
            let candidates = ["job.yaml", "job.yml", "job.json"].map { url.appendingPathComponent($0) }
            guard let file = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
                throw JobInputError("\(path): the folder has no job.yaml or job.json (a job folder holds a job definition in CreateJob's shape and its script.py)")
            }
            return try fromDefinition(file)
        }
        if url.pathExtension == "py" {
            guard let role else { throw JobInputError("\(path): running a bare script needs --role ROLE (the job role's name or ARN)") }
            let name = url.deletingPathExtension().lastPathComponent
            let definition = JobDefinition(Name: name, Role: role,
                                           Command: .init(Name: "pythonshell", ScriptLocation: url.path, PythonVersion: "3.9"))
            return JobSource(definition: definition, folder: url.deletingLastPathComponent(), localScript: nil, world: nil)
        }
        return try fromDefinition(url)
    }

    static func fromDefinition(_ file: URL) throws(JobInputError) -> JobSource {
        guard let data = FileManager.default.contents(atPath: file.path) else { throw JobInputError("\(file.path): cannot read the job definition") }
        let definition: JobDefinition
        do {
            definition = try decode(data, isJSON: file.pathExtension == "json")
        } catch {
            throw JobInputError("\(file.path): not a job definition in CreateJob's shape: \(Self.describe(error))")
        }
        guard definition.Command.Name == "pythonshell" else {
            throw JobInputError("\(file.path): Command.Name is '\(definition.Command.Name)'; glueshim runs Python shell jobs (Command.Name: pythonshell)")
        }
        if let version = definition.Command.PythonVersion, !["3", "3.9"].contains(version) {
            throw JobInputError("\(file.path): Command.PythonVersion '\(version)' is not one Glue accepts for Python shell (3 or 3.9)")
        }
        let folder = file.deletingLastPathComponent()
        let script = folder.appendingPathComponent("script.py")
        let world = folder.appendingPathComponent("world.yaml")
        return JobSource(definition: definition, folder: folder,
                         localScript: FileManager.default.fileExists(atPath: script.path) ? script : nil,
                         world: FileManager.default.fileExists(atPath: world.path) ? world : nil)
    }

    /// `{"Job": {...}}` (get-job output) or the job itself, in YAML or JSON.
    static func decode(_ data: Data, isJSON: Bool) throws -> JobDefinition {
        struct Wrapped: Decodable { var Job: JobDefinition }
        if isJSON {
            if let wrapped = try? JSONDecoder().decode(Wrapped.self, from: data) { return wrapped.Job }
            return try JSONDecoder().decode(JobDefinition.self, from: data)
        }
        let text = String(decoding: data, as: UTF8.self)
        if let wrapped = try? YAMLDecoder().decode(Wrapped.self, from: text) { return wrapped.Job }
        return try YAMLDecoder().decode(JobDefinition.self, from: text)
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            return "missing field \(path)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return (path.isEmpty ? "" : "\(path): ") + context.debugDescription
        default:
            return "\(error)"
        }
    }
}
