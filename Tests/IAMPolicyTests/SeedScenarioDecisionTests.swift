import Foundation
import IAMPolicy
import Testing

/// The seed scenario's decisions, from the policies in `sandbox/` (the same documents the
/// default world uses), checked against what AWS answers for them.
@Suite struct SeedScenarioDecisionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    var gluePolicy: NamedPolicy {
        get throws {
            let text = try String(contentsOf: Self.root.appendingPathComponent("sandbox/policies/glue-role-test-policy.json"), encoding: .utf8)
            return NamedPolicy(name: "glue-role-test-policy", policy: try Policy.parse(text, as: .identity))
        }
    }

    let jobSession = PrincipalIdentity(kind: .assumedRole, arn: "arn:aws:sts::111111111111:assumed-role/glue-role-test/GlueJobRunnerSession",
                                       account: "111111111111", userId: "AROAEXAMPLE:GlueJobRunnerSession",
                                       roleArn: "arn:aws:iam::111111111111:role/glue-role-test")

    func decide(_ action: String, _ resource: String, resourceAccount: String? = nil, resourcePolicy: NamedPolicy? = nil) throws -> Decision {
        var policies = PolicySet()
        policies.identity = [try gluePolicy]
        policies.resource = resourcePolicy
        return PolicyEvaluator.evaluate(AuthorizationRequest(principal: jobSession, action: action, resource: resource,
                                                             resourceAccount: resourceAccount, now: now), policies: policies)
    }

    @Test(arguments: [
        ("s3:ListAllMyBuckets", "*"),
        ("s3:GetObject", "arn:aws:s3:::aws-glue-assets-111111111111-us-east-1/scripts/job.py"),
        ("s3:PutObject", "arn:aws:s3:::aws-glue-temp/out/part-0"),
        ("s3:GetObject", "arn:aws:s3:::other-bucket/x/aws-glue-data/y"),
        ("glue:GetJob", "arn:aws:glue:us-east-1:111111111111:job/x"),
        ("logs:PutLogEvents", "arn:aws:logs:us-east-1:111111111111:log-group:/aws-glue/python-jobs/output"),
    ])
    func jobRoleIsAllowed(action: String, resource: String) throws {
        #expect(try decide(action, resource).isAllowed)
    }

    @Test func jobRoleMayNotReadTheDataBucketAndAWSSaysWhy() throws {
        let decision = try decide("s3:GetObject", "arn:aws:s3:::bucket-kjshadjas-3432-dsadas/test_path/some_demo_file.gz", resourceAccount: "222222222222")
        #expect(decision.outcome == .implicitDeny)
        #expect(decision.reason(action: "s3:GetObject") == "because no identity-based policy allows the s3:GetObject action")
    }

    @Test func explicitDenyInABucketPolicyIsNamed() throws {
        let deny = NamedPolicy(name: "bucket policy", policy: try Policy.parse(#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::aws-glue-assets-111111111111-us-east-1/*"}]}"#, as: .resource))
        let decision = try decide("s3:GetObject", "arn:aws:s3:::aws-glue-assets-111111111111-us-east-1/k", resourcePolicy: deny)
        #expect(decision.outcome == .explicitDeny)
        #expect(decision.reason(action: "s3:GetObject") == "with an explicit deny in a resource-based policy")
    }

    @Test func ec2TagConditionUsesForAllValues() throws {
        var policies = PolicySet()
        policies.identity = [try gluePolicy]
        func tagKeys(_ keys: [String]) -> Bool {
            PolicyEvaluator.evaluate(AuthorizationRequest(principal: jobSession, action: "ec2:CreateTags",
                                                          resource: "arn:aws:ec2:us-east-1:111111111111:network-interface/eni-1",
                                                          context: ["aws:TagKeys": keys], now: now), policies: policies).isAllowed
        }
        #expect(tagKeys(["aws-glue-service-resource"]))
        #expect(!tagKeys(["aws-glue-service-resource", "owner"]))
    }

    @Test func glueTrustPolicyAdmitsOnlyTheGlueService() throws {
        let trust = NamedPolicy(name: "trust", policy: try Policy.parse(#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"glue.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#, as: .resource))
        var policies = PolicySet()
        policies.resource = trust
        let glue = PrincipalIdentity(kind: .service, arn: "glue.amazonaws.com", account: nil)
        let ec2 = PrincipalIdentity(kind: .service, arn: "ec2.amazonaws.com", account: nil)
        let role = "arn:aws:iam::111111111111:role/glue-role-test"
        #expect(PolicyEvaluator.evaluate(AuthorizationRequest(principal: glue, action: "sts:AssumeRole", resource: role, resourceAccount: "111111111111", now: now), policies: policies).isAllowed)
        #expect(!PolicyEvaluator.evaluate(AuthorizationRequest(principal: ec2, action: "sts:AssumeRole", resource: role, resourceAccount: "111111111111", now: now), policies: policies).isAllowed)
    }
}
