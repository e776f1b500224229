import Foundation
import IAMPolicy
import TestSupport
import Testing
@testable import World

/// The repository root, found from this file's path.

@Suite struct DefaultWorldTests {
    @Test func defaultWorldHasTheSeedScenario() throws {
        let world = try World.load(from: repoRoot.appendingPathComponent("sandbox/world.yaml"))
        #expect(world.region == "us-east-1")
        let glue = try #require(world.role(arn: "arn:aws:iam::111111111111:role/glue-role-test"))
        #expect(glue.inlinePolicies.count == 2)
        #expect(glue.roleId.hasPrefix("AROA") && glue.roleId.count == 21)
        let data = try #require(world.role(arn: "arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed"))
        #expect(data.managedPolicyArns == ["arn:aws:iam::aws:policy/AmazonS3FullAccess"])
        #expect(world.managedPolicy(arn: "arn:aws:iam::aws:policy/AmazonS3FullAccess") != nil)
        let bucket = try #require(world.bucket(named: "bucket-kjshadjas-3432-dsadas"))
        #expect(bucket.account == "222222222222")
        #expect(bucket.objects.map(\.key) == ["test_path/some_demo_file.gz"])
        #expect(world.sameOrganization("111111111111", "222222222222"))
        #expect(!world.sameOrganization("111111111111", "333333333333"))
    }

    @Test func shippedManagedPoliciesUseAWSARNs() {
        let arns = Set(AWSManagedPolicies.all.keys)
        #expect(arns.contains("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"))
        #expect(arns.contains("arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole"))
        #expect(arns.contains("arn:aws:iam::aws:policy/AwsGlueSessionUserRestrictedPolicy"))
        #expect(arns.count == 8)
    }

    @Test func stableIdsAreDeterministicAndDistinct() {
        #expect(StableID.make(prefix: "AROA", seed: "a") == StableID.make(prefix: "AROA", seed: "a"))
        #expect(StableID.make(prefix: "AROA", seed: "a") != StableID.make(prefix: "AROA", seed: "b"))
    }
}

@Suite struct WorldErrorTests {
    func load(_ yaml: String, files: [String: String] = [:]) throws(WorldError) -> World {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-world-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try? text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let file = dir.appendingPathComponent("world.yaml")
        try? yaml.write(to: file, atomically: true, encoding: .utf8)
        return try World.load(from: file)
    }

    func error(_ yaml: String, files: [String: String] = [:]) -> WorldError? {
        do { _ = try load(yaml, files: files); return nil } catch { return error }
    }

    @Test func missingFileSaysHowToFixIt() {
        do {
            _ = try World.load(from: URL(fileURLWithPath: "/nonexistent/world.yaml"))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("/nonexistent/world.yaml"))
            #expect(error.description.contains("--world"))
        }
    }

    @Test func badYAMLIsReportedNotCrashed() {
        let e = error("accounts: [unclosed")
        #expect(e?.description.contains("not valid YAML") == true)
    }

    @Test func malformedPolicyHasLineAndColumn() throws {
        let yaml = """
        accounts:
          "111111111111":
            roles:
              r:
                trustPolicy: '{"Version": "2012-10-17", "Statement": [{"Action": "sts:AssumeRole", "Principal": "*"}]}'
        """
        let e = try #require(error(yaml))
        #expect(e.line == 5)
        #expect(e.column != nil)
        #expect(e.message.contains("MalformedPolicyDocument"))
    }

    @Test func unknownFieldIsNamed() throws {
        let e = try #require(error("accounts:\n  \"111111111111\":\n    rolez: {}\n"))
        #expect(e.message.contains("unknown field 'rolez'"))
        #expect(e.line == 3)
    }

    @Test func accountIdMustBeTwelveDigits() throws {
        let e = try #require(error("accounts:\n  \"12345\": {}\n"))
        #expect(e.message.contains("12 digits"))
    }

    @Test func invalidBucketNameIsRejected() throws {
        let e = try #require(error("accounts:\n  \"111111111111\":\n    buckets:\n      bucket_with_underscores: {}\n"))
        #expect(e.message.contains("not a valid S3 bucket name"))
    }

    @Test func unknownManagedPolicyIsReportedByName() throws {
        let yaml = """
        accounts:
          "111111111111":
            roles:
              r:
                trustPolicy: {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
                managedPolicies: [arn:aws:iam::aws:policy/NoSuchPolicy]
        """
        let e = try #require(error(yaml))
        #expect(e.message.contains("arn:aws:iam::aws:policy/NoSuchPolicy"))
    }

    @Test func roleWithoutTrustPolicyIsRejected() throws {
        let e = try #require(error("accounts:\n  \"111111111111\":\n    roles:\n      r: {}\n"))
        #expect(e.message.contains("needs a trustPolicy"))
    }

    @Test func policyFromFileAndCustomerManagedPolicy() throws {
        let yaml = """
        accounts:
          "111111111111":
            managedPolicies:
              read-all: read.json
            roles:
              r:
                trustPolicy: {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
                managedPolicies: [arn:aws:iam::111111111111:policy/read-all]
        """
        let read = #"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}"#
        let world = try load(yaml, files: ["read.json": read])
        #expect(world.managedPolicy(arn: "arn:aws:iam::111111111111:policy/read-all") != nil)
    }

    @Test func bucketNamesAreGlobal() throws {
        let yaml = "accounts:\n  \"111111111111\":\n    buckets:\n      same-name: {}\n  \"222222222222\":\n    buckets:\n      same-name: {}\n"
        let e = try #require(error(yaml))
        #expect(e.message.contains("bucket names are global"))
    }

    @Test(arguments: [
        ("my-bucket", true), ("a.b.c", true), ("ab", false), ("My-Bucket", false), ("-bucket", false),
        ("bucket-", false), ("a..b", false), ("192.168.1.1", false), ("xn--bucket", false), (String(repeating: "a", count: 64), false),
    ])
    func bucketNames(name: String, valid: Bool) {
        #expect(BucketName.isValid(name) == valid)
    }
}
