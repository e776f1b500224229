import Foundation
import Testing
@testable import IAMPolicy

/// The request context AWS fills in from the authenticated principal and the request.
/// IAM User Guide, "AWS global condition context keys" (aws:PrincipalArn, aws:PrincipalAccount,
/// aws:PrincipalType, aws:userid, aws:username, aws:PrincipalTag, aws:CurrentTime,
/// aws:EpochTime, aws:TokenIssueTime, aws:SourceIdentity, aws:PrincipalIsAWSService,
/// aws:PrincipalServiceName) and "Passing session tags in AWS STS" (session tags override
/// the role's tags of the same key).
@Suite struct RequestContextKeyTests {
    static let issued = Date(timeIntervalSince1970: 1_717_990_000) // 2024-06-10T03:26:40Z
    static let reader = PrincipalIdentity(
        kind: .assumedRole, arn: "arn:aws:sts::111111111111:assumed-role/reader/s1", account: "111111111111",
        userId: "AROAEXAMPLEREADER:s1", roleArn: "arn:aws:iam::111111111111:role/team/reader",
        tags: ["team": "data", "cost-center": "42"], sessionTags: ["team": "analytics"],
        tokenIssueTime: issued, sourceIdentity: "alice@example.com")
    static let alice = Fixture.user("alice", tags: ["team": "data"])
    static let root = Fixture.root()
    static let bob = Fixture.federatedUser("bob")
    static let glue = Fixture.glueService
    static let anonymous = Fixture.anonymous

    struct Case: Sendable, CustomStringConvertible {
        var who: String
        var caller: PrincipalIdentity
        var key: String
        var values: [String]?
        var description: String { "\(who) \(key)" }
    }

    static let cases: [Case] = [
        // aws:PrincipalArn: the role's ARN (with its path) for a role session, not the session ARN.
        .init(who: "role session", caller: reader, key: "aws:PrincipalArn", values: ["arn:aws:iam::111111111111:role/team/reader"]),
        .init(who: "user", caller: alice, key: "aws:PrincipalArn", values: ["arn:aws:iam::111111111111:user/alice"]),
        .init(who: "root", caller: root, key: "aws:PrincipalArn", values: ["arn:aws:iam::111111111111:root"]),
        .init(who: "federated user", caller: bob, key: "aws:PrincipalArn", values: ["arn:aws:sts::111111111111:federated-user/bob"]),
        .init(who: "service", caller: glue, key: "aws:PrincipalArn", values: nil),
        .init(who: "anonymous", caller: anonymous, key: "aws:PrincipalArn", values: nil),
        // aws:PrincipalAccount
        .init(who: "role session", caller: reader, key: "aws:PrincipalAccount", values: ["111111111111"]),
        .init(who: "service", caller: glue, key: "aws:PrincipalAccount", values: nil),
        // aws:PrincipalType
        .init(who: "role session", caller: reader, key: "aws:PrincipalType", values: ["AssumedRole"]),
        .init(who: "user", caller: alice, key: "aws:PrincipalType", values: ["User"]),
        .init(who: "root", caller: root, key: "aws:PrincipalType", values: ["Account"]),
        .init(who: "federated user", caller: bob, key: "aws:PrincipalType", values: ["FederatedUser"]),
        .init(who: "anonymous", caller: anonymous, key: "aws:PrincipalType", values: ["Anonymous"]),
        // aws:userid: role-id:session-name for roles, the account id for root, account:name for federated users.
        .init(who: "role session", caller: reader, key: "aws:userid", values: ["AROAEXAMPLEREADER:s1"]),
        .init(who: "user", caller: alice, key: "aws:userid", values: ["AIDAEXAMPLEALICE"]),
        .init(who: "root", caller: root, key: "aws:userid", values: ["111111111111"]),
        .init(who: "federated user", caller: bob, key: "aws:userid", values: ["111111111111:bob"]),
        .init(who: "anonymous", caller: anonymous, key: "aws:userid", values: ["anonymous"]),
        // aws:username: IAM users only.
        .init(who: "user", caller: alice, key: "aws:username", values: ["alice"]),
        .init(who: "role session", caller: reader, key: "aws:username", values: nil),
        .init(who: "root", caller: root, key: "aws:username", values: nil),
        // aws:PrincipalTag: a session tag overrides the role's tag of the same key; other role tags stay.
        .init(who: "role session", caller: reader, key: "aws:PrincipalTag/team", values: ["analytics"]),
        .init(who: "role session", caller: reader, key: "aws:PrincipalTag/cost-center", values: ["42"]),
        .init(who: "user", caller: alice, key: "aws:PrincipalTag/team", values: ["data"]),
        .init(who: "user", caller: alice, key: "aws:PrincipalTag/TEAM", values: ["data"]),
        // aws:TokenIssueTime: temporary credentials only.
        .init(who: "role session", caller: reader, key: "aws:TokenIssueTime", values: ["2024-06-10T03:26:40Z"]),
        .init(who: "user", caller: alice, key: "aws:TokenIssueTime", values: nil),
        // aws:SourceIdentity
        .init(who: "role session", caller: reader, key: "aws:SourceIdentity", values: ["alice@example.com"]),
        .init(who: "user", caller: alice, key: "aws:SourceIdentity", values: nil),
        // Service principals.
        .init(who: "service", caller: glue, key: "aws:PrincipalIsAWSService", values: ["true"]),
        .init(who: "user", caller: alice, key: "aws:PrincipalIsAWSService", values: ["false"]),
        .init(who: "service", caller: glue, key: "aws:PrincipalServiceName", values: ["glue.amazonaws.com"]),
        // Time, from the request's clock (Fixture.now = 2024-06-10T06:13:20Z).
        .init(who: "user", caller: alice, key: "aws:CurrentTime", values: ["2024-06-10T06:13:20Z"]),
        .init(who: "user", caller: alice, key: "aws:EpochTime", values: ["1718000000"]),
    ]

    @Test(arguments: cases)
    func derivedKey(_ c: Case) {
        let context = RequestContext(Fixture.request(c.caller, "s3:GetObject", "arn:aws:s3:::b/k"))
        #expect(context.values(for: c.key) == c.values)
    }

    @Test func principalKeysCannotBeSupplied() {
        let request = Fixture.request(Self.alice, "s3:GetObject", "arn:aws:s3:::b/k",
                                      context: ["aws:PrincipalArn": ["arn:aws:iam::111111111111:root"], "aws:username": ["mallory"]])
        let context = RequestContext(request)
        #expect(context.values(for: "aws:PrincipalArn") == ["arn:aws:iam::111111111111:user/alice"])
        #expect(context.values(for: "aws:username") == ["alice"])
    }

    /// `simulate --cases`: the context is exactly what the case gives.
    @Test func nothingDerivedWhenAsked() {
        var request = Fixture.request(Self.reader, "s3:GetObject", "arn:aws:s3:::b/k", context: ["aws:SourceIp": ["10.0.0.1"]])
        request.derivesContext = false
        let context = RequestContext(request)
        #expect(context.values(for: "aws:SourceIp") == ["10.0.0.1"])
        for key in ["aws:PrincipalArn", "aws:userid", "aws:PrincipalType", "aws:PrincipalTag/team", "aws:CurrentTime", "aws:EpochTime", "aws:TokenIssueTime"] {
            #expect(context.values(for: key) == nil, "\(key)")
        }
    }

    // Conditions on derived keys, decided end to end (identity policy of the caller).
    struct ConditionCase: Sendable, CustomStringConvertible {
        var name: String
        var caller: PrincipalIdentity
        var condition: String
        var allowed: Bool
        var description: String { name }
    }

    static let conditionCases: [ConditionCase] = [
        .init(name: "aws:PrincipalArn names the role, not the session", caller: reader,
              condition: #"{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/team/reader"}}"#, allowed: true),
        .init(name: "aws:PrincipalArn is never the session ARN", caller: reader,
              condition: #"{"ArnLike":{"aws:PrincipalArn":"arn:aws:sts::*"}}"#, allowed: false),
        .init(name: "session tag wins over role tag", caller: reader,
              condition: #"{"StringEquals":{"aws:PrincipalTag/team":"analytics"}}"#, allowed: true),
        .init(name: "overridden role tag no longer matches", caller: reader,
              condition: #"{"StringEquals":{"aws:PrincipalTag/team":"data"}}"#, allowed: false),
        .init(name: "role sessions have no aws:username", caller: reader,
              condition: #"{"Null":{"aws:username":"true"}}"#, allowed: true),
        .init(name: "token issued before a revocation time is refused", caller: reader,
              condition: #"{"DateGreaterThan":{"aws:TokenIssueTime":"2024-06-10T04:00:00Z"}}"#, allowed: false),
        .init(name: "token issued after the cut-off", caller: reader,
              condition: #"{"DateGreaterThan":{"aws:TokenIssueTime":"2024-06-10T03:00:00Z"}}"#, allowed: true),
        .init(name: "long-term keys have no aws:TokenIssueTime (IfExists)", caller: alice,
              condition: #"{"DateGreaterThanIfExists":{"aws:TokenIssueTime":"2030-01-01T00:00:00Z"}}"#, allowed: true),
        .init(name: "aws:CurrentTime window", caller: alice,
              condition: #"{"DateGreaterThan":{"aws:CurrentTime":"2024-06-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2024-06-30T23:59:59Z"}}"#, allowed: true),
        .init(name: "aws:EpochTime compared as a date", caller: alice,
              condition: #"{"DateLessThan":{"aws:EpochTime":"1717999999"}}"#, allowed: false),
        .init(name: "aws:userid variable form for roles", caller: reader,
              condition: #"{"StringLike":{"aws:userid":"AROAEXAMPLEREADER:*"}}"#, allowed: true),
        .init(name: "aws:PrincipalType of a user", caller: alice,
              condition: #"{"StringEquals":{"aws:PrincipalType":"User"}}"#, allowed: true),
    ]

    @Test(arguments: conditionCases)
    func conditionOnDerivedKey(_ c: ConditionCase) {
        let policy = Fixture.named("identity", #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":\#(c.condition)}]}"#)
        let d = PolicyEvaluator.evaluate(Fixture.request(c.caller, "s3:GetObject", "arn:aws:s3:::b/k"), policies: PolicySet(identity: [policy]))
        #expect(d.isAllowed == c.allowed)
    }
}
