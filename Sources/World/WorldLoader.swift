import Foundation
import IAMPolicy
import Yams

extension World {
    /// Reads a world from a YAML or JSON file. Every policy is parsed as IAM parses it; every
    /// problem is reported with its file, line and column.
    public static func load(from url: URL) throws(WorldError) -> World {
        var world = try loadUnrecorded(from: url)
        world.origin = WorldOrigin(file: url.standardizedFileURL.path)
        return world
    }

    static func loadUnrecorded(from url: URL) throws(WorldError) -> World {
        let path = url.path
        if url.hasDirectoryPath || (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
            return try loadFolder(url)  // WorldFolder.swift
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WorldError(file: path, message: "cannot read the world file (does it exist?); pass an existing file with --world")
        }
        let text = String(decoding: data, as: UTF8.self)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw WorldError(file: path, message: "the world file is empty")
            }
            root = node
        } catch let error as WorldError {
            throw error
        } catch let error as YamlError {
            throw WorldError(file: path, message: "not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        } catch {
            throw WorldError(file: path, message: "not valid YAML: \(error)")
        }
        var loader = WorldLoader(file: path, base: url.deletingLastPathComponent())
        return try loader.world(root)
    }
}

/// Turns the YAML tree into a `World`, checking each field.
struct WorldLoader {
    let file: String
    let base: URL
    /// Off when the world is one file of a folder: references are checked once all files are read.
    var checksReferences = true
    /// Policy texts as written, by policy name, collected while loading (a shared box, so the
    /// loader's reading methods need not be mutating).
    let documentTexts = PolicyTexts()
    var documents: [String: String] { documentTexts.values }

    func fail(_ node: Node?, _ message: String) -> WorldError {
        WorldError(file: file, line: node?.mark?.line, column: node?.mark?.column, message: message)
    }

    func mapping(_ node: Node, _ what: String, allowed: Set<String>) throws(WorldError) -> [(key: String, keyNode: Node, value: Node)] {
        guard let map = node.mapping else { throw fail(node, "\(what) must be a mapping") }
        var result: [(String, Node, Node)] = []
        for (k, v) in map {
            guard let key = k.string else { throw fail(k, "\(what): keys must be strings") }
            if !allowed.isEmpty && !allowed.contains(key) {
                throw fail(k, "\(what): unknown field '\(key)' (expected one of: \(allowed.sorted().joined(separator: ", ")))")
            }
            result.append((key, k, v))
        }
        return result
    }

    func entries(_ node: Node?, _ what: String) throws(WorldError) -> [(key: String, keyNode: Node, value: Node)] {
        guard let node else { return [] }
        if case .scalar = node, node.null != nil { return [] }
        return try mapping(node, what, allowed: [])
    }

    func string(_ node: Node?, _ what: String) throws(WorldError) -> String? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node else { throw fail(node, "\(what) must be a string") }
        return scalar.string
    }

    func stringMap(_ node: Node?, _ what: String) throws(WorldError) -> [String: String] {
        var result: [String: String] = [:]
        for entry in try entries(node, what) {
            result[entry.key] = try string(entry.value, "\(what).\(entry.key)") ?? ""
        }
        return result
    }

    func stringList(_ node: Node?, _ what: String) throws(WorldError) -> [String] {
        guard let node else { return [] }
        guard let seq = node.sequence else { throw fail(node, "\(what) must be a list") }
        var result: [String] = []
        for item in seq { result.append(try string(item, what) ?? "") }
        return result
    }

    /// A policy written inline (a YAML/JSON mapping, or a JSON string) or as a `.json` file beside the world.
    func policy(_ node: Node, name: String, what: String, kind: PolicyType) throws(WorldError) -> NamedPolicy {
        let json: String
        switch node {
        case .scalar(let scalar):
            let text = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.hasPrefix("{") {
                json = text
            } else {
                let url = URL(fileURLWithPath: text, relativeTo: base)
                guard let data = FileManager.default.contents(atPath: url.path) else {
                    throw fail(node, "\(what): policy file '\(text)' not found (paths are relative to the world file)")
                }
                json = String(decoding: data, as: UTF8.self)
            }
        case .mapping, .sequence:
            let object = jsonValue(node)
            guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
                throw fail(node, "\(what): cannot turn this policy into JSON")
            }
            json = String(decoding: data, as: UTF8.self)
        case .alias:
            throw fail(node, "\(what): YAML aliases are not supported in policies")
        }
        do {
            let policy = try Policy.parse(json, as: kind)
            documentTexts.values[name] = json
            return NamedPolicy(name: name, policy: policy)
        } catch {
            throw fail(node, "\(what): \(error.code): \(error.message)\(error.location.map { " (at \($0))" } ?? "")")
        }
    }

    /// YAML to JSON values; scalars stay strings, as IAM reads every condition value as a string.
    func jsonValue(_ node: Node) -> Any {
        switch node {
        case .scalar(let scalar): return scalar.string
        case .sequence(let seq): return seq.map { jsonValue($0) }
        case .mapping(let map):
            var result: [String: Any] = [:]
            for (k, v) in map { result[k.string ?? ""] = jsonValue(v) }
            return result
        case .alias: return ""
        }
    }

    mutating func world(_ root: Node) throws(WorldError) -> World {
        let top = try mapping(root, "world", allowed: ["region", "organization", "accounts", "profiles", "network"])
        var networkNode: Node?
        var profilesNode: Node?
        var region = "us-east-1"
        var organization: Organization?
        var accounts: [String: Account] = [:]
        var accountsNode: Node?
        for entry in top {
            switch entry.key {
            case "region": region = try string(entry.value, "region") ?? region
            case "organization":
                let fields = try mapping(entry.value, "organization", allowed: Set(["id", "managementAccount", "accounts"]).union(Self.organizationTreeFields))
                var id = "o-exampleorgid"; var management = ""; var members: [String] = []
                var tree = OrganizationPolicies()
                for field in fields {
                    switch field.key {
                    case "id": id = try string(field.value, "organization.id") ?? id
                    case "managementAccount": management = try string(field.value, "organization.managementAccount") ?? ""
                    case "accounts": members = try stringList(field.value, "organization.accounts")
                    default: try organizationField(field.key, field.value, into: &tree)
                    }
                }
                if management.isEmpty { management = members.first ?? "" }
                organization = Organization(id: id, managementAccount: management, accounts: members)
                organization?.policies = tree
            case "profiles": profilesNode = entry.value
            case "network": networkNode = entry.value
            default: accountsNode = entry.value
            }
        }
        for entry in try entries(accountsNode, "accounts") {
            guard entry.key.count == 12, entry.key.allSatisfy(\.isNumber) else {
                throw fail(entry.keyNode, "account id '\(entry.key)' must be 12 digits (quote it in YAML)")
            }
            let before = documents
            var account = try account(id: entry.key, entry.value, region: region)
            account.policyDocuments = documents.filter { before[$0.key] == nil }
            accounts[entry.key] = account
        }
        // A bucket name is global in S3.
        var owners: [String: String] = [:]
        for account in accounts.values.sorted(by: { $0.id < $1.id }) {
            for name in account.buckets.keys {
                if let other = owners[name] {
                    throw WorldError(file: file, message: "bucket '\(name)' is declared in both \(other) and \(account.id); bucket names are global")
                }
                owners[name] = account.id
            }
        }
        var world = World(region: region, organization: organization, accounts: accounts, baseDirectory: base, source: file)
        world.profiles = try profiles(profilesNode)
        if let networkNode { world.network = try networkSettings(networkNode) }
        if checksReferences { try checkReferences(&world) }
        return world
    }

    func checkReferences(_ world: inout World) throws(WorldError) {
        for account in world.accounts.values.sorted(by: { $0.id < $1.id }) {
            if let problem = World.networkProblems(account.network, account: account.id).first {
                throw WorldError(file: file, message: problem.message)
            }
        }
        for account in world.accounts.values {
            for role in account.roles.values {
                for arn in role.managedPolicyArns + [role.permissionsBoundaryArn].compactMap({ $0 }) where world.managedPolicy(arn: arn) == nil {
                    throw WorldError(file: file, message: "role \(role.name) in \(account.id): managed policy \(arn) is not in this world and glueshim does not ship it (shipped: \(AWSManagedPolicies.all.keys.sorted().joined(separator: ", ")))")
                }
            }
            for user in account.users.values {
                for arn in user.managedPolicyArns + [user.permissionsBoundaryArn].compactMap({ $0 }) where world.managedPolicy(arn: arn) == nil {
                    throw WorldError(file: file, message: "user \(user.name) in \(account.id): managed policy \(arn) is not in this world and glueshim does not ship it")
                }
            }
        }
    }

    /// `profiles:` name -> {role_arn, credential_source | source_profile, external_id, duration_seconds, role_session_name, mfa_serial, region}.
    func profiles(_ node: Node?) throws(WorldError) -> [String: ConfigProfile] {
        var result: [String: ConfigProfile] = [:]
        for entry in try entries(node, "profiles") {
            let what = "profile \(entry.key)"
            var values: [String: String] = [:]
            for field in try mapping(entry.value, what, allowed: ["role_arn", "credential_source", "source_profile", "external_id", "duration_seconds", "role_session_name", "mfa_serial", "region"]) {
                values[field.key] = try string(field.value, "\(what).\(field.key)") ?? ""
            }
            guard let roleArn = values["role_arn"], roleArn.hasPrefix("arn:") else { throw fail(entry.value, "\(what) needs a role_arn") }
            if (values["credential_source"] == nil) == (values["source_profile"] == nil) {
                throw fail(entry.value, "\(what) needs exactly one of credential_source and source_profile")
            }
            if let source = values["credential_source"], !["Environment", "Ec2InstanceMetadata", "EcsContainer"].contains(source) {
                throw fail(entry.value, "\(what): credential_source must be Environment, Ec2InstanceMetadata or EcsContainer")
            }
            var duration: Int?
            if let text = values["duration_seconds"] {
                guard let value = Int(text), (900...43200).contains(value) else { throw fail(entry.value, "\(what): duration_seconds must be 900 to 43200") }
                duration = value
            }
            result[entry.key] = ConfigProfile(roleArn: roleArn, credentialSource: values["credential_source"], sourceProfile: values["source_profile"],
                                              externalId: values["external_id"], durationSeconds: duration, roleSessionName: values["role_session_name"],
                                              mfaSerial: values["mfa_serial"], region: values["region"])
        }
        return result
    }

    func account(id: String, _ node: Node, region: String) throws(WorldError) -> Account {
        var account = Account(id: id)
        for entry in try mapping(node, "account \(id)", allowed: Set(["alias", "roles", "users", "groups", "buckets", "managedPolicies", "kmsKeys", "publicAccessBlock"]).union(Self.networkAccountFields)) {
            switch entry.key {
            case "vpcs", "subnets", "vpcEndpoints", "connections":
                try networkSection(entry.key, account: id, region: region, entry.value, into: &account.network)
            case "alias": account.alias = try string(entry.value, "alias")
            case "kmsKeys": account.kmsKeys = try kmsKeys(entry.value, account: id, region: region)
            case "publicAccessBlock": account.publicAccessBlock = try publicAccessBlock(entry.value, "account \(id) publicAccessBlock")
            case "groups":
                for group in try entries(entry.value, "groups") {
                    var value = Group(name: group.key)
                    for field in try mapping(group.value, "group \(group.key)", allowed: ["path", "policies", "managedPolicies"]) {
                        switch field.key {
                        case "path": value.path = try string(field.value, "path") ?? "/"
                        case "policies":
                            for p in try entries(field.value, "policies") {
                                value.inlinePolicies.append(try policy(p.value, name: "inline policy \(p.key) of group \(group.key)",
                                                                       what: "group \(group.key) policy \(p.key)", kind: .identity))
                            }
                        default: value.managedPolicyArns = try stringList(field.value, "managedPolicies")
                        }
                    }
                    account.groups[group.key] = value
                }
            case "managedPolicies":
                for policy in try entries(entry.value, "managedPolicies") {
                    let arn = "arn:aws:iam::\(id):policy/\(policy.key)"
                    var document = policy.value
                    if policy.value.mapping != nil, let doc = policy.value["document"] {
                        document = doc
                        account.managedPolicyDescriptions[arn] = policy.value["description"]?.string
                    }
                    account.managedPolicies[arn] = try self.policy(document, name: arn, what: "managed policy \(policy.key)", kind: .identity)
                }
            case "roles":
                for role in try entries(entry.value, "roles") {
                    account.roles[role.key] = try self.role(name: role.key, account: id, role.value)
                }
            case "users":
                for user in try entries(entry.value, "users") {
                    account.users[user.key] = try self.user(name: user.key, account: id, user.value)
                }
            default:
                for bucket in try entries(entry.value, "buckets") {
                    account.buckets[bucket.key] = try self.bucket(name: bucket.key, account: id, region: region, bucket.keyNode, bucket.value)
                }
            }
        }
        return account
    }

    func role(name: String, account: String, _ node: Node) throws(WorldError) -> Role {
        let fields = try mapping(node, "role \(name)", allowed: ["path", "trustPolicy", "policies", "managedPolicies", "permissionsBoundary", "maxSessionDuration", "tags", "description"])
        var path = "/"
        var trust: NamedPolicy?
        var inline: [NamedPolicy] = []
        var managed: [String] = []
        var boundary: String?
        var maxSession = 3600
        var tags: [String: String] = [:]
        var names: [String] = []
        var description: String?
        for field in fields {
            switch field.key {
            case "path": path = try string(field.value, "path") ?? "/"
            case "trustPolicy":
                trust = try policy(field.value, name: "trust policy of role \(name)", what: "role \(name) trustPolicy", kind: .resource)
            case "policies":
                for p in try entries(field.value, "policies") {
                    inline.append(try policy(p.value, name: "inline policy \(p.key) of role \(name)", what: "role \(name) policy \(p.key)", kind: .identity))
                    names.append(p.key)
                }
            case "managedPolicies": managed = try stringList(field.value, "managedPolicies")
            case "permissionsBoundary": boundary = try string(field.value, "permissionsBoundary")
            case "maxSessionDuration":
                guard let value = Int(try string(field.value, "maxSessionDuration") ?? ""), (3600...43200).contains(value) else {
                    throw fail(field.value, "role \(name) maxSessionDuration must be 3600 to 43200 seconds")
                }
                maxSession = value
            case "tags": tags = try stringMap(field.value, "tags")
            default: description = try string(field.value, "description")
            }
        }
        guard path.hasPrefix("/"), path.hasSuffix("/") else { throw fail(node, "role \(name): path must start and end with '/'") }
        guard let trust else { throw fail(node, "role \(name) needs a trustPolicy (every IAM role has one)") }
        return Role(name: name, path: path, account: account, trustPolicy: trust, inlinePolicies: inline,
                    managedPolicyArns: managed, permissionsBoundaryArn: boundary, maxSessionDuration: maxSession,
                    tags: tags, roleId: StableID.make(prefix: "AROA", seed: "\(account)/role/\(name)"),
                    description: description, inlinePolicyNames: names)
    }

    func user(name: String, account: String, _ node: Node) throws(WorldError) -> User {
        let fields = try mapping(node, "user \(name)", allowed: ["path", "policies", "managedPolicies", "permissionsBoundary", "tags", "accessKeys", "mfaDevices", "groups"])
        var user = User(name: name, path: "/", account: account, inlinePolicies: [], managedPolicyArns: [],
                        permissionsBoundaryArn: nil, tags: [:], userId: StableID.make(prefix: "AIDA", seed: "\(account)/user/\(name)"))
        for field in fields {
            switch field.key {
            case "path": user.path = try string(field.value, "path") ?? "/"
            case "policies":
                for p in try entries(field.value, "policies") {
                    user.inlinePolicies.append(try policy(p.value, name: "inline policy \(p.key) of user \(name)", what: "user \(name) policy \(p.key)", kind: .identity))
                    user.inlinePolicyNames.append(p.key)
                }
            case "managedPolicies": user.managedPolicyArns = try stringList(field.value, "managedPolicies")
            case "permissionsBoundary": user.permissionsBoundaryArn = try string(field.value, "permissionsBoundary")
            case "groups": user.groups = try stringList(field.value, "groups")
            case "accessKeys":
                guard let items = field.value.sequence else { throw fail(field.value, "user \(name) accessKeys must be a list of {accessKeyId, secretAccessKey}") }
                for item in items {
                    let values = try stringMap(item, "user \(name) access key")
                    guard let id = values["accessKeyId"], let secret = values["secretAccessKey"], values.count == 2 else {
                        throw fail(item, "user \(name): an access key needs exactly accessKeyId and secretAccessKey")
                    }
                    guard id.hasPrefix("AKIA"), (16...128).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                        throw fail(item, "user \(name): accessKeyId '\(id)' must start with AKIA and have 16 to 128 letters and digits")
                    }
                    guard secret.count >= 16 else { throw fail(item, "user \(name): secretAccessKey is too short (local test secrets only)") }
                    user.accessKeys.append(DeclaredAccessKey(accessKeyId: id, secretAccessKey: secret))
                }
            case "mfaDevices":
                for device in try entries(field.value, "user \(name) mfaDevices") {
                    let code = try string(device.value, "mfa device \(device.key) code") ?? ""
                    guard code.count == 6, code.allSatisfy(\.isNumber) else { throw fail(device.value, "user \(name): mfa device \(device.key) needs a six-digit test code") }
                    user.mfaDevices.append(MFADevice(serialNumber: "arn:aws:iam::\(account):mfa/\(device.key)", code: code))
                }
            default: user.tags = try stringMap(field.value, "tags")
            }
        }
        return user
    }

    func bucket(name: String, account: String, region: String, _ keyNode: Node, _ node: Node) throws(WorldError) -> Bucket {
        guard BucketName.isValid(name) else {
            throw fail(keyNode, "bucket name '\(name)' is not a valid S3 bucket name (3-63 characters: lowercase letters, digits, '.', '-')")
        }
        var bucket = Bucket(name: name, account: account, region: region, policy: nil, objects: [], tags: [:])
        for field in try entries(node, "bucket \(name)") {
            switch field.key {
            case "region": bucket.region = try string(field.value, "region") ?? region
            case "policy": bucket.policy = try policy(field.value, name: "bucket policy of \(name)", what: "bucket \(name) policy", kind: .resource)
            case "tags": bucket.tags = try stringMap(field.value, "tags")
            case "objectOwnership":
                let text = try string(field.value, "objectOwnership") ?? ""
                guard let value = ObjectOwnership(rawValue: text) else {
                    throw fail(field.value, "bucket \(name): objectOwnership '\(text)' is not one of: "
                               + ObjectOwnership.allCases.map(\.rawValue).joined(separator: ", "))
                }
                bucket.objectOwnership = value
            case "publicAccessBlock": bucket.publicAccessBlock = try publicAccessBlock(field.value, "bucket \(name) publicAccessBlock")
            case "objects":
                for object in try entries(field.value, "objects") {
                    bucket.objects.append(try seedObject(key: object.key, object.value))
                }
            default:
                throw fail(field.keyNode, "bucket \(name): unknown field '\(field.key)' (expected one of: objectOwnership, objects, policy, publicAccessBlock, region, tags)")
            }
        }
        return bucket
    }

    /// Block Public Access settings: a mapping of the four S3 setting names to true or false
    /// (missing ones are false), or `true` for all four on.
    func publicAccessBlock(_ node: Node, _ what: String) throws(WorldError) -> PublicAccessBlock {
        if let text = node.string, node.mapping == nil {
            guard let all = Bool(text.lowercased()) else {
                throw fail(node, "\(what): expected true, false or a mapping of \(PublicAccessBlock.names.joined(separator: ", ")) to true or false")
            }
            return PublicAccessBlock(blockPublicAcls: all, ignorePublicAcls: all, blockPublicPolicy: all, restrictPublicBuckets: all)
        }
        var settings = PublicAccessBlock()
        for field in try mapping(node, what, allowed: Set(PublicAccessBlock.names)) {
            guard let text = try string(field.value, field.key), let value = Bool(text.lowercased()) else {
                throw fail(field.value, "\(what): \(field.key) must be true or false")
            }
            settings[field.key] = value
        }
        return settings
    }

    func seedObject(key: String, _ node: Node) throws(WorldError) -> SeedObject {
        var filePath: String?
        var contentType: String?
        var metadata: [String: String] = [:]
        var kmsKey: String?
        if case .scalar(let scalar) = node {
            filePath = scalar.string
        } else {
            for field in try mapping(node, "object \(key)", allowed: ["file", "contentType", "metadata", "kmsKey"]) {
                switch field.key {
                case "file": filePath = try string(field.value, "file")
                case "contentType": contentType = try string(field.value, "contentType")
                case "kmsKey": kmsKey = try string(field.value, "kmsKey")
                default: metadata = try stringMap(field.value, "metadata")
                }
            }
        }
        guard let filePath else { throw fail(node, "object \(key) needs a file with its bytes") }
        let url = URL(fileURLWithPath: filePath, relativeTo: base).standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw fail(node, "object \(key): file '\(filePath)' not found (paths are relative to the world file)")
        }
        var object = SeedObject(key: key, file: url, contentType: contentType, metadata: metadata)
        object.kmsKey = kmsKey
        return object
    }
}

/// Policy texts collected by a loader.
final class PolicyTexts: @unchecked Sendable {
    var values: [String: String] = [:]
}

/// S3's bucket naming rules (general purpose buckets).
public enum BucketName {
    public static func isValid(_ name: String) -> Bool {
        guard (3...63).contains(name.count) else { return false }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.-")
        guard name.allSatisfy({ allowed.contains($0) }) else { return false }
        guard let first = name.first, let last = name.last, first.isLetter || first.isNumber, last.isLetter || last.isNumber else { return false }
        if name.contains("..") { return false }
        let parts = name.split(separator: ".")
        if parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) { return false }  // looks like an IP address
        if name.hasPrefix("xn--") || name.hasPrefix("sthree-") || name.hasSuffix("-s3alias") || name.hasSuffix("--ol-s3") { return false }
        return true
    }
}

/// Deterministic AWS-style unique ids (`AROA...`, `AIDA...`) so runs and docs are reproducible.
enum StableID {
    static func make(prefix: String, seed: String) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var hash: UInt64 = 0xcbf29ce484222325
        var out = prefix
        for round in 0..<2 {
            for byte in (seed + "#\(round)").utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
            var h = hash
            for _ in 0..<9 { out.append(alphabet[Int(h & 31)]); h >>= 5 }
        }
        return String(out.prefix(prefix.count + 17))
    }
}
