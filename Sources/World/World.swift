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
    /// AWS config file profiles the world declares for runs (`role_arn` with `credential_source`
    /// or `source_profile`), by profile name. See `awsConfigFile(profiles:)`.
    public var profiles: [String: ConfigProfile] = [:]
    /// The file (and patches) the world was loaded from, so that a run's calls can be decided again later.
    public var origin: WorldOrigin?
    /// Where calls from outside any VPC come from (see WorldNetwork.swift).
    public var network = NetworkSettings()

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
        guard let user = accounts[parsed.account]?.users[name], user.arn == arn || "arn:aws:iam::\(parsed.account):user/\(name)" == arn else { return nil }
        return user
    }

    /// The user holding the MFA device with this serial number (`arn:aws:iam::ACCT:mfa/NAME`).
    public func mfaDevice(serialNumber: String) -> (user: User, device: MFADevice)? {
        for account in accounts.values {
            for user in account.users.values {
                if let device = user.mfaDevices.first(where: { $0.serialNumber == serialNumber }) { return (user, device) }
            }
        }
        return nil
    }

    /// The user a declared access key belongs to.
    public func user(accessKeyId: String) -> (user: User, key: DeclaredAccessKey)? {
        for account in accounts.values {
            for user in account.users.values {
                if let key = user.accessKeys.first(where: { $0.accessKeyId == accessKeyId }) { return (user, key) }
            }
        }
        return nil
    }

    /// The JSON text of a policy as IAM returns it: the document as the world wrote it, or
    /// rendered from the parsed policy when the world holds no text for it.
    public func document(of policy: NamedPolicy) -> String {
        if let text = AWSManagedPolicies.documents[policy.name] { return text }
        for account in accounts.values {
            if let text = account.policyDocuments[policy.name] { return text }
        }
        return PolicyRenderer.json(policy.policy)
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

    /// A deterministic AWS-style unique id (`ANPA...` for policies, `AGPA...` for groups).
    public static func uniqueId(prefix: String, seed: String) -> String { StableID.make(prefix: prefix, seed: seed) }

    /// When world entities were created, as IAM reports CreateDate (fixed, so output is reproducible).
    public static let creationDate = Date(timeIntervalSince1970: 1_719_568_800)

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
    /// The JSON text of this account's policies as written in the world, by `NamedPolicy.name`
    /// (trust policies, inline and customer managed policies).
    public var policyDocuments: [String: String] = [:]
    /// Descriptions of customer managed policies, by ARN.
    public var managedPolicyDescriptions: [String: String] = [:]
    /// IAM groups by name: their policies apply to every member user.
    public var groups: [String: Group] = [:]
    /// KMS keys by key id.
    public var kmsKeys: [String: KMSKey] = [:]
    /// S3 Block Public Access for every bucket of the account (nil: none set).
    public var publicAccessBlock: PublicAccessBlock?
    /// VPCs, subnets, VPC endpoints and Glue NETWORK connections (see WorldNetwork.swift).
    public var network = AccountNetwork()
    public init(id: String, alias: String? = nil, roles: [String: Role] = [:], users: [String: User] = [:], buckets: [String: Bucket] = [:], managedPolicies: [String: NamedPolicy] = [:]) {
        self.id = id
        self.managedPolicies = managedPolicies
        self.alias = alias
        self.roles = roles
        self.users = users
        self.buckets = buckets
    }
}

/// An IAM group: policies its member users get.
public struct Group: Sendable {
    public var name: String
    public var path: String
    public var inlinePolicies: [NamedPolicy]
    public var managedPolicyArns: [String]
    public init(name: String, path: String = "/", inlinePolicies: [NamedPolicy] = [], managedPolicyArns: [String] = []) {
        self.name = name
        self.path = path
        self.inlinePolicies = inlinePolicies
        self.managedPolicyArns = managedPolicyArns
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
    public var description: String? = nil
    /// Inline policy names, in the order of `inlinePolicies`.
    public var inlinePolicyNames: [String] = []

    public var arn: String { "arn:aws:iam::\(account):role\(path)\(name)" }

    /// The inline policy with this name (IAM's policy name, as in GetRolePolicy).
    public func inlinePolicy(named name: String) -> NamedPolicy? {
        inlinePolicyNames.firstIndex(of: name).map { inlinePolicies[$0] }
    }
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
    /// Inline policy names, in the order of `inlinePolicies`.
    public var inlinePolicyNames: [String] = []
    /// Long-term access keys the world declares for this user (local test keys, never real ones).
    public var accessKeys: [DeclaredAccessKey] = []
    /// Virtual MFA devices with a fixed test code.
    public var mfaDevices: [MFADevice] = []
    /// IAM groups the user belongs to; the policies of those the account declares apply to the user.
    public var groups: [String] = []
    public var arn: String { "arn:aws:iam::\(account):user\(path)\(name)" }

    public func inlinePolicy(named name: String) -> NamedPolicy? {
        inlinePolicyNames.firstIndex(of: name).map { inlinePolicies[$0] }
    }
}

/// An access key pair a world declares for a user. Local test values only.
public struct DeclaredAccessKey: Sendable, Hashable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public init(accessKeyId: String, secretAccessKey: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
    }
}

/// A virtual MFA device: its serial number and the one code glueshim accepts for it.
public struct MFADevice: Sendable, Hashable {
    /// `arn:aws:iam::ACCT:mfa/NAME`
    public var serialNumber: String
    /// The six-digit code that passes (a fixed test code; glueshim does not run TOTP).
    public var code: String
    public init(serialNumber: String, code: String) {
        self.serialNumber = serialNumber
        self.code = code
    }
}

/// A profile of the AWS config file (`[profile NAME]`), as a job's boto3 reads it.
public struct ConfigProfile: Sendable, Hashable {
    public var roleArn: String
    /// `Environment`, `Ec2InstanceMetadata` or `EcsContainer` (inside a job: `EcsContainer`).
    public var credentialSource: String?
    public var sourceProfile: String?
    public var externalId: String?
    public var durationSeconds: Int?
    public var roleSessionName: String?
    public var mfaSerial: String?
    public var region: String?
    public init(roleArn: String, credentialSource: String? = nil, sourceProfile: String? = nil, externalId: String? = nil,
                durationSeconds: Int? = nil, roleSessionName: String? = nil, mfaSerial: String? = nil, region: String? = nil) {
        self.roleArn = roleArn
        self.credentialSource = credentialSource
        self.sourceProfile = sourceProfile
        self.externalId = externalId
        self.durationSeconds = durationSeconds
        self.roleSessionName = roleSessionName
        self.mfaSerial = mfaSerial
        self.region = region
    }
}

extension World {
    /// The text of an AWS config file holding `profiles` (default: the world's), in the shape
    /// botocore and the AWS CLI read (`[profile NAME]`, or `[default]` for the profile named default).
    public func awsConfigFile(profiles: [String: ConfigProfile]? = nil) -> String {
        var text = ""
        for (name, profile) in (profiles ?? self.profiles).sorted(by: { $0.key < $1.key }) {
            text += name == "default" ? "[default]\n" : "[profile \(name)]\n"
            text += "role_arn = \(profile.roleArn)\n"
            if let v = profile.credentialSource { text += "credential_source = \(v)\n" }
            if let v = profile.sourceProfile { text += "source_profile = \(v)\n" }
            if let v = profile.externalId { text += "external_id = \(v)\n" }
            if let v = profile.durationSeconds { text += "duration_seconds = \(v)\n" }
            if let v = profile.roleSessionName { text += "role_session_name = \(v)\n" }
            if let v = profile.mfaSerial { text += "mfa_serial = \(v)\n" }
            text += "region = \(profile.region ?? region)\n\n"
        }
        return text
    }
}

/// An S3 bucket, its policy and the objects it starts with.
public struct Bucket: Sendable {
    public var name: String
    public var account: String
    public var region: String
    public var policy: NamedPolicy?
    public var objects: [SeedObject]
    public var tags: [String: String]
    /// S3 Object Ownership; nil: `BucketOwnerEnforced`, S3's default for new buckets.
    public var objectOwnership: ObjectOwnership?
    /// The bucket's own Block Public Access settings (nil: none set).
    public var publicAccessBlock: PublicAccessBlock?
    public var arn: String { "arn:aws:s3:::\(name)" }
}

/// S3 Object Ownership: who owns the objects written to a bucket, and whether ACLs count.
public enum ObjectOwnership: String, Sendable, Hashable, CaseIterable, Codable {
    /// ACLs are disabled: the bucket owner owns every object; ACLs grant nothing.
    case bucketOwnerEnforced = "BucketOwnerEnforced"
    /// The bucket owner owns objects written with the `bucket-owner-full-control` canned ACL.
    case bucketOwnerPreferred = "BucketOwnerPreferred"
    /// The writing account owns the objects it writes.
    case objectWriter = "ObjectWriter"

    /// Whether ACLs grant anything in a bucket with this setting.
    public var aclsEnabled: Bool { self != .bucketOwnerEnforced }
}

/// S3 Block Public Access settings, for an account or a bucket.
public struct PublicAccessBlock: Sendable, Hashable, Codable {
    public var blockPublicAcls: Bool
    public var ignorePublicAcls: Bool
    public var blockPublicPolicy: Bool
    public var restrictPublicBuckets: Bool

    public init(blockPublicAcls: Bool = false, ignorePublicAcls: Bool = false, blockPublicPolicy: Bool = false, restrictPublicBuckets: Bool = false) {
        self.blockPublicAcls = blockPublicAcls
        self.ignorePublicAcls = ignorePublicAcls
        self.blockPublicPolicy = blockPublicPolicy
        self.restrictPublicBuckets = restrictPublicBuckets
    }

    /// The four settings by their S3 names, in S3's order.
    public static let names = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"]

    public subscript(name: String) -> Bool {
        get {
            switch name {
            case "BlockPublicAcls": blockPublicAcls
            case "IgnorePublicAcls": ignorePublicAcls
            case "BlockPublicPolicy": blockPublicPolicy
            default: restrictPublicBuckets
            }
        }
        set {
            switch name {
            case "BlockPublicAcls": blockPublicAcls = newValue
            case "IgnorePublicAcls": ignorePublicAcls = newValue
            case "BlockPublicPolicy": blockPublicPolicy = newValue
            default: restrictPublicBuckets = newValue
            }
        }
    }

    /// The effective setting where both an account's and a bucket's apply: each one on if either is.
    public func union(_ other: PublicAccessBlock?) -> PublicAccessBlock {
        guard let other else { return self }
        return PublicAccessBlock(blockPublicAcls: blockPublicAcls || other.blockPublicAcls, ignorePublicAcls: ignorePublicAcls || other.ignorePublicAcls,
                                 blockPublicPolicy: blockPublicPolicy || other.blockPublicPolicy,
                                 restrictPublicBuckets: restrictPublicBuckets || other.restrictPublicBuckets)
    }
}

/// An object a world puts in a bucket, with its bytes in a local file.
public struct SeedObject: Sendable {
    public var key: String
    public var file: URL
    public var contentType: String?
    public var metadata: [String: String]
    /// The KMS key the object is encrypted with (SSE-KMS): a key's name or alias in the bucket
    /// owner's account, a key or alias ARN, or `aws/s3`; nil for SSE-S3.
    public var kmsKey: String? = nil
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
