import AWSClient
import Foundation
import GlueShimTesting
import Testing

/// The Swift testing library as a user's suite would use it.
@Suite(.serialized) struct GlueShimTestbedTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let world = root.appendingPathComponent("sandbox/world.yaml")

    @Test func clientsActAsWorldPrincipals() async throws {
        try await GlueShimTestbed.with(world: Self.world) { bed in
            let job = try await bed.client(as: "arn:aws:iam::111111111111:role/glue-role-test")
            do {
                _ = try await job.getObject(bucket: "bucket-kjshadjas-3432-dsadas", key: "test_path/some_demo_file.gz")
                Issue.record("the job role read the data bucket")
            } catch let error as AWSClientError {
                #expect(error.code == "AccessDenied")
                #expect(error.message.hasSuffix("because no identity-based policy allows the s3:GetObject action"))
            }
            let data = try await bed.client(as: "arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed")
            let bytes = try await data.getObject(bucket: "bucket-kjshadjas-3432-dsadas", key: "test_path/some_demo_file.gz")
            #expect(bytes.count == 73)
            #expect(bed.events.contains { $0.action == "s3:GetObject" && $0.decision == "deny" })
        }
    }

    @Test func runJobReturnsTheRunRecord() async throws {
        let run = try await GlueShimTestbed.runJob(Self.root.appendingPathComponent("jobs/assume-role-download").path, world: Self.world)
        #expect(run.record.JobRunState == "SUCCEEDED")
        #expect(run.events.filter { $0.decision == "deny" }.count == 2)
        #expect(FileManager.default.fileExists(atPath: run.folder.appendingPathComponent("tmp/file.gz").path))
    }
}
