import Foundation
import IAMPolicy
import Yams

/// Builds a world from real accounts' exports: `aws iam get-account-authorization-details`
/// (one or several accounts, each named by its ARNs), `aws s3api get-bucket-policy`, and
/// `aws organizations` outputs for SCPs and RCPs.
public struct WorldImport {
    public struct Options: Sendable {
        /// Account alias by account id; the key "" names the only account of the import.
        public var aliases: [String: String] = [:]
        /// Bucket policies: bucket name, owning account (nil: the only account), file.
        public var bucketPolicies: [(bucket: String, account: String?, file: URL)] = []
        /// `aws s3api get-bucket-ownership-controls` outputs, as bucket policies are given.
        public var bucketOwnershipControls: [(bucket: String, account: String?, file: URL)] = []
        /// `aws s3api get-public-access-block` outputs, as bucket policies are given.
        public var bucketPublicAccessBlocks: [(bucket: String, account: String?, file: URL)] = []
        /// Outputs of `aws organizations describe-organization`, `list-accounts`, `list-roots`,
        /// `list-policies` and `describe-policy` (optionally with `list-targets-for-policy`'s `Targets` merged in).
        public var organizationFiles: [URL] = []
        /// Where accounts sit in the organization: account id to `r-xxxx/ou-.../ou-...`.
        public var accountPaths: [String: String] = [:]
        public var region: String?
        public init() {}
    }

    /// Something the import did or could not do, with where in which input file.
    public struct Message: Sendable, CustomStringConvertible {
        public enum Severity: String, Sendable { case error, warning, note }
        public var severity: Severity
        public var file: String
        public var line: Int?
        public var column: Int?
        public var text: String
        public var description: String {
            var location = file
            if let line { location += ":\(line)" }
            if let column { location += ":\(column)" }
            return "\(location): \(severity.rawValue): \(text)"
        }
    }

    public var options: Options
    public private(set) var messages: [Message] = []
    /// The world being built, by account id, in the order accounts were met.
    var accounts: [(id: String, tree: YAMLTree)] = []
    var organization: YAMLTree?
    var currentFile = ""

    public init(options: Options) { self.options = options }

    public var hasErrors: Bool { messages.contains { $0.severity == .error } }

    mutating func report(_ severity: Message.Severity, _ node: Node?, _ text: String) {
        messages.append(Message(severity: severity, file: currentFile, line: node?.mark?.line, column: node?.mark?.column, text: text))
    }

    /// Imports the exports and returns the world as YAML, merged into `existing` (a world
    /// file's text) when given: the imported accounts' roles, users and managed policies
    /// replace the file's; everything else in it stays.
    public mutating func run(exports: [URL], existing: String? = nil) -> String? {
        for export in exports { importExport(export) }
        for policy in options.bucketPolicies { importBucketPolicy(policy) }
        for controls in options.bucketOwnershipControls { importOwnershipControls(controls) }
        for block in options.bucketPublicAccessBlocks { importPublicAccessBlock(block) }
        if !options.organizationFiles.isEmpty || !options.accountPaths.isEmpty { importOrganization() }
        if hasErrors { return nil }
        return compose(existing: existing)
    }

    // MARK: - IAM export

    struct ManagedPolicyInfo {
        var arn: String
        var name: String
        var path: String
        var document: Node?
        var node: Node
    }

    mutating func importExport(_ url: URL) {
        currentFile = url.path
        let root: Node
        do {
            guard let node = try World.composeFile(url) else { report(.error, nil, "the export is empty"); return }
            root = node
        } catch {
            messages.append(Message(severity: .error, file: error.file, line: error.line, column: error.column, text: error.message))
            return
        }
        guard root.mapping != nil else { report(.error, root, "not an `aws iam get-account-authorization-details` output (expected a JSON object)"); return }
        let known = ["UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"]
        guard known.contains(where: { root[$0] != nil }) else {
            report(.error, root, "not an `aws iam get-account-authorization-details` output (no UserDetailList, GroupDetailList, RoleDetailList or Policies)")
            return
        }
        if root["IsTruncated"]?.string == "true" {
            report(.warning, root["IsTruncated"], "the export is truncated (IsTruncated: true); pass every page, or run the AWS CLI without --max-items")
        }
        // Managed policies of the export, by ARN.
        var policies: [String: ManagedPolicyInfo] = [:]
        for policy in root["Policies"]?.sequence ?? [] {
            guard let arn = policy["Arn"]?.string, let name = policy["PolicyName"]?.string else {
                report(.error, policy, "a managed policy without Arn or PolicyName"); continue
            }
            let versions = policy["PolicyVersionList"]?.sequence ?? []
            let defaultId = policy["DefaultVersionId"]?.string
            let chosen = versions.first(where: { $0["IsDefaultVersion"]?.string == "true" })
                ?? versions.first(where: { $0["VersionId"]?.string == defaultId })
            if chosen == nil { report(.warning, policy, "managed policy \(arn) has no default version in the export") }
            policies[arn] = ManagedPolicyInfo(arn: arn, name: name, path: policy["Path"]?.string ?? "/", document: chosen?["Document"], node: policy)
        }
        // Customer managed policies go to their account.
        for info in policies.values.sorted(by: { $0.arn < $1.arn }) {
            guard let arn = IAMArn(info.arn), arn.account != "aws", let document = info.document else { continue }
            guard let json = documentText(document, what: "managed policy \(info.arn)", kind: .identity) else { continue }
            let key = String(info.path.dropFirst()) + info.name
            updateAccount(arn.account) { $0["managedPolicies", default: .map([])][key] = .block(json) }
        }
        // Groups: the world has none, so their policies are given to their members.
        var groups: [String: (inline: [(String, YAMLTree)], managed: [String])] = [:]
        for group in root["GroupDetailList"]?.sequence ?? [] {
            guard let name = group["GroupName"]?.string else { report(.error, group, "a group without GroupName"); continue }
            var inline: [(String, YAMLTree)] = []
            for p in group["GroupPolicyList"]?.sequence ?? [] {
                guard let policyName = p["PolicyName"]?.string, let doc = p["PolicyDocument"],
                      let json = documentText(doc, what: "group \(name) policy \(policyName)", kind: .identity) else { continue }
                inline.append(("group \(name): \(policyName)", .block(json)))
            }
            let account = group["Arn"]?.string.flatMap(IAMArn.init)?.account ?? ""
            groups[name] = (inline, managedArns(group, owner: "group \(name)", account: account, policies: policies))
        }
        for user in root["UserDetailList"]?.sequence ?? [] {
            guard let name = user["UserName"]?.string, let arn = user["Arn"]?.string.flatMap(IAMArn.init) else {
                report(.error, user, "a user without UserName or Arn"); continue
            }
            var tree = YAMLTree.map([("path", .scalar(user["Path"]?.string ?? "/"))])
            var inline: [(String, YAMLTree)] = []
            for p in user["UserPolicyList"]?.sequence ?? [] {
                guard let policyName = p["PolicyName"]?.string, let doc = p["PolicyDocument"],
                      let json = documentText(doc, what: "user \(name) policy \(policyName)", kind: .identity) else { continue }
                inline.append((policyName, .block(json)))
            }
            var managed = managedArns(user, owner: "user \(name)", account: arn.account, policies: policies)
            for groupName in user["GroupList"]?.sequence?.compactMap(\.string) ?? [] {
                guard let group = groups[groupName] else {
                    report(.warning, user["GroupList"], "user \(name) is in group \(groupName), which the export does not list; its policies are left out")
                    continue
                }
                inline += group.inline
                for m in group.managed where !managed.contains(m) { managed.append(m) }
            }
            if !inline.isEmpty { tree["policies"] = .map(inline) }
            if !managed.isEmpty { tree["managedPolicies"] = .list(managed.map { .scalar($0) }) }
            if let boundary = boundaryArn(user, owner: "user \(name)", account: arn.account, policies: policies) { tree["permissionsBoundary"] = .scalar(boundary) }
            if let tags = tags(user) { tree["tags"] = tags }
            updateAccount(arn.account) { $0["users", default: .map([])][name] = tree }
        }
        for role in root["RoleDetailList"]?.sequence ?? [] {
            guard let name = role["RoleName"]?.string, let arn = role["Arn"]?.string.flatMap(IAMArn.init) else {
                report(.error, role, "a role without RoleName or Arn"); continue
            }
            var tree = YAMLTree.map([("path", .scalar(role["Path"]?.string ?? "/"))])
            guard let trustNode = role["AssumeRolePolicyDocument"],
                  let trust = documentText(trustNode, what: "role \(name) trust policy", kind: .resource) else {
                if role["AssumeRolePolicyDocument"] == nil { report(.error, role, "role \(name) has no AssumeRolePolicyDocument") }
                continue
            }
            tree["trustPolicy"] = .block(trust)
            var inline: [(String, YAMLTree)] = []
            for p in role["RolePolicyList"]?.sequence ?? [] {
                guard let policyName = p["PolicyName"]?.string, let doc = p["PolicyDocument"],
                      let json = documentText(doc, what: "role \(name) policy \(policyName)", kind: .identity) else { continue }
                inline.append((policyName, .block(json)))
            }
            if !inline.isEmpty { tree["policies"] = .map(inline) }
            let managed = managedArns(role, owner: "role \(name)", account: arn.account, policies: policies)
            if !managed.isEmpty { tree["managedPolicies"] = .list(managed.map { .scalar($0) }) }
            if let boundary = boundaryArn(role, owner: "role \(name)", account: arn.account, policies: policies) { tree["permissionsBoundary"] = .scalar(boundary) }
            if let seconds = role["MaxSessionDuration"]?.string { tree["maxSessionDuration"] = .scalar(seconds) }
            if let tags = tags(role) { tree["tags"] = tags }
            updateAccount(arn.account) { $0["roles", default: .map([])][name] = tree }
        }
    }

    /// A policy document as JSON text: URL-decoded when IAM's API encoded it, kept as written
    /// otherwise, and checked as IAM checks it.
    mutating func documentText(_ node: Node, what: String, kind: PolicyType) -> String? {
        let json: String
        switch node {
        case .scalar(let scalar):
            let text = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.hasPrefix("{") {
                json = text
            } else if let decoded = text.removingPercentEncoding, decoded.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
                json = decoded.trimmingCharacters(in: .whitespacesAndNewlines)
            } else {
                report(.error, node, "\(what): the document is neither JSON nor URL-encoded JSON")
                return nil
            }
        case .mapping: json = JSONText.pretty(node)
        default:
            report(.error, node, "\(what): the document must be a JSON object or a string")
            return nil
        }
        do {
            _ = try Policy.parse(json, as: kind)
        } catch {
            report(.error, node, "\(what): \(error.description)")
            return nil
        }
        return json.replacingOccurrences(of: "\r\n", with: "\n")
    }

    /// The managed policy ARNs attached to a user, group or role, as the world refers to them.
    mutating func managedArns(_ entity: Node, owner: String, account: String, policies: [String: ManagedPolicyInfo]) -> [String] {
        var result: [String] = []
        for attached in entity["AttachedManagedPolicies"]?.sequence ?? [] {
            guard let arn = attached["PolicyArn"]?.string else { continue }
            if let resolved = resolveManaged(arn, node: attached, owner: owner, account: account, policies: policies), !result.contains(resolved) {
                result.append(resolved)
            }
        }
        return result
    }

    mutating func boundaryArn(_ entity: Node, owner: String, account: String, policies: [String: ManagedPolicyInfo]) -> String? {
        guard let node = entity["PermissionsBoundary"], let arn = node["PermissionsBoundaryArn"]?.string else { return nil }
        return resolveManaged(arn, node: node, owner: "\(owner) permissions boundary", account: account, policies: policies)
    }

    /// An AWS managed policy glueshim ships stays an ARN; one it lacks becomes a customer
    /// managed copy of the export's document (`policy/aws-managed/NAME`), or is reported.
    mutating func resolveManaged(_ arn: String, node: Node, owner: String, account: String, policies: [String: ManagedPolicyInfo]) -> String? {
        guard let parsed = IAMArn(arn) else { report(.error, node, "\(owner): '\(arn)' is not an ARN"); return nil }
        if parsed.account != "aws" {
            if policies[arn]?.document != nil { return arn }
            report(.error, node, "\(owner): managed policy \(arn) is attached but the export's Policies list does not hold it; export with no --filter (or with LocalManagedPolicy)")
            return nil
        }
        if AWSManagedPolicies.policy(arn: arn) != nil { return arn }
        let name = String(parsed.resource.dropFirst("policy/".count))
        guard let info = policies[arn], let document = info.document,
              let json = documentText(document, what: "AWS managed policy \(arn)", kind: .identity) else {
            report(.warning, node, "\(owner): AWS managed policy \(name) is not shipped with glueshim and the export does not hold its document; left out (export with --filter AWSManagedPolicy too, or add it by hand)")
            return nil
        }
        let key = "aws-managed/" + name
        updateAccount(account) { $0["managedPolicies", default: .map([])][key] = .block(json) }
        let local = "arn:\(parsed.partition):iam::\(account):policy/\(key)"
        report(.note, node, "\(owner): AWS managed policy \(name) is not shipped with glueshim; its document from the export is used as \(local)")
        return local
    }

    func tags(_ entity: Node) -> YAMLTree? {
        let list = entity["Tags"]?.sequence ?? []
        guard !list.isEmpty else { return nil }
        return .map(list.compactMap { tag in tag["Key"]?.string.map { ($0, .scalar(tag["Value"]?.string ?? "")) } })
    }

    mutating func updateAccount(_ id: String, _ change: (inout YAMLTree) -> Void) {
        if let index = accounts.firstIndex(where: { $0.id == id }) {
            change(&accounts[index].tree)
        } else {
            var tree = YAMLTree.map([])
            change(&tree)
            accounts.append((id, tree))
        }
    }

    // MARK: - Buckets

    /// The owning account and the parsed file of a per-bucket input; nil after reporting why not.
    mutating func bucketInput(_ entry: (bucket: String, account: String?, file: URL), option: String, what: String) -> (account: String, root: Node)? {
        currentFile = entry.file.path
        let account: String
        if let given = entry.account {
            account = given
        } else if accounts.count == 1 {
            account = accounts[0].id
        } else {
            report(.error, nil, "bucket \(entry.bucket): say which account owns it (--\(option) \(entry.bucket)@ACCOUNT=FILE), the import holds \(accounts.count) accounts")
            return nil
        }
        do {
            guard let node = try World.composeFile(entry.file) else { report(.error, nil, "the \(what) file is empty"); return nil }
            return (account, node)
        } catch {
            messages.append(Message(severity: .error, file: error.file, line: error.line, column: error.column, text: error.message))
            return nil
        }
    }

    /// Sets one field of a bucket in an imported account.
    mutating func setBucketField(_ account: String, bucket name: String, _ key: String, _ value: YAMLTree) {
        updateAccount(account) { tree in
            var bucket = tree["buckets"]?[name] ?? .map([])
            bucket[key] = value
            if bucket["objects"] == nil { bucket["objects"] = .map([]) }
            tree["buckets", default: .map([])][name] = bucket
        }
    }

    /// `aws s3api get-bucket-ownership-controls` prints {"OwnershipControls": {"Rules": [{"ObjectOwnership": ...}]}}.
    mutating func importOwnershipControls(_ entry: (bucket: String, account: String?, file: URL)) {
        guard let (account, root) = bucketInput(entry, option: "bucket-ownership-controls", what: "ownership controls") else { return }
        let rules = (root["OwnershipControls"] ?? root)["Rules"]?.sequence
        guard let rule = rules?.first, let value = rule["ObjectOwnership"]?.string, ObjectOwnership(rawValue: value) != nil else {
            report(.error, rules?.first ?? root, "bucket \(entry.bucket): expected get-bucket-ownership-controls output with one rule naming "
                   + ObjectOwnership.allCases.map(\.rawValue).joined(separator: ", "))
            return
        }
        setBucketField(account, bucket: entry.bucket, "objectOwnership", .scalar(value))
    }

    /// `aws s3api get-public-access-block` prints {"PublicAccessBlockConfiguration": {"BlockPublicAcls": true, ...}}.
    mutating func importPublicAccessBlock(_ entry: (bucket: String, account: String?, file: URL)) {
        guard let (account, root) = bucketInput(entry, option: "bucket-public-access-block", what: "public access block") else { return }
        let configuration = root["PublicAccessBlockConfiguration"] ?? root
        var settings: [(String, YAMLTree)] = []
        for name in PublicAccessBlock.names {
            guard let node = configuration[name] else { continue }
            guard let text = node.string, let value = Bool(text.lowercased()) else {
                report(.error, node, "bucket \(entry.bucket): \(name) must be true or false")
                return
            }
            settings.append((name, .scalar(value ? "true" : "false")))
        }
        guard !settings.isEmpty else {
            report(.error, root, "bucket \(entry.bucket): expected get-public-access-block output (PublicAccessBlockConfiguration with "
                   + PublicAccessBlock.names.joined(separator: ", ") + ")")
            return
        }
        setBucketField(account, bucket: entry.bucket, "publicAccessBlock", .map(settings))
    }

    mutating func importBucketPolicy(_ entry: (bucket: String, account: String?, file: URL)) {
        guard let (account, root) = bucketInput(entry, option: "bucket-policy", what: "bucket policy") else { return }
        // `aws s3api get-bucket-policy` prints {"Policy": "<document>"}; a bare document is accepted too.
        let document = root["Statement"] == nil ? (root["Policy"] ?? root) : root
        guard let json = documentText(document, what: "bucket \(entry.bucket) policy", kind: .resource) else { return }
        setBucketField(account, bucket: entry.bucket, "policy", .block(json))
    }

    // MARK: - Organizations

    mutating func importOrganization() {
        var id: String?, management: String?, members: [String] = [], root: String?
        var scps: [(String, YAMLTree)] = [], rcps: [(String, YAMLTree)] = []
        var summaries: [(name: String, id: String, node: Node, file: String)] = []
        var described: Set<String> = []
        for url in options.organizationFiles {
            currentFile = url.path
            let node: Node
            do {
                guard let n = try World.composeFile(url) else { report(.error, nil, "the file is empty"); continue }
                node = n
            } catch {
                messages.append(Message(severity: .error, file: error.file, line: error.line, column: error.column, text: error.message))
                continue
            }
            var recognized = false
            if let org = node["Organization"] {
                recognized = true
                id = org["Id"]?.string ?? id
                management = org["MasterAccountId"]?.string ?? org["ManagementAccountId"]?.string ?? management
            }
            if let list = node["Accounts"]?.sequence {
                recognized = true
                members += list.compactMap { $0["Id"]?.string }
            }
            if let roots = node["Roots"]?.sequence {
                recognized = true
                root = roots.first?["Id"]?.string ?? root
            }
            if let list = node["Policies"]?.sequence {
                recognized = true
                for p in list { if let name = p["Name"]?.string, let pid = p["Id"]?.string { summaries.append((name, pid, p, url.path)) } }
            }
            if let policy = node["Policy"] {
                recognized = true
                let summary = policy["PolicySummary"]
                guard let name = summary?["Name"]?.string, let type = summary?["Type"]?.string, let content = policy["Content"] else {
                    report(.error, policy, "a describe-policy output needs Policy.PolicySummary.Name, .Type and Policy.Content"); continue
                }
                let kind: PolicyType
                switch type {
                case "SERVICE_CONTROL_POLICY": kind = .scp
                case "RESOURCE_CONTROL_POLICY": kind = .rcp
                default:
                    report(.note, summary?["Type"], "policy \(name) is a \(type), which does not take part in authorization; skipped"); continue
                }
                guard let json = documentText(content, what: "\(kind == .scp ? "SCP" : "RCP") \(name)", kind: kind) else { continue }
                var tree = YAMLTree.map([])
                if let pid = summary?["Id"]?.string { tree["id"] = .scalar(pid); described.insert(pid) }
                if let arn = summary?["Arn"]?.string {
                    tree["arn"] = .scalar(arn)
                    // arn:aws:organizations::MANAGEMENT:policy/o-ORG/service_control_policy/p-ID
                    if let parsed = IAMArn(arn), parsed.account != "aws" {
                        management = management ?? parsed.account
                        id = id ?? parsed.resource.split(separator: "/").dropFirst().first.map(String.init)
                    }
                }
                let targets = node["Targets"]?.sequence?.compactMap { $0["TargetId"]?.string } ?? []
                if targets.isEmpty {
                    report(.warning, policy, "policy \(name) has no Targets: merge `aws organizations list-targets-for-policy` output into this file, or it applies nowhere")
                }
                tree["targets"] = .list(targets.map { .scalar($0) })
                tree["document"] = .block(json)
                if kind == .scp { scps.append((name, tree)) } else { rcps.append((name, tree)) }
            }
            if !recognized {
                report(.error, node, "not an `aws organizations` output glueshim reads (describe-organization, list-accounts, list-roots, list-policies, describe-policy)")
            }
        }
        for summary in summaries where !described.contains(summary.id) {
            currentFile = summary.file
            report(.warning, summary.node, "policy \(summary.name) (\(summary.id)) is listed but its content is not given; add `aws organizations describe-policy --policy-id \(summary.id)` output")
        }
        // The tree: each account's path from the root.
        var units: [(String, YAMLTree)] = []
        for (account, path) in options.accountPaths.sorted(by: { $0.key < $1.key }) {
            let ids = path.split(separator: "/").map(String.init)
            guard let first = ids.first, first.hasPrefix("r-") else {
                currentFile = "--account-path"
                report(.error, nil, "the path of \(account) must start at the root (r-xxxx/ou-.../...), got '\(path)'")
                continue
            }
            root = root ?? first
            for (index, unit) in ids.enumerated().dropFirst() {
                var tree = units.first(where: { $0.0 == unit })?.1 ?? .map([("parent", .scalar(ids[index - 1])), ("accounts", .list([]))])
                if index == ids.count - 1, case .list(var list)? = tree["accounts"] {
                    list.append(.scalar(account))
                    tree["accounts"] = .list(list)
                }
                if let i = units.firstIndex(where: { $0.0 == unit }) { units[i].1 = tree } else { units.append((unit, tree)) }
            }
        }
        currentFile = options.organizationFiles.first?.path ?? "--account-path"
        if members.isEmpty { members = accounts.map(\.id) + options.accountPaths.keys.sorted().filter { id in !accounts.contains { $0.id == id } } }
        var org = YAMLTree.map([])
        org["id"] = .scalar(id ?? "o-exampleorgid")
        if let management { org["managementAccount"] = .scalar(management) }
        org["accounts"] = .list(members.map { .scalar($0) })
        if let root { org["root"] = .scalar(root) }
        if !units.isEmpty { org["units"] = .map(units) }
        if !scps.isEmpty { org["serviceControlPolicies"] = .map(scps) }
        if !rcps.isEmpty { org["resourceControlPolicies"] = .map(rcps) }
        if (!scps.isEmpty || !rcps.isEmpty) && root == nil {
            report(.warning, nil, "no root id: pass `aws organizations list-roots` output or --account-path ACCOUNT=r-xxxx/..., or SCPs attached to the root apply nowhere")
        }
        organization = org
    }

    // MARK: - Output

    mutating func compose(existing: String?) -> String {
        var world: YAMLTree = .map([])
        if let existing, let node = try? Yams.compose(yaml: existing) { world = YAMLTree(node) }
        if let region = options.region { world["region"] = .scalar(region) }
        if world["region"] == nil { world["region"] = .scalar("us-east-1") }
        if let organization { world["organization"] = organization }
        var all = world["accounts"] ?? .map([])
        for (id, imported) in accounts {
            var account = all[id] ?? .map([])
            if let alias = options.aliases[id] ?? (accounts.count == 1 ? options.aliases[""] : nil) {
                account["alias"] = .scalar(alias)
            }
            for key in ["roles", "users", "managedPolicies"] where imported[key] != nil {
                account[key] = imported[key] ?? .map([])
            }
            if case .map(let buckets)? = imported["buckets"] {
                var existingBuckets = account["buckets"] ?? .map([])
                for (name, bucket) in buckets {
                    var merged = existingBuckets[name] ?? .map([])
                    if bucket["policy"] != nil || bucket["objectOwnership"] == nil && bucket["publicAccessBlock"] == nil { merged["policy"] = bucket["policy"] }
                    for key in ["objectOwnership", "publicAccessBlock"] where bucket[key] != nil { merged[key] = bucket[key] }
                    if merged["objects"] == nil { merged["objects"] = .map([]) }
                    existingBuckets[name] = merged
                }
                account["buckets"] = existingBuckets
            }
            all[id] = account
        }
        if case .map(let entries) = all { world["accounts"] = .map(entries) }
        let names = accounts.map(\.id).joined(separator: ", ")
        return "# World imported by `glueshim world import` (accounts \(names)).\n"
            + "# Objects are not imported: add them under each bucket's `objects`.\n" + world.yaml()
    }
}

extension YAMLTree {
    subscript(key: String, default fallback: YAMLTree) -> YAMLTree {
        get { self[key] ?? fallback }
        set { self[key] = newValue }
    }
}
