import Foundation
import GlueDomain
import FuzzMain
import ObjectStore
import SigV4
import World
@testable import Endpoint

// Input: one selector byte picking the request, then optional extra header lines ("Name: value")
// ended by an empty line, then the body. Every request is signed with the world's user
// (allowed everything) and answered by the endpoint's router, in-process, exactly as the HTTP
// server hands requests over: the fuzzed bytes reach the S3 XML readers, the STS and IAM form
// parsers and the Glue and Logs JSON readers past authentication and authorization.
//
//   0  S3 DeleteObjects            POST /fuzz-bucket?delete                (CRC32 checksum added unless given)
//   1  S3 CompleteMultipartUpload  POST /fuzz-bucket/mp-key?uploadId=ID
//   2  S3 PutBucketTagging         PUT  /fuzz-bucket?tagging
//   3  S3 PutObjectTagging         PUT  /fuzz-bucket/obj-key?tagging
//   4  S3 CreateBucket             PUT  /fuzz-new-bucket                   (CreateBucketConfiguration)
//   5  S3 PutBucketPolicy          PUT  /fuzz-bucket?policy                (deleted again after)
//   6  STS                         POST /                                  (form body)
//   7  IAM                         POST /                                  (form body)
//   8  Glue                        POST /  X-Amz-Target: AWSGlue.<first body line>, JSON after it
//   9  CloudWatch Logs             POST /  X-Amz-Target: Logs_20140328.<first body line>
//  10  S3 GET /fuzz-bucket?<body>  (listings; the body is the query string)
//  11  S3 GetObject                GET  /fuzz-bucket/obj-key               (Range, conditions in headers)
//  12  S3 PutObject / CopyObject   PUT  /fuzz-bucket/put-key               (x-amz-content-sha256 from the
//                                  headers is the payload hash: STREAMING-... bodies are aws-chunked)

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let credentials = AWSCredentials(accessKeyId: "AKIAFUZZEXAMPLE00001", secretAccessKey: "fuzz-secret-access-key-0000000000000000")
private let now = Date(timeIntervalSince1970: 1_767_225_600)
private let world: World = {
    do { return try World.load(from: root.appendingPathComponent("world.yaml")) } catch { fatalError("cannot load Fuzz/world.yaml: \(error)") }
}()
/// tmpfs when there is one: stores fsync every object they write.
private let storeFolder: URL = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
    return base.appendingPathComponent("glueshim-fuzz-\(getpid())")
}()
private let store: ObjectStore = {
    do {
        let store = try ObjectStore(root: storeFolder)
        try store.seed(from: world)
        atexit { try? FileManager.default.removeItem(at: storeFolder) }
        return store
    } catch { fatalError("cannot make the object store: \(error)") }
}()

private final class Reply: @unchecked Sendable {
    var response: EndpointResponse?
}

private struct NoEvents: EventSink {
    func record(_ event: CallEvent) {}
}

/// One finished run of job "nightly" with a few log events, for the CloudWatch Logs calls.
private let runId = "jr_" + String(repeating: "0f", count: 32)
private let runsFolder: URL = {
    let runs = storeFolder.appendingPathComponent("runs")
    let log = runs.appendingPathComponent(runId).appendingPathComponent("output.log")
    do {
        try FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("starting\nERROR: boom\ndone\n".utf8).write(to: log)
        var events = Data()
        for (i, line) in ["starting", "ERROR: boom", "done"].enumerated() {
            events += RunLogEvents.encode(line: Data(line.utf8), at: now.addingTimeInterval(Double(i)))
        }
        try events.write(to: RunLogEvents.eventsFile(for: log))
    } catch { fatalError("cannot write the run's logs: \(error)") }
    return runs
}()

private func jobsWithOneRun() -> GlueJobRegistry {
    let registry = GlueJobRegistry()
    let job = JobDefinition(Name: "nightly", Role: "glue-job-role", Command: .init(Name: "pythonshell", ScriptLocation: "s3://fuzz-bucket/job.py"))
    _ = registry.create(StoredJob(definition: job, createdOn: now, account: "111111111111"))
    let run = JobRunRecord(Id: runId, Attempt: 0, JobName: "nightly", StartedOn: now, LastModifiedOn: now, CompletedOn: now,
                           JobRunState: "SUCCEEDED", Arguments: [:], Timeout: 10, MaxCapacity: 0.0625, GlueVersion: "3.0")
    _ = registry.admit(run, limit: 1)
    return registry
}

/// Signs and answers one request on a fresh endpoint over the shared world and store (credentials
/// issued, jobs created and events of earlier inputs do not pile up). The job registry has one
/// finished run, whose logs the CloudWatch Logs calls read.
private func send(_ service: String, _ method: String, _ path: String, query: String = "",
                  headers extra: [(name: String, value: String)] = [], body: Data = Data()) -> EndpointResponse {
    var configuration = EndpointConfiguration(world: world, store: store, credentials: CredentialStore(), events: NoEvents(),
                                              clock: { now })
    configuration.glueJobs = jobsWithOneRun()
    configuration.runsDirectory = runsFolder
    let endpoint = LocalEndpoint(configuration: configuration, port: 0)
    var headers: [(name: String, value: String)] = [("host", "127.0.0.1:9000")]
    headers += extra.filter { !["host", "authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"].contains($0.name.lowercased()) }
    let declared = extra.first { $0.name.lowercased() == "x-amz-content-sha256" }?.value
    let payloadHash = service == "s3" ? declared ?? SigV4.hexSHA256(body) : SigV4.hexSHA256(body)
    let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: service)
    headers += signer.signedHeaders(method: method, path: path, query: query, headers: headers, payloadHash: payloadHash, date: now)
    if service != "s3", let declared { headers.append(("x-amz-content-sha256", declared)) }
    let request = EndpointRequest(method: method, rawPath: path, rawQuery: query, headers: headers, body: body, requestId: "FUZZ0000000000000")
    let reply = Reply()
    let done = DispatchSemaphore(value: 0)
    Task {
        reply.response = await endpoint.router.route(request, endpoint: endpoint)
        done.signal()
    }
    done.wait()
    return reply.response!
}

private func text(_ response: EndpointResponse) -> String { String(decoding: response.body, as: UTF8.self) }

private func element(_ name: String, in xml: String) -> String? {
    guard let start = xml.range(of: "<\(name)>"), let end = xml.range(of: "</\(name)>", range: start.upperBound..<xml.endIndex) else { return nil }
    return String(xml[start.upperBound..<end.lowerBound])
}

/// A multipart upload of mp-key with one part, "fuzz part one" (ETag "f5a2740b80416210e26d35ad8beda716", as in the seed corpus).
private func newUpload() -> String {
    let created = send("s3", "POST", "/fuzz-bucket/mp-key", query: "uploads")
    guard created.status == 200, let id = element("UploadId", in: text(created)) else { fatalError("CreateMultipartUpload failed: \(text(created))") }
    let part = send("s3", "PUT", "/fuzz-bucket/mp-key", query: "partNumber=1&uploadId=\(id)", body: Data("fuzz part one".utf8))
    guard part.status == 200 else { fatalError("UploadPart failed: \(text(part))") }
    return id
}

nonisolated(unsafe) private var uploadId: String = {
    let object = send("s3", "PUT", "/fuzz-bucket/obj-key", headers: [("Content-Type", "text/plain")], body: Data("0123456789abcdefghij".utf8))
    guard object.status == 200 else { fatalError("PutObject failed: \(text(object))") }
    return newUpload()
}()

/// What an HTTP parser lets through: token names, values without control characters, trimmed.
private func headerLines(_ bytes: ArraySlice<UInt8>) -> [(name: String, value: String)] {
    var out: [(name: String, value: String)] = []
    for line in bytes.split(separator: 10) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
        let name = line[line.startIndex..<colon]
        let value = line[(colon + 1)...]
        guard !name.isEmpty, name.allSatisfy(isTokenByte), !value.contains(where: { $0 < 0x20 && $0 != 9 || $0 == 0x7F }) else { continue }
        out.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self).trimmingCharacters(in: .whitespaces)))
    }
    return out
}

private func isTokenByte(_ c: UInt8) -> Bool {
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || "!#$%&'*+-.^_`|~".utf8.contains(c)
}

/// A query string as a request line can carry it.
private func queryText(_ bytes: ArraySlice<UInt8>) -> String {
    String(decoding: bytes.filter { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "#") }, as: UTF8.self)
}

/// The first line (the operation of a JSON-protocol call) and the rest.
private func firstLine(_ body: ArraySlice<UInt8>) -> (String, Data) {
    guard let nl = body.firstIndex(of: 10) else { return (String(decoding: body, as: UTF8.self), Data()) }
    return (String(decoding: body[body.startIndex..<nl], as: UTF8.self), Data(body[(nl + 1)...]))
}

private let form: [(name: String, value: String)] = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEndpoint(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    var headers: [(name: String, value: String)] = []
    var body = input[...]
    if let blank = (0..<max(0, input.count - 1)).first(where: { input[$0] == 10 && input[$0 + 1] == 10 }) {
        headers = headerLines(input[0..<blank])
        body = input[(blank + 2)...]
    }
    let bytes = Data(body)
    switch data[0] % 13 {
    case 0:
        // DeleteObjects needs a checksum: the body's, unless the input brings its own.
        let own = headers.contains { $0.name.lowercased().hasPrefix("x-amz-checksum-") || $0.name.lowercased() == "content-md5" }
        let checksum: [(name: String, value: String)] = own ? [] : [("x-amz-checksum-crc32", S3Checksum.crc32.base64(of: bytes))]
        _ = send("s3", "POST", "/fuzz-bucket", query: "delete", headers: checksum + headers, body: bytes)
    case 1:
        let response = send("s3", "POST", "/fuzz-bucket/mp-key", query: "uploadId=\(uploadId)", headers: headers, body: bytes)
        if response.status == 200 { uploadId = newUpload() }
    case 2: _ = send("s3", "PUT", "/fuzz-bucket", query: "tagging", headers: headers, body: bytes)
    case 3: _ = send("s3", "PUT", "/fuzz-bucket/obj-key", query: "tagging", headers: headers, body: bytes)
    case 4: _ = send("s3", "PUT", "/fuzz-new-bucket", headers: headers, body: bytes)
    case 5:
        let response = send("s3", "PUT", "/fuzz-bucket", query: "policy", headers: headers, body: bytes)
        if response.status < 300 { _ = send("s3", "DELETE", "/fuzz-bucket", query: "policy") }
    case 6: _ = send("sts", "POST", "/", headers: form + headers, body: bytes)
    case 7: _ = send("iam", "POST", "/", headers: form + headers, body: bytes)
    case 8:
        let (operation, json) = firstLine(body)
        _ = send("glue", "POST", "/", headers: [("X-Amz-Target", "AWSGlue.\(operation)"), ("Content-Type", "application/x-amz-json-1.1")] + headers, body: json)
    case 9:
        let (operation, json) = firstLine(body)
        _ = send("logs", "POST", "/", headers: [("X-Amz-Target", "Logs_20140328.\(operation)"), ("Content-Type", "application/x-amz-json-1.1")] + headers, body: json)
    case 10: _ = send("s3", "GET", "/fuzz-bucket", query: queryText(body), headers: headers)
    case 11: _ = send("s3", "GET", "/fuzz-bucket/obj-key", headers: headers)
    default: _ = send("s3", "PUT", "/fuzz-bucket/put-key", headers: headers, body: bytes)
    }
    return 0
}

@_cdecl("FuzzEndpoint_main")
public func fuzzEndpointMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzzEndpoint)
}
