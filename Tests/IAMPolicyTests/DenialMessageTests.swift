import Foundation
import Testing
@testable import IAMPolicy

/// AccessDenied messages. IAM User Guide, "Troubleshoot access denied error messages"
/// (the "with an explicit deny in a ... policy" and "because no ... policy allows the ...
/// action" forms); AWS Security Blog, "Enhanced access denied error messages with policy
/// ARNs" (January 2026: the denying policy's ARN follows an explicit deny in an identity-based
/// policy, permissions boundary, session policy, SCP or RCP, in same-account and
/// same-organization requests only); STS AssumeRole's refusal, which names no reason when the
/// role's trust policy does not allow the caller.
@Suite struct DenialMessageTests {
    static let matt = Fixture.user("Matt", account: "123456789012")
    static let scpArn = "arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd"
    static let managedDenyArn = "arn:aws:iam::111111111111:policy/DenyS3Delete"
    static let object = "arn:aws:s3:::data-bucket/k"

    static func managed(_ arn: String, _ json: String) -> NamedPolicy {
        NamedPolicy(name: arn, policy: Fixture.policy(json))
    }

    /// The blog's own example: an SCP denies iam:ListRoles to a user.
    @Test func scpDenyNamesThePolicyArn() {
        let scp = NamedPolicy(name: "DenyIAMReads", policy: Fixture.policy(Fixture.doc(Fixture.allow("*"), Fixture.deny("iam:List*"))), arn: Self.scpArn)
        let admin = Fixture.named("admin", Fixture.doc(Fixture.allow("*")))
        let resource = "arn:aws:iam::123456789012:role/*"
        let d = PolicyEvaluator.evaluate(Fixture.request(Self.matt, "iam:ListRoles", resource), policies: PolicySet(identity: [admin], scps: [[scp]]))
        #expect(d.outcome == .explicitDeny)
        #expect(d.accessDeniedMessage(principalArn: Self.matt.arn, action: "iam:ListRoles", resource: resource)
            == "User: arn:aws:iam::123456789012:user/Matt is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::123456789012:role/* with an explicit deny in a service control policy: arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd")
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var caller: PrincipalIdentity
        var action: String = "s3:DeleteObject"
        var resource: String = DenialMessageTests.object
        var policies: PolicySet
        var resourceAccount: String? = nil
        var context: [String: [String]] = [:]
        var message: String
        var description: String { name }
    }

    static let alice = Fixture.user("alice")
    static let aliceHead = "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: s3:DeleteObject on resource: arn:aws:s3:::data-bucket/k"
    static let allowAll = Fixture.named("allow all (inline)", Fixture.doc(Fixture.allow("s3:*")))
    static let managedDeny = managed(managedDenyArn, Fixture.doc(Fixture.deny("s3:DeleteObject")))
    static let inlineDeny = Fixture.named("role/alice inline policy no-delete", Fixture.doc(Fixture.deny("s3:DeleteObject")))
    static let boundaryArn = "arn:aws:iam::111111111111:policy/Boundary"
    static let boundaryDeny = managed(boundaryArn, Fixture.doc(Fixture.allow("s3:*"), Fixture.deny("s3:DeleteObject")))
    static let rcpArn = "arn:aws:organizations::111111111111:policy/o-example/resource_control_policy/p-rcpexample"
    static let rcpDeny = NamedPolicy(name: "RCP", policy: Fixture.policy(#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"*"}]}"#), arn: rcpArn)
    static let bucketDeny = Fixture.named("bucket policy of data-bucket", #"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::data-bucket/*"}]}"#)
    static let bucketAllowAlice = Fixture.named("bucket policy of data-bucket", #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/alice"},"Action":"s3:*","Resource":"arn:aws:s3:::data-bucket/*"}]}"#)

    static let cases: [Case] = [
        .init(name: "managed identity policy deny, same account", caller: alice, policies: PolicySet(identity: [allowAll, managedDeny]),
              message: aliceHead + " with an explicit deny in an identity-based policy: " + managedDenyArn),
        .init(name: "inline identity policy deny has no ARN to name", caller: alice, policies: PolicySet(identity: [allowAll, inlineDeny]),
              message: aliceHead + " with an explicit deny in an identity-based policy"),
        .init(name: "permissions boundary deny", caller: alice, policies: PolicySet(identity: [allowAll], permissionsBoundary: boundaryDeny),
              message: aliceHead + " with an explicit deny in a permissions boundary: " + boundaryArn),
        .init(name: "RCP deny, same account", caller: alice, policies: PolicySet(identity: [allowAll], rcps: [[rcpDeny]]),
              message: aliceHead + " with an explicit deny in a resource control policy: " + rcpArn),
        .init(name: "resource-based policies are not named", caller: alice, policies: PolicySet(identity: [allowAll], resource: bucketDeny),
              message: aliceHead + " with an explicit deny in a resource-based policy"),
        .init(name: "implicit denies name no policy", caller: alice, policies: PolicySet(identity: [managed(managedDenyArn, Fixture.doc(Fixture.allow("s3:GetObject")))]),
              message: aliceHead + " because no identity-based policy allows the s3:DeleteObject action"),
        .init(name: "cross-account outside the organization: no ARN", caller: alice,
              policies: PolicySet(identity: [allowAll, managedDeny], resource: bucketAllowAlice), resourceAccount: "222222222222",
              context: ["aws:PrincipalOrgID": ["o-aaaaaaaaaa"], "aws:ResourceOrgID": ["o-bbbbbbbbbb"]],
              message: aliceHead + " with an explicit deny in an identity-based policy"),
        .init(name: "cross-account within one organization: ARN", caller: alice,
              policies: PolicySet(identity: [allowAll, managedDeny], resource: bucketAllowAlice), resourceAccount: "222222222222",
              context: ["aws:PrincipalOrgID": ["o-aaaaaaaaaa"], "aws:ResourceOrgID": ["o-aaaaaaaaaa"]],
              message: aliceHead + " with an explicit deny in an identity-based policy: " + managedDenyArn),
        .init(name: "session policy deny", caller: Fixture.session(role: "r", session: "s"),
              policies: PolicySet(identity: [allowAll], session: [managed("arn:aws:iam::111111111111:policy/SessionScope", Fixture.doc(Fixture.allow("s3:*"), Fixture.deny("s3:DeleteObject")))]),
              message: "User: arn:aws:sts::111111111111:assumed-role/r/s is not authorized to perform: s3:DeleteObject on resource: arn:aws:s3:::data-bucket/k with an explicit deny in a session policy: arn:aws:iam::111111111111:policy/SessionScope"),
    ]

    @Test(arguments: cases)
    func message(_ c: Case) {
        let request = Fixture.request(c.caller, c.action, c.resource, resourceAccount: c.resourceAccount, context: c.context)
        let d = PolicyEvaluator.evaluate(request, policies: c.policies)
        #expect(!d.isAllowed)
        #expect(d.accessDeniedMessage(principalArn: c.caller.arn, action: c.action, resource: c.resource) == c.message)
    }

    // Role trust: STS says only "is not authorized to perform: sts:AssumeRole on resource: ROLE"
    // when the trust policy does not let the caller in; identity-side refusals keep their reason.
    static let target = "arn:aws:iam::222222222222:role/target"
    static let trustOther = Fixture.named("trust policy of role/target", #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:root"},"Action":"sts:AssumeRole"}]}"#)
    static let trustJob = Fixture.named("trust policy of role/target", #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/glue-role-test"},"Action":"sts:AssumeRole"}]}"#)
    static let mayAssume = Fixture.named("may assume", Fixture.doc(Fixture.allow("sts:AssumeRole", target)))
    static let job = Fixture.session()
    static let jobHead = "User: arn:aws:sts::111111111111:assumed-role/glue-role-test/GlueJobRunnerSession is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/target"

    @Test func trustPolicyRefusalHasNoReason() {
        let d = PolicyEvaluator.evaluate(Fixture.request(Self.job, "sts:AssumeRole", Self.target, resourceAccount: "222222222222"),
                                         policies: PolicySet(identity: [Self.mayAssume], resource: Self.trustOther))
        #expect(d.deniedBy == .resource)
        #expect(d.accessDeniedMessage(principalArn: Self.job.arn, action: "sts:AssumeRole", resource: Self.target) == Self.jobHead)
    }

    @Test func identitySideRefusalOfAssumeRoleKeepsItsReason() {
        let d = PolicyEvaluator.evaluate(Fixture.request(Self.job, "sts:AssumeRole", Self.target, resourceAccount: "222222222222"),
                                         policies: PolicySet(identity: [], resource: Self.trustJob))
        #expect(d.accessDeniedMessage(principalArn: Self.job.arn, action: "sts:AssumeRole", resource: Self.target)
            == Self.jobHead + " because no identity-based policy allows the sts:AssumeRole action")
    }

    @Test func explicitDenyOfAssumeRoleInIdentityPolicy() {
        let deny = Self.managed("arn:aws:iam::111111111111:policy/NoAssume", Fixture.doc(Fixture.deny("sts:AssumeRole")))
        let d = PolicyEvaluator.evaluate(Fixture.request(Self.job, "sts:AssumeRole", Self.target, resourceAccount: "111111111111"),
                                         policies: PolicySet(identity: [Self.mayAssume, deny], resource: Self.trustJob))
        #expect(d.accessDeniedMessage(principalArn: Self.job.arn, action: "sts:AssumeRole", resource: Self.target)
            == Self.jobHead + " with an explicit deny in an identity-based policy: arn:aws:iam::111111111111:policy/NoAssume")
    }

    @Test func decisionNames() {
        #expect(Decision(outcome: .allow).name == "Allowed")
        #expect(Decision(outcome: .implicitDeny).name == "ImplicitlyDenied")
        #expect(Decision(outcome: .explicitDeny).name == "ExplicitlyDenied")
    }
}

/// NotPrincipal with Deny in a bucket policy, decided end to end. IAM User Guide, "AWS JSON
/// policy elements: NotPrincipal": the Deny applies to everyone not listed; a role session is
/// exempt only when the session, the role and the account are all listed; a user when the
/// user and the account are; a caller with a permissions boundary is always denied.
@Suite struct NotPrincipalDenyTests {
    static let object = "arn:aws:s3:::data-bucket/k"
    static let readAll = Fixture.named("read", Fixture.doc(Fixture.allow("s3:GetObject")))
    static let boundary = Fixture.named("boundary", Fixture.doc(Fixture.allow("s3:*")))

    static func bucket(_ listed: [String]) -> NamedPolicy {
        let aws = listed.map { "\"\($0)\"" }.joined(separator: ",")
        return Fixture.named("bucket policy", #"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":[\#(aws)]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::data-bucket/*"}]}"#)
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var caller: PrincipalIdentity
        var listed: [String]
        var hasBoundary = false
        var outcome: Decision.Outcome
        var description: String { name }
    }

    static let session = Fixture.session(role: "reader", session: "s1")
    static let cases: [Case] = [
        .init(name: "session, role and account listed: exempt", caller: session,
              listed: ["arn:aws:sts::111111111111:assumed-role/reader/s1", "arn:aws:iam::111111111111:role/reader", "arn:aws:iam::111111111111:root"], outcome: .allow),
        .init(name: "role only: the session is still denied", caller: session,
              listed: ["arn:aws:iam::111111111111:role/reader"], outcome: .explicitDeny),
        .init(name: "role and account but not the session: denied", caller: session,
              listed: ["arn:aws:iam::111111111111:role/reader", "111111111111"], outcome: .explicitDeny),
        .init(name: "user and account listed: exempt", caller: Fixture.user("alice"),
              listed: ["arn:aws:iam::111111111111:user/alice", "arn:aws:iam::111111111111:root"], outcome: .allow),
        .init(name: "user without the account: denied", caller: Fixture.user("alice"),
              listed: ["arn:aws:iam::111111111111:user/alice"], outcome: .explicitDeny),
        .init(name: "another user: denied", caller: Fixture.user("bob"),
              listed: ["arn:aws:iam::111111111111:user/alice", "arn:aws:iam::111111111111:root"], outcome: .explicitDeny),
        .init(name: "listed, but with a permissions boundary: denied", caller: Fixture.user("alice"),
              listed: ["arn:aws:iam::111111111111:user/alice", "arn:aws:iam::111111111111:root"], hasBoundary: true, outcome: .explicitDeny),
    ]

    @Test(arguments: cases)
    func decide(_ c: Case) {
        let set = PolicySet(identity: [Self.readAll], resource: Self.bucket(c.listed), permissionsBoundary: c.hasBoundary ? Self.boundary : nil)
        let d = PolicyEvaluator.evaluate(Fixture.request(c.caller, "s3:GetObject", Self.object), policies: set)
        #expect(d.outcome == c.outcome)
        if c.outcome == .explicitDeny { #expect(d.deniedBy == .resource) }
    }
}

/// Documents of version 2008-10-17 (or without a Version) take `${...}` literally, in
/// Resource and in Condition values alike. IAM User Guide, "IAM policy elements: Variables
/// and tags" ("Policy variables ... only in 2012-10-17").
@Suite struct OldVersionVariableTests {
    struct Case: Sendable, CustomStringConvertible {
        var version: String?
        var condition: String
        var allowed: Bool
        var description: String { "\(version ?? "no Version") \(condition)" }
    }

    static let cases: [Case] = [
        .init(version: "2012-10-17", condition: #"{"StringEquals":{"s3:prefix":"home/${aws:username}/"}}"#, allowed: true),
        .init(version: "2008-10-17", condition: #"{"StringEquals":{"s3:prefix":"home/${aws:username}/"}}"#, allowed: false),
        .init(version: nil, condition: #"{"StringEquals":{"s3:prefix":"home/${aws:username}/"}}"#, allowed: false),
        .init(version: "2008-10-17", condition: #"{"StringEquals":{"s3:prefix":"home/${aws:username}/literal"}}"#, allowed: true),
        .init(version: "2008-10-17", condition: #"{"StringLike":{"s3:prefix":"home/${*}"}}"#, allowed: true),
    ]

    @Test(arguments: cases)
    func decide(_ c: Case) {
        let version = c.version.map { #""Version":"\#($0)","# } ?? ""
        let policy = Fixture.named("p", #"{\#(version)"Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::home-bucket","Condition":\#(c.condition)}]}"#)
        let prefix = c.condition.contains("literal") ? "home/${aws:username}/literal" : (c.condition.contains("${*}") ? "home/${*}" : "home/alice/")
        let request = Fixture.request(Fixture.user("alice"), "s3:ListBucket", "arn:aws:s3:::home-bucket", context: ["s3:prefix": [prefix]])
        #expect(PolicyEvaluator.evaluate(request, policies: PolicySet(identity: [policy])).isAllowed == c.allowed)
    }
}
