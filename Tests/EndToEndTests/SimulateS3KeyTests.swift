import Foundation
import TestSupport
import Testing

/// `glueshim simulate` with S3's condition keys: given with `--context`, and a world bucket's
/// owner and tags brought by the bucket itself, as the endpoint brings them.
@Suite struct SimulateS3KeyTests {
    static let world = repoRoot.appendingPathComponent("Tests/S3WireTests/Scripts/condition-keys-world.yaml").path
    static let reader = "arn:aws:iam::222222222222:user/reader"

    func decision(_ args: [String]) throws -> String {
        let r = try glueshim(["simulate", "--world", Self.world, "--principal", Self.reader] + args)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        return String(r.stdout.split(separator: "\n").first ?? "")
    }

    @Test func prefixAndBucketTagsDecide() async throws {
        try await offPool { try self.prefixAndBucketTagsDecideBody() }
    }

    func prefixAndBucketTagsDecideBody() throws {
        do {
            let list = ["--action", "s3:ListBucket", "--resource", "arn:aws:s3:::ck-bucket"]
            #expect(try decision(list + ["--context", "s3:prefix=home/reader/docs"]) == "decision: Allowed")
            #expect(try decision(list + ["--context", "s3:prefix=private/"]) == "decision: ImplicitlyDenied")
            #expect(try decision(list) == "decision: ImplicitlyDenied")
            // The bucket's tag stage=test satisfies the statement that denies other stages.
            #expect(try decision(["--action", "s3:GetObject", "--resource", "arn:aws:s3:::ck-bucket/stage/x"]) == "decision: Allowed")
            #expect(try decision(["--action", "s3:PutObject", "--resource", "arn:aws:s3:::ck-bucket/sse/x"]) == "decision: ExplicitlyDenied")
            #expect(try decision(["--action", "s3:PutObject", "--resource", "arn:aws:s3:::ck-bucket/sse/x",
                                  "--context", "s3:x-amz-server-side-encryption=AES256"]) == "decision: Allowed")
        }
    }
}
