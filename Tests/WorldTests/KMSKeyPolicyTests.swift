import Foundation
import IAMPolicy
import TestSupport
import Testing
import World

/// Decisions on KMS key policies, case by case from AWS KMS's documentation ("Key policies in
/// AWS KMS", "Default key policy", "Allowing users in other accounts to use a KMS key"): the key
/// policy is required, a statement for the account root delegates to IAM policies, and across
/// accounts both the key policy and the caller's IAM policy must allow.
@Suite struct KMSKeyPolicyTests {
    static let yaml = """
        region: us-east-1
        accounts:
          "111111111111":
            users:
              with-iam: {policies: {use: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}'}}
              without-iam: {}
              named: {}
            roles:
              named-role:
                trustPolicy: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
            kmsKeys:
              default-policy: {}
              names-user:
                policy: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111111111111:user/named", "arn:aws:iam::111111111111:role/named-role"]}, "Action": "kms:Decrypt", "Resource": "*"}]}'
              no-account:
                policy: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:user/named"}, "Action": "kms:*", "Resource": "*"}]}'
              denies:
                policy: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"}, {"Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]}'
              cross-account:
                policy: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"}, {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "kms:Decrypt", "Resource": "*"}]}'
              names-external-user:
                policy: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"}, {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:user/external"}, "Action": "kms:Decrypt", "Resource": "*"}]}'
          "222222222222":
            users:
              external: {policies: {use: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:us-east-1:111111111111:key/*"}]}'}}
              external-without-iam: {}
        """

    static let world: World = {
        let folder = temporaryFolder("kms-world")
        let file = folder.appendingPathComponent("world.yaml")
        try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try! Data(yaml.utf8).write(to: file)
        return try! World.load(from: file)
    }()

    struct Case: Sendable, CustomStringConvertible {
        var principal: String
        var key: String
        var allowed: Bool
        var reason: String
        var description: String { "\(principal) on \(key): \(allowed ? "allow" : "deny")" }
    }

    static let cases: [Case] = [
        // The default key policy gives the account to IAM: an IAM policy allows, none does not.
        Case(principal: "arn:aws:iam::111111111111:user/with-iam", key: "default-policy", allowed: true, reason: ""),
        Case(principal: "arn:aws:iam::111111111111:user/without-iam", key: "default-policy", allowed: false,
             reason: "because no identity-based policy allows the kms:Decrypt action"),
        // A key policy naming a principal is enough on its own in the key's account.
        Case(principal: "arn:aws:iam::111111111111:user/named", key: "names-user", allowed: true, reason: ""),
        Case(principal: "arn:aws:sts::111111111111:assumed-role/named-role/s", key: "names-user", allowed: true, reason: ""),
        // Without the account in the key policy, IAM policies have no effect.
        Case(principal: "arn:aws:iam::111111111111:user/with-iam", key: "no-account", allowed: false,
             reason: "because no resource-based policy allows the kms:Decrypt action"),
        // An explicit deny in the key policy wins over every allow.
        Case(principal: "arn:aws:iam::111111111111:user/with-iam", key: "denies", allowed: false,
             reason: "with an explicit deny in a resource-based policy"),
        // Across accounts: the key policy must allow the account (or the principal) and the
        // principal's own IAM policy must allow too.
        Case(principal: "arn:aws:iam::222222222222:user/external", key: "cross-account", allowed: true, reason: ""),
        Case(principal: "arn:aws:iam::222222222222:user/external-without-iam", key: "cross-account", allowed: false,
             reason: "because no identity-based policy allows the kms:Decrypt action"),
        Case(principal: "arn:aws:iam::222222222222:user/external", key: "default-policy", allowed: false,
             reason: "because no resource-based policy allows the kms:Decrypt action"),
        Case(principal: "arn:aws:iam::222222222222:user/external", key: "names-external-user", allowed: true, reason: ""),
        Case(principal: "arn:aws:iam::222222222222:user/external-without-iam", key: "names-external-user", allowed: false,
             reason: "because no identity-based policy allows the kms:Decrypt action"),
    ]

    @Test(arguments: cases) func keyPolicyDecides(_ c: Case) throws {
        let world = Self.world
        let key = try #require(world.accounts["111111111111"]?.kmsKeys.values.first { $0.aliases.contains("alias/\(c.key)") })
        let principal = try #require(Self.identity(c.principal))
        let decision = world.decide(AccessRequest(caller: Caller(principal: principal), action: "kms:Decrypt", resource: key.arn), now: Date())
        #expect(decision.allowed == c.allowed, "\(decision.reason) \(decision.decision.explanation)")
        if !c.allowed { #expect(decision.reason.contains(c.reason), "\(decision.reason)") }
    }

    static func identity(_ arn: String) -> PrincipalIdentity? {
        let account = String(arn.split(separator: ":", omittingEmptySubsequences: false)[4])
        if arn.contains(":assumed-role/") {
            let parts = arn.split(separator: "/")
            return PrincipalIdentity(kind: .assumedRole, arn: arn, account: account, roleArn: "arn:aws:iam::\(account):role/\(parts[1])")
        }
        return PrincipalIdentity(kind: .user, arn: arn, account: account)
    }

    /// World keys: a stable id per account and name, the default policy when none is given,
    /// the key's name as its alias, and refused reserved aliases.
    @Test func worldKeys() throws {
        let keys = Self.world.accounts["111111111111"]!.kmsKeys.values
        #expect(keys.count == 6)
        let fallback = try #require(keys.first { $0.aliases == ["alias/default-policy"] })
        #expect(fallback.policyText.contains("arn:aws:iam::111111111111:root") && fallback.id == KMSKey.stableId(account: "111111111111", name: "default-policy"))
        #expect(Self.world.kmsKey(arn: "arn:aws:kms:us-east-1:111111111111:alias/default-policy")?.id == fallback.id)
        let folder = temporaryFolder("kms-bad")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let bad = folder.appendingPathComponent("world.yaml")
        try Data("accounts:\n  \"111111111111\":\n    kmsKeys:\n      k: {aliases: [aws/s3]}\n".utf8).write(to: bad)
        #expect(throws: WorldError.self) { try World.load(from: bad) }
    }

    /// `world check` warns of a key policy nobody of the account could change again.
    @Test func worldCheckWarnsOfUnmanageableKeys() throws {
        let folder = temporaryFolder("kms-check")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("world.yaml")
        try Data("""
            accounts:
              "111111111111":
                kmsKeys:
                  managed: {}
                  locked:
                    policy: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "kms:Decrypt", "Resource": "*"}]}'
            """.utf8).write(to: file)
        let diagnostics = WorldCheck.check(file)
        let warnings = diagnostics.filter { $0.severity == .warning && $0.message.contains("administer") }.map(\.message)
        #expect(warnings.count == 1 && warnings[0].contains("KMS key locked") && warnings[0].contains("kms:PutKeyPolicy"), "\(diagnostics)")
        #expect(!WorldCheck.hasErrors(diagnostics))
    }
}
