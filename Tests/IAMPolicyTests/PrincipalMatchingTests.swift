import Testing
@testable import IAMPolicy

/// IAM User Guide, "AWS JSON policy elements: Principal" (AWS account principals, IAM
/// role principals, role session principals, IAM user principals, AWS service principals,
/// all principals) and "AWS JSON policy elements: NotPrincipal".
@Suite struct PrincipalMatchingTests {
    static let alice = Fixture.user("alice")
    static let session = Fixture.session(role: "reader", session: "s1", path: "/team/")
    static let root = Fixture.root()
    static let other = Fixture.user("carol", account: "333333333333")

    struct Case: Sendable, CustomStringConvertible {
        var principal: PolicyPrincipal
        var caller: PrincipalIdentity
        var grant: PrincipalGrant?
        var description: String { "\(principal) vs \(caller.arn)" }
    }

    static let cases: [Case] = [
        .init(principal: .wildcard, caller: alice, grant: .roleOrEveryone),
        .init(principal: .wildcard, caller: Fixture.anonymous, grant: .roleOrEveryone),
        .init(principal: .wildcard, caller: Fixture.glueService, grant: .roleOrEveryone),
        .init(principal: PolicyPrincipal(aws: ["*"]), caller: Fixture.anonymous, grant: .roleOrEveryone),
        // An account id, or its root ARN, stands for every principal of the account.
        .init(principal: PolicyPrincipal(aws: ["111111111111"]), caller: alice, grant: .account),
        .init(principal: PolicyPrincipal(aws: ["arn:aws:iam::111111111111:root"]), caller: session, grant: .account),
        .init(principal: PolicyPrincipal(aws: ["arn:aws:iam::111111111111:root"]), caller: root, grant: .exact),
        .init(principal: PolicyPrincipal(aws: ["111111111111"]), caller: other, grant: nil),
        .init(principal: PolicyPrincipal(aws: ["111111111111"]), caller: Fixture.glueService, grant: nil),
        .init(principal: PolicyPrincipal(aws: ["111111111111"]), caller: Fixture.anonymous, grant: nil),
        // A role ARN (with its path) matches the role's sessions; a session ARN only that session.
        .init(principal: PolicyPrincipal(aws: ["arn:aws:iam::111111111111:role/team/reader"]), caller: session, grant: .roleOrEveryone),
        .init(principal: PolicyPrincipal(aws: ["arn:aws:iam::111111111111:role/reader"]), caller: session, grant: nil),
        .init(principal: PolicyPrincipal(aws: ["arn:aws:sts::111111111111:assumed-role/reader/s1"]), caller: session, grant: .exact),
        .init(principal: PolicyPrincipal(aws: ["arn:aws:sts::111111111111:assumed-role/reader/s2"]), caller: session, grant: nil),
        .init(principal: PolicyPrincipal(aws: ["arn:aws:iam::111111111111:user/alice"]), caller: alice, grant: .exact),
        .init(principal: PolicyPrincipal(aws: ["arn:aws:iam::111111111111:user/Alice"]), caller: alice, grant: nil),
        .init(principal: PolicyPrincipal(aws: ["arn:aws:iam::111111111111:user/alice"]), caller: session, grant: nil),
        .init(principal: PolicyPrincipal(aws: ["arn:aws:sts::111111111111:federated-user/bob"]), caller: Fixture.federatedUser(), grant: .exact),
        // Partial wildcards are not principal patterns.
        .init(principal: PolicyPrincipal(aws: ["arn:aws:iam::111111111111:user/*"]), caller: alice, grant: nil),
        .init(principal: PolicyPrincipal(service: ["glue.amazonaws.com"]), caller: Fixture.glueService, grant: .exact),
        .init(principal: PolicyPrincipal(service: ["ec2.amazonaws.com"]), caller: Fixture.glueService, grant: nil),
        .init(principal: PolicyPrincipal(service: ["glue.amazonaws.com"]), caller: alice, grant: nil),
        // The strongest of several entries counts.
        .init(principal: PolicyPrincipal(aws: ["111111111111", "arn:aws:iam::111111111111:user/alice"]), caller: alice, grant: .exact),
        .init(principal: PolicyPrincipal(aws: ["AIDAEXAMPLEALICE"]), caller: alice, grant: .exact),
    ]

    @Test(arguments: cases)
    func principal(_ c: Case) {
        #expect(PrincipalMatcher.match(c.principal, c.caller) == c.grant)
    }

    struct NotCase: Sendable, CustomStringConvertible {
        var listed: [String]
        var caller: PrincipalIdentity
        var applies: Bool
        var description: String { "NotPrincipal \(listed) vs \(caller.arn)" }
    }

    // "NotPrincipal": a Deny exempts a role session only when the session, the role and the
    // account are all listed; a user when the user and the account are.
    static let notCases: [NotCase] = [
        .init(listed: ["arn:aws:iam::111111111111:user/alice"], caller: alice, applies: true),
        .init(listed: ["arn:aws:iam::111111111111:user/alice", "arn:aws:iam::111111111111:root"], caller: alice, applies: false),
        .init(listed: ["arn:aws:iam::111111111111:user/alice", "111111111111"], caller: alice, applies: false),
        .init(listed: ["arn:aws:iam::111111111111:user/bob", "111111111111"], caller: alice, applies: true),
        .init(listed: ["arn:aws:iam::111111111111:role/team/reader", "111111111111"], caller: session, applies: true),
        .init(listed: ["arn:aws:sts::111111111111:assumed-role/reader/s1", "arn:aws:iam::111111111111:role/team/reader", "arn:aws:iam::111111111111:root"], caller: session, applies: false),
        .init(listed: ["111111111111"], caller: root, applies: false),
        .init(listed: ["111111111111"], caller: Fixture.anonymous, applies: true),
        .init(listed: ["*"], caller: alice, applies: false),
    ]

    @Test(arguments: notCases)
    func notPrincipal(_ c: NotCase) {
        #expect(PrincipalMatcher.notPrincipalApplies(PolicyPrincipal(aws: c.listed), c.caller, effect: .deny, hasBoundary: false) == c.applies)
    }

    @Test func notPrincipalServiceList() {
        let p = PolicyPrincipal(service: ["glue.amazonaws.com"])
        #expect(!PrincipalMatcher.notPrincipalApplies(p, Fixture.glueService, effect: .deny, hasBoundary: false))
        #expect(PrincipalMatcher.notPrincipalApplies(p, PrincipalIdentity(kind: .service, arn: "ec2.amazonaws.com", account: nil), effect: .deny, hasBoundary: false))
    }

    // "Permissions boundaries for IAM entities": Deny with NotPrincipal always denies a principal with a boundary.
    @Test func notPrincipalDenyAlwaysAppliesWithABoundary() {
        let listed = PolicyPrincipal(aws: ["arn:aws:iam::111111111111:user/alice", "111111111111"])
        #expect(PrincipalMatcher.notPrincipalApplies(listed, Self.alice, effect: .deny, hasBoundary: true))
        #expect(!PrincipalMatcher.notPrincipalApplies(listed, Self.alice, effect: .allow, hasBoundary: true))
    }
}
