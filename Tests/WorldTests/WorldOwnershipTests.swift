import Foundation
import Testing
@testable import World

/// The world's S3 Object Ownership and Block Public Access fields, each checked with a one-line cause.
@Suite struct WorldOwnershipTests {
    func load(_ yaml: String) throws(WorldError) -> World {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-world-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("world.yaml")
        try? yaml.write(to: file, atomically: true, encoding: .utf8)
        return try World.load(from: file)
    }

    func error(_ yaml: String) -> WorldError? {
        do { _ = try load(yaml); return nil } catch { return error }
    }

    static let account = "accounts:\n  \"222222222222\":\n"

    @Test func fieldsAreRead() throws {
        let world = try load(Self.account + """
                publicAccessBlock: {BlockPublicPolicy: true, RestrictPublicBuckets: true}
                buckets:
                  shared-bucket:
                    objectOwnership: ObjectWriter
                    publicAccessBlock: true
                  plain-bucket: {}
            """)
        let account = try #require(world.accounts["222222222222"])
        #expect(account.publicAccessBlock == PublicAccessBlock(blockPublicPolicy: true, restrictPublicBuckets: true))
        #expect(account.buckets["shared-bucket"]?.objectOwnership == .objectWriter)
        #expect(account.buckets["shared-bucket"]?.publicAccessBlock == PublicAccessBlock(blockPublicAcls: true, ignorePublicAcls: true,
                                                                                         blockPublicPolicy: true, restrictPublicBuckets: true))
        // Unset: S3's default ownership (BucketOwnerEnforced, chosen by the service) and no block.
        #expect(account.buckets["plain-bucket"]?.objectOwnership == nil && account.buckets["plain-bucket"]?.publicAccessBlock == nil)
    }

    /// `simulate` and replays decide world buckets with the world's Block Public Access, as the endpoint does.
    @Test func restrictPublicBucketsFromTheWorldLimitsAPublicPolicy() throws {
        let bucket = """
                buckets:
                  open-bucket:
                    policy: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::open-bucket/*"}]}'

            """
        let read = AccessRequest(caller: .anonymous, action: "s3:GetObject", resource: "arn:aws:s3:::open-bucket/data.csv")
        let open = try load(Self.account + bucket).decide(read, now: Date())
        #expect(open.allowed)
        let restricted = try load(Self.account + "    publicAccessBlock: {RestrictPublicBuckets: true}\n" + bucket).decide(read, now: Date())
        #expect(!restricted.allowed)
        #expect(restricted.reason.contains("RestrictPublicBuckets: the public bucket policy grants nothing outside the bucket owner's account 222222222222"))
    }

    @Test func unknownOwnershipIsNamedWithTheChoices() throws {
        let e = try #require(error(Self.account + "    buckets:\n      b-bucket:\n        objectOwnership: BucketOwner\n"))
        #expect(e.message == "bucket b-bucket: objectOwnership 'BucketOwner' is not one of: BucketOwnerEnforced, BucketOwnerPreferred, ObjectWriter")
        #expect(e.line == 5)
    }

    @Test func unknownSettingAndNonBooleanAreNamed() throws {
        let unknown = try #require(error(Self.account + "    publicAccessBlock: {BlockPublicAcl: true}\n"))
        #expect(unknown.message.contains("unknown field 'BlockPublicAcl'") && unknown.message.contains("BlockPublicAcls"))
        let notBool = try #require(error(Self.account + "    buckets:\n      b-bucket:\n        publicAccessBlock: {IgnorePublicAcls: maybe}\n"))
        #expect(notBool.message == "bucket b-bucket publicAccessBlock: IgnorePublicAcls must be true or false")
    }
}

/// `world import` with `aws s3api get-bucket-ownership-controls` and `get-public-access-block`
/// outputs: the bucket's fields, next to its imported policy.
@Suite struct WorldImportOwnershipTests {
    @Test func ownershipControlsAndPublicAccessBlockAreImported() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let controls = folder.appendingPathComponent("controls.json")
        try Data(#"{"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}}"#.utf8).write(to: controls)
        let block = folder.appendingPathComponent("block.json")
        try Data(#"{"PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": false, "RestrictPublicBuckets": true}}"#.utf8).write(to: block)
        let bad = folder.appendingPathComponent("bad.json")
        try Data(#"{"OwnershipControls": {"Rules": [{"ObjectOwnership": "Nobody"}]}}"#.utf8).write(to: bad)

        var options = WorldImport.Options()
        options.bucketPolicies = [("data-bucket-222222222222", "222222222222", importFixtures.appendingPathComponent("bucket-policy-data.json"))]
        options.bucketOwnershipControls = [("data-bucket-222222222222", "222222222222", controls)]
        options.bucketPublicAccessBlocks = [("data-bucket-222222222222", "222222222222", block)]
        var importer = WorldImport(options: options)
        let output = importer.run(exports: [importFixtures.appendingPathComponent("authz-data-account.json")])
        let yaml = try #require(output, "\(importer.messages)")
        let file = folder.appendingPathComponent("world.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let world = try World.load(from: file)
        let bucket = try #require(world.bucket(named: "data-bucket-222222222222"))
        #expect(bucket.objectOwnership == .bucketOwnerPreferred)
        #expect(bucket.publicAccessBlock == PublicAccessBlock(blockPublicAcls: true, ignorePublicAcls: true, restrictPublicBuckets: true))
        #expect(bucket.policy?.policy.statements.first?.sid == "GlueRoleRead")

        options.bucketOwnershipControls = [("data-bucket-222222222222", "222222222222", bad)]
        var refusing = WorldImport(options: options)
        _ = refusing.run(exports: [importFixtures.appendingPathComponent("authz-data-account.json")])
        #expect(refusing.hasErrors)
        #expect(refusing.messages.contains { $0.text.contains("expected get-bucket-ownership-controls output") })
    }
}
