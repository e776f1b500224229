import Foundation
import IAMPolicy
import Yams

/// A world split across a folder of YAML/JSON files, each holding part of it (some accounts,
/// the organization, more roles of an account already named elsewhere).
extension World {
    static let worldKeys: Set<String> = ["region", "organization", "accounts", "network"]

    /// The files of a folder world: every `.yaml`/`.yml` file, and every `.json` file whose
    /// top level is a world (policy documents kept as `.json` files beside it are skipped).
    /// Subfolders are not read: they hold policy files and object bytes.
    static func worldFiles(in folder: URL) throws(WorldError) -> [(url: URL, root: Node)] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw WorldError(file: folder.path, message: "cannot read the world folder: \(error.localizedDescription)")
        }
        var files: [(URL, Node)] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let url = folder.appendingPathComponent(name)
            let ext = url.pathExtension.lowercased()
            guard ["yaml", "yml", "json"].contains(ext) else { continue }
            guard let root = try composeFile(url) else { continue }
            if ext == "json" {
                guard let keys = root.mapping?.keys.compactMap(\.string), !keys.isEmpty, Set(keys).isSubset(of: worldKeys) else { continue }
            }
            files.append((url, root))
        }
        guard !files.isEmpty else {
            throw WorldError(file: folder.path, message: "the world folder holds no .yaml, .yml or .json world file")
        }
        return files
    }

    /// The YAML (or JSON) tree of one file; nil when the file is empty.
    static func composeFile(_ url: URL) throws(WorldError) -> Node? {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw WorldError(file: url.path, message: "cannot read the world file (does it exist?); pass an existing file with --world")
        }
        do {
            return try Yams.compose(yaml: String(decoding: data, as: UTF8.self))
        } catch let error as YamlError {
            throw yamlError(error, file: url.path)
        } catch {
            throw WorldError(file: url.path, message: "not valid YAML: \(error)")
        }
    }

    static func yamlError(_ error: YamlError, file: String) -> WorldError {
        let firstLine = String(String(describing: error).split(separator: "\n").first ?? "")
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return WorldError(file: file, line: mark.line, column: mark.column, message: "not valid YAML: \(problem)")
        default:
            return WorldError(file: file, message: "not valid YAML: \(firstLine)")
        }
    }

    /// Reads every world file of a folder and merges them; a role, user, bucket or managed
    /// policy declared twice is an error naming both files.
    static func loadFolder(_ folder: URL) throws(WorldError) -> World {
        let parts = try worldFiles(in: folder)
        var merged: World?
        var origin: [String: String] = [:]  // "ACCT role NAME" -> file
        var regionFile: String?
        var organizationFile: String?
        for part in parts {
            var loader = WorldLoader(file: part.url.path, base: folder)
            loader.checksReferences = false
            let world = try loader.world(part.root)
            let keys = Set(part.root.mapping?.keys.compactMap(\.string) ?? [])
            guard var whole = merged else {
                merged = world
                if keys.contains("region") { regionFile = part.url.path }
                if keys.contains("organization") { organizationFile = part.url.path }
                for account in world.accounts.values { record(account, file: part.url.path, into: &origin) }
                continue
            }
            if keys.contains("region") {
                if let regionFile, whole.region != world.region {
                    throw WorldError(file: part.url.path, message: "region \(world.region) differs from \(whole.region) set in \(regionFile)")
                }
                whole.region = world.region
                regionFile = part.url.path
            }
            if keys.contains("network") { whole.network = world.network }
            if keys.contains("organization") {
                if let organizationFile {
                    throw WorldError(file: part.url.path, message: "the organization is already described in \(organizationFile); describe it in one file")
                }
                whole.organization = world.organization
                organizationFile = part.url.path
            }
            for account in world.accounts.values {
                var target = whole.accounts[account.id] ?? Account(id: account.id)
                for (kind, names) in [("role", Array(account.roles.keys)), ("user", Array(account.users.keys)),
                                      ("bucket", Array(account.buckets.keys)), ("managed policy", Array(account.managedPolicies.keys))] {
                    for name in names {
                        if let other = origin["\(account.id) \(kind) \(name)"] {
                            throw WorldError(file: part.url.path, message: "\(kind) \(name) of account \(account.id) is also declared in \(other)")
                        }
                    }
                }
                if let alias = account.alias {
                    if let existing = target.alias, existing != alias {
                        throw WorldError(file: part.url.path, message: "account \(account.id) has alias \(alias) here and \(existing) in another file")
                    }
                    target.alias = alias
                }
                target.roles.merge(account.roles) { a, _ in a }
                target.users.merge(account.users) { a, _ in a }
                target.buckets.merge(account.buckets) { a, _ in a }
                target.managedPolicies.merge(account.managedPolicies) { a, _ in a }
                target.network.merge(account.network)
                whole.accounts[account.id] = target
                record(account, file: part.url.path, into: &origin)
            }
            merged = whole
        }
        guard var world = merged else { throw WorldError(file: folder.path, message: "the world folder is empty") }
        world.baseDirectory = folder
        world.source = folder.path
        var owners: [String: String] = [:]
        for account in world.accounts.values.sorted(by: { $0.id < $1.id }) {
            for name in account.buckets.keys {
                if let other = owners[name] {
                    throw WorldError(file: folder.path, message: "bucket '\(name)' is declared in both \(other) and \(account.id); bucket names are global")
                }
                owners[name] = account.id
            }
        }
        try WorldLoader(file: folder.path, base: folder).checkReferences(&world)
        return world
    }

    static func record(_ account: Account, file: String, into origin: inout [String: String]) {
        for name in account.roles.keys { origin["\(account.id) role \(name)"] = file }
        for name in account.users.keys { origin["\(account.id) user \(name)"] = file }
        for name in account.buckets.keys { origin["\(account.id) bucket \(name)"] = file }
        for name in account.managedPolicies.keys { origin["\(account.id) managed policy \(name)"] = file }
    }
}
