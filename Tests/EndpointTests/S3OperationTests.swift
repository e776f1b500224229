import AWSClient
import Crypto
import Endpoint
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SigV4
import Testing

/// S3 operations through the in-process endpoint, written from the S3 API reference.
@Suite(.serialized) struct S3OperationTests {
    func text(_ r: (Data, HTTPURLResponse)) -> String { String(decoding: r.0, as: UTF8.self) }
    func path(_ bucket: String, _ key: String? = nil) -> String {
        // Dots percent-encoded, so no HTTP client removes "../" segments before sending.
        key.map { "/\(bucket)/\(SigV4.uriEncode($0, encodeSlash: false).replacingOccurrences(of: ".", with: "%2E"))" } ?? "/\(bucket)"
    }

    @Test func createBucketOwnedByTheCallerListedAndDeleted() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            _ = try await data.send(service: "s3", method: "PUT", path: "/new-bucket-1", query: "", body: Data(), headers: [])
            let list = text(try await data.send(service: "s3", method: "GET", path: "/", query: "", body: Data(), headers: []))
            #expect(list.contains("<Name>new-bucket-1</Name>"))
            // us-east-1 answers success to its owner creating it again; another account gets BucketAlreadyExists.
            _ = try await data.send(service: "s3", method: "PUT", path: "/new-bucket-1", query: "", body: Data(), headers: [])
            let other = await awsError { _ = try await h.jobRole().send(service: "s3", method: "PUT", path: "/new-bucket-1", query: "", body: Data(), headers: []) }
            #expect(other?.code == "AccessDenied" || other?.code == "BucketAlreadyExists")
            _ = try await data.send(service: "s3", method: "PUT", path: "/new-bucket-1/k", query: "", body: Data("x".utf8), headers: [])
            let notEmpty = await awsError { _ = try await data.send(service: "s3", method: "DELETE", path: "/new-bucket-1", query: "", body: Data(), headers: []) }
            #expect(notEmpty?.code == "BucketNotEmpty" && notEmpty?.status == 409)
            _ = try await data.send(service: "s3", method: "DELETE", path: "/new-bucket-1/k", query: "", body: Data(), headers: [])
            _ = try await data.send(service: "s3", method: "DELETE", path: "/new-bucket-1", query: "", body: Data(), headers: [])
            let gone = await awsError { _ = try await data.send(service: "s3", method: "GET", path: "/new-bucket-1", query: "list-type=2", body: Data(), headers: []) }
            #expect(gone?.code == "NoSuchBucket")
        }
    }

    @Test(arguments: ["ab", "UPPER", "-start", "end-", "a..b", "192.168.1.1", "xn--abc", "name-s3alias", "under_score", String(repeating: "a", count: 64)])
    func invalidBucketNames(_ name: String) async throws {
        try await Harness.with { h in
            let error = await awsError { _ = try await h.dataRole().send(service: "s3", method: "PUT", path: "/\(name)", query: "", body: Data(), headers: []) }
            #expect(error?.code == "InvalidBucketName")
            #expect(error?.status == 400)
        }
    }

    @Test func locationConstraintRules() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let body = { (region: String) in Data("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>\(region)</LocationConstraint></CreateBucketConfiguration>".utf8) }
            let east = await awsError { _ = try await data.send(service: "s3", method: "PUT", path: "/lc-bucket", query: "", body: body("us-east-1"), headers: []) }
            #expect(east?.code == "InvalidLocationConstraint")
            let west = await awsError { _ = try await data.send(service: "s3", method: "PUT", path: "/lc-bucket", query: "", body: body("eu-west-1"), headers: []) }
            #expect(west?.code == "IllegalLocationConstraintException")
            let bad = await awsError { _ = try await data.send(service: "s3", method: "PUT", path: "/lc-bucket", query: "", body: Data("<nope".utf8), headers: []) }
            #expect(bad?.code == "MalformedXML")
        }
    }

    @Test func runtimeBucketPolicyIsValidatedStoredAndEnforced() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let job = try await h.jobRole()
            _ = try await data.send(service: "s3", method: "PUT", path: "/shared-bucket", query: "", body: Data(), headers: [])
            _ = try await data.send(service: "s3", method: "PUT", path: "/shared-bucket/a.txt", query: "", body: Data("hi".utf8), headers: [])
            let missing = await awsError { _ = try await data.send(service: "s3", method: "GET", path: "/shared-bucket", query: "policy", body: Data(), headers: []) }
            #expect(missing?.code == "NoSuchBucketPolicy" && missing?.status == 404)
            let malformed = await awsError {
                _ = try await data.send(service: "s3", method: "PUT", path: "/shared-bucket", query: "policy", body: Data(#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-bucket/*"}]}"#.utf8), headers: [])
            }
            #expect(malformed?.code == "MalformedPolicy" && malformed?.status == 400)
            let otherBucket = await awsError {
                _ = try await data.send(service: "s3", method: "PUT", path: "/shared-bucket", query: "policy", body: Data(#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}"#.utf8), headers: [])
            }
            #expect(otherBucket?.code == "MalformedPolicy")
            // Cross-account read needs the job role's identity policy too: it has S3 only on aws-glue-*, so still denied.
            let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/glue-role-test"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-bucket/*"}]}"#
            _ = try await data.send(service: "s3", method: "PUT", path: "/shared-bucket", query: "policy", body: Data(policy.utf8), headers: [])
            #expect(text(try await data.send(service: "s3", method: "GET", path: "/shared-bucket", query: "policy", body: Data(), headers: [])) == policy)
            // A Deny in the runtime policy stops even the owner's full-access role.
            let deny = #"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-bucket/a.txt"}]}"#
            _ = try await data.send(service: "s3", method: "PUT", path: "/shared-bucket", query: "policy", body: Data(deny.utf8), headers: [])
            let denied = await awsError { _ = try await data.getObject(bucket: "shared-bucket", key: "a.txt") }
            #expect(denied?.code == "AccessDenied")
            #expect(denied?.message.contains("explicit deny in a resource-based policy") == true)
            _ = try await data.send(service: "s3", method: "DELETE", path: "/shared-bucket", query: "policy", body: Data(), headers: [])
            #expect(try await data.getObject(bucket: "shared-bucket", key: "a.txt") == Data("hi".utf8))
            // Another account may not touch the policy.
            let foreign = await awsError { _ = try await job.send(service: "s3", method: "GET", path: "/shared-bucket", query: "policy", body: Data(), headers: []) }
            #expect(foreign?.status == 403 || foreign?.status == 405)
        }
    }

    @Test func worldBucketPolicyIsReturnedAsJSON() async throws {
        try await Harness.with { h in
            let json = text(try await h.dataRole().send(service: "s3", method: "GET", path: "/\(dataBucket)", query: "policy", body: Data(), headers: []))
            let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            #expect(object?["Statement"] != nil)
        }
    }

    @Test func bucketAclAndTagging() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let acl = text(try await data.send(service: "s3", method: "GET", path: "/\(dataBucket)", query: "acl", body: Data(), headers: []))
            #expect(acl.contains("<Permission>FULL_CONTROL</Permission>"))
            let none = await awsError { _ = try await data.send(service: "s3", method: "GET", path: "/\(dataBucket)", query: "tagging", body: Data(), headers: []) }
            #expect(none?.code == "NoSuchTagSet")
            let tagging = "<Tagging><TagSet><Tag><Key>team</Key><Value>data</Value></Tag></TagSet></Tagging>"
            _ = try await data.send(service: "s3", method: "PUT", path: "/\(dataBucket)", query: "tagging", body: Data(tagging.utf8), headers: [])
            #expect(text(try await data.send(service: "s3", method: "GET", path: "/\(dataBucket)", query: "tagging", body: Data(), headers: [])).contains("<Key>team</Key><Value>data</Value>"))
        }
    }

    @Test func opaqueKeysStayInsideTheStore() async throws {
        let keys = ["../../escape", "a//b", "dir/", "ünïcødé/ключ/鍵", "./.", String(repeating: "k", count: 1024), "sp ace+plus%pct"]
        try await Harness.with { h in
            let data = try await h.dataRole()
            for key in keys {
                _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, key), query: "", body: Data(key.utf8), headers: [])
                let (body, _) = try await data.send(service: "s3", method: "GET", path: path(dataBucket, key), query: "", body: Data(), headers: [])
                #expect(body == Data(key.utf8))
            }
            let tooLong = await awsError { _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, String(repeating: "k", count: 1025)), query: "", body: Data(), headers: []) }
            #expect(tooLong?.code == "KeyTooLongError")
            let listing = text(try await data.send(service: "s3", method: "GET", path: "/\(dataBucket)", query: "list-type=2&encoding-type=url", body: Data(), headers: []))
            for key in keys { #expect(listing.contains("<Key>\(XMLEsc(S3KeyURL(key)))</Key>")) }
            // Nothing was written outside the store's root.
            let root = h.endpoint.configuration.store.root
            #expect(!FileManager.default.fileExists(atPath: root.deletingLastPathComponent().appendingPathComponent("escape").path))
        }
    }

    @Test func deleteObjectsQuietAndVerbose() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            for key in ["d/1", "d/2", "d/3"] { _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, key), query: "", body: Data("x".utf8), headers: []) }
            let verbose = Data("<Delete><Object><Key>d/1</Key></Object><Object><Key>d/missing</Key></Object></Delete>".utf8)
            let md5 = Data(Insecure.MD5.hash(data: verbose)).base64EncodedString()
            let r1 = text(try await data.send(service: "s3", method: "POST", path: "/\(dataBucket)", query: "delete", body: verbose, headers: [("content-md5", md5)]))
            #expect(r1.contains("<Deleted><Key>d/1</Key></Deleted>") && r1.contains("<Deleted><Key>d/missing</Key></Deleted>"))
            let quiet = Data("<Delete><Quiet>true</Quiet><Object><Key>d/2</Key></Object></Delete>".utf8)
            let r2 = text(try await data.send(service: "s3", method: "POST", path: "/\(dataBucket)", query: "delete", body: quiet,
                                              headers: [("content-md5", Data(Insecure.MD5.hash(data: quiet)).base64EncodedString())]))
            #expect(!r2.contains("<Deleted>"))
            let noMD5 = await awsError { _ = try await data.send(service: "s3", method: "POST", path: "/\(dataBucket)", query: "delete", body: quiet, headers: []) }
            #expect(noMD5?.code == "InvalidRequest")
            let listing = text(try await data.send(service: "s3", method: "GET", path: "/\(dataBucket)", query: "list-type=2&prefix=d%2F", body: Data(), headers: []))
            #expect(listing.contains("<Key>d/3</Key>") && !listing.contains("<Key>d/2</Key>") && !listing.contains("<Key>d/1</Key>"))
        }
    }

    @Test func copyObjectDirectivesAndConditions() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, "src"), query: "", body: Data("payload".utf8),
                                    headers: [("content-type", "text/plain"), ("x-amz-meta-color", "blue")])
            let copied = text(try await data.send(service: "s3", method: "PUT", path: path(dataBucket, "dst"), query: "", body: Data(), headers: [("x-amz-copy-source", "/\(dataBucket)/src")]))
            #expect(copied.contains("<CopyObjectResult"))
            let (_, head) = try await data.send(service: "s3", method: "HEAD", path: path(dataBucket, "dst"), query: "", body: Data(), headers: [])
            #expect(head.value(forHTTPHeaderField: "x-amz-meta-color") == "blue")
            #expect(head.value(forHTTPHeaderField: "content-type") == "text/plain")
            _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, "dst2"), query: "", body: Data(),
                                    headers: [("x-amz-copy-source", "\(dataBucket)/src"), ("x-amz-metadata-directive", "REPLACE"), ("content-type", "application/json")])
            let (_, head2) = try await data.send(service: "s3", method: "HEAD", path: path(dataBucket, "dst2"), query: "", body: Data(), headers: [])
            #expect(head2.value(forHTTPHeaderField: "x-amz-meta-color") == nil)
            #expect(head2.value(forHTTPHeaderField: "content-type") == "application/json")
            let selfCopy = await awsError { _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, "src"), query: "", body: Data(), headers: [("x-amz-copy-source", "\(dataBucket)/src")]) }
            #expect(selfCopy?.code == "InvalidRequest")
            let precondition = await awsError {
                _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, "dst3"), query: "", body: Data(),
                                        headers: [("x-amz-copy-source", "\(dataBucket)/src"), ("x-amz-copy-source-if-match", "\"nope\"")])
            }
            #expect(precondition?.code == "PreconditionFailed" && precondition?.status == 412)
            // The job role cannot read the data bucket, so it cannot copy out of it.
            let denied = await awsError {
                _ = try await h.jobRole().send(service: "s3", method: "PUT", path: path("aws-glue-assets-111111111111-us-east-1", "stolen"), query: "", body: Data(),
                                               headers: [("x-amz-copy-source", "\(dataBucket)/src")])
            }
            #expect(denied?.code == "AccessDenied")
        }
    }

    @Test func objectTagging() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, "t"), query: "", body: Data("x".utf8), headers: [("x-amz-tagging", "a=1&b=two%20words")])
            let tags = text(try await data.send(service: "s3", method: "GET", path: path(dataBucket, "t"), query: "tagging", body: Data(), headers: []))
            #expect(tags.contains("<Key>b</Key><Value>two words</Value>"))
            let put = "<Tagging><TagSet><Tag><Key>only</Key><Value>one</Value></Tag></TagSet></Tagging>"
            _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, "t"), query: "tagging", body: Data(put.utf8), headers: [])
            let after = text(try await data.send(service: "s3", method: "GET", path: path(dataBucket, "t"), query: "tagging", body: Data(), headers: []))
            #expect(after.contains("<Key>only</Key>") && !after.contains("<Key>a</Key>"))
            _ = try await data.send(service: "s3", method: "DELETE", path: path(dataBucket, "t"), query: "tagging", body: Data(), headers: [])
            #expect(!text(try await data.send(service: "s3", method: "GET", path: path(dataBucket, "t"), query: "tagging", body: Data(), headers: [])).contains("<Tag>"))
        }
    }

    @Test func listObjectsV1WithMarker() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            for key in ["m/a", "m/b", "m/c/1", "m/c/2", "m/d"] { _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, key), query: "", body: Data(), headers: []) }
            let page1 = text(try await data.send(service: "s3", method: "GET", path: "/\(dataBucket)", query: "delimiter=%2F&max-keys=3&prefix=m%2F", body: Data(), headers: []))
            #expect(page1.contains("<IsTruncated>true</IsTruncated>") && page1.contains("<NextMarker>m/c/</NextMarker>"))
            #expect(page1.contains("<Prefix>m/c/</Prefix>"))
            let page2 = text(try await data.send(service: "s3", method: "GET", path: "/\(dataBucket)", query: "delimiter=%2F&marker=m%2Fc%2F&prefix=m%2F", body: Data(), headers: []))
            #expect(page2.contains("<Key>m/d</Key>") && !page2.contains("<Prefix>m/c/</Prefix>") && !page2.contains("<Key>m/c/"))
            let plain = text(try await data.send(service: "s3", method: "GET", path: "/\(dataBucket)", query: "marker=m%2Fc%2F1&prefix=m%2F", body: Data(), headers: []))
            #expect(plain.contains("<Key>m/c/2</Key>") && !plain.contains("<Key>m/c/1</Key>") && !plain.contains("<NextMarker>"))
        }
    }

    @Test func checksumsVerifiedOnUploadAndReturnedOnRequest() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let body = Data("hello world".utf8)
            let bad = await awsError {
                _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, "c"), query: "", body: body, headers: [("x-amz-checksum-crc32", "AAAAAA==")])
            }
            #expect(bad?.code == "BadDigest" && bad?.status == 400)
            _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, "c"), query: "", body: body,
                                    headers: [("x-amz-checksum-crc32", "DUoRhQ=="), ("x-amz-sdk-checksum-algorithm", "CRC32")])
            let (_, r) = try await data.send(service: "s3", method: "GET", path: path(dataBucket, "c"), query: "", body: Data(), headers: [("x-amz-checksum-mode", "ENABLED")])
            #expect(r.value(forHTTPHeaderField: "x-amz-checksum-crc32") == "DUoRhQ==")
            let (_, plain) = try await data.send(service: "s3", method: "GET", path: path(dataBucket, "c"), query: "", body: Data(), headers: [])
            #expect(plain.value(forHTTPHeaderField: "x-amz-checksum-crc32") == nil)
        }
    }

    @Test func multipartUploadRules() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let key = "mp/object.bin"
            let created = text(try await data.send(service: "s3", method: "POST", path: path(dataBucket, key), query: "uploads", body: Data(), headers: []))
            let uploadId = try #require(created.range(of: "<UploadId>").flatMap { s in created.range(of: "</UploadId>").map { String(created[s.upperBound..<$0.lowerBound]) } })
            let part1 = Data(repeating: 0x61, count: 5 * 1024 * 1024), part2 = Data("tail".utf8), small = Data("small".utf8)
            var etags: [Int: String] = [:]
            for (n, body) in [(2, part2), (1, part1), (3, small)] {
                let (_, r) = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, key), query: "partNumber=\(n)&uploadId=\(uploadId)", body: body, headers: [])
                etags[n] = r.value(forHTTPHeaderField: "etag")
            }
            let parts = text(try await data.send(service: "s3", method: "GET", path: path(dataBucket, key), query: "uploadId=\(uploadId)", body: Data(), headers: []))
            #expect(parts.contains("<PartNumber>1</PartNumber>") && parts.contains("<PartNumber>3</PartNumber>"))
            let uploads = text(try await data.send(service: "s3", method: "GET", path: "/\(dataBucket)", query: "uploads", body: Data(), headers: []))
            #expect(uploads.contains("<UploadId>\(uploadId)</UploadId>"))
            func complete(_ list: [(Int, String)]) -> Data {
                Data(("<CompleteMultipartUpload>" + list.map { "<Part><PartNumber>\($0.0)</PartNumber><ETag>\($0.1)</ETag></Part>" }.joined() + "</CompleteMultipartUpload>").utf8)
            }
            let order = await awsError { _ = try await data.send(service: "s3", method: "POST", path: path(dataBucket, key), query: "uploadId=\(uploadId)", body: complete([(2, etags[2]!), (1, etags[1]!)]), headers: []) }
            #expect(order?.code == "InvalidPartOrder")
            let wrongTag = await awsError { _ = try await data.send(service: "s3", method: "POST", path: path(dataBucket, key), query: "uploadId=\(uploadId)", body: complete([(1, "\"0123\"")]), headers: []) }
            #expect(wrongTag?.code == "InvalidPart")
            let tooSmall = await awsError { _ = try await data.send(service: "s3", method: "POST", path: path(dataBucket, key), query: "uploadId=\(uploadId)", body: complete([(1, etags[1]!), (3, etags[3]!), (2, etags[2]!)].sorted { $0.0 < $1.0 }.map { $0 }), headers: []) }
            #expect(tooSmall?.code == "EntityTooSmall")
            let done = text(try await data.send(service: "s3", method: "POST", path: path(dataBucket, key), query: "uploadId=\(uploadId)", body: complete([(1, etags[1]!), (2, etags[2]!)]), headers: []))
            var md5s = Data()
            for n in [1, 2] { md5s.append(contentsOf: Insecure.MD5.hash(data: n == 1 ? part1 : part2)) }
            let expected = "\"" + Insecure.MD5.hash(data: md5s).map { String(format: "%02x", $0) }.joined() + "-2\""
            #expect(done.contains("<ETag>\(XMLEsc(expected))</ETag>"))
            let whole = try await data.getObject(bucket: dataBucket, key: key)
            #expect(whole == part1 + part2)
            let gone = await awsError { _ = try await data.send(service: "s3", method: "GET", path: path(dataBucket, key), query: "uploadId=\(uploadId)", body: Data(), headers: []) }
            #expect(gone?.code == "NoSuchUpload")
            // Parts are authorized as s3:PutObject: the job role may not upload parts into the data bucket.
            let denied = await awsError { _ = try await h.jobRole().send(service: "s3", method: "POST", path: path(dataBucket, "x"), query: "uploads", body: Data(), headers: []) }
            #expect(denied?.code == "AccessDenied")
            #expect(h.events.events.last?.action == "s3:PutObject")
        }
    }

    @Test func abortRemovesTheUpload() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let created = text(try await data.send(service: "s3", method: "POST", path: path(dataBucket, "ab"), query: "uploads", body: Data(), headers: []))
            let uploadId = try #require(created.range(of: "<UploadId>").flatMap { s in created.range(of: "</UploadId>").map { String(created[s.upperBound..<$0.lowerBound]) } })
            _ = try await data.send(service: "s3", method: "PUT", path: path(dataBucket, "ab"), query: "partNumber=1&uploadId=\(uploadId)", body: Data("x".utf8), headers: [])
            _ = try await data.send(service: "s3", method: "DELETE", path: path(dataBucket, "ab"), query: "uploadId=\(uploadId)", body: Data(), headers: [])
            let again = await awsError { _ = try await data.send(service: "s3", method: "DELETE", path: path(dataBucket, "ab"), query: "uploadId=\(uploadId)", body: Data(), headers: []) }
            #expect(again?.code == "NoSuchUpload" && again?.status == 404)
        }
    }
}

func XMLEsc(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&apos;")
}

/// How S3 writes a key with `encoding-type=url`.
func S3KeyURL(_ key: String) -> String {
    var out = ""
    for byte in key.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "/"), UInt8(ascii: "*"):
            out.append(Character(Unicode.Scalar(byte)))
        case UInt8(ascii: " "): out += "+"
        default: out += String(format: "%%%02X", byte)
        }
    }
    return out
}
