import AWSClient
import ArgumentParser
import Endpoint
import Foundation
import GlueRuntime
import IAMPolicy
import ObjectStore
import SigV4
import World

/// `glueshim serve`: the local AWS endpoint for outside clients (AWS CLI, boto3 in pytest).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the local AWS endpoint (STS, S3, IAM, Glue, container credentials) on 127.0.0.1.",
        discussion: """
        Serves HTTP on --port and HTTPS on --https-port, with a server certificate of glueshim's \
        local certificate authority (kept in the cache folder, tls/). Prints the environment to \
        export: AWS_ENDPOINT_URL (the HTTPS URL), AWS_CA_BUNDLE and AWS_REGION, and with --as the \
        credentials of that principal (an IAM user's access keys as the world declares them or fresh \
        local ones, an account root's keys for arn:aws:iam::ACCT:root, or a fresh session of a role \
        as its trusted service gets it). Every call is logged on stderr. Stops on Ctrl-C or SIGTERM.
        """
    )

    @Option(help: "World file.")
    var world: String = "sandbox/world.yaml"

    @Option(help: "Port on 127.0.0.1 (0 picks a free one).")
    var port: Int = 4566

    @Option(name: .customLong("https-port"), help: "HTTPS port on 127.0.0.1 (0 picks a free one; default 4567, or a free one with --port 0).")
    var httpsPortOption: Int?

    /// 4567 beside the default port; with `--port 0`, a free one too, so several serves can run.
    var httpsPort: Int { httpsPortOption ?? (port == 0 ? 0 : 4567) }

    @Flag(name: .customLong("no-https"), help: "Serve HTTP only (no certificate authority is made or read).")
    var noHTTPS = false

    @Option(name: .customLong("as"), help: "Principal ARN whose credentials to print (a role, an IAM user or an account root of the world).")
    var principal: String?

    @Option(help: "Folder that keeps S3 objects, Glue jobs and job runs across restarts (default: a temporary folder, removed when serve stops).")
    var state: String?

    func run() async throws {
        // Before anything starts a worker: a signal from here on stops serve's work in order.
        let signals = SignalWaiter.install()
        let environment = CLIEnvironment.current
        let loaded: World
        do { loaded = try World.load(from: URL(fileURLWithPath: world)) } catch { fail(error.description) }
        guard (0...65535).contains(port) else { fail("--port must be 0 to 65535") }
        guard (0...65535).contains(httpsPort) else { fail("--https-port must be 0 to 65535") }
        guard noHTTPS || port == 0 || port != httpsPort else { fail("--port and --https-port must differ (or be 0)") }
        let stateURL = state.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-serve-\(UUID().uuidString)")
        // A temporary state folder is serve's own: it goes when serve stops, however it stops.
        let temporaryState = state == nil ? stateURL : nil
        defer { if let temporaryState { try? FileManager.default.removeItem(at: temporaryState) } }
        func failCleaning(_ message: String) -> Never {
            if let temporaryState { try? FileManager.default.removeItem(at: temporaryState) }
            self.fail(message)
        }
        let storeURL = stateURL.appendingPathComponent("store")
        let fresh = !FileManager.default.fileExists(atPath: storeURL.path)
        let store: ObjectStore
        do {
            store = try ObjectStore(root: storeURL)
            // A kept state folder holds what clients wrote; the world seeds only a new one.
            if fresh {
                try store.seed(from: loaded)
            } else {
                for account in loaded.accounts.values {
                    for bucket in account.buckets.keys where !store.hasBucket(bucket) { try store.createBucket(bucket) }
                }
            }
        } catch {
            failCleaning(error.description)
        }
        var configuration = EndpointConfiguration(world: loaded, store: store, events: StderrEventSink(), port: port)
        configuration.idleTimeout = environment.idleTimeout
        configuration.httpsPort = httpsPort
        if !noHTTPS {
            configuration.certificateAuthorityFolder = LocalCertificateAuthority.folder(inCache: environment.cacheDirectory)
        }
        let jobs: [String]
        do {
            jobs = try GlueShimServeJobs.enable(&configuration, world: loaded, state: stateURL, environment: environment)
        } catch {
            failCleaning(error.description)
        }
        let principal = self.principal
        do {
            try await withLocalEndpoint(configuration) { endpoint in
                var lines = ["# glueshim serve: world \(world), state \(stateURL.path)",
                             "# http: \(endpoint.url.absoluteString)"]
                if let httpsURL = endpoint.httpsURL, let caBundle = endpoint.caBundlePath {
                    lines += ["# https: \(httpsURL.absoluteString) (certificate authority \(caBundle))",
                              "export AWS_ENDPOINT_URL=\(httpsURL.absoluteString)",
                              "export AWS_CA_BUNDLE=\(caBundle)"]
                } else {
                    lines += ["export AWS_ENDPOINT_URL=\(endpoint.url.absoluteString)"]
                }
                lines += ["export AWS_REGION=\(loaded.region)",
                          "export AWS_DEFAULT_REGION=\(loaded.region)"]
                if let principal {
                    let credentials: AWSCredentials
                    do {
                        credentials = try await PrincipalCredentials.obtain(principal, world: loaded, endpoint: endpoint, sessionName: "glueshim-serve")
                    } catch {
                        throw ServeError(message: "--as \(error)")
                    }
                    lines.append("export AWS_ACCESS_KEY_ID=\(credentials.accessKeyId)")
                    lines.append("export AWS_SECRET_ACCESS_KEY=\(credentials.secretAccessKey)")
                    lines.append(credentials.sessionToken.map { "export AWS_SESSION_TOKEN=\($0)" } ?? "unset AWS_SESSION_TOKEN")
                }
                if !jobs.isEmpty { lines.append("# Glue jobs: \(jobs.joined(separator: ", "))") }
                lines.append("# serving until Ctrl-C")
                Terminal.out(lines.joined(separator: "\n") + "\n")
                // On SIGINT/SIGTERM the endpoint stops its runs and sessions (workers killed,
                // recorded as STOPPED) before it returns.
                await signals.wait()
            }
        } catch let error as ServeError {
            failCleaning(error.message)
        } catch let error as LocalCertificateAuthorityError {
            failCleaning(String(error.description.dropFirst("glueshim: ".count)))
        } catch {
            failCleaning("cannot serve on 127.0.0.1:\(port) and :\(httpsPort): \(error) (is a port in use? try --port 0 --https-port 0)")
        }
    }

    struct ServeError: Error { var message: String }

    func fail(_ message: String) -> Never {
        Terminal.err("glueshim: \(message)\n")
        Foundation.exit(2)
    }
}
