import Foundation
import IAMPolicy

/// A local AWS world: accounts with their roles, users and buckets, and the organization that holds them.
public struct World: Sendable {
    /// The region jobs run in and buckets default to.
    public var region: String
    public var organization: Organization?
    public var accounts: [String: Account]
    /// Folder that relative paths in the world file (object bytes, policy files) are read from.
    public var baseDirectory: URL
    /// The file the world was read from, for messages.
    public var source: String

    public init(region: String, organization: Organization?, accounts: [String: Account], baseDirectory: URL, source: String) {
        self.region = region
        self.organization = organization
        self.accounts = accounts
        self.baseDirectory = baseDirectory
        self.source = source
    }

    /// The role with this ARN (`arn:aws:iam::ACCT:role/PATH/NAME`), if the world has it.
    public func role(arn: String) -> Role? {
        guard let parsed = IAMArn(arn), parsed.service == "iam", parsed.resource.hasPrefix("role/") else { return nil }
        let name = String(parsed.resource.split(separator: "/").last ?? "")
        guard let role = accounts[parsed.account]?.roles[name], role.arn == arn || "arn:aws:iam::\(parsed.account):role/\(name)" == arn else { return nil }
        return role
    }

    /// A role given by name (in `account`) or by ARN, as Glue accepts a job's Role.
    public func role(nameOrArn: String, defaultAccount: String?) -> Role? {
        if nameOrArn.hasPrefix("arn:") { return role(arn: nameOrArn) }
        if let account = defaultAccount { return accounts[account]?.roles[nameOrArn] }
        let matches = accounts.values.compactMap { $0.roles[nameOrArn] }
        return matches.count == 1 ? matches[0] : nil
    }

    public func user(arn: String) -> User? {
        guard let parsed = IAMArn(arn), parsed.service == "iam", parsed.resource.hasPrefix("user/") else { return nil }
        let name = String(parsed.resource.split(separator: "/").last ?? "")
        return accounts[parsed.account]?.users[name]
    }

    /// The bucket with this name, in whichever account owns it.
    public func bucket(named name: String) -> Bucket? {
        for account in accounts.values { if let bucket = account.buckets[name] { return bucket } }
        return nil
    }

    /// A managed policy by ARN: AWS managed ones ship with glueshim, customer managed ones live in their account.
    public func managedPolicy(arn: String) -> NamedPolicy? {
        if let shipped = AWSManagedPolicies.policy(arn: arn) { return shipped }
        guard let parsed = IAMArn(arn) else { return nil }
        return accounts[parsed.account]?.managedPolicies[arn]
    }

    /// Whether two accounts are the same or belong to the same organization.
    public func sameOrganization(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        guard let org = organization else { return false }
        return org.accounts.contains(a) && org.accounts.contains(b)
    }
}

/// An AWS Organization: which accounts it holds.
public struct Organization: Sendable, Hashable {
    public var id: String
    public var managementAccount: String
    public var accounts: [String]
    /// Root, organizational units, SCPs and RCPs (see WorldOrganization.swift).
    public var policies = OrganizationPolicies()
    public init(id: String, managementAccount: String, accounts: [String]) {
        self.id = id
        self.managementAccount = managementAccount
        self.accounts = accounts
    }
}

/// One AWS account of the world.
public struct Account: Sendable {
    public var id: String
    public var alias: String?
    public var roles: [String: Role]
    public var users: [String: User]
    public var buckets: [String: Bucket]
    /// Customer managed policies by ARN.
    public var managedPolicies: [String: NamedPolicy]
    public init(id: String, alias: String? = nil, roles: [String: Role] = [:], users: [String: User] = [:], buckets: [String: Bucket] = [:], managedPolicies: [String: NamedPolicy] = [:]) {
        self.id = id
        self.managedPolicies = managedPolicies
        self.alias = alias
        self.roles = roles
        self.users = users
        self.buckets = buckets
    }
}

/// An IAM role: trust policy, permission policies and limits.
public struct Role: Sendable {
    public var name: String
    public var path: String
    public var account: String
    public var trustPolicy: NamedPolicy
    public var inlinePolicies: [NamedPolicy]
    public var managedPolicyArns: [String]
    public var permissionsBoundaryArn: String?
    public var maxSessionDuration: Int
    public var tags: [String: String]
    /// The role's unique id (`AROA...`), stable for a given account and name.
    public var roleId: String

    public var arn: String { "arn:aws:iam::\(account):role\(path)\(name)" }
}

/// An IAM user.
public struct User: Sendable {
    public var name: String
    public var path: String
    public var account: String
    public var inlinePolicies: [NamedPolicy]
    public var managedPolicyArns: [String]
    public var permissionsBoundaryArn: String?
    public var tags: [String: String]
    public var userId: String
    public var arn: String { "arn:aws:iam::\(account):user\(path)\(name)" }
}

/// An S3 bucket, its policy and the objects it starts with.
public struct Bucket: Sendable {
    public var name: String
    public var account: String
    public var region: String
    public var policy: NamedPolicy?
    public var objects: [SeedObject]
    public var tags: [String: String]
    public var arn: String { "arn:aws:s3:::\(name)" }
}

/// An object a world puts in a bucket, with its bytes in a local file.
public struct SeedObject: Sendable {
    public var key: String
    public var file: URL
    public var contentType: String?
    public var metadata: [String: String]
}

/// The parts of an ARN.
public struct IAMArn: Sendable, Hashable {
    public var partition: String
    public var service: String
    public var region: String
    public var account: String
    public var resource: String
    public init?(_ arn: String) {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn" else { return nil }
        partition = String(parts[1]); service = String(parts[2]); region = String(parts[3])
        account = String(parts[4]); resource = String(parts[5])
    }
}
