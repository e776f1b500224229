import Foundation
import SigV4

/// What Glue's job runs and sessions need of the endpoint that serves them, and nothing more:
/// where it is, its region and clock, the job registry and launcher, and the two things only the
/// endpoint can do for Glue: issue a service principal's credentials, and serve container
/// credentials to a worker.
public struct GlueHost: Sendable {
    /// `http://127.0.0.1:PORT`, what the runtime's own clients call (and workers, when the
    /// endpoint serves no HTTPS).
    public var url: URL
    /// `https://127.0.0.1:PORT2`, what workers call, as jobs in Glue reach AWS over TLS.
    public var httpsURL: URL?
    /// The certificate authority's certificate workers trust for `httpsURL` (`AWS_CA_BUNDLE`).
    public var caBundlePath: String?
    public var region: String
    public var clock: @Sendable () -> Date
    public var jobs: GlueJobRegistry
    /// Runs jobs for StartJobRun; without one, runs fail with a message.
    public var launcher: (any JobRunLauncher)?
    /// Credentials of a service principal (`glue.amazonaws.com`) valid until `expiration`, as
    /// the service holds them when it assumes a job role.
    public var issueServiceCredentials: @Sendable (_ service: String, _ expiration: Date) -> AWSCredentials
    /// Serves credentials on the container-credentials route to clients presenting `token`.
    public var registerContainerCredentials: @Sendable (_ token: String, _ provider: @escaping ContainerCredentialsProvider) -> ContainerCredentials

    public init(url: URL, httpsURL: URL? = nil, caBundlePath: String? = nil, region: String, clock: @escaping @Sendable () -> Date, jobs: GlueJobRegistry, launcher: (any JobRunLauncher)?,
                issueServiceCredentials: @escaping @Sendable (String, Date) -> AWSCredentials,
                registerContainerCredentials: @escaping @Sendable (String, @escaping ContainerCredentialsProvider) -> ContainerCredentials) {
        self.url = url
        self.httpsURL = httpsURL
        self.caBundlePath = caBundlePath
        self.region = region
        self.clock = clock
        self.jobs = jobs
        self.launcher = launcher
        self.issueServiceCredentials = issueServiceCredentials
        self.registerContainerCredentials = registerContainerCredentials
    }
}

extension GlueHost {
    /// The endpoint URL and CA bundle a worker's AWS clients use: HTTPS when served.
    public var workerEndpoint: (url: URL, caBundle: String?) {
        if let httpsURL, let caBundlePath { return (httpsURL, caBundlePath) }
        return (url, nil)
    }
}

/// Credentials served on the container-credentials route, refreshed by whoever registers them.
public typealias ContainerCredentialsProvider = @Sendable () async throws -> (AWSCredentials, Date)

/// A registration on the container-credentials route: the full URI a worker is given
/// (`AWS_CONTAINER_CREDENTIALS_FULL_URI`), and how to take it back when the run or session ends.
public struct ContainerCredentials: Sendable {
    public var uri: String
    public var unregister: @Sendable () -> Void

    public init(uri: String, unregister: @escaping @Sendable () -> Void) {
        self.uri = uri
        self.unregister = unregister
    }
}
