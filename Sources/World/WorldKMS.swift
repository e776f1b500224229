import Crypto
import Foundation
import IAMPolicy
import Yams

/// A KMS key of the world: a symmetric customer managed key with its key policy, or the AWS
/// managed key `aws/s3` that S3 creates on first use.
public struct KMSKey: Sendable, Hashable, Codable {
    public var id: String
    public var account: String
    public var region: String
    public var description: String = ""
    /// The key policy's JSON text, as written.
    public var policyText: String
    public var enabled: Bool = true
    /// When the key is pending deletion, the date it will be deleted.
    public var deletionDate: Date? = nil
    /// Alias names (`alias/NAME`) that point at this key.
    public var aliases: [String] = []
    public var tags: [String: String] = [:]
    /// CUSTOMER, or AWS for AWS managed keys.
    public var manager: String = "CUSTOMER"
    public var created: Date = Date(timeIntervalSince1970: 1_719_568_800)

    public init(id: String, account: String, region: String, policyText: String) {
        self.id = id
        self.account = account
        self.region = region
        self.policyText = policyText
    }

    public var arn: String { "arn:aws:kms:\(region):\(account):key/\(id)" }
    public func aliasArn(_ alias: String) -> String { "arn:aws:kms:\(region):\(account):\(alias)" }

    /// "Enabled", "Disabled" or "PendingDeletion", as DescribeKey reports it.
    public var state: String { deletionDate != nil ? "PendingDeletion" : (enabled ? "Enabled" : "Disabled") }

    /// The key policy AWS gives a key created without one: the account may use and manage the
    /// key through IAM policies.
    public static func defaultPolicy(account: String) -> String {
        """
        {"Version": "2012-10-17", "Id": "key-default-1", "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow", \
        "Principal": {"AWS": "arn:aws:iam::\(account):root"}, "Action": "kms:*", "Resource": "*"}]}
        """
    }

    /// The key policy of the AWS managed key `aws/s3` (and `aws/SERVICE` keys alike): principals
    /// of the account may use it only through the service, and nothing can manage it.
    public static func awsManagedPolicy(account: String, service: String, region: String) -> String {
        """
        {"Version": "2012-10-17", "Id": "auto-\(service)-2", "Statement": [\
        {"Sid": "Allow access through \(service.uppercased()) for all principals in the account that are authorized to use \(service.uppercased())", \
        "Effect": "Allow", "Principal": {"AWS": "*"}, \
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*", \
        "Condition": {"StringEquals": {"kms:CallerAccount": "\(account)", "kms:ViaService": "\(service).\(region).amazonaws.com"}}}, \
        {"Sid": "Allow direct access to key metadata to the account", "Effect": "Allow", \
        "Principal": {"AWS": "arn:aws:iam::\(account):root"}, "Action": ["kms:Describe*", "kms:Get*", "kms:List*"], "Resource": "*"}]}
        """
    }

    /// A key id (a UUID) that stays the same for the same account and name.
    public static func stableId(account: String, name: String) -> String {
        let digest = Array(SHA256.hash(data: Data("glueshim-kms-key:\(account)/\(name)".utf8)))
        let hex = digest.prefix(16).map { String(format: "%02x", $0) }.joined()
        let chars = Array(hex)
        return "\(String(chars[0..<8]))-\(String(chars[8..<12]))-\(String(chars[12..<16]))-\(String(chars[16..<20]))-\(String(chars[20..<32]))"
    }
}

extension WorldLoader {
    /// `kmsKeys:` NAME -> {id, description, policy, enabled, aliases, tags}.
    func kmsKeys(_ node: Node, account: String, region: String) throws(WorldError) -> [String: KMSKey] {
        var keys: [String: KMSKey] = [:]
        for entry in try entries(node, "kmsKeys") {
            var key = KMSKey(id: KMSKey.stableId(account: account, name: entry.key), account: account, region: region,
                             policyText: KMSKey.defaultPolicy(account: account))
            key.aliases = ["alias/\(entry.key)"]
            for field in try mapping(entry.value, "KMS key \(entry.key)", allowed: ["id", "description", "policy", "enabled", "aliases", "tags"]) {
                switch field.key {
                case "id":
                    let id = try string(field.value, "id") ?? ""
                    guard UUID(uuidString: id) != nil else { throw fail(field.value, "KMS key \(entry.key): id '\(id)' must be a key id (a UUID such as 1234abcd-12ab-34cd-56ef-1234567890ab)") }
                    key.id = id.lowercased()
                case "description": key.description = try string(field.value, "description") ?? ""
                case "policy":
                    let named = try policy(field.value, name: "key policy of \(entry.key)", what: "KMS key \(entry.key) policy", kind: .resource)
                    key.policyText = documents[named.name] ?? PolicyRenderer.json(named.policy)
                case "enabled":
                    switch try string(field.value, "enabled")?.lowercased() {
                    case "true": key.enabled = true
                    case "false": key.enabled = false
                    default: throw fail(field.value, "KMS key \(entry.key): enabled must be true or false")
                    }
                case "aliases":
                    key.aliases = try stringList(field.value, "aliases").map { $0.hasPrefix("alias/") ? $0 : "alias/\($0)" }
                    for alias in key.aliases where alias.hasPrefix("alias/aws/") {
                        throw fail(field.value, "KMS key \(entry.key): alias \(alias) is reserved for AWS managed keys")
                    }
                default: key.tags = try stringMap(field.value, "tags")
                }
            }
            keys[key.id] = key
        }
        return keys
    }
}

extension KMSKey {
    /// The key policy, parsed (nil if the text is not a policy).
    public var policy: NamedPolicy? {
        (try? Policy.parse(policyText, as: .resource)).map { NamedPolicy(name: "key policy of \(arn)", policy: $0) }
    }
}

extension World {
    /// The world key a key ARN or alias ARN names.
    public func kmsKey(arn: String) -> KMSKey? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[2] == "kms", let account = accounts[parts[4]] else { return nil }
        if parts[5].hasPrefix("key/") { return account.kmsKeys[String(parts[5].dropFirst(4))] }
        return account.kmsKeys.values.first { $0.aliases.contains(parts[5]) }
    }

    /// The ARN of the key a world object names (`kmsKey`): a name or alias of `account`, a key
    /// or alias ARN, or `aws/s3` (the account's AWS managed key, made when first used); nil if
    /// no such key is in the world.
    public func kmsKeyArn(named text: String, account: String) -> String? {
        if text == "aws/s3" || text == "alias/aws/s3" {
            return "arn:aws:kms:\(region):\(account):key/\(KMSKey.stableId(account: account, name: "alias/aws/s3"))"
        }
        if text.hasPrefix("arn:") { return kmsKey(arn: text)?.arn }
        let alias = text.hasPrefix("alias/") ? text : "alias/\(text)"
        return accounts[account]?.kmsKeys.values.first { $0.aliases.contains(alias) || $0.id == text }?.arn
    }

    /// The world's KMS keys of every account.
    public var kmsKeys: [KMSKey] { accounts.values.flatMap { $0.kmsKeys.values }.sorted { $0.arn < $1.arn } }
}
