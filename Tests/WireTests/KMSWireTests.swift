import Foundation
import TestSupport
import Testing

/// KMS through boto3 and the AWS CLI against `glueshim serve` (kms_wire.py on kms-world.yaml).
@Suite(.serialized) struct KMSWireTests {
    @Test func keysAliasesPoliciesGrantsAndCryptography() async throws {
        try await offPool {
            let python = try #require(onPath("python3"), "python3 is not on PATH: install Python 3 with boto3")
            let serve = try ServeProcess(world: wireRoot.appendingPathComponent("kms-world.yaml"))
            defer { serve.stop() }
            let result = try runProcess(URL(fileURLWithPath: python), [wireRoot.appendingPathComponent("kms_wire.py").path],
                                        environment: serve.clientEnvironment(["AWS_EC2_METADATA_DISABLED": "true"]), stderrIntoStdout: true)
            #expect(result.status == 0, "KMS checks failed:\n\(result.stdout)")
            #expect(result.stdout.contains("kms checks passed"), "\(result.stdout)")
        }
    }

    /// S3's SSE-KMS on the same keys: kms:GenerateDataKey to write, kms:Decrypt to read, aws/s3.
    @Test func s3EncryptionWithKMSKeys() async throws {
        try await offPool {
            let python = try #require(onPath("python3"), "python3 is not on PATH: install Python 3 with boto3")
            let serve = try ServeProcess(world: wireRoot.appendingPathComponent("kms-world.yaml"))
            defer { serve.stop() }
            let result = try runProcess(URL(fileURLWithPath: python), [wireRoot.appendingPathComponent("sse_kms_wire.py").path],
                                        environment: serve.clientEnvironment(["AWS_EC2_METADATA_DISABLED": "true"]), stderrIntoStdout: true)
            #expect(result.status == 0, "SSE-KMS checks failed:\n\(result.stdout)")
            #expect(result.stdout.contains("sse-kms checks passed"), "\(result.stdout)")
        }
    }

    /// `aws kms encrypt` and `aws kms decrypt` round trip, keys kept across a restart of serve on
    /// the same state (the ciphertext made before decrypts after).
    @Test func awsCLIRoundTripAcrossRestarts() async throws {
        try await offPool {
            let aws = try #require(onPath("aws"), "the AWS CLI (aws) is not on PATH: pip install awscli")
            let state = temporaryFolder("kms-state")
            let files = temporaryFolder("kms-files")
            defer { try? FileManager.default.removeItem(at: state); try? FileManager.default.removeItem(at: files) }
            let world = wireRoot.appendingPathComponent("kms-world.yaml")
            let admin = ["AWS_ACCESS_KEY_ID": "AKIAGLUESHIMKMSADMIN", "AWS_SECRET_ACCESS_KEY": "local-test-secret-for-kms-admin-000000",
                         "AWS_DEFAULT_REGION": "us-east-1"]
            try Data("config=42".utf8).write(to: files.appendingPathComponent("plain.txt"))
            var blob = ""
            do {
                let serve = try ServeProcess(world: world, state: .folder(state))
                defer { serve.stop() }
                let env = serve.clientEnvironment(admin)
                let out = try runProcess(URL(fileURLWithPath: aws), ["kms", "encrypt", "--key-id", "alias/app-key", "--plaintext", "fileb://plain.txt",
                                                                     "--encryption-context", "job=nightly", "--query", "CiphertextBlob", "--output", "text"],
                                         environment: env, cwd: files)
                #expect(out.status == 0, "\(out.stderr)")
                blob = out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let serve = try ServeProcess(world: world, state: .folder(state))
            defer { serve.stop() }
            try Data(base64Encoded: blob)?.write(to: files.appendingPathComponent("blob.bin"))
            let out = try runProcess(URL(fileURLWithPath: aws), ["kms", "decrypt", "--ciphertext-blob", "fileb://blob.bin", "--encryption-context", "job=nightly",
                                                                 "--query", "Plaintext", "--output", "text"],
                                     environment: serve.clientEnvironment(admin), cwd: files)
            #expect(out.status == 0, "\(out.stderr)")
            #expect(Data(base64Encoded: out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == Data("config=42".utf8))
            // `aws s3 cp --sse aws:kms` with a key alias: the object is SSE-KMS under that key.
            let cp = try runProcess(URL(fileURLWithPath: aws), ["s3", "cp", "plain.txt", "s3://enc-bucket/cli/plain.txt", "--sse", "aws:kms",
                                                                "--sse-kms-key-id", "alias/shared-key"],
                                    environment: serve.clientEnvironment(admin), cwd: files)
            #expect(cp.status == 0, "\(cp.stderr)")
            let head = try runProcess(URL(fileURLWithPath: aws), ["s3api", "head-object", "--bucket", "enc-bucket", "--key", "cli/plain.txt"],
                                      environment: serve.clientEnvironment(admin), cwd: files)
            #expect(head.status == 0 && head.stdout.contains("\"ServerSideEncryption\": \"aws:kms\"") && head.stdout.contains(":key/"), "\(head.stdout) \(head.stderr)")
        }
    }
}
