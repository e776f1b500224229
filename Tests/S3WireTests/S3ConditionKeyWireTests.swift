import Foundation
import TestSupport
import Testing

/// S3's condition keys, derived from boto3's requests as S3 derives them: a bucket policy copied
/// from the S3 user guide's patterns allows and denies what it would in AWS.
@Suite(.serialized) struct S3ConditionKeyWireTests {
    @Test func bucketPolicyConditionsOnS3Keys() throws {
        let python = try tool("python3")
        let world = scripts.appendingPathComponent("condition-keys-world.yaml")
        let serve = try ServeProcess(world: world)
        defer { serve.stop() }
        let result = try runProcess(python, [scripts.appendingPathComponent("condition_keys_wire.py").path], environment: serve.wireEnvironment)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("condition key checks passed"), "\(result.stdout)")

    }
}

/// Signature Version 2, as botocore signs presigned URLs with an endpoint URL and as a client
/// configured with signature_version='s3' signs headers.
@Suite(.serialized) struct S3SigV2WireTests {
    @Test func presignedAndHeaderSignedRequests() throws {
        let python = try tool("python3")
        let serve = try ServeProcess(world: scripts.appendingPathComponent("condition-keys-world.yaml"))
        defer { serve.stop() }
        let result = try runProcess(python, [scripts.appendingPathComponent("sigv2_wire.py").path], environment: serve.wireEnvironment)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("sigv2 checks passed"), "\(result.stdout)")
    }
}
