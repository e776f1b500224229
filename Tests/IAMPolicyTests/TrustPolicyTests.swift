import Testing
@testable import IAMPolicy

/// Role trust policies as the resource-based policy of sts:AssumeRole. IAM User Guide,
/// "How AWS enforcement code logic evaluates requests to allow or deny access" ("IAM role
/// trust policies ... must explicitly allow access for principals"), "Cross-account policy
/// evaluation logic", and "AWS JSON policy elements: Principal".
@Suite struct TrustPolicyTests {
    static let target = "arn:aws:iam::111111111111:role/target"
    static let assumeTarget = Fixture.named("may assume target", Fixture.doc(Fixture.allow("sts:AssumeRole", target)))

    static func trust(_ principal: String) -> NamedPolicy {
        Fixture.named("trust policy of role/target",
                      #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":\#(principal),"Action":"sts:AssumeRole"}]}"#)
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var caller: PrincipalIdentity
        var trust: NamedPolicy?
        var identity: [NamedPolicy]
        var allowed: Bool
        var deniedBy: PolicyType? = nil
        var description: String { name }
    }

    static let cases: [Case] = [
        .init(name: "same account, trust names the user", caller: Fixture.user(),
              trust: trust(#"{"AWS":"arn:aws:iam::111111111111:user/alice"}"#), identity: [], allowed: true),
        .init(name: "same account, trust names the calling role (chaining)", caller: Fixture.session(),
              trust: trust(#"{"AWS":"arn:aws:iam::111111111111:role/glue-role-test"}"#), identity: [], allowed: true),
        .init(name: "same account, trust names the account, no identity allow", caller: Fixture.user(),
              trust: trust(#"{"AWS":"arn:aws:iam::111111111111:root"}"#), identity: [], allowed: false, deniedBy: .identity),
        .init(name: "same account, trust names the account, identity allows", caller: Fixture.user(),
              trust: trust(#"{"AWS":"111111111111"}"#), identity: [assumeTarget], allowed: true),
        // Unlike other resources, an identity allow alone is not enough.
        .init(name: "same account, identity allows, trust names someone else", caller: Fixture.user(),
              trust: trust(#"{"AWS":"arn:aws:iam::111111111111:user/bob"}"#), identity: [assumeTarget], allowed: false, deniedBy: .resource),
        .init(name: "same account, identity allows, no trust policy", caller: Fixture.user(),
              trust: nil, identity: [assumeTarget], allowed: false, deniedBy: .resource),
        .init(name: "service principal on the trust policy alone", caller: Fixture.glueService,
              trust: Fixture.glueTrustPolicy, identity: [], allowed: true),
        .init(name: "cross account, trust names the role, identity allows", caller: Fixture.session(account: "222222222222"),
              trust: trust(#"{"AWS":"arn:aws:iam::222222222222:role/glue-role-test"}"#),
              identity: [Fixture.named("p", Fixture.doc(Fixture.allow("sts:AssumeRole")))], allowed: true),
        .init(name: "cross account, trust names the role, no identity allow", caller: Fixture.session(account: "222222222222"),
              trust: trust(#"{"AWS":"arn:aws:iam::222222222222:role/glue-role-test"}"#), identity: [], allowed: false, deniedBy: .identity),
        .init(name: "cross account, identity allows, trust names another account", caller: Fixture.session(account: "222222222222"),
              trust: trust(#"{"AWS":"333333333333"}"#),
              identity: [Fixture.named("p", Fixture.doc(Fixture.allow("sts:AssumeRole")))], allowed: false, deniedBy: .resource),
    ]

    @Test(arguments: cases)
    func assumeRole(_ c: Case) {
        let d = PolicyEvaluator.evaluate(
            Fixture.request(c.caller, "sts:AssumeRole", Self.target, resourceAccount: "111111111111"),
            policies: PolicySet(identity: c.identity, resource: c.trust))
        #expect(d.isAllowed == c.allowed, "\(d.explanation.joined(separator: "\n"))")
        #expect(d.deniedBy == c.deniedBy)
    }

    @Test func trustPolicyConditionsApply() {
        let t = Fixture.named("trust", #"""
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"glue.amazonaws.com"},"Action":"sts:AssumeRole",
          "Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"}}}]}
        """#)
        func allowed(_ ctx: [String: [String]]) -> Bool {
            PolicyEvaluator.evaluate(Fixture.request(Fixture.glueService, "sts:AssumeRole", Self.target, resourceAccount: "111111111111", context: ctx),
                                     policies: PolicySet(resource: t)).isAllowed
        }
        #expect(allowed(["aws:SourceAccount": ["111111111111"]]))
        #expect(!allowed(["aws:SourceAccount": ["999999999999"]]))
        #expect(!allowed([:]))
    }

    @Test func explicitOverrideOfTheInference() {
        // A resource policy that must allow even for an ordinary action, when the caller says so.
        let d = PolicyEvaluator.evaluate(
            Fixture.request(Fixture.user(), "s3:GetObject", "arn:aws:s3:::b/k"),
            policies: PolicySet(identity: [Fixture.named("p", Fixture.doc(Fixture.allow("s3:*")))], resourcePolicyRequired: true))
        #expect(d.deniedBy == .resource)
    }
}
