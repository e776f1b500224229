import Foundation
import Yams

/// A change to a world file before it is loaded: `set` a value or `remove` one at a path of
/// mapping keys separated by `/` (e.g. `accounts/222222222222/buckets/my-bucket/policy`).
/// Scenarios use patches to test one job against several permission set-ups.
public enum WorldPatch: Sendable, Hashable {
    case set(path: [String], yaml: String)
    case remove(path: [String])

    public static func splitPath(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init)
    }
}

extension World {
    /// Loads a world file after applying patches to its YAML tree; relative paths in it still
    /// resolve against the file's folder.
    public static func load(from url: URL, patches: [WorldPatch]) throws(WorldError) -> World {
        if patches.isEmpty { return try load(from: url) }
        var world = try loadPatched(from: url, patches: patches)
        world.origin = WorldOrigin(file: url.standardizedFileURL.path, patches: patches)
        return world
    }

    static func loadPatched(from url: URL, patches: [WorldPatch]) throws(WorldError) -> World {
        let path = url.path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WorldError(file: path, message: "cannot read the world file (does it exist?)")
        }
        var root: Node
        do {
            guard let node = try Yams.compose(yaml: String(decoding: data, as: UTF8.self)) else {
                throw WorldError(file: path, message: "the world file is empty")
            }
            root = node
        } catch let error as WorldError {
            throw error
        } catch {
            throw WorldError(file: path, message: "not valid YAML: \(error)")
        }
        for patch in patches {
            switch patch {
            case .set(let keys, let yaml):
                let value: Node
                do {
                    guard let parsed = try Yams.compose(yaml: yaml) else { throw WorldError(file: path, message: "empty patch value") }
                    value = parsed
                } catch {
                    throw WorldError(file: path, message: "patch value for \(keys.joined(separator: "/")) is not valid YAML")
                }
                guard let updated = Self.setting(root, keys[...], to: value) else {
                    throw WorldError(file: path, message: "patch: cannot set \(keys.joined(separator: "/")) (a part of the path is not a mapping)")
                }
                root = updated
            case .remove(let keys):
                guard let updated = Self.removing(root, keys[...]) else {
                    throw WorldError(file: path, message: "patch: \(keys.joined(separator: "/")) is not in the world")
                }
                root = updated
            }
        }
        var loader = WorldLoader(file: path + " (patched)", base: url.deletingLastPathComponent())
        return try loader.world(root)
    }

    static func setting(_ node: Node, _ keys: ArraySlice<String>, to value: Node) -> Node? {
        guard let key = keys.first else { return value }
        var pairs: [(Node, Node)] = []
        if case .mapping(let map) = node {
            pairs = map.map { ($0.key, $0.value) }
        } else if node.null == nil {
            return nil
        }
        if let index = pairs.firstIndex(where: { $0.0.string == key }) {
            guard let child = setting(pairs[index].1, keys.dropFirst(), to: value) else { return nil }
            pairs[index].1 = child
        } else {
            guard let child = setting(Node([(Node, Node)]()), keys.dropFirst(), to: value) else { return nil }
            pairs.append((Node(key), child))
        }
        return Node(pairs)
    }

    static func removing(_ node: Node, _ keys: ArraySlice<String>) -> Node? {
        guard let key = keys.first, case .mapping(let map) = node else { return nil }
        var pairs = map.map { ($0.key, $0.value) }
        guard let index = pairs.firstIndex(where: { $0.0.string == key }) else { return nil }
        if keys.count == 1 {
            pairs.remove(at: index)
        } else {
            guard let child = removing(pairs[index].1, keys.dropFirst()) else { return nil }
            pairs[index].1 = child
        }
        return Node(pairs)
    }
}

/// Where a world came from: a file and the patches applied to it. Written beside a run's
/// events (`world.json`) so `simulate --replay` decides the calls against the same world.
public struct WorldOrigin: Codable, Sendable, Hashable {
    public var file: String
    public var patches: [WorldPatch]

    public init(file: String, patches: [WorldPatch] = []) {
        self.file = file
        self.patches = patches
    }

    /// Loads the world again.
    public func load() throws(WorldError) -> World {
        try World.load(from: URL(fileURLWithPath: file), patches: patches)
    }

    /// Writes `world.json` into a run folder (best effort: a run without it replays against a given world).
    public func write(into folder: URL) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return }
        try? data.write(to: folder.appendingPathComponent("world.json"))
    }

    public static func read(from file: URL) throws(WorldError) -> WorldOrigin {
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw WorldError(file: file.path, message: "cannot read the file")
        }
        do {
            return try JSONDecoder().decode(WorldOrigin.self, from: data)
        } catch {
            throw WorldError(file: file.path, message: "not a world origin ({\"file\": PATH, \"patches\": [...]}): \(error)")
        }
    }
}

extension WorldPatch: Codable {
    enum CodingKeys: String, CodingKey { case set, remove, value }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let path = try c.decodeIfPresent(String.self, forKey: .remove) {
            self = .remove(path: Self.splitPath(path))
        } else {
            self = .set(path: Self.splitPath(try c.decode(String.self, forKey: .set)), yaml: try c.decode(String.self, forKey: .value))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .set(let path, let yaml):
            try c.encode(path.joined(separator: "/"), forKey: .set)
            try c.encode(yaml, forKey: .value)
        case .remove(let path):
            try c.encode(path.joined(separator: "/"), forKey: .remove)
        }
    }
}
