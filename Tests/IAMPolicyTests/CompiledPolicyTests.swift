import Foundation
import Testing
@testable import IAMPolicy

/// The compiled form follows the policy value, and explanations read lazily are the lines
/// the evaluation writes.
@Suite struct CompiledPolicyTests {
    let caller = PrincipalIdentity(kind: .user, arn: "arn:aws:iam::111122223333:user/alice", account: "111122223333", userId: "AIDAALICE", userName: "alice")

    func request(_ action: String, _ resource: String) -> AuthorizationRequest {
        AuthorizationRequest(principal: caller, action: action, resource: resource, context: ["aws:SourceIp": ["10.1.2.3"]],
                             now: Date(timeIntervalSince1970: 1_769_860_800))
    }

    @Test func changingStatementsOrVersionChangesDecisions() throws {
        var policy = try Policy.parse("""
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}
        """)
        let get = request("s3:GetObject", "arn:aws:s3:::b/alice/k")
        #expect(PolicyEvaluator.evaluate(get, policies: PolicySet(identity: [NamedPolicy(name: "p", policy: policy)])).isAllowed)
        // 2008-10-17 reads ${...} as literal text.
        policy.version = "2008-10-17"
        #expect(!PolicyEvaluator.evaluate(get, policies: PolicySet(identity: [NamedPolicy(name: "p", policy: policy)])).isAllowed)
        policy.version = "2012-10-17"
        policy.statements[0].action = ["sts:*"]
        #expect(!PolicyEvaluator.evaluate(get, policies: PolicySet(identity: [NamedPolicy(name: "p", policy: policy)])).isAllowed)
        policy.statements[0].action = ["S3:GETOBJECT"]
        #expect(PolicyEvaluator.evaluate(get, policies: PolicySet(identity: [NamedPolicy(name: "p", policy: policy)])).isAllowed)
        policy.statements[0].conditions = [PolicyCondition(operatorName: "NotIpAddress", key: "aws:SourceIp", values: ["10.0.0.0/8"])]
        #expect(!PolicyEvaluator.evaluate(get, policies: PolicySet(identity: [NamedPolicy(name: "p", policy: policy)])).isAllowed)
    }

    @Test func explanationIsTheSameOnEveryRead() throws {
        let policy = try Policy.parse("""
        {"Version":"2012-10-17","Statement":[{"Sid":"D","Effect":"Deny","Action":"s3:*","Resource":"*"}]}
        """)
        let d = PolicyEvaluator.evaluate(request("s3:GetObject", "arn:aws:s3:::b/k"), policies: PolicySet(identity: [NamedPolicy(name: "p", policy: policy)]))
        #expect(d.outcome == .explicitDeny)
        #expect(d.explanation == d.explanation)
        #expect(d.explanation.contains("explicit deny: p Statement[0] (Sid \"D\")"))
        #expect(d.explanation.last?.hasPrefix("decision: explicit deny with an explicit deny in an identity-based policy") == true)
        var e = d
        e.explanation = ["replaced"]
        #expect(e.explanation == ["replaced"])
        #expect(e != d)
    }
}
