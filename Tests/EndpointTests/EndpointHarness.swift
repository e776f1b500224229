import AWSClient
import Endpoint
import Foundation
import IAMPolicy
import ObjectStore
import SigV4
import Synchronization
import TestSupport
import World

let defaultWorldURL = repoRoot.appendingPathComponent("sandbox/world.yaml")
let dataBucket = "bucket-kjshadjas-3432-dsadas"
let dataKey = "test_path/some_demo_file.gz"
let glueRoleArn = "arn:aws:iam::111111111111:role/glue-role-test"
let dataRoleArn = "arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed"

/// A clock tests can move.
final class TestClock: Sendable {
    private let now = Mutex(Date())
    func read() -> Date { now.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// An endpoint on a fresh copy of a world, with helpers to act as its principals.
struct Harness: Sendable {
    let endpoint: LocalEndpoint
    let events: MemoryEventSink
    let clock: TestClock
    var world: World { endpoint.configuration.world }

    static func loadDefaultWorld() throws -> World { try World.load(from: defaultWorldURL) }

    static func with(world: World? = nil, _ body: @Sendable (Harness) async throws -> Void) async throws {
        let world = try world ?? loadDefaultWorld()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-endpoint-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try ObjectStore(root: folder)
        try store.seed(from: world)
        let events = MemoryEventSink()
        let clock = TestClock()
        let configuration = EndpointConfiguration(world: world, store: store, events: events, clock: { clock.read() })
        try await withLocalEndpoint(configuration) { endpoint in
            try await body(Harness(endpoint: endpoint, events: events, clock: clock))
        }
    }

    func client(_ credentials: AWSCredentials) -> AWSClient {
        let clock = self.clock
        return AWSClient(endpoint: endpoint.url, region: world.region, credentials: credentials, clock: { clock.read() })
    }

    /// Credentials of the Glue service principal, as the runtime holds them.
    func glueService() -> AWSClient {
        client(endpoint.configuration.credentials.issueServicePrincipal("glue.amazonaws.com", expiration: clock.read().addingTimeInterval(86400)).credentials)
    }

    /// The job role's session, assumed by Glue.
    func jobRole() async throws -> AWSClient {
        client(try await glueService().assumeRole(roleArn: glueRoleArn, sessionName: "GlueJobRunnerSession").credentials)
    }

    /// The data account's role, assumed from the job role's session.
    func dataRole() async throws -> AWSClient {
        client(try await jobRole().assumeRole(roleArn: dataRoleArn, sessionName: "assume-role").credentials)
    }
}

/// The error an AWS call threw, or nil.
func awsError(_ body: () async throws -> Void) async -> AWSClientError? {
    do { try await body(); return nil } catch let error as AWSClientError { return error } catch { return nil }
}
