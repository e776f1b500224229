import Testing
@testable import IAMPolicy

/// IAM User Guide, "IAM policy elements: Variables and tags" (Version 2012-10-17 required,
/// otherwise `${...}` is literal; special characters `${*}`, `${?}`, `${$}`; default
/// values `${aws:username, 'default'}`; "if the variable isn't present in the request
/// context ... the policy doesn't match" for that element).
@Suite struct PolicyVariableTests {
    static func allowed(
        version: String?, resource: String, request: String,
        caller: PrincipalIdentity = Fixture.user("alice"), context: [String: [String]] = [:]
    ) -> Bool {
        let v = version.map { #""Version":"\#($0)","# } ?? ""
        let p = Fixture.named("p", #"{\#(v)"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"\#(resource)"}]}"#)
        return PolicyEvaluator.evaluate(Fixture.request(caller, "s3:GetObject", request, context: context),
                                        policies: PolicySet(identity: [p])).isAllowed
    }

    struct Case: Sendable, CustomStringConvertible {
        var version: String? = "2012-10-17"
        var resource: String
        var request: String
        var context: [String: [String]] = [:]
        var caller: PrincipalIdentity = Fixture.user("alice", tags: ["team": "data"])
        var allowed: Bool
        var description: String { "\(version ?? "none") \(resource) vs \(request)" }
    }

    static let cases: [Case] = [
        .init(resource: "arn:aws:s3:::home/${aws:username}/*", request: "arn:aws:s3:::home/alice/f", allowed: true),
        .init(resource: "arn:aws:s3:::home/${aws:username}/*", request: "arn:aws:s3:::home/bob/f", allowed: false),
        .init(resource: "arn:aws:s3:::home/${aws:userid}/*", request: "arn:aws:s3:::home/AIDAEXAMPLEALICE/f", allowed: true),
        .init(resource: "arn:aws:s3:::teams/${aws:PrincipalTag/team}/*", request: "arn:aws:s3:::teams/data/f", allowed: true),
        .init(resource: "arn:aws:s3:::teams/${aws:principaltag/TEAM}/*", request: "arn:aws:s3:::teams/data/f", allowed: true),
        .init(resource: "arn:aws:s3:::tags/${aws:RequestTag/project}/*", request: "arn:aws:s3:::tags/x/f", context: ["aws:RequestTag/project": ["x"]], allowed: true),
        .init(resource: "arn:aws:s3:::tags/${aws:ResourceTag/project}/*", request: "arn:aws:s3:::tags/x/f", context: ["aws:ResourceTag/project": ["y"]], allowed: false),
        .init(resource: "arn:aws:s3:::ctx/${s3:prefix}", request: "arn:aws:s3:::ctx/p1", context: ["s3:prefix": ["p1"]], allowed: true),
        // Variables are literal in 2008-10-17 and in documents without a Version.
        .init(version: "2008-10-17", resource: "arn:aws:s3:::home/${aws:username}/*", request: "arn:aws:s3:::home/alice/f", allowed: false),
        .init(version: "2008-10-17", resource: "arn:aws:s3:::home/${aws:username}/*", request: "arn:aws:s3:::home/${aws:username}/f", allowed: true),
        .init(version: nil, resource: "arn:aws:s3:::home/${aws:username}/*", request: "arn:aws:s3:::home/alice/f", allowed: false),
        // Missing values: no match, unless a default is given.
        .init(resource: "arn:aws:s3:::teams/${aws:PrincipalTag/cost-center}/*", request: "arn:aws:s3:::teams//f", allowed: false),
        .init(resource: "arn:aws:s3:::teams/${aws:PrincipalTag/cost-center, 'shared'}/*", request: "arn:aws:s3:::teams/shared/f", allowed: true),
        .init(resource: "arn:aws:s3:::teams/${aws:PrincipalTag/team, 'shared'}/*", request: "arn:aws:s3:::teams/data/f", allowed: true),
        .init(resource: "arn:aws:s3:::home/${aws:username}/*", request: "arn:aws:s3:::home/x/f", caller: Fixture.session(), allowed: false),
        // Special characters are literal, not wildcards.
        .init(resource: "arn:aws:s3:::b/${*}", request: "arn:aws:s3:::b/*", allowed: true),
        .init(resource: "arn:aws:s3:::b/${*}", request: "arn:aws:s3:::b/anything", allowed: false),
        .init(resource: "arn:aws:s3:::b/${?}", request: "arn:aws:s3:::b/?", allowed: true),
        .init(resource: "arn:aws:s3:::b/${?}", request: "arn:aws:s3:::b/x", allowed: false),
        .init(resource: "arn:aws:s3:::b/${$}x", request: "arn:aws:s3:::b/$x", allowed: true),
        // A tag value containing a wildcard character is matched literally.
        .init(resource: "arn:aws:s3:::teams/${aws:PrincipalTag/team}/*", request: "arn:aws:s3:::teams/other/f",
              caller: Fixture.user("alice", tags: ["team": "*"]), allowed: false),
        // An unterminated "${" is plain text.
        .init(resource: "arn:aws:s3:::b/${oops", request: "arn:aws:s3:::b/${oops", allowed: true),
    ]

    @Test(arguments: cases)
    func resourceVariables(_ c: Case) {
        #expect(Self.allowed(version: c.version, resource: c.resource, request: c.request, caller: c.caller, context: c.context) == c.allowed)
    }

    @Test(arguments: [
        ("alice", true), ("bob", false),
    ])
    func conditionValueVariables(owner: String, allowed: Bool) {
        let p = Fixture.named("p", #"""
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*",
          "Condition":{"StringEquals":{"s3:ExistingObjectTag/owner":"${aws:username}"}}}]}
        """#)
        let d = PolicyEvaluator.evaluate(
            Fixture.request(Fixture.user("alice"), "s3:GetObject", "arn:aws:s3:::b/k", context: ["s3:ExistingObjectTag/owner": [owner]]),
            policies: PolicySet(identity: [p]))
        #expect(d.isAllowed == allowed)
    }

    @Test func stringLikeKeepsPolicyWildcardsButNotVariableText() {
        let p = Fixture.named("p", #"""
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*",
          "Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}}]}
        """#)
        func allowed(_ caller: PrincipalIdentity, _ prefix: String) -> Bool {
            PolicyEvaluator.evaluate(Fixture.request(caller, "s3:ListBucket", "arn:aws:s3:::b", context: ["s3:prefix": [prefix]]),
                                     policies: PolicySet(identity: [p])).isAllowed
        }
        #expect(allowed(Fixture.user("alice"), "home/alice/docs"))
        #expect(!allowed(Fixture.user("alice"), "home/bob/docs"))
    }

    // A variable whose key holds several values cannot be substituted.
    @Test func multivaluedKeysDoNotSubstitute() {
        let ctx = RequestContext(Fixture.request(Fixture.user(), "s3:GetObject", "*", context: ["aws:TagKeys": ["a", "b"]]))
        #expect(PolicyVariables.resolve("x/${aws:TagKeys}", context: ctx, enabled: true) == nil)
    }
}
