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
