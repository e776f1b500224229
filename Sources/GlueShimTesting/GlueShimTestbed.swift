import AWSClient
import Endpoint
import Foundation
import GlueRuntime
import ObjectStore
import SigV4
import World

/// glueshim for Swift test suites: a local AWS endpoint on a fresh copy of a world, clients that
/// act as the world's principals, and job runs with their run records.
///
/// ```swift
/// try await GlueShimTestbed.with(world: worldURL) { bed in
///     let s3 = try await bed.client(as: "arn:aws:iam::111111111111:role/glue-role-test")
///     await #expect(throws: AWSClientError.self) { try await s3.getObject(bucket: "b", key: "k") }
///     #expect(bed.events.last?.decision == "deny")
/// }
/// let run = try await GlueShimTestbed.runJob("jobs/assume-role-download", world: worldURL)
/// #expect(run.record.JobRunState == "SUCCEEDED")
/// ```
public struct GlueShimTestbed: Sendable {
    public let endpoint: LocalEndpoint
    public let world: World
    private let sink: MemoryEventSink

    /// `http://127.0.0.1:PORT`
    public var url: URL { endpoint.url }
    /// Every AWS call answered so far, with its decision and reason.
    public var events: [CallEvent] { sink.events }

    /// Runs `body` with an endpoint serving a fresh copy of the world in `world` (a file or a folder).
    public static func with<T: Sendable>(world url: URL, _ body: @Sendable (GlueShimTestbed) async throws -> T) async throws -> T {
        let world = try World.load(from: url)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-testbed-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try ObjectStore(root: folder)
        try store.seed(from: world)
        let sink = MemoryEventSink()
        let configuration = EndpointConfiguration(world: world, store: store, events: sink)
        return try await withLocalEndpoint(configuration) { endpoint in
            try await body(GlueShimTestbed(endpoint: endpoint, world: world, sink: sink))
        }
    }

    /// Credentials acting as a principal of the world (a role's session as its trusted service gets it, a user's keys).
    public func credentials(as principalArn: String) async throws -> AWSCredentials {
        try await PrincipalCredentials.obtain(principalArn, world: world, endpoint: endpoint, sessionName: "glueshim-test")
    }

    /// A SigV4-signing client of this endpoint acting as a principal of the world.
    public func client(as principalArn: String) async throws -> AWSClient {
        AWSClient(endpoint: url, region: world.region, credentials: try await credentials(as: principalArn))
    }

    /// Runs a job (a job folder, a definition file, or a `.py` script with `role`) on a fresh copy of
    /// the world, as `glueshim run` does, and returns its run record, folder, calls and store.
    /// The worker is the `glueshim` binary: `glueshim`, else `$GLUESHIM`, else `glueshim` on PATH,
    /// else `.build/debug/glueshim` beside the running tests.
    public static func runJob(_ job: String, world url: URL, arguments: [String: String] = [:], role: String? = nil,
                              glueshim: String? = nil, runsDirectory: URL? = nil) async throws -> RunResult {
        let source = try JobSource.load(job, role: role)
        let world = try World.load(from: url)
        let runs = runsDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-testbed-runs-\(UUID().uuidString)")
        var options = RunOptions(runsDirectory: runs, workerExecutable: try glueshim ?? locateBinary())
        options.arguments = arguments
        return try await RunEngine.run(source, world: world, options: options)
    }

    /// The glueshim binary that runs job workers.
    public static func locateBinary() throws -> String {
        let env = ProcessInfo.processInfo.environment
        if let explicit = env["GLUESHIM"], FileManager.default.isExecutableFile(atPath: explicit) { return explicit }
        for dir in (env["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(dir)/glueshim"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [beside, beside.deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("glueshim").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw JobInputError("the glueshim binary was not found: build it (swift build) or set GLUESHIM to its path")
    }
}
