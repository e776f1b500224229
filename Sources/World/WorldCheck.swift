import Foundation
import IAMPolicy
import Yams

/// One problem `glueshim world check` found: `FILE:LINE:COLUMN: error|warning: message`.
public struct WorldDiagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable { case error, warning }
    public var severity: Severity
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(severity: Severity, file: String, line: Int?, column: Int?, message: String) {
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return "\(location): \(severity.rawValue): \(message)"
    }
}

/// Checks a world file or folder the way IAM would check what it holds: every policy parsed
/// and validated for where it is attached, every reference resolved, and warnings for what
/// IAM accepts but is likely a mistake. Unlike `World.load`, it goes on after a problem.
public struct WorldCheck {
    public private(set) var diagnostics: [WorldDiagnostic] = []

    /// A reference to check once every file is read.
    struct Reference {
        var arn: String
        var owner: String
        var file: String
        var node: Node
    }
    /// A principal named in a trust or bucket policy.
    struct PrincipalUse {
        var value: String
        var owner: String
        var policyNode: Node
        var loader: WorldLoader
    }

    var managedReferences: [Reference] = []
    var principals: [PrincipalUse] = []
    var roles: [String: Set<String>] = [:]
    var users: [String: Set<String>] = [:]
    var declaredManaged: Set<String> = []
    var organizationTargets: [(target: String, owner: String, file: String, node: Node)] = []
    var organizationIds: Set<String> = []
    var organizationAccounts: Set<String> = []
    /// Each account's network items as read so far, with where each item was written.
    var networks: [String: AccountNetwork] = [:]
    var networkPlaces: [String: (file: String, line: Int?, column: Int?)] = [:]
    var region = "us-east-1"

    public static func check(_ url: URL) -> [WorldDiagnostic] {
        var checker = WorldCheck()
        checker.run(url)
        return checker.diagnostics
    }

    public static func hasErrors(_ diagnostics: [WorldDiagnostic]) -> Bool { diagnostics.contains { $0.severity == .error } }

    mutating func run(_ url: URL) {
        var files: [(url: URL, root: Node)] = []
        var base = url.deletingLastPathComponent()
        do {
            if (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
                files = try World.worldFiles(in: url)
                base = url
            } else if let root = try World.composeFile(url) {
                files = [(url, root)]
            } else {
                add(.error, WorldError(file: url.path, message: "the world file is empty"))
            }
        } catch {
            add(.error, error)
        }
        for file in files {
            checkFile(WorldLoader(file: file.url.path, base: base), file.root)
        }
        resolve()
        diagnostics = Array(Set(diagnostics)).sorted {
            ($0.file, $0.line ?? 0, $0.column ?? 0, $0.message) < ($1.file, $1.line ?? 0, $1.column ?? 0, $1.message)
        }
    }

    mutating func add(_ severity: WorldDiagnostic.Severity, _ error: WorldError) {
        diagnostics.append(WorldDiagnostic(severity: severity, file: error.file, line: error.line, column: error.column, message: error.message))
    }

    mutating func add(_ severity: WorldDiagnostic.Severity, _ loader: WorldLoader, _ node: Node?, _ message: String) {
        add(severity, loader.fail(node, message))
    }

    /// Runs one of the loader's checks, keeping its error instead of stopping.
    mutating func attempt<T>(_ body: () throws(WorldError) -> T) -> T? {
        do { return try body() } catch { add(.error, error); return nil }
    }

    // MARK: - Walking the files

    mutating func checkFile(_ loader: WorldLoader, _ root: Node) {
        guard let top = attempt({ () throws(WorldError) in try loader.mapping(root, "world", allowed: World.worldKeys) }) else { return }
        for entry in top {
            switch entry.key {
            case "region":
                if let value = attempt({ () throws(WorldError) in try loader.string(entry.value, "region") }), let value { region = value }
            case "organization": checkOrganization(loader, entry.value)
            case "network": _ = attempt { () throws(WorldError) in try loader.networkSettings(entry.value) }
            default:
                for account in attempt({ () throws(WorldError) in try loader.entries(entry.value, "accounts") }) ?? [] {
                    guard account.key.count == 12, account.key.allSatisfy(\.isNumber) else {
                        add(.error, loader, account.keyNode, "account id '\(account.key)' must be 12 digits (quote it in YAML)")
                        continue
                    }
                    checkAccount(loader, id: account.key, account.value)
                }
            }
        }
    }

    mutating func checkAccount(_ loader: WorldLoader, id: String, _ node: Node) {
        let allowed = Set(["alias", "roles", "users", "groups", "buckets", "managedPolicies", "kmsKeys", "publicAccessBlock"]).union(WorldLoader.networkAccountFields)
        guard let fields = attempt({ () throws(WorldError) in try loader.mapping(node, "account \(id)", allowed: allowed) }) else { return }
        roles[id, default: []].formUnion([])
        for field in fields {
            switch field.key {
            case "vpcs", "subnets", "vpcEndpoints", "connections":
                checkNetwork(loader, account: id, field.key, field.value)
            case "managedPolicies":
                for policy in attempt({ () throws(WorldError) in try loader.entries(field.value, "managedPolicies") }) ?? [] {
                    let arn = "arn:aws:iam::\(id):policy/\(policy.key)"
                    declaredManaged.insert(arn)
                    _ = attempt { () throws(WorldError) in try loader.policy(policy.value, name: arn, what: "managed policy \(policy.key)", kind: .identity) }
                }
            case "roles":
                for role in attempt({ () throws(WorldError) in try loader.entries(field.value, "roles") }) ?? [] {
                    roles[id, default: []].insert(role.key)
                    checkRole(loader, account: id, name: role.key, role.value)
                }
            case "users":
                for user in attempt({ () throws(WorldError) in try loader.entries(field.value, "users") }) ?? [] {
                    users[id, default: []].insert(user.key)
                    checkPrincipalPolicies(loader, owner: "user \(user.key)", user.value)
                    _ = attempt { () throws(WorldError) in try loader.user(name: user.key, account: id, user.value) }
                }
            case "buckets":
                for bucket in attempt({ () throws(WorldError) in try loader.entries(field.value, "buckets") }) ?? [] {
                    _ = attempt { () throws(WorldError) in try loader.bucket(name: bucket.key, account: id, region: "us-east-1", bucket.keyNode, bucket.value) }
                    if let policyNode = bucket.value["policy"],
                       let policy = try? loader.policy(policyNode, name: "", what: "", kind: .resource) {
                        checkResourcePolicy(loader, policy.policy, node: policyNode, owner: "bucket \(bucket.key) policy", trust: false)
                    }
                }
            case "publicAccessBlock":
                _ = attempt { () throws(WorldError) in try loader.publicAccessBlock(field.value, "account \(id) publicAccessBlock") }
            case "kmsKeys":
                _ = attempt { () throws(WorldError) in try loader.kmsKeys(field.value, account: id, region: "us-east-1") }
                for key in attempt({ () throws(WorldError) in try loader.entries(field.value, "kmsKeys") }) ?? [] {
                    guard let policyNode = key.value["policy"], let policy = try? loader.policy(policyNode, name: "", what: "", kind: .resource) else { continue }
                    checkResourcePolicy(loader, policy.policy, node: policyNode, owner: "KMS key \(key.key) policy", trust: false)
                    if !Self.administers(policy.policy, account: id) {
                        add(.warning, loader, policyNode, "KMS key \(key.key): no statement of its key policy lets the account administer the key (allow kms:PutKeyPolicy to arn:aws:iam::\(id):root or a principal of \(id)), so nobody could change the policy again; the console warns of the same")
                    }
                }
            default: break
            }
        }
    }

    mutating func checkRole(_ loader: WorldLoader, account: String, name: String, _ node: Node) {
        if let trustNode = node["trustPolicy"],
           let trust = attempt({ () throws(WorldError) in try loader.policy(trustNode, name: "", what: "role \(name) trustPolicy", kind: .resource) }) {
            checkResourcePolicy(loader, trust.policy, node: trustNode, owner: "role \(name) trust policy", trust: true)
        }
        checkPrincipalPolicies(loader, owner: "role \(name)", node)
        _ = attempt { () throws(WorldError) in try loader.role(name: name, account: account, node) }
    }

    /// Inline policies one by one (the loader stops at the first bad one), and the managed policy references.
    mutating func checkPrincipalPolicies(_ loader: WorldLoader, owner: String, _ node: Node) {
        for p in (try? loader.entries(node["policies"], "policies")) ?? [] {
            _ = attempt { () throws(WorldError) in try loader.policy(p.value, name: "", what: "\(owner) policy \(p.key)", kind: .identity) }
        }
        for item in node["managedPolicies"]?.sequence ?? [] {
            if let arn = item.string { managedReferences.append(Reference(arn: arn, owner: owner, file: loader.file, node: item)) }
        }
        if let boundary = node["permissionsBoundary"], let arn = boundary.string {
            managedReferences.append(Reference(arn: arn, owner: "\(owner) permissions boundary", file: loader.file, node: boundary))
        }
    }

    /// Whether a key policy lets a principal of `account` change it (an Allow of kms:PutKeyPolicy
    /// to the account's root or one of its principals).
    static func administers(_ policy: Policy, account: String) -> Bool {
        policy.statements.contains { statement in
            guard statement.effect == .allow, let principal = statement.principal else { return false }
            let actions = statement.action ?? []
            guard actions.contains(where: { Wildcard.matches($0, "kms:PutKeyPolicy", caseInsensitive: true) }) else { return false }
            return principal.isWildcard || principal.aws.contains { $0 == "*" || $0 == account || $0.contains(":\(account):") }
        }
    }

    /// Warnings for a trust or bucket policy, and its principals kept for resolving.
    mutating func checkResourcePolicy(_ loader: WorldLoader, _ policy: Policy, node: Node, owner: String, trust: Bool) {
        for (index, statement) in policy.statements.enumerated() {
            let at = statement.sid.map { "statement \($0)" } ?? "statement \(index)"
            if statement.effect == .allow, statement.notPrincipal != nil {
                let place = locate("NotPrincipal", loader, node)
                diagnostics.append(WorldDiagnostic(severity: .warning, file: place.file, line: place.line, column: place.column,
                    message: "\(owner) \(at): NotPrincipal with Allow grants access to every principal but the ones listed, including anonymous and other accounts' principals; name the principals in Principal instead"))
            }
            if trust, statement.effect == .allow, let principal = statement.principal,
               principal.isWildcard || principal.aws.contains("*"), statement.conditions.isEmpty {
                let place = locate("Principal", loader, node)
                diagnostics.append(WorldDiagnostic(severity: .warning, file: place.file, line: place.line, column: place.column,
                    message: "\(owner) \(at): trusts every principal (\"*\") without a condition, so anyone in any AWS account can assume the role; add a condition such as aws:PrincipalOrgID or name the principals"))
            }
            for value in (statement.principal?.aws ?? []) + (statement.notPrincipal?.aws ?? []) where value != "*" {
                principals.append(PrincipalUse(value: value, owner: "\(owner) \(at)", policyNode: node, loader: loader))
            }
        }
    }

    mutating func checkOrganization(_ loader: WorldLoader, _ node: Node) {
        var allowed: Set<String> = ["id", "managementAccount", "accounts"]
        allowed.formUnion(WorldLoader.organizationTreeFields)
        guard let fields = attempt({ () throws(WorldError) in try loader.mapping(node, "organization", allowed: allowed) }) else { return }
        for field in fields {
            switch field.key {
            case "accounts": organizationAccounts.formUnion((try? loader.stringList(field.value, "accounts")) ?? [])
            case "root": if let root = field.value.string { organizationIds.insert(root) }
            case "units":
                var tree = OrganizationPolicies()
                _ = attempt { () throws(WorldError) in try loader.organizationField("units", field.value, into: &tree) }
                for unit in field.value.mapping ?? [:] {
                    if let id = unit.key.string { organizationIds.insert(id) }
                    if let parent = unit.value["parent"] {
                        organizationTargets.append((parent.string ?? "", "organizational unit \(unit.key.string ?? "") parent", loader.file, parent))
                    }
                    for account in unit.value["accounts"]?.sequence ?? [] { organizationAccounts.insert(account.string ?? "") }
                }
            case "serviceControlPolicies", "resourceControlPolicies":
                let kind: PolicyType = field.key == "serviceControlPolicies" ? .scp : .rcp
                for entry in (try? loader.entries(field.value, field.key)) ?? [] {
                    _ = attempt { () throws(WorldError) in try loader.organizationPolicy(name: entry.key, entry.value, kind: kind) }
                    for target in entry.value["targets"]?.sequence ?? [] {
                        organizationTargets.append((target.string ?? "", "\(kind == .scp ? "SCP" : "RCP") \(entry.key) target", loader.file, target))
                    }
                }
            default: break
            }
        }
    }

    /// Each network item on its own (CIDRs, ids, endpoint policies), kept for resolving references.
    mutating func checkNetwork(_ loader: WorldLoader, account: String, _ key: String, _ node: Node) {
        for entry in attempt({ () throws(WorldError) in try loader.entries(node, key) }) ?? [] {
            let single = Node.mapping(Node.Mapping([(entry.keyNode, entry.value)]))
            var network = networks[account] ?? AccountNetwork()
            let region = self.region
            var problem: WorldError?
            do { try loader.networkSection(key, account: account, region: region, single, into: &network) } catch { problem = error }
            if let problem { add(.error, problem) } else {
                networks[account] = network
                networkPlaces["\(account) \(key) \(entry.key)"] = (loader.file, entry.keyNode.mark?.line, entry.keyNode.mark?.column)
            }
        }
    }

    // MARK: - Resolving references

    mutating func resolve() {
        for (account, network) in networks.sorted(by: { $0.key < $1.key }) {
            for problem in World.networkProblems(network, account: account) {
                let key = ["subnet": "subnets", "vpcEndpoint": "vpcEndpoints", "connection": "connections"][problem.kind] ?? problem.kind
                let place = networkPlaces["\(account) \(key) \(problem.name)"]
                diagnostics.append(WorldDiagnostic(severity: .error, file: place?.file ?? "", line: place?.line, column: place?.column, message: problem.message))
            }
        }
        for reference in managedReferences {
            if AWSManagedPolicies.policy(arn: reference.arn) != nil || declaredManaged.contains(reference.arn) { continue }
            let isAWS = IAMArn(reference.arn)?.account == "aws"
            let hint = isAWS
                ? "glueshim does not ship this AWS managed policy; declare its document under the account's managedPolicies and refer to that ARN"
                : "declare it under its account's managedPolicies"
            diagnostics.append(WorldDiagnostic(severity: .error, file: reference.file, line: reference.node.mark?.line, column: reference.node.mark?.column,
                message: "\(reference.owner): managed policy \(reference.arn) is not in this world; \(hint)"))
        }
        for use in principals {
            let value = use.value
            var account: String?
            var problem: String?
            if value.count == 12, value.allSatisfy(\.isNumber) {
                account = value
            } else if let arn = IAMArn(value) {
                account = arn.account
                let parts = arn.resource.split(separator: "/").map(String.init)
                if arn.service == "iam", parts.first == "role", let name = parts.last, roles[arn.account] != nil, roles[arn.account]?.contains(name) != true {
                    problem = "principal \(value) does not exist: account \(arn.account) has no role \(name) in this world (IAM rejects a policy naming a missing principal: Invalid principal in policy)"
                } else if arn.service == "iam", parts.first == "user", let name = parts.last, roles[arn.account] != nil, users[arn.account]?.contains(name) != true {
                    problem = "principal \(value) does not exist: account \(arn.account) has no user \(name) in this world (IAM rejects a policy naming a missing principal: Invalid principal in policy)"
                } else if arn.service == "sts", parts.first == "assumed-role", parts.count >= 2, roles[arn.account] != nil, roles[arn.account]?.contains(parts[1]) != true {
                    problem = "principal \(value) names role \(parts[1]), which account \(arn.account) does not have in this world"
                }
            }
            let place = locate(value, use.loader, use.policyNode)
            if let problem {
                diagnostics.append(WorldDiagnostic(severity: .error, file: place.file, line: place.line, column: place.column, message: "\(use.owner): \(problem)"))
            } else if let account, roles[account] == nil {
                diagnostics.append(WorldDiagnostic(severity: .warning, file: place.file, line: place.line, column: place.column,
                    message: "\(use.owner): principal \(value) is external: account \(account) is not in this world, so its requests cannot be reproduced locally"))
            }
        }
        let known = organizationIds.union(organizationAccounts).union(roles.keys)
        for target in organizationTargets where !known.contains(target.target) {
            diagnostics.append(WorldDiagnostic(severity: .error, file: target.file, line: target.node.mark?.line, column: target.node.mark?.column,
                message: "\(target.owner) \(target.target) is not the organization's root, one of its units or one of its accounts"))
        }
    }

    /// Where `needle` first appears in a policy: inside the world file after the policy's
    /// position, or in the `.json` file the policy was read from.
    func locate(_ needle: String, _ loader: WorldLoader, _ node: Node) -> (file: String, line: Int?, column: Int?) {
        var file = loader.file
        var start = (line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        if case .scalar(let scalar) = node {
            let text = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.hasPrefix("{") {
                file = URL(fileURLWithPath: text, relativeTo: loader.base).path
                start = (1, 1)
            }
        }
        guard let data = FileManager.default.contents(atPath: file) else { return (file, start.line, start.column) }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for index in (start.line - 1)..<lines.count where index >= 0 {
            let line = Array(lines[index].unicodeScalars)
            let from = index == start.line - 1 ? max(0, start.column - 1) : 0
            let target = Array(needle.unicodeScalars)
            guard line.count >= target.count, from <= line.count - target.count else { continue }
            for column in from...(line.count - target.count) where Array(line[column..<(column + target.count)]) == target {
                return (file, index + 1, column + 1)
            }
        }
        return (file, node.mark?.line, node.mark?.column)
    }
}
