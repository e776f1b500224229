import Foundation
import TestSupport
import Testing

/// S3's condition keys, derived from boto3's requests as S3 derives them: a bucket policy copied
/// from the S3 user guide's patterns allows and denies what it would in AWS.
@Suite(.serialized) struct S3ConditionKeyWireTests {
    @Test func bucketPolicyConditionsOnS3Keys() async throws {
        // Waits on child processes: off Swift's cooperative threads, which in-process endpoints need.
        try await offPool { try self.bucketPolicyConditionsOnS3KeysBody() }
    }

    func bucketPolicyConditionsOnS3KeysBody() throws {
        let python = try tool("python3")
        let world = scripts.appendingPathComponent("condition-keys-world.yaml")
        let serve = try ServeProcess(world: world)
        defer { serve.stop() }
        let result = try runProcess(python, [scripts.appendingPathComponent("condition_keys_wire.py").path], environment: serve.wireEnvironment)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("condition key checks passed"), "\(result.stdout)")

    }
}

/// The same policies through the AWS CLI: `aws s3 ls` sends `prefix=` (empty) for a bucket's
/// root, `aws s3 cp --sse` creates its multipart upload with the header, `aws s3 presign` signs
/// with Signature Version 2.
@Suite(.serialized) struct S3ConditionKeyCLITests {
    @Test func awsCLIListsCopiesAndPresigns() async throws {
        // Waits on child processes: off Swift's cooperative threads, which in-process endpoints need.
        try await offPool { try self.awsCLIListsCopiesAndPresignsBody() }
    }

    func awsCLIListsCopiesAndPresignsBody() throws {
        let aws = try tool("aws")
        let files = temporaryFolder("ck-cli")
        defer { try? FileManager.default.removeItem(at: files) }
        let serve = try ServeProcess(world: scripts.appendingPathComponent("condition-keys-world.yaml"))
        defer { serve.stop() }
        let reader = serve.wireEnvironment.merging(["AWS_ACCESS_KEY_ID": "AKIAGLUESHIMREADER01",
                                                    "AWS_SECRET_ACCESS_KEY": "local-test-secret-for-reader-0000000000",
                                                    "AWS_SESSION_TOKEN": ""]) { $1 }.filter { !$0.value.isEmpty }
        func cli(_ args: [String]) throws -> ProcessOutput { try runProcess(aws, args, environment: reader, cwd: files) }

        // `aws s3 ls` exits 1 on an empty listing: give the home folder an object.
        try Data("mine".utf8).write(to: files.appendingPathComponent("notes.txt"))
        let put = try cli(["s3", "cp", files.appendingPathComponent("notes.txt").path, "s3://ck-bucket/home/reader/notes.txt"])
        #expect(put.status == 0, "\(put.stderr)")
        let root = try cli(["s3", "ls", "s3://ck-bucket/"])
        #expect(root.status == 0, "aws s3 ls of the root (prefix=\"\"): \(root.stderr)")
        let home = try cli(["s3", "ls", "s3://ck-bucket/home/reader/"])
        #expect(home.status == 0 && home.stdout.contains("notes.txt"), "\(home.stderr)")
        let other = try cli(["s3", "ls", "s3://ck-bucket/private/"])
        #expect(other.status != 0 && other.stderr.contains("AccessDenied"), "\(other.stderr)")

        var big = Data(count: 9 * 1024 * 1024)
        big.withUnsafeMutableBytes { raw in for i in stride(from: 0, to: raw.count, by: 4096) { raw[i] = UInt8(i / 4096 % 251) } }
        let file = files.appendingPathComponent("big.bin")
        try big.write(to: file)
        let plain = try cli(["s3", "cp", file.path, "s3://ck-bucket/sse/big.bin"])
        #expect(plain.status != 0 && plain.stderr.contains("AccessDenied"), "\(plain.stderr)")
        let encrypted = try cli(["s3", "cp", "--sse", "AES256", file.path, "s3://ck-bucket/sse/big.bin"])
        #expect(encrypted.status == 0, "\(encrypted.stderr)")

        let presigned = try cli(["s3", "presign", "s3://ck-bucket/sse/big.bin"])
        #expect(presigned.status == 0 && presigned.stdout.contains("Signature="), "\(presigned.stdout) \(presigned.stderr)")
    }
}

/// Signature Version 2, as botocore signs presigned URLs with an endpoint URL and as a client
/// configured with signature_version='s3' signs headers.
@Suite(.serialized) struct S3SigV2WireTests {
    @Test func presignedAndHeaderSignedRequests() async throws {
        // Waits on child processes: off Swift's cooperative threads, which in-process endpoints need.
        try await offPool { try self.presignedAndHeaderSignedRequestsBody() }
    }

    func presignedAndHeaderSignedRequestsBody() throws {
        let python = try tool("python3")
        let serve = try ServeProcess(world: scripts.appendingPathComponent("condition-keys-world.yaml"))
        defer { serve.stop() }
        let result = try runProcess(python, [scripts.appendingPathComponent("sigv2_wire.py").path], environment: serve.wireEnvironment)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("sigv2 checks passed"), "\(result.stdout)")
    }
}
