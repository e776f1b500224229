import Foundation
import TestSupport
import Testing

/// The endpoint's HTTPS listener and its local certificate authority, through `glueshim serve`
/// (boto3 over HTTPS and over HTTP against a bucket that denies insecure transport) and
/// `glueshim test` (a job whose calls go over HTTPS).
@Suite struct TLSEndpointTests {
    static let user = "arn:aws:iam::111111111111:user/tls-user"

    /// A user with S3 access and a bucket whose policy carries the standard DenyInsecureTransport statement.
    static let world = """
    region: us-east-1
    accounts:
      "111111111111":
        users:
          tls-user:
            accessKeys:
              - accessKeyId: AKIAGLUESHIMTLSUSER01
                secretAccessKey: local-test-secret-for-tls-user-00000000
            managedPolicies:
              - arn:aws:iam::aws:policy/AmazonS3FullAccess
        buckets:
          tls-only-bucket:
            policy: |
              {"Version": "2012-10-17", "Statement": [{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                "Action": "s3:*", "Resource": ["arn:aws:s3:::tls-only-bucket", "arn:aws:s3:::tls-only-bucket/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    """

    func worldFile() throws -> URL {
        let file = temporaryFolder("tls-world").appendingPathComponent("world.yaml")
        try Self.world.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// boto3 talks to serve over HTTPS trusting the printed CA bundle; the same call over HTTP is
    /// denied by the bucket's DenyInsecureTransport statement; without the bundle the certificate
    /// is refused.
    @Test func boto3OverHTTPSPassesDenyInsecureTransport() async throws {
        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.
        try await offPool { try self.boto3OverHTTPSPassesDenyInsecureTransportBody() }
    }

    func boto3OverHTTPSPassesDenyInsecureTransportBody() throws {
        let serve = try ServeProcess(world: try worldFile(), as: Self.user)
        defer { serve.stop() }
        let endpoint = try #require(serve.environment["AWS_ENDPOINT_URL"])
        let bundle = try #require(serve.environment["AWS_CA_BUNDLE"], "\(serve.banner)")
        let http = try #require(serve.httpURL, "\(serve.banner)")
        #expect(endpoint.hasPrefix("https://127.0.0.1:"))
        #expect(http.absoluteString.hasPrefix("http://127.0.0.1:"))
        #expect(serve.banner.contains("# https: \(endpoint) (certificate authority \(bundle))"))
        #expect(FileManager.default.fileExists(atPath: bundle))
        let result = try serve.python("""
        import json, os, socket, ssl
        import boto3
        from botocore.config import Config
        from botocore.exceptions import ClientError, SSLError

        https = os.environ["AWS_ENDPOINT_URL"]
        plain = "\(http.absoluteString)"
        out = {}
        s3 = boto3.client("s3", config=Config(retries={"max_attempts": 1}))
        s3.put_object(Bucket="tls-only-bucket", Key="k.txt", Body=b"over tls")
        out["get"] = s3.get_object(Bucket="tls-only-bucket", Key="k.txt")["Body"].read().decode()
        out["sts"] = boto3.client("sts").get_caller_identity()["Arn"]

        insecure = boto3.client("s3", endpoint_url=plain, config=Config(retries={"max_attempts": 1}))
        try:
            insecure.get_object(Bucket="tls-only-bucket", Key="k.txt")
            out["http"] = "allowed"
        except ClientError as e:
            out["http"] = e.response["Error"]["Code"]
            out["http_message"] = e.response["Error"]["Message"]
        out["http_sts"] = boto3.client("sts", endpoint_url=plain).get_caller_identity()["Arn"]

        # The negotiated protocol, with the CA bundle as the only trust root.
        context = ssl.create_default_context(cafile=os.environ["AWS_CA_BUNDLE"])
        port = int(https.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                out["version"] = tls.version()
        with socket.create_connection(("127.0.0.1", port)) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                out["localhost"] = tls.getpeercert()["subjectAltName"]

        # Without the bundle, botocore's default trust store refuses the certificate.
        del os.environ["AWS_CA_BUNDLE"]
        untrusting = boto3.session.Session().client("s3", config=Config(retries={"max_attempts": 1}))
        try:
            untrusting.list_objects_v2(Bucket="tls-only-bucket")
            out["unverified"] = "accepted"
        except SSLError as e:
            out["unverified"] = "CERTIFICATE_VERIFY_FAILED" if "CERTIFICATE_VERIFY_FAILED" in str(e) else str(e)
        print(json.dumps(out))
        """)
        #expect(result["get"] as? String == "over tls")
        #expect(result["sts"] as? String == Self.user)
        #expect(result["http"] as? String == "AccessDenied", "\(result)")
        let message = result["http_message"] as? String ?? ""
        #expect(message.contains("with an explicit deny in a resource-based policy"), "\(message)")
        // STS has no resource policy: the HTTP listener still answers.
        #expect(result["http_sts"] as? String == Self.user)
        let version = result["version"] as? String ?? ""
        #expect(version == "TLSv1.3" || version == "TLSv1.2", "\(version)")
        let names = "\(result["localhost"] ?? "")"
        #expect(names.contains("localhost") && names.contains("127.0.0.1"), "\(names)")
        #expect(result["unverified"] as? String == "CERTIFICATE_VERIFY_FAILED", "\(result)")
    }

    /// The authority is made once per cache folder: a second serve reuses its files untouched,
    /// and a removed server certificate is made again, signed by the same authority.
    @Test func certificateAuthorityIsKeptAcrossServes() async throws {
        try await offPool { try self.certificateAuthorityIsKeptAcrossServesBody() }
    }

    func certificateAuthorityIsKeptAcrossServesBody() throws {
        // A cache of its own for the authority, sharing the job environment already provisioned.
        let cache = temporaryFolder("tls-cache")
        let shared = URL(fileURLWithPath: jobPython).deletingLastPathComponent().deletingLastPathComponent()
        try FileManager.default.createSymbolicLink(at: cache.appendingPathComponent(shared.lastPathComponent), withDestinationURL: shared)
        let world = try worldFile()
        let first = try ServeProcess(world: world, as: Self.user, extraEnvironment: ["GLUESHIM_CACHE": cache.path])
        let bundle = try #require(first.environment["AWS_CA_BUNDLE"])
        first.stop()
        #expect(bundle == cache.path + "/tls/ca.pem")
        let folder = cache.appendingPathComponent("tls")
        func read(_ name: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(name)) }
        let ca = try read("ca.pem"), caKey = try read("ca-key.pem"), leaf = try read("server.pem")
        for key in ["ca-key.pem", "server-key.pem"] {
            let mode = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(key).path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(key): \(String(mode ?? 0, radix: 8))")
        }

        let second = try ServeProcess(world: world, as: Self.user, extraEnvironment: ["GLUESHIM_CACHE": cache.path])
        second.stop()
        #expect(try read("ca.pem") == ca)
        #expect(try read("ca-key.pem") == caKey)
        #expect(try read("server.pem") == leaf)

        // A corrupt server certificate is replaced; the authority stays, and clients trusting it still connect.
        try Data("not a certificate".utf8).write(to: folder.appendingPathComponent("server.pem"))
        let third = try ServeProcess(world: world, as: Self.user, extraEnvironment: ["GLUESHIM_CACHE": cache.path])
        defer { third.stop() }
        #expect(try read("ca.pem") == ca)
        #expect(try read("server.pem") != leaf)
        let result = try third.python("""
        import json, boto3
        print(json.dumps({"arn": boto3.client("sts").get_caller_identity()["Arn"]}))
        """)
        #expect(result["arn"] as? String == Self.user)
    }

    /// A job's calls reach the endpoint over HTTPS: the run's events record the transport and
    /// TLS version, and `simulate` decides the bucket's DenyInsecureTransport as the run did.
    @Test func jobCallsGoOverHTTPS() async throws {
        try await offPool { try self.jobCallsGoOverHTTPSBody() }
    }

    func jobCallsGoOverHTTPSBody() throws {
        let runs = temporaryFolder("runs")
        let result = try glueshim(["test", "jobs/tls-only-bucket", "--runs-dir", runs.path])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let calls = try events(try onlyRun(in: runs))
        let get = try #require(calls.first { $0["action"] as? String == "s3:GetObject" && ($0["resource"] as? String ?? "").hasPrefix("arn:aws:s3:::bucket-kjshadjas") })
        #expect(get["decision"] as? String == "allow")
        let request = try #require(get["request"] as? [String: Any])
        #expect(request["transport"] as? String == "https")

        // simulate assumes the transport of jobs: HTTPS, so the statement does not apply; over HTTP it denies.
        let world = try worldFile()
        let object = "arn:aws:s3:::tls-only-bucket/k.txt"
        let secure = try glueshim(["simulate", "--world", world.path, "--principal", Self.user, "--action", "s3:GetObject", "--resource", object])
        #expect(secure.stdout.hasPrefix("decision: Allowed"), "\(secure.stdout)\(secure.stderr)")
        let insecure = try glueshim(["simulate", "--world", world.path, "--principal", Self.user, "--action", "s3:GetObject", "--resource", object,
                                     "--transport", "http"])
        #expect(insecure.stdout.hasPrefix("decision: ExplicitlyDenied"), "\(insecure.stdout)\(insecure.stderr)")
    }
}
