import AWSClient
import Crypto
@testable import Endpoint
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RawHTTP
import SigV4
import TestSupport
import Testing

/// Conditional requests, listing edges and multipart edges, as the S3 API reference describes them.
@Suite(.serialized) struct S3EdgeTests {
    func path(_ bucket: String, _ key: String? = nil) -> String {
        key.map { "/\(bucket)/\(SigV4.uriEncode($0, encodeSlash: false))" } ?? "/\(bucket)"
    }

    /// An answer with its status, headers and body, whatever the status.
    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: Data
        func header(_ name: String) -> String? { headers[name.lowercased()] }
        var text: String { String(decoding: body, as: UTF8.self) }
        var code: String? { text.components(separatedBy: "<Code>").dropFirst().first?.components(separatedBy: "</Code>").first }
    }

    /// Signs and sends one request: over a raw connection (304s come back as they are), HEAD through
    /// URLSession (a raw read would wait for the body its Content-Length announces).
    func wire(_ h: Harness, _ client: AWSClient, _ method: String, _ path: String, _ query: String = "", body: Data = Data(),
              headers: [(String, String)] = []) async throws -> Reply {
        let port = h.endpoint.port
        let signed = RequestSigner(credentials: client.credentials, region: client.region, service: "s3")
            .sign(method, path, query: query, headers: headers + [("Host", "127.0.0.1:\(port)")], body: body, date: h.clock.read())
        let target = query.isEmpty ? path : path + "?" + query
        if method == "HEAD" {
            var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)\(target)")))
            request.httpMethod = method
            for (name, value) in signed where name.lowercased() != "host" { request.setValue(value, forHTTPHeaderField: name) }
            let configuration = URLSessionConfiguration.ephemeral
            configuration.connectionProxyDictionary = [:]
            configuration.urlCache = nil
            let (data, response) = try await URLSession(configuration: configuration).data(for: request)
            let http = try #require(response as? HTTPURLResponse)
            var all: [String: String] = [:]
            for (name, value) in http.allHeaderFields { all[String(describing: name).lowercased()] = String(describing: value) }
            return Reply(status: http.statusCode, headers: all, body: data)
        }
        let bytes = [UInt8](body)
        let answer = try await offPool { try rawRequest(port: port, method: method, target: target, headers: signed, body: bytes) }
        let response = try #require(answer)
        return Reply(status: response.status, headers: Dictionary(response.headers, uniquingKeysWith: { a, _ in a }), body: Data(response.body))
    }

    func httpDate(_ date: Date) -> String { XML.httpDate(date) }

    func uploadId(_ text: String) throws -> String {
        try #require(text.range(of: "<UploadId>").flatMap { s in text.range(of: "</UploadId>").map { String(text[s.upperBound..<$0.lowerBound]) } })
    }

    // MARK: Conditional requests

    @Test func conditionalGetAndHeadFollowS3Precedence() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let key = "cond/get.txt"
            let (_, put) = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, key), query: "", body: Data("conditional".utf8), headers: [])
            let etag = try #require(put.value(forHTTPHeaderField: "etag"))
            let past = httpDate(h.clock.read().addingTimeInterval(-3600)), future = httpDate(h.clock.read().addingTimeInterval(3600))

            for method in ["GET", "HEAD"] {
                // If-None-Match that matches: 304 with the validators and no body.
                let notModified = try await wire(h, data, method, path(dataBucket, key), headers: [("If-None-Match", etag)])
                #expect(notModified.status == 304, "\(method)")
                #expect(notModified.header("etag") == etag, "\(method)")
                #expect(notModified.header("last-modified") != nil, "\(method)")
                #expect(notModified.body.isEmpty, "\(method)")
                // If-Modified-Since after the last change: 304.
                #expect(try await wire(h, data, method, path(dataBucket, key), headers: [("If-Modified-Since", future)]).status == 304, "\(method)")
                // If-None-Match that does not match wins over a false If-Modified-Since: 200.
                #expect(try await wire(h, data, method, path(dataBucket, key), headers: [("If-None-Match", "\"other\""), ("If-Modified-Since", future)]).status == 200, "\(method)")
                // If-Match that matches wins over a false If-Unmodified-Since: 200.
                #expect(try await wire(h, data, method, path(dataBucket, key), headers: [("If-Match", etag), ("If-Unmodified-Since", past)]).status == 200, "\(method)")
                // If-None-Match that matches with a true If-Modified-Since: 304.
                #expect(try await wire(h, data, method, path(dataBucket, key), headers: [("If-None-Match", etag), ("If-Modified-Since", past)]).status == 304, "\(method)")
            }
            let ifMatch = try await wire(h, data, "GET", path(dataBucket, key), headers: [("If-Match", "\"other\"")])
            #expect(ifMatch.status == 412 && ifMatch.code == "PreconditionFailed")
            #expect(ifMatch.text.contains("<Condition>If-Match</Condition>"))
            let unmodified = try await wire(h, data, "GET", path(dataBucket, key), headers: [("If-Unmodified-Since", past)])
            #expect(unmodified.status == 412 && unmodified.text.contains("<Condition>If-Unmodified-Since</Condition>"))
            let headFailed = try await wire(h, data, "HEAD", path(dataBucket, key), headers: [("If-Match", "\"other\"")])
            #expect(headFailed.status == 412 && headFailed.body.isEmpty)
            let body = try await wire(h, data, "GET", path(dataBucket, key), headers: [("If-Match", etag), ("If-Modified-Since", past)])
            #expect(body.status == 200 && body.text == "conditional")
        }
    }

    @Test func conditionalWritesOfPutObject() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let key = "cond/put.txt"
            let created = try await wire(h, data, "PUT", path(dataBucket, key), body: Data("first".utf8), headers: [("If-None-Match", "*")])
            #expect(created.status == 200)
            let etag = try #require(created.header("etag"))
            let exists = try await wire(h, data, "PUT", path(dataBucket, key), body: Data("second".utf8), headers: [("If-None-Match", "*")])
            #expect(exists.status == 412 && exists.code == "PreconditionFailed" && exists.text.contains("<Condition>If-None-Match</Condition>"))
            let differs = try await wire(h, data, "PUT", path(dataBucket, key), body: Data("second".utf8), headers: [("If-Match", "\"0123\"")])
            #expect(differs.status == 412 && differs.text.contains("<Condition>If-Match</Condition>"))
            let absent = try await wire(h, data, "PUT", path(dataBucket, "cond/absent.txt"), body: Data("x".utf8), headers: [("If-Match", etag)])
            #expect(absent.status == 404 && absent.code == "NoSuchKey")
            #expect(try await data.getObject(bucket: dataBucket, key: key) == Data("first".utf8))
            let replaced = try await wire(h, data, "PUT", path(dataBucket, key), body: Data("second".utf8), headers: [("If-Match", etag)])
            #expect(replaced.status == 200)
            #expect(try await data.getObject(bucket: dataBucket, key: key) == Data("second".utf8))
            let notStar = try await wire(h, data, "PUT", path(dataBucket, key), body: Data("third".utf8), headers: [("If-None-Match", etag)])
            #expect(notStar.status == 501 && notStar.code == "NotImplemented")
            #expect(try await data.getObject(bucket: dataBucket, key: key) == Data("second".utf8))
        }
    }

    @Test func conditionalWritesOfCompleteMultipartUpload() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let key = "cond/mp.bin"
            _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, key), query: "", body: Data("old".utf8), headers: [])
            let id = try uploadId(String(decoding: try await data.send(service: "s3", method: "POST", path: path(dataBucket, key), query: "uploads", body: Data(), headers: []).0, as: UTF8.self))
            let (_, part) = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, key), query: "partNumber=1&uploadId=\(id)", body: Data("new".utf8), headers: [])
            let partTag = try #require(part.value(forHTTPHeaderField: "etag"))
            let complete = Data("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\(partTag)</ETag></Part></CompleteMultipartUpload>".utf8)
            let exists = try await wire(h, data, "POST", path(dataBucket, key), "uploadId=\(id)", body: complete, headers: [("If-None-Match", "*")])
            #expect(exists.status == 412 && exists.text.contains("<Condition>If-None-Match</Condition>"))
            let differs = try await wire(h, data, "POST", path(dataBucket, key), "uploadId=\(id)", body: complete, headers: [("If-Match", "\"0123\"")])
            #expect(differs.status == 412 && differs.text.contains("<Condition>If-Match</Condition>"))
            let other = try uploadId(String(decoding: try await data.send(service: "s3", method: "POST", path: path(dataBucket, "cond/none.bin"), query: "uploads", body: Data(), headers: []).0, as: UTF8.self))
            let (_, otherPart) = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, "cond/none.bin"), query: "partNumber=1&uploadId=\(other)", body: Data("n".utf8), headers: [])
            let otherBody = Data("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\(otherPart.value(forHTTPHeaderField: "etag") ?? "")</ETag></Part></CompleteMultipartUpload>".utf8)
            let absent = try await wire(h, data, "POST", path(dataBucket, "cond/none.bin"), "uploadId=\(other)", body: otherBody, headers: [("If-Match", "\"0123\"")])
            #expect(absent.status == 404 && absent.code == "NoSuchKey")
            // The upload is still there: completing it with the object's current ETag succeeds.
            let (_, head) = try await data.send(service: "s3", method: "HEAD", path: path(dataBucket, key), query: "", body: Data(), headers: [])
            let done = try await wire(h, data, "POST", path(dataBucket, key), "uploadId=\(id)", body: complete, headers: [("If-Match", head.value(forHTTPHeaderField: "etag") ?? "")])
            #expect(done.status == 200 && done.text.contains("<CompleteMultipartUploadResult"))
            #expect(try await data.getObject(bucket: dataBucket, key: key) == Data("new".utf8))
        }
    }

    @Test func copySourceConditions() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let (_, put) = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, "cond/src"), query: "", body: Data("source".utf8), headers: [])
            let etag = try #require(put.value(forHTTPHeaderField: "etag"))
            let past = httpDate(h.clock.read().addingTimeInterval(-3600)), future = httpDate(h.clock.read().addingTimeInterval(3600))
            let source = ("x-amz-copy-source", "/\(dataBucket)/cond/src")
            func copy(_ headers: [(String, String)]) async throws -> Reply {
                try await wire(h, data, "PUT", path(dataBucket, "cond/dst"), headers: [source] + headers)
            }
            let cases: [([(String, String)], Int, String?)] = [
                ([("x-amz-copy-source-if-match", etag)], 200, nil),
                ([("x-amz-copy-source-if-match", "\"0123\"")], 412, "x-amz-copy-source-If-Match"),
                ([("x-amz-copy-source-if-none-match", etag)], 412, "x-amz-copy-source-If-None-Match"),
                ([("x-amz-copy-source-if-none-match", "\"0123\"")], 200, nil),
                ([("x-amz-copy-source-if-modified-since", future)], 412, "x-amz-copy-source-If-Modified-Since"),
                ([("x-amz-copy-source-if-modified-since", past)], 200, nil),
                ([("x-amz-copy-source-if-unmodified-since", past)], 412, "x-amz-copy-source-If-Unmodified-Since"),
                ([("x-amz-copy-source-if-unmodified-since", future)], 200, nil),
                // If-Match true wins over a false If-Unmodified-Since; If-None-Match false fails whatever If-Modified-Since says.
                ([("x-amz-copy-source-if-match", etag), ("x-amz-copy-source-if-unmodified-since", past)], 200, nil),
                ([("x-amz-copy-source-if-none-match", etag), ("x-amz-copy-source-if-modified-since", past)], 412, "x-amz-copy-source-If-None-Match"),
                // The destination's own conditions.
                ([("If-None-Match", "*")], 412, "If-None-Match"),
            ]
            for (headers, status, condition) in cases {
                let answer = try await copy(headers)
                #expect(answer.status == status, "\(headers): \(answer.text)")
                if let condition { #expect(answer.text.contains("<Condition>\(condition)</Condition>"), "\(headers)") }
            }
        }
    }

    // MARK: Listing edges

    func text(_ r: (Data, HTTPURLResponse)) -> String { String(decoding: r.0, as: UTF8.self) }

    func elements(_ name: String, in xml: String) -> [String] {
        xml.components(separatedBy: "<\(name)>").dropFirst().compactMap { $0.components(separatedBy: "</\(name)>").first }
    }

    @Test func maxKeysZeroIsAnEmptyPageThatIsNotTruncated() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, "zero/a"), query: "", body: Data("a".utf8), headers: [])
            for query in ["list-type=2&max-keys=0", "max-keys=0", "list-type=2&max-keys=0&delimiter=%2F"] {
                let listing = text(try await data.send(service: "s3", method: "GET", path: "/\(dataBucket)", query: query, body: Data(), headers: []))
                #expect(listing.contains("<IsTruncated>false</IsTruncated>"), "\(query)")
                #expect(!listing.contains("<Contents>") && !listing.contains("<CommonPrefixes>"), "\(query)")
                #expect(listing.contains("<MaxKeys>0</MaxKeys>"), "\(query)")
                #expect(!listing.contains("NextContinuationToken") && !listing.contains("NextMarker"), "\(query)")
            }
        }
    }

    @Test func listBucketsPagesByMaxBucketsPrefixAndRegion() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            for name in ["edge-a-1", "edge-a-2", "edge-b-1"] {
                _ = try await data.send(service: "s3", method: "PUT", path: "/\(name)", query: "", body: Data(), headers: [])
            }
            let all = elements("Name", in: text(try await data.send(service: "s3", method: "GET", path: "/", query: "", body: Data(), headers: [])))
            #expect(all.count >= 3)
            var seen: [String] = []
            var token: String?
            var pages = 0
            repeat {
                let query = "max-buckets=1" + (token.map { "&continuation-token=\(SigV4.uriEncode($0, encodeSlash: true))" } ?? "")
                let page = text(try await data.send(service: "s3", method: "GET", path: "/", query: query, body: Data(), headers: []))
                let names = elements("Name", in: page)
                #expect(names.count == 1, "\(page)")
                seen += names
                token = elements("ContinuationToken", in: page).first
                pages += 1
            } while token != nil && pages <= all.count
            #expect(seen == all)
            #expect(pages == all.count)
            let prefixed = text(try await data.send(service: "s3", method: "GET", path: "/", query: "prefix=edge-a-", body: Data(), headers: []))
            #expect(elements("Name", in: prefixed) == ["edge-a-1", "edge-a-2"])
            #expect(elements("Prefix", in: prefixed) == ["edge-a-"])
            #expect(elements("ContinuationToken", in: prefixed).isEmpty)
            let twoOfThree = text(try await data.send(service: "s3", method: "GET", path: "/", query: "max-buckets=2&prefix=edge-", body: Data(), headers: []))
            #expect(elements("Name", in: twoOfThree) == ["edge-a-1", "edge-a-2"])
            let rest = try #require(elements("ContinuationToken", in: twoOfThree).first)
            let last = text(try await data.send(service: "s3", method: "GET", path: "/", query: "max-buckets=2&prefix=edge-&continuation-token=\(SigV4.uriEncode(rest, encodeSlash: true))", body: Data(), headers: []))
            #expect(elements("Name", in: last) == ["edge-b-1"])
            #expect(elements("ContinuationToken", in: last).isEmpty)
            let inRegion = text(try await data.send(service: "s3", method: "GET", path: "/", query: "bucket-region=us-east-1&prefix=edge-", body: Data(), headers: []))
            #expect(elements("Name", in: inRegion).count == 3)
            let elsewhere = text(try await data.send(service: "s3", method: "GET", path: "/", query: "bucket-region=eu-west-3&prefix=edge-", body: Data(), headers: []))
            #expect(elements("Name", in: elsewhere).isEmpty)
            for bad in ["max-buckets=0", "max-buckets=10001", "max-buckets=x", "continuation-token=%21%21"] {
                let error = await awsError { _ = try await data.send(service: "s3", method: "GET", path: "/", query: bad, body: Data(), headers: []) }
                #expect(error?.code == "InvalidArgument" && error?.status == 400, "\(bad)")
            }
        }
    }

    @Test func encodingTypeURLEncodesEveryElementS3Encodes() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let prefix = "enc dir+\u{1}/"
            let keys = [prefix + "a b.txt", prefix + "sub ü/c+d.txt", prefix + "sub ü/e.txt", prefix + "z\u{7}.txt"]
            for key in keys { _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, key), query: "", body: Data("x".utf8), headers: []) }
            let q = "encoding-type=url&prefix=\(SigV4.uriEncode(prefix, encodeSlash: true))&delimiter=%2F"
            let v2 = text(try await data.send(service: "s3", method: "GET", path: "/\(dataBucket)", query: "list-type=2&" + q + "&start-after=\(SigV4.uriEncode(prefix + "a", encodeSlash: true))", body: Data(), headers: []))
            #expect(elements("Prefix", in: v2) == [S3KeyURL(prefix), S3KeyURL(prefix + "sub ü/")])
            #expect(elements("Delimiter", in: v2) == [S3KeyURL("/")])
            #expect(elements("StartAfter", in: v2) == [S3KeyURL(prefix + "a")])
            #expect(elements("Key", in: v2) == [S3KeyURL(keys[0]), S3KeyURL(keys[3])])
            #expect(elements("EncodingType", in: v2) == ["url"])
            let v1 = text(try await data.send(service: "s3", method: "GET", path: "/\(dataBucket)", query: q + "&max-keys=2&marker=\(SigV4.uriEncode(prefix, encodeSlash: true))", body: Data(), headers: []))
            #expect(elements("Prefix", in: v1) == [S3KeyURL(prefix), S3KeyURL(prefix + "sub ü/")])
            #expect(elements("Marker", in: v1) == [S3KeyURL(prefix)])
            #expect(elements("NextMarker", in: v1) == [S3KeyURL(prefix + "sub ü/")])
            #expect(elements("Key", in: v1) == [S3KeyURL(keys[0])])
            // Without encoding-type the same listing carries the raw names (XML-escaped).
            let raw = text(try await data.send(service: "s3", method: "GET", path: "/\(dataBucket)", query: "list-type=2&prefix=\(SigV4.uriEncode(prefix, encodeSlash: true))", body: Data(), headers: []))
            #expect(raw.contains("<Key>\(XMLEsc(keys[0]).replacingOccurrences(of: "\u{1}", with: "&#1;"))</Key>"))
        }
    }

    // MARK: Multipart edges

    func multipartObject(_ data: AWSClient, _ key: String, _ parts: [Data]) async throws -> (uploadId: String, body: Data, result: String) {
        let id = try uploadId(text(try await data.send(service: "s3", method: "POST", path: path(dataBucket, key), query: "uploads", body: Data(), headers: [])))
        var list = ""
        for (i, part) in parts.enumerated() {
            let (_, r) = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, key), query: "partNumber=\(i + 1)&uploadId=\(id)", body: part, headers: [])
            list += "<Part><PartNumber>\(i + 1)</PartNumber><ETag>\(r.value(forHTTPHeaderField: "etag") ?? "")</ETag></Part>"
        }
        let body = Data("<CompleteMultipartUpload>\(list)</CompleteMultipartUpload>".utf8)
        let result = text(try await data.send(service: "s3", method: "POST", path: path(dataBucket, key), query: "uploadId=\(id)", body: body, headers: []))
        return (id, body, result)
    }

    @Test func repeatedCompleteOfAJustCompletedUploadAnswersTheSame() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let key = "edge/repeat.bin"
            let part1 = Data(repeating: 0x62, count: 5 * 1024 * 1024), part2 = Data("end".utf8)
            let (id, body, first) = try await multipartObject(data, key, [part1, part2])
            #expect(first.contains("<CompleteMultipartUploadResult"))
            let again = text(try await data.send(service: "s3", method: "POST", path: path(dataBucket, key), query: "uploadId=\(id)", body: body, headers: []))
            #expect(elements("ETag", in: again) == elements("ETag", in: first) && elements("Key", in: again) == [key])
            #expect(try await data.getObject(bucket: dataBucket, key: key) == part1 + part2)
            // Other parts than those completed: the upload is gone.
            let fewer = String(decoding: body, as: UTF8.self).components(separatedBy: "<Part><PartNumber>2").first! + "</CompleteMultipartUpload>"
            let changed = await awsError { _ = try await data.send(service: "s3", method: "POST", path: path(dataBucket, key), query: "uploadId=\(id)", body: Data(fewer.utf8), headers: []) }
            #expect(changed?.code == "NoSuchUpload" && changed?.status == 404)
            // Once the key holds another object, the upload's result is no longer there to answer with.
            _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, key), query: "", body: Data("newer".utf8), headers: [])
            let replaced = await awsError { _ = try await data.send(service: "s3", method: "POST", path: path(dataBucket, key), query: "uploadId=\(id)", body: body, headers: []) }
            #expect(replaced?.code == "NoSuchUpload")
            let elsewhere = await awsError { _ = try await data.send(service: "s3", method: "POST", path: path(dataBucket, "edge/other.bin"), query: "uploadId=\(id)", body: body, headers: []) }
            #expect(elsewhere?.code == "NoSuchUpload")
        }
    }

    @Test func partNumberServesThatPartWithThePartCount() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let key = "edge/parts.bin"
            let part1 = Data(repeating: 0x61, count: 5 * 1024 * 1024), part2 = Data("tail".utf8)
            _ = try await multipartObject(data, key, [part1, part2])
            let total = part1.count + part2.count
            let first = try await wire(h, data, "GET", path(dataBucket, key), "partNumber=1")
            #expect(first.status == 206 && Data(first.body) == part1)
            #expect(first.header("x-amz-mp-parts-count") == "2")
            #expect(first.header("content-range") == "bytes 0-\(part1.count - 1)/\(total)")
            let second = try await wire(h, data, "GET", path(dataBucket, key), "partNumber=2")
            #expect(second.status == 206 && second.text == "tail")
            #expect(second.header("content-range") == "bytes \(part1.count)-\(total - 1)/\(total)")
            let head = try await wire(h, data, "HEAD", path(dataBucket, key), "partNumber=2")
            #expect(head.status == 206 && head.header("content-length") == "4" && head.header("x-amz-mp-parts-count") == "2")
            let beyond = try await wire(h, data, "GET", path(dataBucket, key), "partNumber=3")
            #expect(beyond.status == 416 && beyond.code == "InvalidPartNumber")
            #expect(beyond.text.contains("<ActualPartCount>2</ActualPartCount>"))
            #expect(try await wire(h, data, "HEAD", path(dataBucket, key), "partNumber=3").status == 416)
            let zero = try await wire(h, data, "GET", path(dataBucket, key), "partNumber=0")
            #expect(zero.status == 400 && zero.code == "InvalidArgument")
            let both = try await wire(h, data, "GET", path(dataBucket, key), "partNumber=1", headers: [("Range", "bytes=0-1")])
            #expect(both.status == 400 && both.code == "InvalidRequest")
            // An object put in one piece is one part.
            _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, "edge/single.txt"), query: "", body: Data("single".utf8), headers: [])
            let single = try await wire(h, data, "GET", path(dataBucket, "edge/single.txt"), "partNumber=1")
            #expect(single.status == 206 && single.text == "single" && single.header("x-amz-mp-parts-count") == nil)
            let singleBeyond = try await wire(h, data, "GET", path(dataBucket, "edge/single.txt"), "partNumber=2")
            #expect(singleBeyond.status == 416 && singleBeyond.code == "InvalidPartNumber")
        }
    }

    @Test func listPartsPaginates() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let key = "edge/list-parts.bin"
            let id = try uploadId(text(try await data.send(service: "s3", method: "POST", path: path(dataBucket, key), query: "uploads", body: Data(), headers: [])))
            for n in [3, 1, 2, 5] {
                _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, key), query: "partNumber=\(n)&uploadId=\(id)", body: Data("p\(n)".utf8), headers: [])
            }
            var seen: [String] = []
            var marker = "0"
            var pages = 0
            while pages < 5 {
                let page = text(try await data.send(service: "s3", method: "GET", path: path(dataBucket, key), query: "max-parts=2&part-number-marker=\(marker)&uploadId=\(id)", body: Data(), headers: []))
                pages += 1
                seen += elements("PartNumber", in: page)
                #expect(elements("PartNumberMarker", in: page) == [marker])
                #expect(elements("MaxParts", in: page) == ["2"])
                guard elements("IsTruncated", in: page) == ["true"] else { break }
                marker = try #require(elements("NextPartNumberMarker", in: page).first)
            }
            #expect(seen == ["1", "2", "3", "5"] && pages == 2)
            let afterThree = text(try await data.send(service: "s3", method: "GET", path: path(dataBucket, key), query: "part-number-marker=3&uploadId=\(id)", body: Data(), headers: []))
            #expect(elements("PartNumber", in: afterThree) == ["5"] && elements("IsTruncated", in: afterThree) == ["false"])
            for bad in ["max-parts=x", "max-parts=-1", "part-number-marker=y"] {
                let error = await awsError { _ = try await data.send(service: "s3", method: "GET", path: path(dataBucket, key), query: "\(bad)&uploadId=\(id)", body: Data(), headers: []) }
                #expect(error?.code == "InvalidArgument", "\(bad)")
            }
        }
    }
}
