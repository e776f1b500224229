import AWSClient
import Endpoint
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import IAMPolicy
import Testing
import World

/// Block Public Access set on the bucket owner's account in the world: it applies to every bucket
/// of the account, together with (OR) the bucket's own settings.
@Suite struct S3PublicAccessTests {
    static let everyoneReads = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-kjshadjas-3432-dsadas/*"}]}"#

    @Test func accountBlockPublicPolicyRefusesAPublicBucketPolicy() async throws {
        var world = try Harness.loadDefaultWorld()
        world.accounts["222222222222"]!.publicAccessBlock = PublicAccessBlock(blockPublicPolicy: true)
        try await Harness.with(world: world) { h in
            let data = try await h.dataRole()
            let error = await awsError {
                _ = try await data.send(service: "s3", method: "PUT", path: "/\(dataBucket)", query: "policy", body: Data(Self.everyoneReads.utf8), headers: [])
            }
            #expect(error?.code == "AccessDenied" && error?.status == 403)
            #expect(error?.message.hasSuffix("because public policies are blocked by the BlockPublicPolicy block public access setting.") == true)
            // A policy naming one account is not public, and is taken.
            let named = Self.everyoneReads.replacingOccurrences(of: #""Principal":"*""#, with: #""Principal":{"AWS":"arn:aws:iam::111111111111:root"}"#)
            _ = try await data.send(service: "s3", method: "PUT", path: "/\(dataBucket)", query: "policy", body: Data(named.utf8), headers: [])
        }
    }

    /// The status of an unsigned GetObject of the data file.
    static func anonymousRead(_ h: Harness) async -> Int {
        var request = URLRequest(url: h.endpoint.url.appendingPathComponent("\(dataBucket)/\(dataKey)"))
        request.httpMethod = "GET"
        let answer = try? await URLSession.shared.data(for: request)
        return (answer?.1 as? HTTPURLResponse)?.statusCode ?? 0
    }

    @Test func accountRestrictPublicBucketsLimitsAPublicWorldPolicyToTheOwnerAccount() async throws {
        var world = try Harness.loadDefaultWorld()
        world.accounts["222222222222"]!.buckets[dataBucket]!.policy = NamedPolicy(name: "bucket policy of \(dataBucket)", policy: try Policy.parse(Self.everyoneReads))
        try await Harness.with(world: world) { h in
            #expect(await Self.anonymousRead(h) == 200)
        }
        world.accounts["222222222222"]!.publicAccessBlock = PublicAccessBlock(restrictPublicBuckets: true)
        try await Harness.with(world: world) { h in
            #expect(await Self.anonymousRead(h) == 403)
            #expect(h.events.events.last?.reason.contains("RestrictPublicBuckets") == true)
            // The owner account's role still reads through its identity policy.
            let read = try await h.dataRole().getObject(bucket: dataBucket, key: dataKey)
            #expect(read.count == 73)
        }
    }
}

extension Harness {
    /// The default world with ACLs enabled on the data bucket (Object Ownership ObjectWriter),
    /// for tests of ACLs themselves: S3's default, BucketOwnerEnforced, refuses them.
    static func worldWithACLs() throws -> World {
        var world = try loadDefaultWorld()
        world.accounts["222222222222"]!.buckets[dataBucket]!.objectOwnership = .objectWriter
        return world
    }
}
