import Foundation
import TestSupport
import Testing

/// `glueshim simulate` through the built binary, against the default world.
@Suite struct SimulateCommandTests {
    static let jobSession = "arn:aws:sts::111111111111:assumed-role/glue-role-test/GlueJobRunnerSession"
    static let dataSession = "arn:aws:sts::222222222222:assumed-role/glue-role-test-to-be-assumed/assume-role"
    static let object = "arn:aws:s3:::bucket-kjshadjas-3432-dsadas/test_path/some_demo_file.gz"
    static let dataRole = "arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed"

    func json(_ args: [String]) throws -> [String: Any] {
        let r = try glueshim(["simulate"] + args + ["--json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        return try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "stdout: \(r.stdout)")
    }

    @Test func jobRoleCannotReadTheDataBucketDirectly() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.jobRoleCannotReadTheDataBucketDirectlyBody() }

    }


    func jobRoleCannotReadTheDataBucketDirectlyBody() throws {
        let r = try glueshim(["simulate", "--principal", Self.jobSession, "--action", "s3:GetObject", "--resource", Self.object])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.hasPrefix("decision: ImplicitlyDenied\n"))
        #expect(r.stdout.contains("message: User: \(Self.jobSession) is not authorized to perform: s3:GetObject on resource: \"\(Self.object)\" because no identity-based policy allows the s3:GetObject action"))
        #expect(r.stdout.contains("explanation:\n"))
        #expect(r.stdout.contains("cross-account"))
    }

    @Test func assumedRoleReadsWithItsManagedPolicyAndTheBucketPolicy() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.assumedRoleReadsWithItsManagedPolicyAndTheBucketPolicyBody() }

    }


    func assumedRoleReadsWithItsManagedPolicyAndTheBucketPolicyBody() throws {
        let out = try json(["--principal", Self.dataSession, "--action", "s3:GetObject", "--resource", Self.object])
        #expect(out["decision"] as? String == "Allowed")
        #expect(out["message"] is NSNull)
        #expect(out["resourceAccount"] as? String == "222222222222")
        let statements = try #require(out["statements"] as? [[String: Any]])
        #expect(statements.contains { $0["sid"] as? String == "DataRoleRead" && $0["policyType"] as? String == "resource" })
    }

    @Test func trustPolicyDecidesAssumeRole() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.trustPolicyDecidesAssumeRoleBody() }

    }


    func trustPolicyDecidesAssumeRoleBody() throws {
        let allowed = try json(["--principal", Self.jobSession, "--action", "sts:AssumeRole", "--resource", Self.dataRole])
        #expect(allowed["decision"] as? String == "Allowed")
        // The trust policy names the job role, not the account: STS's plain refusal, without a reason clause.
        let root = "arn:aws:iam::111111111111:root"
        let denied = try json(["--principal", root, "--action", "sts:AssumeRole", "--resource", Self.dataRole])
        #expect(denied["decision"] as? String == "ImplicitlyDenied")
        #expect(denied["deniedBy"] as? String == "resource")
        #expect(denied["message"] as? String == "User: \(root) is not authorized to perform: sts:AssumeRole on resource: \(Self.dataRole)")
        // A caller without an identity-side allow hears that first.
        let noAllow = try json(["--principal", Self.dataSession, "--action", "sts:AssumeRole", "--resource", Self.dataRole])
        #expect(noAllow["message"] as? String == "User: \(Self.dataSession) is not authorized to perform: sts:AssumeRole on resource: \(Self.dataRole) because no identity-based policy allows the sts:AssumeRole action")
    }

    @Test func serviceAndRoleArnPrincipals() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.serviceAndRoleArnPrincipalsBody() }

    }


    func serviceAndRoleArnPrincipalsBody() throws {
        let glue = try json(["--principal", "glue.amazonaws.com", "--action", "sts:AssumeRole", "--resource", "arn:aws:iam::111111111111:role/glue-role-test"])
        #expect(glue["decision"] as? String == "Allowed")
        let role = try json(["--principal", "arn:aws:iam::111111111111:role/glue-role-test", "--action", "s3:ListBucket", "--resource", "arn:aws:s3:::aws-glue-assets-111111111111-us-east-1"])
        #expect(role["decision"] as? String == "Allowed")
        #expect(role["principal"] as? String == "arn:aws:sts::111111111111:assumed-role/glue-role-test/simulate")
    }

    @Test func passRoleNeedsTheServiceInTheContext() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.passRoleNeedsTheServiceInTheContextBody() }

    }


    func passRoleNeedsTheServiceInTheContextBody() throws {
        let user = "arn:aws:iam::111111111111:user/glue-developer"
        let role = "arn:aws:iam::111111111111:role/glue-role-test"
        let withService = try json(["--principal", user, "--action", "iam:PassRole", "--resource", role, "--context", "iam:PassedToService=glue.amazonaws.com"])
        #expect(withService["decision"] as? String == "Allowed")
        let toEC2 = try json(["--principal", user, "--action", "iam:PassRole", "--resource", role, "--context", "iam:PassedToService=ec2.amazonaws.com"])
        #expect(toEC2["decision"] as? String == "ImplicitlyDenied")
    }

    @Test func anonymousAndRootPrincipals() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.anonymousAndRootPrincipalsBody() }

    }


    func anonymousAndRootPrincipalsBody() throws {
        let anonymous = try json(["--principal", "anonymous", "--action", "s3:GetObject", "--resource", Self.object])
        #expect(anonymous["decision"] as? String == "ImplicitlyDenied")
        #expect(anonymous["deniedBy"] as? String == "resource")
        let root = try json(["--principal", "arn:aws:iam::222222222222:root", "--action", "s3:DeleteObject", "--resource", Self.object])
        #expect(root["decision"] as? String == "Allowed")
    }

    struct BadInput: Sendable, CustomStringConvertible {
        var args: [String]
        var says: String
        var description: String { args.joined(separator: " ") }
    }

    static let badInputs: [BadInput] = [
        .init(args: ["--principal", jobSession, "--action", "GetObject", "--resource", object], says: "expected SERVICE:ACTION"),
        .init(args: ["--principal", "arn:aws:sts::111111111111:assumed-role/nope/s", "--action", "s3:GetObject", "--resource", object], says: "no role nope in account 111111111111"),
        .init(args: ["--principal", "arn:aws:iam::111111111111:user/nobody", "--action", "s3:GetObject", "--resource", object], says: "no user"),
        .init(args: ["--principal", "alice", "--action", "s3:GetObject", "--resource", object], says: "expected a principal ARN"),
        .init(args: ["--principal", jobSession, "--action", "s3:GetObject", "--resource", object, "--context", "novalue"], says: "expected KEY=VALUE"),
        .init(args: ["--principal", jobSession, "--action", "s3:GetObject"], says: "missing --principal, --action or --resource"),
        .init(args: ["--principal", jobSession, "--action", "sts:AssumeRole", "--resource", "arn:aws:iam::111111111111:role/missing"], says: "no role arn:aws:iam::111111111111:role/missing"),
        .init(args: ["--principal", jobSession, "--action", "s3:GetObject", "--resource", object, "--world", "/nonexistent/world.yaml"], says: "world"),
        .init(args: ["--principal", jobSession, "--action", "s3:GetObject", "--resource", object, "--context", "aws:CurrentTime=yesterday"], says: "aws:CurrentTime"),
    ]

    @Test(arguments: badInputs)
    func badInputExitsTwoWithOneLine(_ c: BadInput) async throws {
        try await offPool { try self.badInputExitsTwoWithOneLineBody(c) }
    }

    func badInputExitsTwoWithOneLineBody(_ c: BadInput) throws {
        let r = try glueshim(["simulate"] + c.args)
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(r.stderr)")
        #expect(r.stderr.contains(c.says), "stderr: \(r.stderr)")
    }
}

/// `glueshim simulate --cases`: the documented example file and bad batches.
@Suite struct SimulateCasesTests {
    func lines(_ file: String) throws -> [[String: Any]] {
        let r = try glueshim(["simulate", "--cases", file])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        return r.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func exampleFile() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.exampleFileBody() }

    }


    func exampleFileBody() throws {
        let out = try lines("examples/simulate-cases.json")
        let expected: [(String, String, String?)] = [
            ("job role reads the data bucket directly (cross-account, no identity allow)", "ImplicitlyDenied",
             "User: arn:aws:sts::111111111111:assumed-role/glue-role-test/GlueJobRunnerSession is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::bucket-kjshadjas-3432-dsadas/test_path/some_demo_file.gz\" because no identity-based policy allows the s3:GetObject action"),
            ("assumed data role reads its own bucket", "Allowed", nil),
            ("bucket refuses plain HTTP", "ExplicitlyDenied",
             "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::reports/2026/q1.csv\" with an explicit deny in a resource-based policy"),
            ("home folder by aws:username, given in the context", "Allowed", nil),
            ("nothing is derived: without aws:username the variable cannot resolve", "ImplicitlyDenied",
             "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:ListBucket on resource: \"arn:aws:s3:::home-bucket\" because no identity-based policy allows the s3:ListBucket action"),
            ("an SCP level without an allow", "ImplicitlyDenied",
             "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: ec2:RunInstances on resource: * because no service control policy allows the ec2:RunInstances action"),
            ("Glue assumes the job role", "Allowed", nil),
            ("anonymous read of a public object", "Allowed", nil),
        ]
        #expect(out.count == expected.count)
        for (line, (id, decision, message)) in zip(out, expected) {
            #expect(line["id"] as? String == id)
            #expect(line["decision"] as? String == decision, "\(id)")
            if let message {
                #expect(line["message"] as? String == message, "\(id)")
            } else {
                #expect(line["message"] is NSNull, "\(id)")
            }
        }
    }

    @Test func outputKeysAreInTheDocumentedOrder() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.outputKeysAreInTheDocumentedOrderBody() }

    }


    func outputKeysAreInTheDocumentedOrderBody() throws {
        let r = try glueshim(["simulate", "--cases", "examples/simulate-cases.json"])
        let first = try #require(r.stdout.split(separator: "\n").first)
        #expect(first.hasPrefix("{\"id\": "))
        #expect(first.contains("\"decision\": ") && first.contains("\"message\": "))
    }

    struct Bad: Sendable, CustomStringConvertible {
        var json: String
        var says: String
        var description: String { says }
    }

    static let bad: [Bad] = [
        .init(json: "{", says: "not valid JSON"),
        .init(json: #"{"id":"x"}"#, says: "expected a JSON list of cases"),
        .init(json: #"[{"id":"x","request":{"principal":"anonymous","action":"s3:GetObject"}}]"#, says: "request.resource"),
        .init(json: #"[{"id":"x","request":{"principal":"anonymous","action":"s3:GetObject","resource":"*"},"policies":{"identity":[{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Principal":"*"}]}]}}]"#,
              says: "case \"x\": identity[0]: MalformedPolicyDocument"),
        .init(json: #"[{"id":"x","request":{"principal":"anonymous","action":"s3:GetObject","resource":"*"},"policies":{"identty":[]}}]"#, says: "unknown field \"identty\""),
        .init(json: #"[{"id":"x","request":{"principal":"anonymous","action":"s3:GetObject","resource":"*"},"policies":{"scp":[{"Statement":[]}]}}]"#, says: "policies.scp[0] must be a list"),
    ]

    @Test(arguments: bad)
    func badBatchExitsTwo(_ c: Bad) async throws {
        try await offPool { try self.badBatchExitsTwoBody(c) }
    }

    func badBatchExitsTwoBody(_ c: Bad) throws {
        let file = temporaryFolder("cases").appendingPathComponent("cases.json")
        try c.json.write(to: file, atomically: true, encoding: .utf8)
        let r = try glueshim(["simulate", "--cases", file.path])
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)")
        #expect(r.stderr.contains(c.says), "stderr: \(r.stderr)")
    }
}

/// `simulate` decides through the endpoint's authorization input: the organization's SCPs, a
/// user's groups, the transport jobs use, and the calls that need no permission.
@Suite struct SimulateAgreesWithTheEndpointTests {
    static let carol = "arn:aws:iam::111111111111:user/carol"

    func world() throws -> String {
        let folder = temporaryFolder("simulate-world")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("world.yaml")
        try """
        region: us-east-1
        organization:
          id: o-simulate01
          managementAccount: "999999999999"
          root: r-si01
          accounts: ["111111111111", "999999999999"]
          serviceControlPolicies:
            FullAWSAccess:
              targets: [r-si01, "111111111111"]
              document: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
            NoDeletes:
              targets: ["111111111111"]
              document: '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]}'
        accounts:
          "111111111111":
            groups:
              writers:
                policies:
                  write: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'
            users:
              carol:
                groups: [writers]
            buckets:
              team-bucket: {}
              tls-only:
                policy: '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::tls-only/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}'
        """.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    func decide(_ args: [String]) throws -> [String: Any] {
        let r = try glueshim(["simulate", "--json"] + args)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    @Test func organizationPoliciesAndGroupsApply() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.organizationPoliciesAndGroupsApplyBody() }

    }


    func organizationPoliciesAndGroupsApplyBody() throws {
        let world = try world()
        let put = try decide(["--world", world, "--principal", Self.carol, "--action", "s3:PutObject", "--resource", "arn:aws:s3:::team-bucket/k"])
        #expect(put["decision"] as? String == "Allowed")
        #expect((put["statements"] as? [[String: Any]])?.contains { $0["policyType"] as? String == "identity" } == true)
        let delete = try decide(["--world", world, "--principal", Self.carol, "--action", "s3:DeleteObject", "--resource", "arn:aws:s3:::team-bucket/k"])
        #expect(delete["decision"] as? String == "ExplicitlyDenied")
        #expect(delete["deniedBy"] as? String == "scp")
    }

    @Test func transportIsThatOfJobsUnlessGiven() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.transportIsThatOfJobsUnlessGivenBody() }

    }


    func transportIsThatOfJobsUnlessGivenBody() throws {
        let world = try world()
        let args = ["--world", world, "--principal", Self.carol, "--action", "s3:GetObject", "--resource", "arn:aws:s3:::tls-only/k"]
        // Jobs call the endpoint over HTTPS: the bucket's DenyInsecureTransport does not apply.
        #expect(try decide(args)["decision"] as? String == "Allowed")
        #expect(try decide(args + ["--transport", "http"])["decision"] as? String == "ExplicitlyDenied")
        let bad = try glueshim(["simulate"] + args + ["--transport", "tls"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("expected http or https"))
    }

    @Test func getCallerIdentityNeedsNoPermission() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.getCallerIdentityNeedsNoPermissionBody() }

    }


    func getCallerIdentityNeedsNoPermissionBody() throws {
        let folder = temporaryFolder("cases")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("cases.json")
        try """
        [{"id": "identity under deny", "request": {"principal": "arn:aws:iam::111111111111:user/dave", "action": "sts:GetCallerIdentity", "resource": "*"},
          "policies": {"identity": [{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}]}}]
        """.write(to: file, atomically: true, encoding: .utf8)
        let r = try glueshim(["simulate", "--cases", file.path])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains(#""decision": "Allowed""#), "\(r.stdout)")
        let one = try decide(["--world", try world(), "--principal", Self.carol, "--action", "sts:GetCallerIdentity", "--resource", "*"])
        #expect(one["decision"] as? String == "Allowed")
    }
}
