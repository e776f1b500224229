import Foundation
import TestSupport
import Testing

let wireRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

@Suite(.serialized) struct WireTests {
    /// Every STS and IAM check of wire_sts_iam.py, through boto3 and the AWS CLI. A missing
    /// python3, boto3 or aws fails the test: CI must install them.
    @Test func boto3AndTheCLIAgainstServe() async throws {
        // Waiting on child processes blocks a thread: keep that off Swift's small cooperative
        // pool, which the in-process endpoints of other tests need.
        try await offPool { try Self.runWireChecks() }
    }

    /// Every service's denial and the unserved-service answer, parsed by botocore (wire_protocols.py).
    @Test func errorsParseInEveryProtocol() async throws {
        try await offPool {
            let python = try #require(onPath("python3"), "python3 is not on PATH: install Python 3 with boto3")
            let serve = try ServeProcess(world: wireRoot.appendingPathComponent("sts-iam-world.yaml"), as: "arn:aws:iam::111111111111:user/bob", state: .serveOwn)
            defer { serve.stop() }
            _ = try #require(serve.environment["AWS_ENDPOINT_URL"], "serve printed no AWS_ENDPOINT_URL")
            let result = try runProcess(URL(fileURLWithPath: python), [wireRoot.appendingPathComponent("wire_protocols.py").path],
                                        environment: serve.clientEnvironment(), stderrIntoStdout: true)
            let text = result.stdout
            #expect(result.status == 0, "protocol checks failed:\n\(text)")
            #expect(text.contains("all protocol checks passed"), "\(text)")
        }
    }

    static func runWireChecks() throws {
        let python = try #require(onPath("python3"), "python3 is not on PATH: install Python 3 with boto3 (pip install boto3 awscli)")
        _ = try #require(onPath("aws"), "the AWS CLI (aws) is not on PATH: pip install awscli")
        let world = wireRoot.appendingPathComponent("sts-iam-world.yaml")
        let serve = try ServeProcess(world: world, as: "arn:aws:iam::111111111111:user/alice", state: .serveOwn)
        defer { serve.stop() }
        #expect(serve.environment["AWS_ACCESS_KEY_ID"] == "AKIAGLUESHIMALICE001")
        _ = try #require(serve.environment["AWS_ENDPOINT_URL"], "serve printed no AWS_ENDPOINT_URL")

        // A home of its own: the AWS CLI caches assumed-role credentials under ~/.aws/cli/cache.
        let home = temporaryFolder("wire-home")
        defer { try? FileManager.default.removeItem(at: home) }
        let env = serve.clientEnvironment(["GLUESHIM_PROFILES": profiles, "HOME": home.path])
        let result = try runProcess(URL(fileURLWithPath: python), [wireRoot.appendingPathComponent("wire_sts_iam.py").path],
                                    environment: env, stderrIntoStdout: true)
        let text = result.stdout
        #expect(result.status == 0, "wire checks failed:\n\(text)")
        #expect(text.contains("all wire checks passed"), "\(text)")
    }

    /// The world's profiles, as `World.awsConfigFile()` renders them (kept in step by UsersAndProfilesTests).
    static let profiles = """
    [profile external]
    role_arn = arn:aws:iam::111111111111:role/external-role
    credential_source = Environment
    external_id = ext-123
    region = us-east-1

    [profile tagged]
    role_arn = arn:aws:iam::111111111111:role/tagged-role
    credential_source = Environment
    duration_seconds = 1800
    role_session_name = from-profile
    region = us-east-1

    """
}
