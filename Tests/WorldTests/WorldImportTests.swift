import Foundation
import IAMPolicy
import TestSupport
import Testing
@testable import World

let fixtures = repoRoot.appendingPathComponent("Tests/WorldTests/Fixtures")
let importFixtures = fixtures.appendingPathComponent("import")

/// Both accounts' exports, the data bucket's policy and the organization.
func importFixtureWorld() throws -> (world: World, yaml: String, messages: [WorldImport.Message]) {
    var options = WorldImport.Options()
    options.aliases = ["111111111111": "glue-jobs", "222222222222": "data"]
    options.bucketPolicies = [("data-bucket-222222222222", "222222222222", importFixtures.appendingPathComponent("bucket-policy-data.json"))]
    options.organizationFiles = ["describe-organization.json", "list-roots.json", "scp-full-access.json", "scp-deny-regions.json"]
        .map { importFixtures.appendingPathComponent($0) }
    options.accountPaths = ["222222222222": "r-ab12/ou-ab12-11111111"]
    var importer = WorldImport(options: options)
    let output = importer.run(exports: [importFixtures.appendingPathComponent("authz-glue-account.json"),
                                        importFixtures.appendingPathComponent("authz-data-account.json")])
    let yaml = try #require(output, "\(importer.messages)")
    let file = temporaryFolder("import").appendingPathComponent("world.yaml")
    try yaml.write(to: file, atomically: true, encoding: .utf8)
    return (try World.load(from: file), yaml, importer.messages)
}

/// A document of the export as IAM holds it (URL-decoded when encoded).
func exportDocument(_ file: String, _ path: (Any) -> Any?) throws -> Policy {
    let data = try Data(contentsOf: importFixtures.appendingPathComponent(file))
    let value = try #require(path(try JSONSerialization.jsonObject(with: data)))
    let json: String
    if let text = value as? String {
        json = text.hasPrefix("{") ? text : try #require(text.removingPercentEncoding)
    } else {
        json = String(decoding: try JSONSerialization.data(withJSONObject: value), as: UTF8.self)
    }
    return try Policy.parse(json)
}

func role(_ name: String) -> (Any) -> Any? {
    { root in ((root as? [String: Any])?["RoleDetailList"] as? [[String: Any]])?.first { $0["RoleName"] as? String == name } }
}

func defaultVersion(_ arn: String) -> (Any) -> Any? {
    { root in
        let policy = ((root as? [String: Any])?["Policies"] as? [[String: Any]])?.first { $0["Arn"] as? String == arn }
        return (policy?["PolicyVersionList"] as? [[String: Any]])?.first { $0["IsDefaultVersion"] as? Bool == true }?["Document"]
    }
}

@Suite struct WorldImportTests {
    @Test func importsRolesWithPathsTrustInlineManagedBoundaryAndTags() throws {
        let (world, _, _) = try importFixtureWorld()
        #expect(world.accounts["111111111111"]?.alias == "glue-jobs")
        let glue = try #require(world.role(arn: "arn:aws:iam::111111111111:role/service-role/glue-job-role"))
        #expect(glue.path == "/service-role/")
        #expect(glue.trustPolicy.policy == (try exportDocument("authz-glue-account.json") { (role("glue-job-role")($0) as? [String: Any])?["AssumeRolePolicyDocument"] }))
        #expect(glue.inlinePolicies.map(\.name) == ["inline policy assume-data-reader of role glue-job-role"])
        #expect(glue.managedPolicyArns == [
            "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole",
            "arn:aws:iam::111111111111:policy/team/glue-scripts",
            "arn:aws:iam::111111111111:policy/aws-managed/AmazonDynamoDBReadOnlyAccess",
        ])
        #expect(glue.permissionsBoundaryArn == "arn:aws:iam::111111111111:policy/data-boundary")
        #expect(glue.tags == ["owner": "data-platform", "cost-center": "42"])
        // A role with an instance profile and nothing else still imports.
        #expect(world.role(arn: "arn:aws:iam::111111111111:role/ec2-worker") != nil)
    }

    @Test func usesDefaultVersionsAndDecodesURLEncodedDocuments() throws {
        let (world, _, _) = try importFixtureWorld()
        let scripts = try #require(world.managedPolicy(arn: "arn:aws:iam::111111111111:policy/team/glue-scripts"))
        #expect(scripts.policy.statements.first?.sid == "ReadScripts")
        #expect(scripts.policy == (try exportDocument("authz-glue-account.json", defaultVersion("arn:aws:iam::111111111111:policy/team/glue-scripts"))))
        // The data account's export is URL-encoded and lists the default version first.
        let read = try #require(world.managedPolicy(arn: "arn:aws:iam::222222222222:policy/data-read"))
        #expect(read.policy.statements.first?.sid == "ReadData")
        #expect(read.policy == (try exportDocument("authz-data-account.json", defaultVersion("arn:aws:iam::222222222222:policy/data-read"))))
        let reader = try #require(world.role(arn: "arn:aws:iam::222222222222:role/data-reader"))
        #expect(reader.trustPolicy.policy == (try exportDocument("authz-data-account.json") { (role("data-reader")($0) as? [String: Any])?["AssumeRolePolicyDocument"] }))
        #expect(reader.trustPolicy.policy.statements.first?.conditions.first?.key == "aws:PrincipalTag/owner")
    }

    @Test func managedPolicyGlueshimLacksIsCopiedOrReportedByName() throws {
        let (world, _, messages) = try importFixtureWorld()
        let copied = try #require(world.managedPolicy(arn: "arn:aws:iam::111111111111:policy/aws-managed/AmazonDynamoDBReadOnlyAccess"))
        #expect(copied.policy.statements.first?.action?.contains("dynamodb:GetItem") == true)
        let note = try #require(messages.first { $0.text.contains("AmazonDynamoDBReadOnlyAccess") })
        #expect(note.severity == .note)
        // Not shipped and not in the export: reported by name with its place in the export, left out.
        let missing = try #require(messages.first { $0.text.contains("CloudWatchLogsReadOnlyAccess") })
        #expect(missing.severity == .warning)
        #expect(missing.file.hasSuffix("authz-glue-account.json"))
        #expect(missing.line == 27)
        let alice = try #require(world.user(arn: "arn:aws:iam::111111111111:user/alice"))
        #expect(!alice.managedPolicyArns.contains { $0.contains("CloudWatchLogs") })
    }

    @Test func groupPoliciesReachTheirMembersAndUsersGetNoSecrets() throws {
        let (world, yaml, _) = try importFixtureWorld()
        let alice = try #require(world.user(arn: "arn:aws:iam::111111111111:user/alice"))
        #expect(alice.inlinePolicies.map(\.name) == ["inline policy alice-pass-glue-role of user alice",
                                                     "inline policy group developers: read-glue-jobs of user alice"])
        #expect(alice.managedPolicyArns == ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"])
        #expect(alice.tags == ["team": "data"])
        #expect(!yaml.lowercased().contains("secret"))
        #expect(!yaml.contains("AKIA"))
    }

    @Test func bucketPoliciesAttachToTheirBuckets() throws {
        let (world, _, _) = try importFixtureWorld()
        let bucket = try #require(world.bucket(named: "data-bucket-222222222222"))
        #expect(bucket.account == "222222222222")
        #expect(bucket.objects.isEmpty)
        #expect(bucket.policy?.policy.statements.first?.sid == "GlueRoleRead")
    }

    @Test func organizationTreeAndPoliciesGiveSCPLevels() throws {
        let (world, _, _) = try importFixtureWorld()
        let org = try #require(world.organization)
        #expect(org.id == "o-ab12cd34ef")
        #expect(org.managementAccount == "111111111111")
        #expect(org.policies.path(ofAccount: "222222222222") == ["r-ab12", "ou-ab12-11111111", "222222222222"])
        let levels = world.serviceControlPolicies(forAccount: "222222222222")
        #expect(levels.map { $0.map(\.name) } == [
            ["arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"],
            ["arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
             "arn:aws:organizations::111111111111:policy/o-ab12cd34ef/service_control_policy/p-regions01"],
            ["arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"],
        ])
        // SCPs never restrict the management account.
        #expect(world.serviceControlPolicies(forAccount: "111111111111").isEmpty)
        #expect(world.resourceControlPolicies(forAccount: "222222222222").isEmpty)
    }

    @Test func roundTripIsStable() throws {
        let (world, yaml, _) = try importFixtureWorld()
        // Importing again gives the same text; loading the text gives the same policies.
        let (again, yamlAgain, _) = try importFixtureWorld()
        #expect(yaml == yamlAgain)
        for account in world.accounts.values {
            for role in account.roles.values {
                let other = try #require(again.accounts[account.id]?.roles[role.name])
                #expect(other.trustPolicy == role.trustPolicy)
                #expect(other.inlinePolicies == role.inlinePolicies)
                #expect(other.managedPolicyArns == role.managedPolicyArns)
            }
        }
        // Merging into the imported world keeps it identical.
        let folder = temporaryFolder("reimport")
        let file = folder.appendingPathComponent("world.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        var options = WorldImport.Options()
        options.aliases = ["111111111111": "glue-jobs"]
        var importer = WorldImport(options: options)
        let mergedOutput = importer.run(exports: [importFixtures.appendingPathComponent("authz-glue-account.json")], existing: yaml)
        let merged = try #require(mergedOutput)
        try merged.write(to: file, atomically: true, encoding: .utf8)
        let reloaded = try World.load(from: file)
        #expect(reloaded.accounts["222222222222"]?.roles.keys.sorted() == ["data-reader", "partner-access"])
        #expect(reloaded.bucket(named: "data-bucket-222222222222")?.policy == world.bucket(named: "data-bucket-222222222222")?.policy)
        #expect(reloaded.organization?.policies == world.organization?.policies)
        let glue = try #require(reloaded.accounts["111111111111"]?.roles["glue-job-role"])
        #expect(glue.trustPolicy == world.accounts["111111111111"]?.roles["glue-job-role"]?.trustPolicy)
    }

    @Test func brokenExportIsReportedWithItsPosition() throws {
        let folder = temporaryFolder("bad-export")
        let file = folder.appendingPathComponent("authz.json")
        try """
        {
          "RoleDetailList": [
            {
              "Path": "/",
              "RoleName": "broken",
              "Arn": "arn:aws:iam::333333333333:role/broken",
              "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}
            }
          ]
        }
        """.write(to: file, atomically: true, encoding: .utf8)
        var importer = WorldImport(options: .init())
        let output = importer.run(exports: [file])
        #expect(output == nil)
        let error = try #require(importer.messages.first)
        #expect(error.severity == .error)
        #expect(error.line == 7)
        #expect(error.description.contains("role broken trust policy: MalformedPolicyDocument: Missing required field Principal"))
    }
}

/// Requests decided against the imported world, as the endpoint would assemble its policies.
@Suite struct ImportedWorldDecisionTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func session(_ role: Role) -> PrincipalIdentity {
        PrincipalIdentity(kind: .assumedRole, arn: "arn:aws:sts::\(role.account):assumed-role/\(role.name)/session", account: role.account,
                          userId: "\(role.roleId):session", roleArn: role.arn, tags: role.tags)
    }

    func decide(_ world: World, _ role: Role, _ action: String, _ resource: String, resourceAccount: String? = nil,
                resourcePolicy: NamedPolicy? = nil, context: [String: [String]] = [:]) -> Decision {
        var set = PolicySet()
        set.identity = role.inlinePolicies + role.managedPolicyArns.compactMap { world.managedPolicy(arn: $0) }
        set.permissionsBoundary = role.permissionsBoundaryArn.flatMap { world.managedPolicy(arn: $0) }
        set.resource = resourcePolicy
        set.scps = world.serviceControlPolicies(forAccount: role.account)
        set.rcps = resourceAccount.map { world.resourceControlPolicies(forAccount: $0) } ?? []
        let request = AuthorizationRequest(principal: session(role), action: action, resource: resource,
                                           resourceAccount: resourceAccount, context: context, now: now)
        return PolicyEvaluator.evaluate(request, policies: set)
    }

    @Test func importedPoliciesDecideAsInTheAccount() throws {
        let (world, _, _) = try importFixtureWorld()
        let glue = try #require(world.role(arn: "arn:aws:iam::111111111111:role/service-role/glue-job-role"))
        let reader = try #require(world.role(arn: "arn:aws:iam::222222222222:role/data-reader"))
        // The job role reads its scripts (managed policy v2), the boundary denies deletes.
        #expect(decide(world, glue, "s3:GetObject", "arn:aws:s3:::aws-glue-assets-111111111111-us-east-1/scripts/job.py", resourceAccount: "111111111111").isAllowed)
        #expect(decide(world, glue, "s3:DeleteObject", "arn:aws:s3:::aws-glue-assets-111111111111-us-east-1/scripts/job.py", resourceAccount: "111111111111").outcome == .explicitDeny)
        // The AWS managed policy glueshim lacks works from the export's copy.
        #expect(decide(world, glue, "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:111111111111:table/t", resourceAccount: "111111111111").isAllowed)
        // The job role assumes data-reader: its own policy and the trust policy (tag condition) allow.
        #expect(decide(world, glue, "sts:AssumeRole", reader.arn, resourceAccount: "222222222222", resourcePolicy: reader.trustPolicy).isAllowed)
        var untagged = glue
        untagged.tags = [:]
        #expect(!decide(world, untagged, "sts:AssumeRole", reader.arn, resourceAccount: "222222222222", resourcePolicy: reader.trustPolicy).isAllowed)
        // data-reader reads the bucket in its region; the OU's SCP denies other regions.
        let bucket = try #require(world.bucket(named: "data-bucket-222222222222"))
        let object = "arn:aws:s3:::data-bucket-222222222222/part-0"
        #expect(decide(world, reader, "s3:GetObject", object, resourceAccount: "222222222222", resourcePolicy: bucket.policy,
                       context: ["aws:RequestedRegion": ["us-east-1"]]).isAllowed)
        let elsewhere = decide(world, reader, "s3:GetObject", object, resourceAccount: "222222222222", resourcePolicy: bucket.policy,
                               context: ["aws:RequestedRegion": ["eu-west-1"]])
        #expect(elsewhere.outcome == .explicitDeny)
        #expect(elsewhere.deniedBy == .scp)
        // Its inline policy denies writes.
        #expect(decide(world, reader, "s3:PutObject", object, resourceAccount: "222222222222", resourcePolicy: bucket.policy,
                       context: ["aws:RequestedRegion": ["us-east-1"]]).outcome == .explicitDeny)
    }
}
