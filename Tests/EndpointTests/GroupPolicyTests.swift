import AWSClient
import Endpoint
import Foundation
import IAMPolicy
import Synchronization
import Testing
import World

/// A user's identity-based policies include its groups' (IAM User Guide, "Policy evaluation
/// logic": identity-based policies attached to the user or to groups it belongs to).
@Suite(.serialized) struct GroupPolicyTests {
    func world(memberOfReaders: Bool) throws -> World {
        let yaml = """
        accounts:
          "111111111111":
            groups:
              readers:
                managedPolicies: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]
                policies:
                  list-everything: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}'
            users:
              carol:
                groups: \(memberOfReaders ? "[readers]" : "[]")
            buckets:
              team-bucket: {}
        """
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-groups-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("world.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return try World.load(from: file)
    }

    func listBuckets(_ world: World) async throws -> AWSClientError? {
        let failure = Mutex<AWSClientError?>(nil)
        try await Harness.with(world: world) { h in
            let carol = try #require(h.world.user(arn: "arn:aws:iam::111111111111:user/carol"))
            let keys = h.endpoint.configuration.credentials.issueLongTerm(principal: carol.principal).credentials
            let error = await awsError { _ = try await h.client(keys).send(service: "s3", method: "GET", path: "/", query: "", body: Data(), headers: []) }
            failure.withLock { $0 = error }
        }
        return failure.withLock { $0 }
    }

    @Test func groupPoliciesApplyToMembers() async throws {
        #expect(try await listBuckets(world(memberOfReaders: true)) == nil)
    }

    @Test func nonMembersGetNothingFromTheGroup() async throws {
        let error = try await listBuckets(world(memberOfReaders: false))
        #expect(error?.code == "AccessDenied")
    }
}
