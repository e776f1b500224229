import Foundation
import TestSupport
import Testing
@testable import World

let checkFixtures = fixtures.appendingPathComponent("check")

@Suite struct WorldCheckTests {
    @Test func brokenWorldGetsEveryProblemWithItsPosition() {
        let diagnostics = WorldCheck.check(checkFixtures.appendingPathComponent("broken-world.yaml"))
        #expect(diagnostics.allSatisfy { $0.file.hasSuffix("Fixtures/check/broken-world.yaml") })
        let found = diagnostics.map { "\($0.line ?? 0):\($0.column ?? 0): \($0.severity.rawValue): \($0.message)" }
        let expected: [(String, String)] = [
            ("7:22: error", "role bad-effect trustPolicy: MalformedPolicyDocument: Invalid effect: Permit (at Statement[0].Effect)"),
            ("19:36: warning", "role open-to-all trust policy statement 0: trusts every principal (\"*\") without a condition"),
            ("23:30: error", "role open-to-all policy names-a-principal: MalformedPolicyDocument: Policy document should not specify a principal."),
            ("26:13: error", "role open-to-all: managed policy arn:aws:iam::aws:policy/NotShippedPolicy is not in this world; glueshim does not ship this AWS managed policy"),
            ("27:13: error", "role open-to-all: managed policy arn:aws:iam::111111111111:policy/missing-customer-policy is not in this world"),
            ("33:57: error", "role trusts-missing-role trust policy statement 0: principal arn:aws:iam::111111111111:role/no-such-role does not exist"),
            ("34:57: warning", "role trusts-missing-role trust policy statement 1: principal arn:aws:iam::999999999999:root is external"),
            ("37:30: error", "role trusts-missing-role permissions boundary: managed policy arn:aws:iam::111111111111:policy/missing-boundary is not in this world"),
            ("39:9: error", "role no-trust needs a trustPolicy (every IAM role has one)"),
            ("46:36: warning", "bucket open-bucket policy statement 0: NotPrincipal with Allow grants access to every principal but the ones listed"),
        ]
        #expect(found.count == expected.count, "\(found.joined(separator: "\n"))")
        for (line, (position, message)) in zip(found, expected) {
            #expect(line.hasPrefix("\(position): \(message)"), "\(line)")
        }
        #expect(WorldCheck.hasErrors(diagnostics))
    }

    @Test func defaultWorldIsClean() {
        #expect(WorldCheck.check(repoRoot.appendingPathComponent("sandbox/world.yaml")).isEmpty)
    }

    @Test func principalInAPolicyFileIsLocatedInThatFile() throws {
        let folder = temporaryFolder("check-policy-file")
        try """
        accounts:
          "111111111111":
            roles:
              r:
                trustPolicy: trust.json
        """.write(to: folder.appendingPathComponent("world.yaml"), atomically: true, encoding: .utf8)
        try """
        {
          "Version": "2012-10-17",
          "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/ghost"}, "Action": "sts:AssumeRole"}
          ]
        }
        """.write(to: folder.appendingPathComponent("trust.json"), atomically: true, encoding: .utf8)
        let diagnostics = WorldCheck.check(folder.appendingPathComponent("world.yaml"))
        let only = try #require(diagnostics.first)
        #expect(diagnostics.count == 1)
        #expect(only.file.hasSuffix("trust.json"))
        #expect((only.line, only.column) == (4, 47))
        #expect(only.message.contains("account 111111111111 has no role ghost"))
    }
}

@Suite struct WorldFolderTests {
    @Test func folderOfFilesLoadsAsOneWorld() throws {
        let world = try World.load(from: checkFixtures.appendingPathComponent("folder"))
        #expect(world.organization?.id == "o-ab12cd34ef")
        #expect(world.accounts["222222222222"]?.alias == "data")
        let job = try #require(world.role(arn: "arn:aws:iam::111111111111:role/job-role"))
        // Its managed policy is declared in the other file; its trust policy is a .json file in policies/.
        #expect(world.managedPolicy(arn: job.managedPolicyArns[0]) != nil)
        #expect(job.trustPolicy.policy.statements.first?.principal?.service == ["glue.amazonaws.com"])
        #expect(world.role(arn: "arn:aws:iam::222222222222:role/reader") != nil)
        #expect(WorldCheck.check(checkFixtures.appendingPathComponent("folder")).isEmpty)
    }

    @Test func roleDeclaredInTwoFilesIsAnError() throws {
        let folder = temporaryFolder("folder-dup")
        let role = """
        accounts:
          "111111111111":
            roles:
              twice:
                trustPolicy: {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        """
        try role.write(to: folder.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try role.write(to: folder.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
        do {
            _ = try World.load(from: folder)
            Issue.record("expected an error")
        } catch {
            #expect(error.file.hasSuffix("b.yaml"))
            #expect(error.message.contains("role twice of account 111111111111 is also declared in"))
            #expect(error.message.contains("a.yaml"))
        }
    }
}

/// The real binary, as a user types the commands.
@Suite struct WorldCommandTests {
    @Test func importThenCheckThenReimport() async throws {
        // Waits on child processes: off Swift's cooperative threads, which in-process endpoints need.
        try await offPool { try self.importThenCheckThenReimportBody() }
    }

    func importThenCheckThenReimportBody() throws {
        let folder = temporaryFolder("cli-import")
        let imported = try glueshim([
            "world", "import",
            importFixtures.appendingPathComponent("authz-glue-account.json").path,
            importFixtures.appendingPathComponent("authz-data-account.json").path,
            "--account-alias", "111111111111=glue-jobs",
            "--bucket-policy", "data-bucket-222222222222@222222222222=" + importFixtures.appendingPathComponent("bucket-policy-data.json").path,
            "--organization-policies", importFixtures.appendingPathComponent("describe-organization.json").path,
            "--organization-policies", importFixtures.appendingPathComponent("scp-deny-regions.json").path,
            "--account-path", "222222222222=r-ab12/ou-ab12-11111111",
            "--into", "world.yaml",
        ], cwd: folder)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stderr.contains("warning: user alice: AWS managed policy CloudWatchLogsReadOnlyAccess is not shipped with glueshim"))
        #expect(imported.stderr.contains("note: role glue-job-role: AWS managed policy AmazonDynamoDBReadOnlyAccess is not shipped with glueshim"))
        let world = try World.load(from: folder.appendingPathComponent("world.yaml"))
        #expect(world.accounts.keys.sorted() == ["111111111111", "222222222222"])
        #expect(world.serviceControlPolicies(forAccount: "222222222222").count == 3)

        let checked = try glueshim(["world", "check", "world.yaml"], cwd: folder)
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        // The partner role trusts an account outside the world: flagged, not an error.
        #expect(checked.stdout.contains("world.yaml:"))
        #expect(checked.stdout.contains(": warning: role partner-access trust policy statement 0: principal arn:aws:iam::999999999999:root is external"))

        // Importing without --into prints the world.
        let printed = try glueshim(["world", "import", importFixtures.appendingPathComponent("authz-data-account.json").path], cwd: folder)
        #expect(printed.status == 0)
        #expect(printed.stdout.contains("\"222222222222\":"))
        #expect(printed.stdout.contains("data-reader:"))
    }

    @Test func checkExitsOneOnErrorsWithPositions() async throws {
        // Waits on child processes: off Swift's cooperative threads, which in-process endpoints need.
        try await offPool { try self.checkExitsOneOnErrorsWithPositionsBody() }
    }

    func checkExitsOneOnErrorsWithPositionsBody() throws {
        let result = try glueshim(["world", "check", "Tests/WorldTests/Fixtures/check/broken-world.yaml"], cwd: repoRoot)
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first == "Tests/WorldTests/Fixtures/check/broken-world.yaml:7:22: error: role bad-effect trustPolicy: MalformedPolicyDocument: Invalid effect: Permit (at Statement[0].Effect)")
        #expect(lines.count == 10)
        #expect(result.stderr.contains("7 errors, 3 warnings"))
    }

    @Test func importOfABrokenExportWritesNothing() async throws {
        // Waits on child processes: off Swift's cooperative threads, which in-process endpoints need.
        try await offPool { try self.importOfABrokenExportWritesNothingBody() }
    }

    func importOfABrokenExportWritesNothingBody() throws {
        let folder = temporaryFolder("cli-bad")
        try "{\"RoleDetailList\": [{\"RoleName\": \"x\", \"Arn\": \"arn:aws:iam::333333333333:role/x\", \"AssumeRolePolicyDocument\": \"%ZZ\"}]}"
            .write(to: folder.appendingPathComponent("authz.json"), atomically: true, encoding: .utf8)
        let result = try glueshim(["world", "import", "authz.json", "--into", "world.yaml"], cwd: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("authz.json:1:"))
        #expect(result.stderr.contains("error: role x trust policy: the document is neither JSON nor URL-encoded JSON"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("world.yaml").path))
    }
}
