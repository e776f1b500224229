import Foundation
import IAMPolicy
import Yams

/// An organization's tree (root, organizational units, where each account sits) and its
/// service control policies (SCPs) and resource control policies (RCPs).
public struct OrganizationPolicies: Sendable, Hashable {
    /// The root's id (`r-xxxx`); nil when the world does not describe the tree.
    public var root: String?
    /// Organizational units by id (`ou-xxxx-yyyyyyyy`).
    public var units: [String: OrganizationalUnit]
    public var serviceControlPolicies: [OrganizationPolicy]
    public var resourceControlPolicies: [OrganizationPolicy]

    public init(root: String? = nil, units: [String: OrganizationalUnit] = [:],
                serviceControlPolicies: [OrganizationPolicy] = [], resourceControlPolicies: [OrganizationPolicy] = []) {
        self.root = root
        self.units = units
        self.serviceControlPolicies = serviceControlPolicies
        self.resourceControlPolicies = resourceControlPolicies
    }

    public var isEmpty: Bool { root == nil && units.isEmpty && serviceControlPolicies.isEmpty && resourceControlPolicies.isEmpty }

    /// The ids from the root down to the account: root, each OU, then the account itself.
    public func path(ofAccount account: String) -> [String] {
        var chain = [account]
        var parent = units.first(where: { $0.value.accounts.contains(account) })?.key
        var seen: Set<String> = []
        while let id = parent, let unit = units[id], !seen.contains(id) {
            seen.insert(id)
            chain.insert(id, at: 0)
            parent = unit.parent
        }
        if let root { chain.insert(root, at: 0) }
        return chain
    }

    /// The SCPs that apply to principals of `account`, one array per level, root first, as
    /// `PolicySet.scps` takes them. Empty (no SCP evaluation) when the world has no SCPs or
    /// the account is the management account, which SCPs never restrict.
    public func serviceControlPolicies(forAccount account: String, in organization: Organization) -> [[NamedPolicy]] {
        levels(serviceControlPolicies, account: account, organization: organization)
    }

    /// The RCPs that apply to resources owned by `account`, as `PolicySet.rcps` takes them.
    public func resourceControlPolicies(forAccount account: String, in organization: Organization) -> [[NamedPolicy]] {
        levels(resourceControlPolicies, account: account, organization: organization)
    }

    func levels(_ policies: [OrganizationPolicy], account: String, organization: Organization) -> [[NamedPolicy]] {
        guard !policies.isEmpty, organization.accounts.contains(account), account != organization.managementAccount else { return [] }
        return path(ofAccount: account).map { target in
            policies.filter { $0.targets.contains(target) }.map { NamedPolicy(name: $0.arn ?? $0.name, policy: $0.document) }
        }
    }
}

/// An organizational unit: its parent (the root or another OU) and the accounts directly in it.
public struct OrganizationalUnit: Sendable, Hashable {
    public var name: String?
    public var parent: String
    public var accounts: [String]
    public init(name: String? = nil, parent: String, accounts: [String] = []) {
        self.name = name
        self.parent = parent
        self.accounts = accounts
    }
}

/// One SCP or RCP and the roots, OUs and accounts it is attached to.
public struct OrganizationPolicy: Sendable, Hashable {
    public var name: String
    public var id: String?
    public var arn: String?
    public var document: Policy
    public var targets: [String]
    public init(name: String, id: String? = nil, arn: String? = nil, document: Policy, targets: [String]) {
        self.name = name
        self.id = id
        self.arn = arn
        self.document = document
        self.targets = targets
    }
}

extension World {
    /// SCPs for a principal of `account` (`PolicySet.scps`); empty without an organization.
    public func serviceControlPolicies(forAccount account: String) -> [[NamedPolicy]] {
        guard let organization else { return [] }
        return organization.policies.serviceControlPolicies(forAccount: account, in: organization)
    }

    /// RCPs for a resource owned by `account` (`PolicySet.rcps`); empty without an organization.
    public func resourceControlPolicies(forAccount account: String) -> [[NamedPolicy]] {
        guard let organization else { return [] }
        return organization.policies.resourceControlPolicies(forAccount: account, in: organization)
    }
}

/// The organization fields beyond id, managementAccount and accounts.
extension WorldLoader {
    static let organizationTreeFields: Set<String> = ["root", "units", "serviceControlPolicies", "resourceControlPolicies"]

    func organizationField(_ key: String, _ node: Node, into policies: inout OrganizationPolicies) throws(WorldError) {
        switch key {
        case "root": policies.root = try string(node, "organization.root")
        case "units":
            for unit in try entries(node, "organization.units") {
                var value = OrganizationalUnit(parent: "")
                for field in try mapping(unit.value, "organizational unit \(unit.key)", allowed: ["name", "parent", "accounts"]) {
                    switch field.key {
                    case "name": value.name = try string(field.value, "name")
                    case "parent": value.parent = try string(field.value, "parent") ?? ""
                    default: value.accounts = try stringList(field.value, "accounts")
                    }
                }
                guard !value.parent.isEmpty else { throw fail(unit.value, "organizational unit \(unit.key) needs a parent (the root id or another unit's id)") }
                policies.units[unit.key] = value
            }
        default:
            let scp = key == "serviceControlPolicies"
            for entry in try entries(node, "organization.\(key)") {
                let policy = try organizationPolicy(name: entry.key, entry.value, kind: scp ? .scp : .rcp)
                if scp { policies.serviceControlPolicies.append(policy) } else { policies.resourceControlPolicies.append(policy) }
            }
        }
    }

    func organizationPolicy(name: String, _ node: Node, kind: PolicyType) throws(WorldError) -> OrganizationPolicy {
        var id: String?, arn: String?, targets: [String] = [], document: Policy?
        let what = "\(kind == .scp ? "service" : "resource") control policy \(name)"
        for field in try mapping(node, what, allowed: ["id", "arn", "targets", "document"]) {
            switch field.key {
            case "id": id = try string(field.value, "id")
            case "arn": arn = try string(field.value, "arn")
            case "targets": targets = try stringList(field.value, "targets")
            default: document = try policy(field.value, name: name, what: what, kind: kind).policy
            }
        }
        guard let document else { throw fail(node, "\(what) needs a document") }
        return OrganizationPolicy(name: name, id: id, arn: arn, document: document, targets: targets)
    }
}
