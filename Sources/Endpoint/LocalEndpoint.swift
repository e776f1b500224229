import Foundation
import HTTPTypes
import HummingbirdCore
import HummingbirdTLS
import IAMPolicy
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ObjectStore
import ServiceLifecycle
import GlueDomain
import SigV4
import Synchronization
import World

/// How to build an endpoint.
public struct EndpointConfiguration: Sendable {
    public var world: World
    public var store: ObjectStore
    public var credentials: CredentialStore
    public var events: any EventSink
    /// 0 picks a free port.
    public var port: Int
    /// The HTTPS listener's port; 0 picks a free port.
    public var httpsPort: Int = 0
    /// The folder of the local certificate authority whose server certificate the HTTPS listener
    /// serves (`LocalCertificateAuthority.folder(inCache:)`); nil: no HTTPS listener, jobs and
    /// sessions then call the HTTP one.
    public var certificateAuthorityFolder: String? = nil
    /// The endpoint's clock; tests can move it.
    public var clock: @Sendable () -> Date
    /// Largest request body accepted.
    public var maxBodySize: Int
    /// Glue jobs and runs served by this endpoint.
    public var glueJobs: GlueJobRegistry = GlueJobRegistry()
    /// Runs jobs for StartJobRun; without one, StartJobRun is refused.
    public var launcher: (any JobRunLauncher)? = nil
    /// Where run folders are, for the CloudWatch Logs API over run logs.
    public var runsDirectory: URL? = nil
    /// Glue interactive sessions and their statements (with the launcher of their interpreters).
    public var glueSessions: GlueSessionRegistry = GlueSessionRegistry()
    /// A connection that sends nothing for this long, while idle or in the middle of a request, is
    /// closed (as S3 closes a socket not read from within its timeout). This is what ends clients
    /// that open connections and trickle a request's head, or never finish it.
    /// (`glueshim serve` takes it from `GLUESHIM_IDLE_TIMEOUT_SECONDS`.)
    public var idleTimeout: Duration = EndpointConfiguration.defaultIdleTimeout

    public static let defaultIdleTimeout: Duration = .seconds(60)

    public init(world: World, store: ObjectStore, credentials: CredentialStore = CredentialStore(), events: any EventSink = MemoryEventSink(),
                port: Int = 0, clock: @escaping @Sendable () -> Date = { Date() }, maxBodySize: Int = 1 << 30) {
        self.world = world
        self.store = store
        self.credentials = credentials
        self.events = events
        self.port = port
        self.clock = clock
        self.maxBodySize = maxBodySize
    }
}

/// The local AWS endpoint: a loopback port serving STS, S3, IAM, Glue and Logs over HTTP, and
/// another serving the same over HTTPS (when it has a certificate authority), every request
/// SigV4-verified and authorized by the IAM engine.
public final class LocalEndpoint: Sendable {
    public let configuration: EndpointConfiguration
    /// `http://127.0.0.1:PORT`
    public let url: URL
    public var port: Int { url.port ?? 0 }
    /// `https://127.0.0.1:PORT2`, when the endpoint serves HTTPS.
    public let httpsURL: URL?
    /// The certificate clients trust to call `httpsURL` (`AWS_CA_BUNDLE`).
    public let caBundlePath: String?
    private let containerCredentials = Mutex<[String: ContainerCredentialsProvider]>([:])
    let router: ServiceRouter

    init(configuration: EndpointConfiguration, port: Int, httpsPort: Int? = nil, caBundlePath: String? = nil) {
        self.configuration = configuration
        self.url = URL(string: "http://127.0.0.1:\(port)")!
        self.httpsURL = httpsPort.map { URL(string: "https://127.0.0.1:\($0)")! }
        self.caBundlePath = httpsPort == nil ? nil : caBundlePath
        self.router = ServiceRouter(configuration: configuration)
    }

    /// Serves container credentials at `URL/_glueshim/credentials/ID` to clients presenting `token`
    /// (the standard `AWS_CONTAINER_CREDENTIALS_FULL_URI` / `AWS_CONTAINER_AUTHORIZATION_TOKEN` pair),
    /// until unregistered.
    public func registerContainerCredentials(token: String, provider: @escaping ContainerCredentialsProvider) -> ContainerCredentials {
        let id = UUID().uuidString.lowercased()
        containerCredentials.withLock { $0[id] = provider }
        router.containerTokens.withLock { $0[id] = token }
        return ContainerCredentials(uri: "\(url.absoluteString)/_glueshim/credentials/\(id)") { [weak self] in
            self?.containerCredentials.withLock { _ = $0.removeValue(forKey: id) }
            self?.router.containerTokens.withLock { _ = $0.removeValue(forKey: id) }
        }
    }

    /// What Glue's runs and sessions get of this endpoint.
    public var glueHost: GlueHost {
        GlueHost(url: url, httpsURL: httpsURL, caBundlePath: caBundlePath, region: configuration.world.region, clock: configuration.clock, jobs: configuration.glueJobs,
                 launcher: configuration.launcher,
                 issueServiceCredentials: { [credentials = configuration.credentials] service, expiration in
                     credentials.issueServicePrincipal(service, expiration: expiration).credentials
                 },
                 registerContainerCredentials: { [weak self] token, provider in
                     self?.registerContainerCredentials(token: token, provider: provider)
                         ?? ContainerCredentials(uri: "", unregister: {})
                 })
    }

    func containerProvider(id: String) -> ContainerCredentialsProvider? {
        containerCredentials.withLock { $0[id] }
    }
}

/// Runs an endpoint for the duration of `body`, then shuts it down.
public func withLocalEndpoint<T: Sendable>(_ configuration: EndpointConfiguration, _ body: @Sendable (LocalEndpoint) async throws -> T) async throws -> T {
    // Lifecycle expiration falls due while no endpoint runs: carried out as one starts, by its clock.
    configuration.store.applyLifecycleExpiration(now: configuration.clock())
    let identity: LocalCertificateAuthority.ServerIdentity?
    var tlsConfiguration: TLSConfiguration?
    if let folder = configuration.certificateAuthorityFolder {
        let made = try LocalCertificateAuthority(folder: folder).serverIdentity(now: Date())
        do {
            var tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(made.certificateChainPEM.utf8)).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(made.privateKeyPEM.utf8), format: .pem)))
            tls.minimumTLSVersion = .tlsv12
            tlsConfiguration = tls
        } catch {
            throw LocalCertificateAuthorityError("cannot load the server certificate of \(folder) (\(error)); remove that folder to make a new authority")
        }
        identity = made
    } else {
        identity = nil
    }
    let holder = Mutex<LocalEndpoint?>(nil)
    var logger = Logger(label: "glueshim.endpoint")
    logger.logLevel = .critical
    let idle = configuration.idleTimeout.components
    let idleTimeout = TimeAmount.nanoseconds(idle.seconds * 1_000_000_000 + idle.attoseconds / 1_000_000_000)
    /// One listener: its bound port arrives on the stream (closed with nothing if it cannot bind).
    func listener(_ builder: HTTPServerBuilder, port: Int, transport: Transport) throws -> (server: any Service, continuation: AsyncStream<Int>.Continuation, bound: AsyncStream<Int>) {
        let boundPort = AsyncStream<Int>.makeStream()
        let server = try builder.buildServer(
            configuration: ServerConfiguration(address: .hostname("127.0.0.1", port: port), serverName: nil),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: logger,
            responder: { request, responseWriter, channel in
                guard let endpoint = holder.withLock({ $0 }) else {
                    try await responseWriter.writeResponse(HTTPResponse(status: .serviceUnavailable))
                    return
                }
                try await endpoint.router.handle(request, responseWriter: responseWriter, channel: channel, transport: transport, endpoint: endpoint)
            },
            onServerRunning: { channel in
                boundPort.continuation.yield(channel.localAddress?.port ?? 0)
                boundPort.continuation.finish()
            }
        )
        return (server, boundPort.continuation, boundPort.stream)
    }
    let http1 = HTTPServerBuilder.http1(configuration: .init(idleTimeout: idleTimeout))
    var listeners = [try listener(http1, port: configuration.port, transport: .http)]
    if let tlsConfiguration {
        listeners.append(try listener(try .tls(http1, tlsConfiguration: tlsConfiguration), port: configuration.httpsPort, transport: .https))
    }
    defer { LocalEndpoint.recordStopped(configuration) }
    return try await withThrowingTaskGroup(of: Void.self) { group in
        for (server, continuation, _) in listeners {
            group.addTask {
                // A bind failure ends run() before the port is known: close the stream so the caller wakes.
                defer { continuation.finish() }
                try await server.run()
            }
        }
        var ports: [Int] = []
        for (index, (_, _, stream)) in listeners.enumerated() {
            var port = 0
            for await p in stream { port = p }
            guard port > 0 else {
                group.cancelAll()
                let wanted = index == 0 ? configuration.port : configuration.httpsPort
                throw AWSServiceError(code: ErrorCode.internalError, status: 500, message: "the local endpoint could not bind 127.0.0.1:\(wanted)")
            }
            ports.append(port)
        }
        let port = ports[0]
        let endpoint = LocalEndpoint(configuration: configuration, port: port, httpsPort: ports.count > 1 ? ports[1] : nil,
                                     caBundlePath: identity?.caBundlePath)
        holder.withLock { $0 = endpoint }
        // Job runs and sessions are children of this scope: when `body` ends (or this task is
        // cancelled), they are cancelled and waited for while the server still answers, so each
        // records how it ended and no worker outlives the endpoint.
        let outcome: Result<T, any Error> = await withTaskGroup(of: Void.self) { work in
            work.addTask { await configuration.glueJobs.tasks.run() }
            work.addTask { await configuration.glueSessions.tasks.run() }
            let outcome: Result<T, any Error>
            do { outcome = .success(try await body(endpoint)) } catch { outcome = .failure(error) }
            work.cancelAll()
            await work.waitForAll()
            return outcome
        }
        group.cancelAll()
        return try outcome.get()
    }
}

extension LocalEndpoint {
    /// After the endpoint stopped: whatever is still marked as going (work that never started)
    /// is recorded as stopped.
    static func recordStopped(_ configuration: EndpointConfiguration) {
        let now = configuration.clock()
        configuration.glueJobs.stopUnfinished(now: now)
        configuration.glueSessions.stopAll()
    }
}
