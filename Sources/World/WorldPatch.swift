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
