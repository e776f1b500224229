import Foundation
import TestSupport
import Crypto
import RawHTTP
import SigV4
import Testing

/// Hostile requests against `glueshim serve`, byte for byte over sockets: malformed bodies, oversized
/// headers, lying lengths, keys that try to leave the store, slow clients. Each gets a clean AWS error
/// or a closed connection; the server keeps serving everyone else, in bounded memory.
@Suite(.serialized) struct HostileRequestTests {
    static let root = "arn:aws:iam::111111111111:root"
    static let bucket = "hostile-bucket"

    /// A served endpoint with the root's keys, signing raw requests.
    struct Client {
        let serve: ServeProcess
        let port: Int
        let credentials: AWSCredentials

        init(idleTimeout: Double? = nil) throws {
            var extra: [String: String] = [:]
            if let idleTimeout { extra["GLUESHIM_IDLE_TIMEOUT_SECONDS"] = String(idleTimeout) }
            serve = try ServeProcess(as: HostileRequestTests.root, extraEnvironment: extra)
            // Raw requests go to the plain-HTTP listener.
            port = serve.httpURL!.port!
            credentials = AWSCredentials(accessKeyId: serve.environment["AWS_ACCESS_KEY_ID"]!,
                                         secretAccessKey: serve.environment["AWS_SECRET_ACCESS_KEY"]!,
                                         sessionToken: serve.environment["AWS_SESSION_TOKEN"])
        }

        /// Headers of a request signed for `service` (path and query exactly as sent).
        func sign(_ method: String, _ path: String, query: String = "", headers: [(String, String)] = [], body: [UInt8] = [],
                  service: String = "s3", payloadHash: String? = nil) -> [(String, String)] {
            RequestSigner(credentials: credentials, service: service)
                .sign(method, path, query: query, headers: [("Host", "127.0.0.1:\(port)")] + headers, body: body, payloadHash: payloadHash)
        }

        /// Sends a signed request on a new connection.
        func send(_ method: String, _ path: String, query: String = "", headers: [(String, String)] = [], body: [UInt8] = [],
                  service: String = "s3") throws -> RawResponse? {
            let signed = sign(method, path, query: query, headers: headers, body: body, service: service)
            return try rawRequest(port: port, method: method, target: query.isEmpty ? path : "\(path)?\(query)", headers: signed, body: body)
        }

        /// A well-behaved request: the server still answers it.
        func healthy() throws -> Bool {
            try send("GET", "/\(HostileRequestTests.bucket)", query: "list-type=2")?.status == 200
        }

        /// Opens a connection and sends the head of a signed, unsigned-payload PUT that declares
        /// `length` bytes; the caller sends (or withholds) the body.
        func openPut(_ path: String, length: Int, headers: [(String, String)] = [], timeout: TimeInterval) throws -> RawConnection {
            var all = sign("PUT", path, headers: headers, payloadHash: SigV4.unsignedPayload)
            all.append(("Content-Length", String(length)))
            let connection = try RawConnection(port: port, timeout: timeout)
            connection.send("PUT \(path) HTTP/1.1\r\n" + all.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n")
            return connection
        }

        func createBucket() throws {
            let response = try send("PUT", "/\(HostileRequestTests.bucket)")
            guard response?.status == 200 else { throw RawConnection.Failure(description: "CreateBucket: \(response?.text ?? "no response")") }
        }

        /// The server's peak resident size (VmHWM), in MiB.
        var peakMiB: Int {
            let status = (try? String(contentsOfFile: "/proc/\(serve.pid)/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
        }

        var openDescriptors: Int {
            (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(serve.pid)/fd").count) ?? -1
        }
    }

    static func md5(_ bytes: [UInt8]) -> String {
        Data(Insecure.MD5.hash(data: bytes)).base64EncodedString()
    }

    @Test func malformedBodiesGetAWSErrors() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.malformedBodiesGetAWSErrorsBody() }

    }


    func malformedBodiesGetAWSErrorsBody() throws {
        let c = try Client()
        defer { c.serve.stop() }
        try c.createBucket()
        let xmlHeaders = { (body: [UInt8]) in [("Content-MD5", Self.md5(body)), ("Content-Type", "application/xml")] }
        let json = [("Content-Type", "application/x-amz-json-1.1")]
        let form = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        let upload = try c.send("POST", "/\(Self.bucket)/mp.bin", query: "uploads=")
        let uploadId = upload.flatMap { r in r.text.components(separatedBy: "<UploadId>").dropFirst().first?.components(separatedBy: "<").first } ?? ""
        #expect(!uploadId.isEmpty, "CreateMultipartUpload: \(upload?.text ?? "no response")")

        let truncated = Array("<Delete><Object><Key>a</Key>".utf8)
        let binary: [UInt8] = (0..<512).map { UInt8(truncatingIfNeeded: $0 &* 131) }
        let cases: [(String, () throws -> RawResponse?, String, Int)] = [
            ("DeleteObjects, truncated XML", { try c.send("POST", "/\(Self.bucket)", query: "delete=", headers: xmlHeaders(truncated), body: truncated) }, "MalformedXML", 400),
            ("DeleteObjects, binary", { try c.send("POST", "/\(Self.bucket)", query: "delete=", headers: xmlHeaders(binary), body: binary) }, "MalformedXML", 400),
            ("PutBucketTagging, unclosed", { let b = Array("<Tagging><TagSet><Tag><Key>k</Key>".utf8)
                return try c.send("PUT", "/\(Self.bucket)", query: "tagging=", headers: xmlHeaders(b), body: b) }, "MalformedXML", 400),
            ("CompleteMultipartUpload, not XML", { let b = Array("{\"Parts\": 1}".utf8)
                return try c.send("POST", "/\(Self.bucket)/mp.bin", query: "uploadId=\(uploadId)", body: b) }, "MalformedXML", 400),
            ("PutBucketPolicy, truncated JSON", { let b = Array("{\"Version\": \"2012-10-17\", \"Statement\": [".utf8)
                return try c.send("PUT", "/\(Self.bucket)", query: "policy=", body: b) }, "MalformedPolicy", 400),
            ("Glue CreateJob, truncated JSON", { try c.send("POST", "/", headers: json + [("X-Amz-Target", "AWSGlue.CreateJob")], body: Array("{\"Name\": ".utf8), service: "glue") },
             "SerializationException", 400),
            ("Glue CreateJob, JSON array", { try c.send("POST", "/", headers: json + [("X-Amz-Target", "AWSGlue.CreateJob")], body: Array("[1, 2]".utf8), service: "glue") },
             "SerializationException", 400),
            ("Glue CreateJob, wrong types", { try c.send("POST", "/", headers: json + [("X-Amz-Target", "AWSGlue.CreateJob")],
                                                        body: Array("{\"Name\": 5, \"Role\": [], \"Command\": \"x\"}".utf8), service: "glue") },
             "InvalidInputException", 400),
            ("STS, no Action", { try c.send("POST", "/", headers: form, body: Array("Version=2011-06-15".utf8), service: "sts") }, "MissingAction", 400),
            ("STS, unknown Action", { try c.send("POST", "/", headers: form, body: Array("Action=Frobnicate&Version=2011-06-15".utf8), service: "sts") }, "InvalidAction", 400),
            ("STS, bad percent-encoding", { try c.send("POST", "/", headers: form, body: Array("Action=AssumeRole&Version=2011-06-15&RoleArn=%ZZ%&RoleSessionName=%".utf8), service: "sts") },
             "ValidationError", 400),
            ("IAM, GetRole without RoleName", { try c.send("POST", "/", headers: form, body: Array("Action=GetRole&Version=2010-05-08".utf8), service: "iam") }, "ValidationError", 400),
            ("ListObjectsV2, max-keys not a number", { try c.send("GET", "/\(Self.bucket)", query: "list-type=2&max-keys=lots") }, "InvalidArgument", 400),
            ("ListObjectsV2, bad continuation token", { try c.send("GET", "/\(Self.bucket)", query: "continuation-token=%00%FF&list-type=2") }, "InvalidArgument", 400),
        ]
        var tried = 0, clean = 0
        for (name, send, code, status) in cases {
            tried += 1
            let response = try send()
            if response?.code == code && response?.status == status { clean += 1 }
            #expect(response?.code == code && response?.status == status, "\(name): \(response.map { "\($0.status) \($0.text)" } ?? "no response")")
        }
        #expect(tried == clean && tried == cases.count)
        #expect(try c.healthy())
    }

    @Test func oversizedHeadersAreRefusedAndTheServerCarriesOn() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.oversizedHeadersAreRefusedAndTheServerCarriesOnBody() }

    }


    func oversizedHeadersAreRefusedAndTheServerCarriesOnBody() throws {
        let c = try Client()
        defer { c.serve.stop() }
        try c.createBucket()
        // One header of 1 MiB, and 5,000 small headers: refused at the HTTP layer (400 or a closed connection).
        let huge = try rawRequest(port: c.port, method: "GET", target: "/\(Self.bucket)",
                                  headers: [("Host", "127.0.0.1:\(c.port)"), ("x-amz-meta-huge", String(repeating: "a", count: 1 << 20))])
        #expect(huge == nil || (400..<500).contains(huge!.status), "\(huge?.status ?? 0)")
        let many = try rawRequest(port: c.port, method: "GET", target: "/\(Self.bucket)",
                                  headers: [("Host", "127.0.0.1:\(c.port)")] + (0..<5000).map { ("x-h\($0)", "v") })
        #expect(many == nil || (400..<500).contains(many!.status), "\(many?.status ?? 0)")
        // User metadata past S3's 2 KB, signed and within HTTP's limits: S3's own error.
        let metadata = try c.send("PUT", "/\(Self.bucket)/meta.txt", headers: [("x-amz-meta-big", String(repeating: "m", count: 2100))], body: Array("x".utf8))
        #expect(metadata?.code == "MetadataTooLarge" && metadata?.status == 400, "\(metadata?.text ?? "no response")")
        #expect(try c.healthy())
    }

    @Test func lyingLengthsLeaveNoObjectAndBoundedMemory() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.lyingLengthsLeaveNoObjectAndBoundedMemoryBody() }

    }


    func lyingLengthsLeaveNoObjectAndBoundedMemoryBody() throws {
        let c = try Client()
        defer { c.serve.stop() }
        try c.createBucket()

        // Declares 1 GiB, sends 1 MiB, then stops sending: no object, the connection ends.
        let path = "/\(Self.bucket)/declared-1gib.bin"
        let short = try c.openPut(path, length: 1 << 30, timeout: 30)
        short.send([UInt8](repeating: 7, count: 1 << 20))
        short.shutdownWrite()
        let shortResponse = short.readResponse()
        #expect(shortResponse == nil || shortResponse!.status >= 400, "short body answered \(shortResponse?.status ?? 0)")
        #expect(try c.send("HEAD", path)?.status == 404)

        // 1 GiB really sent, with a Content-MD5 of other bytes: BadDigest, no object, memory stays flat.
        let bigPath = "/\(Self.bucket)/wrong-md5.bin"
        let piece = [UInt8](repeating: 0x5A, count: 1 << 20)
        let big = try c.openPut(bigPath, length: 1 << 30, headers: [("Content-MD5", Self.md5(Array("other".utf8)))], timeout: 120)
        var sent = 0
        while sent < 1 << 30, big.send(piece) { sent += piece.count }
        let bigResponse = big.readResponse()
        #expect(sent == 1 << 30)
        #expect(bigResponse?.code == "BadDigest" && bigResponse?.status == 400, "\(bigResponse?.text ?? "no response")")
        #expect(try c.send("HEAD", bigPath)?.status == 404)

        // Declares 10 bytes and sends 1,000: the object is the 10 declared bytes; the rest is not a request.
        let overPath = "/\(Self.bucket)/over.bin"
        let over = try c.openPut(overPath, length: 10, timeout: 30)
        over.send([UInt8](repeating: UInt8(ascii: "z"), count: 1000))
        #expect(over.readResponse()?.status == 200)
        let stray = over.readResponse()
        #expect(stray == nil || stray!.status == 400, "stray bytes answered \(stray?.status ?? 0)")
        let stored = try c.send("GET", overPath)
        #expect(stored?.body == [UInt8](repeating: UInt8(ascii: "z"), count: 10))

        // aws-chunked whose decoded length is declared one byte longer than the chunks carry.
        let chunkedPath = "/\(Self.bucket)/chunked.bin"
        let data = [UInt8](repeating: 1, count: 100_000)
        let body = AWSChunkedEncoder.unsigned(data, trailers: [("x-amz-checksum-crc32", S3Checksum.crc32.base64(of: data))])
        let chunked = try rawRequest(port: c.port, method: "PUT", target: chunkedPath, headers: c.sign(
            "PUT", chunkedPath, headers: [("Content-Encoding", "aws-chunked"), ("x-amz-decoded-content-length", String(data.count + 1)),
                                          ("x-amz-trailer", "x-amz-checksum-crc32"), ("Content-Length", String(body.count))],
            payloadHash: AWSChunkedDecoder.unsignedPayloadTrailer), body: body)
        #expect(chunked.map { $0.status == 400 } ?? true, "\(chunked?.text ?? "no response")")
        #expect(try c.send("HEAD", chunkedPath)?.status == 404)

        #expect(try c.healthy())
        #expect(c.peakMiB > 0 && c.peakMiB < 256, "peak RSS \(c.peakMiB) MiB")
    }

    /// Every file under the state folder with its size.
    static func files(under folder: URL) -> [String: Int] {
        var result: [String: Int] = [:]
        let keys: [URLResourceKey] = [.fileSizeKey, .isRegularFileKey]
        guard let walk = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: keys) else { return result }
        for case let url as URL in walk {
            let values = try? url.resourceValues(forKeys: Set(keys))
            if values?.isRegularFile == true { result[url.path] = values?.fileSize ?? 0 }
        }
        return result
    }

    /// A 1 GiB upload whose signature is wrong, or whose key is unknown, is refused from its head:
    /// the answer comes before any byte of the body is sent, and nothing is written.
    @Test func uploadsAreAuthenticatedBeforeTheirBody() async throws {
        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.
        try await offPool { try self.uploadsAreAuthenticatedBeforeTheirBodyBody() }
    }

    func uploadsAreAuthenticatedBeforeTheirBodyBody() throws {
        let c = try Client()
        defer { c.serve.stop() }
        try c.createBucket()
        let before = Self.files(under: c.serve.state)
        let path = "/\(Self.bucket)/refused.bin"

        func openHead(_ tamper: (String) -> String) throws -> RawConnection {
            var headers = c.sign("PUT", path, payloadHash: SigV4.unsignedPayload)
            headers = headers.map { $0.0.lowercased() == "authorization" ? ($0.0, tamper($0.1)) : $0 }
            headers.append(("Content-Length", String(1 << 30)))
            let connection = try RawConnection(port: c.port, timeout: 20)
            connection.send("PUT \(path) HTTP/1.1\r\n" + headers.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n")
            return connection
        }

        // A signature off by one character: answered with no body sent.
        let badSignature = try openHead { header in
            let last = header.last == "0" ? "1" : "0"
            return String(header.dropLast()) + last
        }
        let refused = badSignature.readResponse()
        #expect(refused?.status == 403 && refused?.code == "SignatureDoesNotMatch", "\(refused?.text ?? "no answer before the body")")

        // A key the endpoint never issued.
        let unknownKey = try openHead { $0.replacingOccurrences(of: c.credentials.accessKeyId, with: "AKIAUNKNOWNKEY000000") }
        let unknown = unknownKey.readResponse()
        #expect(unknown?.status == 403 && unknown?.code == "InvalidAccessKeyId", "\(unknown?.text ?? "no answer before the body")")

        // A bad signature followed at once by 64 MiB of body: still refused, still nothing kept.
        let pushed = try openHead { String($0.dropLast()) + ($0.last == "0" ? "1" : "0") }
        let piece = [UInt8](repeating: 0x41, count: 1 << 20)
        for _ in 0..<64 where pushed.send(piece) {}
        #expect(pushed.readResponse()?.code == "SignatureDoesNotMatch")

        #expect(try c.send("HEAD", path)?.status == 404)
        #expect(try c.healthy())
        let after = Self.files(under: c.serve.state)
        #expect(after == before, "written under the state folder: \(Set(after.keys).subtracting(before.keys).sorted())")
    }

    @Test func keysThatClimbOrCarryNULStayInsideTheStore() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.keysThatClimbOrCarryNULStayInsideTheStoreBody() }

    }


    func keysThatClimbOrCarryNULStayInsideTheStoreBody() throws {
        let c = try Client()
        defer { c.serve.stop() }
        try c.createBucket()
        let marker = "glueshim-escape-\(UUID().uuidString)"
        let outside = URL(fileURLWithPath: "/tmp").appendingPathComponent(marker)
        let climbing = ["../../../../../../tmp/\(marker)", "a/%2E%2E/%2E%2E/%2E%2E/%2E%2E/tmp/\(marker)", "..%2F..%2F..%2Ftmp%2F\(marker)", "./x//y/", "%E2%98%83/\(marker)"]
        for raw in climbing {
            let path = "/\(Self.bucket)/\(raw)"
            let put = try c.send("PUT", path, body: Array(raw.utf8))
            #expect(put?.status == 200, "\(raw): \(put?.text ?? "no response")")
            #expect(try c.send("GET", path)?.body == Array(raw.utf8), "\(raw) reads back")
        }
        #expect(!FileManager.default.fileExists(atPath: outside.path))
        // Nothing was written next to the state folder either.
        let parent = c.serve.state.deletingLastPathComponent()
        let escaped = (try? FileManager.default.contentsOfDirectory(atPath: parent.path))?.filter { $0.contains(marker) || $0 == "tmp" } ?? []
        #expect(escaped.isEmpty, "\(escaped)")
        let listing = try c.send("GET", "/\(Self.bucket)", query: "encoding-type=url&list-type=2")
        let keys = (listing?.text ?? "").components(separatedBy: "<Key>").dropFirst().map { String($0.prefix { $0 != "<" }).removingPercentEncoding ?? "" }
        let expected = climbing.map { $0.removingPercentEncoding! }
        #expect(Set(keys) == Set(expected), "\(keys)")

        // NUL: as an escaped key byte it is an ordinary key, listed URL-encoded; raw in the request line it is not HTTP.
        let nul = try c.send("PUT", "/\(Self.bucket)/nul%00key", body: Array("n".utf8))
        #expect(nul?.status == 200, "\(nul?.text ?? "no response")")
        let encoded = try c.send("GET", "/\(Self.bucket)", query: "encoding-type=url&list-type=2&prefix=nul")
        #expect(encoded?.text.contains("<Key>nul%00key</Key>") == true, "\(encoded?.text ?? "no response")")
        let rawNUL = try RawConnection(port: c.port, timeout: 10)
        rawNUL.send(Array("GET /\(Self.bucket)/a".utf8) + [0] + Array("b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
        let rawAnswer = rawNUL.readResponse()
        #expect(rawAnswer == nil || rawAnswer!.status == 400)
        // Bucket names that climb are not bucket names; a 1,025-byte key is too long.
        #expect(try c.send("PUT", "/../\(marker)", body: [1])?.status ?? 0 >= 400)
        #expect(try c.send("PUT", "/\(Self.bucket)/\(String(repeating: "k", count: 1025))", body: [1])?.code == "KeyTooLongError")
        #expect(!FileManager.default.fileExists(atPath: outside.path))
        #expect(try c.healthy())
    }

    @Test func slowClientsAreCutOffAndOthersAreServed() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.slowClientsAreCutOffAndOthersAreServedBody() }

    }


    func slowClientsAreCutOffAndOthersAreServedBody() throws {
        let c = try Client(idleTimeout: 2)
        defer { c.serve.stop() }
        try c.createBucket()
        let baseline = c.openDescriptors
        // 200 connections that send part of a request head and then trickle a byte now and then.
        let slow = try (0..<200).map { _ in try RawConnection(port: c.port, timeout: 15) }
        for connection in slow { connection.send("PUT /\(Self.bucket)/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nx-amz-") }
        let trickle = Thread {
            for _ in 0..<6 {
                Thread.sleep(forTimeInterval: 0.5)
                for connection in slow { connection.send("a") }
            }
        }
        trickle.start()
        // Meanwhile a well-behaved client is answered every time.
        var answered = 0
        for _ in 0..<20 where try c.healthy() { answered += 1 }
        #expect(answered == 20)
        // The server closes every slow connection by itself (its idle timeout), and lets go of their descriptors.
        let closed = slow.filter { $0.isClosedByPeer() }.count
        #expect(closed == slow.count, "\(closed) of \(slow.count) slow connections closed by the server")
        var descriptors = c.openDescriptors
        for _ in 0..<50 where descriptors > baseline + 5 {
            Thread.sleep(forTimeInterval: 0.1)
            descriptors = c.openDescriptors
        }
        #expect(descriptors <= baseline + 5, "descriptors \(baseline) before, \(descriptors) after")
        #expect(try c.healthy())
    }

    @Test func stoppingDuringAnUploadEndsCleanly() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.stoppingDuringAnUploadEndsCleanlyBody() }

    }


    func stoppingDuringAnUploadEndsCleanlyBody() throws {
        let c = try Client()
        try c.createBucket()
        let path = "/\(Self.bucket)/interrupted.bin"
        let connection = try c.openPut(path, length: 1 << 20, timeout: 10)
        connection.send([UInt8](repeating: 3, count: 1000))
        Thread.sleep(forTimeInterval: 0.3)
        c.serve.stop()
        // SIGTERM with a request in flight: an orderly exit, not a crash.
        #expect(c.serve.process.terminationReason == .exit, "\(c.serve.process.terminationReason.rawValue) \(c.serve.process.terminationStatus)")
    }
}
