import Testing
@testable import IAMPolicy

/// The seed job's requests, decided against the policies it runs with.
/// IAM User Guide, "Policy evaluation logic", "Cross-account policy evaluation logic",
/// and "Access denied error messages".
@Suite struct SeedScenarioTests {
    let jobRole = Fixture.session()
    let identity = PolicySet(identity: [Fixture.glueServiceRole])

    struct Case: Sendable, CustomStringConvertible {
        var action: String
        var resource: String
        var resourceAccount: String?
        var context: [String: [String]] = [:]
        var allowed: Bool
        var description: String { "\(action) on \(resource) -> \(allowed)" }
    }

    static let cases: [Case] = [
        Case(action: "s3:ListAllMyBuckets", resource: "*", allowed: true),
        Case(action: "s3:listallmybuckets", resource: "*", allowed: true),
        Case(action: "glue:GetJob", resource: "arn:aws:glue:us-east-1:111111111111:job/assume-role-download", allowed: true),
        Case(action: "s3:GetObject", resource: "arn:aws:s3:::aws-glue-assets-111111111111-us-east-1/scripts/assume-role-download.py", allowed: true),
        Case(action: "s3:PutObject", resource: "arn:aws:s3:::aws-glue-temporary/out/part-0", allowed: true),
        Case(action: "s3:GetObject", resource: "arn:aws:s3:::data/raw/aws-glue-input/file.csv", allowed: true),
        Case(action: "s3:GetObject", resource: "arn:aws:s3:::aws-glue-scripts", allowed: true),
        Case(action: "s3:GetObject", resource: "arn:aws:s3:::crawler-public-us-east-1/x", allowed: true),
        Case(action: "s3:CreateBucket", resource: "arn:aws:s3:::aws-glue-new", allowed: true),
        Case(action: "s3:CreateBucket", resource: "arn:aws:s3:::my-bucket", allowed: false),
        Case(action: "s3:DeleteBucket", resource: "arn:aws:s3:::aws-glue-new", allowed: false),
        Case(action: "s3:GetObject", resource: "arn:aws:s3:::bucket-kjshadjas-3432-dsadas/test_path/some_demo_file.gz",
             resourceAccount: Fixture.dataAccount, allowed: false),
        Case(action: "s3:GetObject", resource: "arn:aws:s3:::other-bucket/key", allowed: false),
        Case(action: "logs:PutLogEvents", resource: "arn:aws:logs:us-east-1:111111111111:log-group:/aws-glue/python-jobs/output:log-stream:jr_1", allowed: true),
        Case(action: "logs:PutLogEvents", resource: "arn:aws:logs:us-east-1:111111111111:log-group:/other/output:log-stream:x", allowed: false),
        Case(action: "logs:DeleteLogGroup", resource: "arn:aws:logs:us-east-1:111111111111:log-group:/aws-glue/jobs", allowed: false),
        Case(action: "ec2:CreateTags", resource: "arn:aws:ec2:us-east-1:111111111111:network-interface/eni-1",
             context: ["aws:TagKeys": ["aws-glue-service-resource"]], allowed: true),
        Case(action: "ec2:CreateTags", resource: "arn:aws:ec2:us-east-1:111111111111:network-interface/eni-1",
             context: ["aws:TagKeys": ["aws-glue-service-resource", "owner"]], allowed: false),
        // ForAllValues over a missing key is true, so untagged requests pass this statement.
        Case(action: "ec2:CreateTags", resource: "arn:aws:ec2:us-east-1:111111111111:instance/i-1", allowed: true),
        Case(action: "ec2:CreateTags", resource: "arn:aws:ec2:us-east-1:111111111111:volume/vol-1", allowed: false),
        Case(action: "iam:GetRole", resource: "arn:aws:iam::111111111111:role/glue-role-test", allowed: true),
        Case(action: "iam:PassRole", resource: "arn:aws:iam::111111111111:role/glue-role-test", allowed: false),
        Case(action: "sts:AssumeRole", resource: "arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed",
             resourceAccount: Fixture.dataAccount, allowed: false),
    ]

    @Test(arguments: cases)
    func glueServiceRoleDecides(_ c: Case) {
        let d = PolicyEvaluator.evaluate(
            Fixture.request(jobRole, c.action, c.resource, resourceAccount: c.resourceAccount, context: c.context),
            policies: identity)
        #expect(d.isAllowed == c.allowed, "\(d.explanation)")
    }

    // "Access denied error messages": an implicit deny names the policy type that did not allow.
    @Test func crossAccountDownloadIsDeniedByTheIdentityPolicy() {
        let resource = "arn:aws:s3:::bucket-kjshadjas-3432-dsadas/test_path/some_demo_file.gz"
        let req = Fixture.request(jobRole, "s3:GetObject", resource, resourceAccount: Fixture.dataAccount)
        // The data bucket's policy lets only the data account's own role read.
        let bucketPolicy = Fixture.named("bucket policy of bucket-kjshadjas-3432-dsadas", #"""
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow",
          "Principal":{"AWS":"arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed"},
          "Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-kjshadjas-3432-dsadas/*"}]}
        """#)
        for policies in [identity, PolicySet(identity: [Fixture.glueServiceRole], resource: bucketPolicy)] {
            let d = PolicyEvaluator.evaluate(req, policies: policies)
            #expect(d.outcome == .implicitDeny)
            #expect(d.deniedBy == .identity)
            #expect(d.reason(action: "s3:GetObject") == "because no identity-based policy allows the s3:GetObject action")
            #expect(d.accessDeniedMessage(principalArn: jobRole.arn, action: "s3:GetObject", resource: resource)
                == "User: arn:aws:sts::111111111111:assumed-role/glue-role-test/GlueJobRunnerSession is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::bucket-kjshadjas-3432-dsadas/test_path/some_demo_file.gz because no identity-based policy allows the s3:GetObject action")
        }
    }

    @Test func assumedDataRoleDownloadsWithItsOwnPolicy() {
        let dataRole = Fixture.session(role: "glue-role-test-to-be-assumed", session: "assume-role", account: Fixture.dataAccount)
        let d = PolicyEvaluator.evaluate(
            Fixture.request(dataRole, "s3:GetObject", "arn:aws:s3:::bucket-kjshadjas-3432-dsadas/test_path/some_demo_file.gz"),
            policies: PolicySet(identity: [Fixture.s3FullAccess]))
        #expect(d.isAllowed)
        #expect(d.statements.map(\.policyName) == ["arn:aws:iam::aws:policy/AmazonS3FullAccess"])
    }

    @Test(arguments: [
        ("s3:GetObject", "arn:aws:s3:::any-bucket/any/key"),
        ("s3:PutObject", "arn:aws:s3:::b/k"),
        ("s3:ListBucket", "arn:aws:s3:::b"),
        ("s3:ListAllMyBuckets", "*"),
        ("s3:DeleteBucketPolicy", "arn:aws:s3:::b"),
        ("s3-object-lambda:GetObject", "arn:aws:s3-object-lambda:us-east-1:111111111111:accesspoint/ap"),
    ])
    func s3FullAccessAllowsEverythingInS3(action: String, resource: String) {
        let d = PolicyEvaluator.evaluate(Fixture.request(Fixture.user(), action, resource), policies: PolicySet(identity: [Fixture.s3FullAccess]))
        #expect(d.isAllowed)
    }

    @Test(arguments: ["glue:GetJob", "sts:AssumeRole", "iam:CreateUser", "s3express:CreateSession"])
    func s3FullAccessAllowsNothingElse(action: String) {
        let d = PolicyEvaluator.evaluate(Fixture.request(Fixture.user(), action, "*"), policies: PolicySet(identity: [Fixture.s3FullAccess]))
        #expect(d.outcome == .implicitDeny)
        #expect(d.deniedBy == .identity)
    }

    // Role trust policies: the Glue service assumes the job role on the trust policy alone.
    @Test func glueServiceAssumesTheJobRole() {
        let req = Fixture.request(Fixture.glueService, "sts:AssumeRole", "arn:aws:iam::111111111111:role/glue-role-test",
                                  resourceAccount: Fixture.jobAccount)
        let d = PolicyEvaluator.evaluate(req, policies: PolicySet(resource: Fixture.glueTrustPolicy))
        #expect(d.isAllowed)
        #expect(d.statements.first?.policyType == .resource)
    }

    @Test func otherServicesCannotAssumeTheJobRole() {
        let lambda = PrincipalIdentity(kind: .service, arn: "lambda.amazonaws.com", account: nil)
        let req = Fixture.request(lambda, "sts:AssumeRole", "arn:aws:iam::111111111111:role/glue-role-test", resourceAccount: Fixture.jobAccount)
        let d = PolicyEvaluator.evaluate(req, policies: PolicySet(resource: Fixture.glueTrustPolicy))
        #expect(d.deniedBy == .resource)
        #expect(d.reason(action: "sts:AssumeRole") == "because no resource-based policy allows the sts:AssumeRole action")
    }

    // Cross-account AssumeRole needs the trust policy and the caller's identity policy.
    @Test(arguments: [(true, true, true), (true, false, false), (false, true, false)])
    func crossAccountAssumeRole(identityAllows: Bool, trustAllows: Bool, allowed: Bool) {
        let target = "arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed"
        let idPolicy = Fixture.named("role/glue-role-test inline policy assume",
            Fixture.doc(identityAllows ? Fixture.allow("sts:AssumeRole", target) : Fixture.allow("s3:ListAllMyBuckets")))
        let trust = trustAllows ? Fixture.crossAccountTrustPolicy : Fixture.glueTrustPolicy
        let d = PolicyEvaluator.evaluate(
            Fixture.request(jobRole, "sts:AssumeRole", target, resourceAccount: Fixture.dataAccount),
            policies: PolicySet(identity: [Fixture.glueServiceRole, idPolicy], resource: trust))
        #expect(d.isAllowed == allowed)
        if !allowed { #expect(d.deniedBy == (identityAllows ? .resource : .identity)) }
    }
}
