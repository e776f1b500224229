import Testing
@testable import IAMPolicy

/// The decision flow. IAM User Guide, "Policy evaluation logic", "How AWS enforcement code
/// logic evaluates requests to allow or deny access", "Policy evaluation for requests within
/// a single account", "Cross-account policy evaluation logic", "The difference between
/// explicit and implicit denies", and "Access denied error messages".
@Suite struct EvaluationFlowTests {
    static let bucket = "arn:aws:s3:::data-bucket"
    static let object = "arn:aws:s3:::data-bucket/k"
    static let alice = Fixture.user("alice")
    static let reader = Fixture.session(role: "reader", session: "s1")

    static let idAllow = Fixture.named("identity allow", Fixture.doc(Fixture.allow("s3:GetObject", "arn:aws:s3:::data-bucket/*")))
    static let idDeny = Fixture.named("identity deny", Fixture.doc(Fixture.deny("s3:GetObject", "arn:aws:s3:::data-bucket/*")))
    static let unrelated = Fixture.named("identity unrelated", Fixture.doc(Fixture.allow("s3:ListAllMyBuckets")))
    static let boundaryAllow = Fixture.named("boundary allow", Fixture.doc(Fixture.allow("s3:*")))
    static let boundaryOther = Fixture.named("boundary other", Fixture.doc(Fixture.allow("glue:*")))
    static let sessionAllow = Fixture.named("session allow", Fixture.doc(Fixture.allow("s3:Get*")))
    static let sessionOther = Fixture.named("session other", Fixture.doc(Fixture.allow("s3:List*")))
    static let fullAccess = Fixture.named("FullAWSAccess", Fixture.doc(Fixture.allow("*")))
    static let scpDenyS3 = Fixture.named("DenyS3", Fixture.doc(Fixture.allow("*"), Fixture.deny("s3:*")))
    static let scpGlueOnly = Fixture.named("GlueOnly", Fixture.doc(Fixture.allow("glue:*")))

    static func bucketPolicy(_ effect: String = "Allow", principal: String) -> NamedPolicy {
        Fixture.named("bucket policy of data-bucket", #"""
        {"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"\#(effect)","Principal":\#(principal),
          "Action":"s3:GetObject","Resource":"arn:aws:s3:::data-bucket/*"}]}
        """#)
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var caller: PrincipalIdentity
        var policies: PolicySet
        var resourceAccount: String? = nil
        var outcome: Decision.Outcome
        var deniedBy: PolicyType? = nil
        var description: String { name }
    }

    static let aliceArn = #"{"AWS":"arn:aws:iam::111111111111:user/alice"}"#
    static let readerRole = #"{"AWS":"arn:aws:iam::111111111111:role/reader"}"#
    static let readerSession = #"{"AWS":"arn:aws:sts::111111111111:assumed-role/reader/s1"}"#
    static let jobAccountRoot = #"{"AWS":"arn:aws:iam::111111111111:root"}"#
    static let jobAccountId = #"{"AWS":"111111111111"}"#

    static let sameAccount: [Case] = [
        .init(name: "identity allow alone", caller: alice, policies: PolicySet(identity: [idAllow]), outcome: .allow),
        .init(name: "nothing allows", caller: alice, policies: PolicySet(identity: [unrelated]), outcome: .implicitDeny, deniedBy: .identity),
        .init(name: "no policies at all", caller: alice, policies: PolicySet(), outcome: .implicitDeny, deniedBy: .identity),
        .init(name: "deny beats allow in one policy set", caller: alice, policies: PolicySet(identity: [idAllow, idDeny]), outcome: .explicitDeny, deniedBy: .identity),
        .init(name: "bucket policy naming the user, no identity policy", caller: alice,
              policies: PolicySet(resource: bucketPolicy(principal: aliceArn)), outcome: .allow),
        .init(name: "bucket policy deny beats identity allow", caller: alice,
              policies: PolicySet(identity: [idAllow], resource: bucketPolicy("Deny", principal: #""*""#)), outcome: .explicitDeny, deniedBy: .resource),
        .init(name: "bucket policy naming someone else", caller: alice,
              policies: PolicySet(resource: bucketPolicy(principal: #"{"AWS":"arn:aws:iam::111111111111:user/bob"}"#)), outcome: .implicitDeny, deniedBy: .identity),
        .init(name: "bucket policy for everyone", caller: alice,
              policies: PolicySet(resource: bucketPolicy(principal: #""*""#)), outcome: .allow),
        // Naming the account delegates to the account's identity policies.
        .init(name: "bucket policy naming the account root, no identity allow", caller: alice,
              policies: PolicySet(resource: bucketPolicy(principal: jobAccountRoot)), outcome: .implicitDeny, deniedBy: .identity),
        .init(name: "bucket policy naming the account id, no identity allow", caller: reader,
              policies: PolicySet(resource: bucketPolicy(principal: jobAccountId)), outcome: .implicitDeny, deniedBy: .identity),
        .init(name: "bucket policy naming the account, identity allow", caller: reader,
              policies: PolicySet(identity: [idAllow], resource: bucketPolicy(principal: jobAccountId)), outcome: .allow),
        // Role ARN: stands in for the identity policy; boundary and session policy still limit.
        .init(name: "role ARN, no identity allow", caller: reader,
              policies: PolicySet(resource: bucketPolicy(principal: readerRole)), outcome: .allow),
        .init(name: "role ARN, boundary does not allow", caller: reader,
              policies: PolicySet(resource: bucketPolicy(principal: readerRole), permissionsBoundary: boundaryOther), outcome: .implicitDeny, deniedBy: .permissionsBoundary),
        .init(name: "role ARN, session policy does not allow", caller: reader,
              policies: PolicySet(resource: bucketPolicy(principal: readerRole), session: [sessionOther]), outcome: .implicitDeny, deniedBy: .session),
        .init(name: "role ARN, boundary and session allow", caller: reader,
              policies: PolicySet(resource: bucketPolicy(principal: readerRole), permissionsBoundary: boundaryAllow, session: [sessionAllow]), outcome: .allow),
        // Session ARN: the grant is to the session itself and nothing else limits it.
        .init(name: "session ARN, boundary does not allow", caller: reader,
              policies: PolicySet(resource: bucketPolicy(principal: readerSession), permissionsBoundary: boundaryOther), outcome: .allow),
        .init(name: "session ARN, session policy does not allow", caller: reader,
              policies: PolicySet(resource: bucketPolicy(principal: readerSession), session: [sessionOther]), outcome: .allow),
        .init(name: "user ARN, boundary does not allow", caller: alice,
              policies: PolicySet(resource: bucketPolicy(principal: aliceArn), permissionsBoundary: boundaryOther), outcome: .allow),
        // Boundaries and session policies intersect with identity policies.
        .init(name: "identity allow, boundary allows", caller: alice,
              policies: PolicySet(identity: [idAllow], permissionsBoundary: boundaryAllow), outcome: .allow),
        .init(name: "identity allow, boundary does not", caller: alice,
              policies: PolicySet(identity: [idAllow], permissionsBoundary: boundaryOther), outcome: .implicitDeny, deniedBy: .permissionsBoundary),
        .init(name: "boundary allows but no identity allow", caller: alice,
              policies: PolicySet(identity: [unrelated], permissionsBoundary: boundaryAllow), outcome: .implicitDeny, deniedBy: .identity),
        .init(name: "boundary deny", caller: alice,
              policies: PolicySet(identity: [idAllow], permissionsBoundary: Fixture.named("b", Fixture.doc(Fixture.allow("*"), Fixture.deny("s3:GetObject")))),
              outcome: .explicitDeny, deniedBy: .permissionsBoundary),
        .init(name: "identity allow, session policy allows", caller: reader,
              policies: PolicySet(identity: [idAllow], session: [sessionAllow]), outcome: .allow),
        .init(name: "identity allow, session policy does not", caller: reader,
              policies: PolicySet(identity: [idAllow], session: [sessionOther]), outcome: .implicitDeny, deniedBy: .session),
        .init(name: "session policy deny", caller: reader,
              policies: PolicySet(identity: [idAllow], session: [Fixture.named("s", Fixture.doc(Fixture.deny("s3:*")))]), outcome: .explicitDeny, deniedBy: .session),
        .init(name: "any one of several session policies allows", caller: reader,
              policies: PolicySet(identity: [idAllow], session: [sessionOther, sessionAllow]), outcome: .allow),
        // GetFederationToken sessions have only what a session policy passes on.
        .init(name: "federated user without session policy", caller: Fixture.federatedUser(),
              policies: PolicySet(identity: [idAllow]), outcome: .implicitDeny, deniedBy: .session),
        .init(name: "federated user with session policy", caller: Fixture.federatedUser(),
              policies: PolicySet(identity: [idAllow], session: [sessionAllow]), outcome: .allow),
        // The root user has full access in its account, but explicit denies still apply.
        .init(name: "root, no policies", caller: Fixture.root(), policies: PolicySet(), outcome: .allow),
        .init(name: "root, bucket policy deny", caller: Fixture.root(),
              policies: PolicySet(resource: bucketPolicy("Deny", principal: #""*""#)), outcome: .explicitDeny, deniedBy: .resource),
        .init(name: "root, SCP without allow", caller: Fixture.root(), policies: PolicySet(scps: [[scpGlueOnly]]), outcome: .implicitDeny, deniedBy: .scp),
        // Anonymous callers and services have only what the resource policy grants.
        .init(name: "anonymous, public bucket", caller: Fixture.anonymous,
              policies: PolicySet(resource: bucketPolicy(principal: #""*""#)), resourceAccount: "111111111111", outcome: .allow),
        .init(name: "anonymous, private bucket", caller: Fixture.anonymous,
              policies: PolicySet(resource: bucketPolicy(principal: aliceArn)), resourceAccount: "111111111111", outcome: .implicitDeny, deniedBy: .resource),
        .init(name: "service, no resource policy", caller: Fixture.glueService,
              policies: PolicySet(), resourceAccount: "111111111111", outcome: .implicitDeny, deniedBy: .resource),
    ]

    static let crossAccount: [Case] = [
        .init(name: "both sides allow (account principal)", caller: reader,
              policies: PolicySet(identity: [idAllow], resource: bucketPolicy(principal: jobAccountId)), resourceAccount: "222222222222", outcome: .allow),
        .init(name: "both sides allow (role principal)", caller: reader,
              policies: PolicySet(identity: [idAllow], resource: bucketPolicy(principal: readerRole)), resourceAccount: "222222222222", outcome: .allow),
        .init(name: "identity allows, no resource policy", caller: reader,
              policies: PolicySet(identity: [idAllow]), resourceAccount: "222222222222", outcome: .implicitDeny, deniedBy: .resource),
        .init(name: "resource policy allows the session, no identity allow", caller: reader,
              policies: PolicySet(identity: [unrelated], resource: bucketPolicy(principal: readerSession)), resourceAccount: "222222222222", outcome: .implicitDeny, deniedBy: .identity),
        .init(name: "resource policy names the user, no identity allow", caller: alice,
              policies: PolicySet(resource: bucketPolicy(principal: aliceArn)), resourceAccount: "222222222222", outcome: .implicitDeny, deniedBy: .identity),
        .init(name: "neither allows: identity is named first", caller: reader,
              policies: PolicySet(identity: [unrelated]), resourceAccount: "222222222222", outcome: .implicitDeny, deniedBy: .identity),
        .init(name: "boundary limits across accounts too", caller: alice,
              policies: PolicySet(identity: [idAllow], resource: bucketPolicy(principal: aliceArn), permissionsBoundary: boundaryOther),
              resourceAccount: "222222222222", outcome: .implicitDeny, deniedBy: .permissionsBoundary),
        .init(name: "resource policy names a different account", caller: alice,
              policies: PolicySet(identity: [idAllow], resource: bucketPolicy(principal: #"{"AWS":"333333333333"}"#)),
              resourceAccount: "222222222222", outcome: .implicitDeny, deniedBy: .resource),
        .init(name: "root of another account needs the resource policy", caller: Fixture.root(),
              policies: PolicySet(), resourceAccount: "222222222222", outcome: .implicitDeny, deniedBy: .resource),
        .init(name: "root of another account named by account id", caller: Fixture.root(),
              policies: PolicySet(resource: bucketPolicy(principal: jobAccountId)), resourceAccount: "222222222222", outcome: .allow),
    ]

    static let organizations: [Case] = [
        .init(name: "SCP FullAWSAccess", caller: alice, policies: PolicySet(identity: [idAllow], scps: [[fullAccess], [fullAccess]]), outcome: .allow),
        .init(name: "SCP explicit deny", caller: alice, policies: PolicySet(identity: [idAllow], scps: [[scpDenyS3]]), outcome: .explicitDeny, deniedBy: .scp),
        .init(name: "SCP level without allow", caller: alice, policies: PolicySet(identity: [idAllow], scps: [[fullAccess], [scpGlueOnly]]), outcome: .implicitDeny, deniedBy: .scp),
        .init(name: "SCP: any policy at a level may allow", caller: alice, policies: PolicySet(identity: [idAllow], scps: [[fullAccess], [scpGlueOnly, fullAccess]]), outcome: .allow),
        .init(name: "SCP does not grant", caller: alice, policies: PolicySet(identity: [unrelated], scps: [[fullAccess]]), outcome: .implicitDeny, deniedBy: .identity),
        .init(name: "SCP limits resource-policy grants", caller: alice,
              policies: PolicySet(resource: bucketPolicy(principal: aliceArn), scps: [[scpGlueOnly]]), outcome: .implicitDeny, deniedBy: .scp),
        .init(name: "SCPs do not apply to service principals", caller: Fixture.glueService,
              policies: PolicySet(resource: bucketPolicy(principal: #"{"Service":"glue.amazonaws.com"}"#), scps: [[scpGlueOnly]]), resourceAccount: "111111111111", outcome: .allow),
        .init(name: "RCP explicit deny", caller: alice,
              policies: PolicySet(identity: [idAllow], rcps: [[Fixture.named("rcp", #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#)]]),
              outcome: .explicitDeny, deniedBy: .rcp),
        .init(name: "RCP level without allow", caller: alice,
              policies: PolicySet(identity: [idAllow], rcps: [[Fixture.named("rcp", #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"*"}]}"#)]]),
              outcome: .implicitDeny, deniedBy: .rcp),
        .init(name: "RCP full access", caller: alice,
              policies: PolicySet(identity: [idAllow], rcps: [[Fixture.named("RCPFullAWSAccess", #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#)]]),
              outcome: .allow),
    ]

    @Test(arguments: sameAccount + crossAccount + organizations)
    func decide(_ c: Case) {
        let d = PolicyEvaluator.evaluate(
            Fixture.request(c.caller, "s3:GetObject", Self.object, resourceAccount: c.resourceAccount), policies: c.policies)
        #expect(d.outcome == c.outcome, "\(d.explanation.joined(separator: "\n"))")
        #expect(d.deniedBy == c.deniedBy)
        #expect(d.isAllowed == (c.outcome == .allow))
        #expect(d.explanation.last?.hasPrefix("decision:") == true)
    }

    // "Access denied error messages": one phrase per policy type.
    @Test(arguments: [
        (Decision.Outcome.implicitDeny, PolicyType.identity, "because no identity-based policy allows the s3:GetObject action"),
        (.implicitDeny, .resource, "because no resource-based policy allows the s3:GetObject action"),
        (.implicitDeny, .permissionsBoundary, "because no permissions boundary allows the s3:GetObject action"),
        (.implicitDeny, .session, "because no session policy allows the s3:GetObject action"),
        (.implicitDeny, .scp, "because no service control policy allows the s3:GetObject action"),
        (.implicitDeny, .rcp, "because no resource control policy allows the s3:GetObject action"),
        (.explicitDeny, .identity, "with an explicit deny in an identity-based policy"),
        (.explicitDeny, .resource, "with an explicit deny in a resource-based policy"),
        (.explicitDeny, .permissionsBoundary, "with an explicit deny in a permissions boundary"),
        (.explicitDeny, .session, "with an explicit deny in a session policy"),
        (.explicitDeny, .scp, "with an explicit deny in a service control policy"),
        (.explicitDeny, .rcp, "with an explicit deny in a resource control policy"),
    ])
    func reasonPhrases(outcome: Decision.Outcome, type: PolicyType, phrase: String) {
        #expect(Decision(outcome: outcome, deniedBy: type).reason(action: "s3:GetObject") == phrase)
    }

    @Test func allowedDecisionsHaveNoReason() {
        let d = PolicyEvaluator.evaluate(Fixture.request(Self.alice, "s3:GetObject", Self.object), policies: PolicySet(identity: [Self.idAllow]))
        #expect(d.reason(action: "s3:GetObject") == nil)
        #expect(d.statements == [MatchedStatement(policyName: "identity allow", policyType: .identity, statementIndex: 0, sid: nil, effect: .allow)])
    }

    @Test func explicitDenyReportsTheDenyingStatements() {
        let d = PolicyEvaluator.evaluate(Fixture.request(Self.alice, "s3:GetObject", Self.object),
                                         policies: PolicySet(identity: [Self.idAllow], resource: Self.bucketPolicy("Deny", principal: #""*""#)))
        #expect(d.statements == [MatchedStatement(policyName: "bucket policy of data-bucket", policyType: .resource, statementIndex: 0, sid: "Read", effect: .deny)])
        #expect(d.explanation.contains("explicit deny: bucket policy of data-bucket Statement[0] (Sid \"Read\")"))
    }

    @Test func explanationWalksTheSteps() {
        let d = PolicyEvaluator.evaluate(
            Fixture.request(Self.reader, "s3:GetObject", Self.object, resourceAccount: "222222222222"),
            policies: PolicySet(identity: [Self.unrelated]))
        #expect(d.explanation.first?.contains("cross-account") == true)
        #expect(d.explanation.contains("identity-based policy: no statement allows s3:GetObject (1 policy checked)"))
        #expect(d.explanation.contains("resource-based policy: none attached"))
        #expect(d.explanation.last == "decision: implicit deny because no identity-based policy allows the s3:GetObject action")
    }

    @Test func policiesWithConditionsOnlyApplyWhenTheyHold() {
        let p = Fixture.named("mfa", #"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}},{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#)
        func decide(_ mfa: [String]?) -> Decision.Outcome {
            var ctx: [String: [String]] = [:]
            if let mfa { ctx["aws:MultiFactorAuthPresent"] = mfa }
            return PolicyEvaluator.evaluate(Fixture.request(Self.alice, "s3:GetObject", Self.object, context: ctx), policies: PolicySet(identity: [p])).outcome
        }
        #expect(decide(["true"]) == .allow)
        #expect(decide(["false"]) == .explicitDeny)
        #expect(decide(nil) == .explicitDeny)
    }

    @Test func notActionAndNotResource() {
        let p = Fixture.named("not", #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:s3:::secret/*"}]}"#)
        func allowed(_ action: String, _ resource: String) -> Bool {
            PolicyEvaluator.evaluate(Fixture.request(Self.alice, action, resource), policies: PolicySet(identity: [p])).isAllowed
        }
        #expect(allowed("s3:GetObject", "arn:aws:s3:::public/k"))
        #expect(!allowed("s3:GetObject", "arn:aws:s3:::secret/k"))
        #expect(!allowed("iam:CreateUser", "arn:aws:iam::111111111111:user/x"))
        #expect(allowed("ec2:DescribeInstances", "*"))
    }
}
