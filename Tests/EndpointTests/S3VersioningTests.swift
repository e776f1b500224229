import AWSClient
import Crypto
import Endpoint
import Foundation
import ObjectStore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SigV4
import TestSupport
import Testing

/// S3 versioning through the in-process endpoint, from the S3 API reference and user guide:
/// PutBucketVersioning/GetBucketVersioning, version ids on writes, delete markers, requests for
/// one version, and ListObjectVersions.
@Suite(.serialized) struct S3VersioningTests {
    struct Answer {
        var status: Int
        var body: Data
        var headers: [String: String]
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
    }

    let bucket = "versioned-bucket-1"

    /// Signs and sends one request and returns whatever answers, errors included, with its headers.
    func call(_ client: AWSClient, _ method: String, _ path: String, _ query: String = "", body: Data = Data()) async throws -> Answer {
        var components = try #require(URLComponents(url: client.endpoint, resolvingAgainstBaseURL: false))
        components.percentEncodedPath = path
        components.percentEncodedQuery = query.isEmpty ? nil : query
        let url = try #require(components.url)
        let host = try #require(components.host)
        let signed = RequestSigner(credentials: client.credentials, region: client.region, service: "s3")
            .sign(method, path, query: query, headers: [("host", components.port.map { "\(host):\($0)" } ?? host)], body: body, date: client.clock())
        var request = URLRequest(url: url)
        request.httpMethod = method
        for (name, value) in signed where name != "host" { request.setValue(value, forHTTPHeaderField: name) }
        if method == "PUT" || method == "POST" { request.httpBody = body }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.connectionProxyDictionary = [:]
        let (data, response) = try await URLSession(configuration: configuration).data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields { headers["\(name)"] = "\(value)" }
        return Answer(status: http.statusCode, body: data, headers: headers)
    }

    func versioning(_ status: String) -> Data {
        Data("<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>\(status)</Status></VersioningConfiguration>".utf8)
    }

    /// A new bucket owned by the data role, with versioning in `status` (nil: never versioned).
    func makeBucket(_ client: AWSClient, versioning status: String?) async throws {
        #expect(try await call(client, "PUT", "/\(bucket)").status == 200)
        if let status { #expect(try await call(client, "PUT", "/\(bucket)", "versioning", body: versioning(status)).status == 200) }
    }

    func values(_ element: String, in xml: String) -> [String] {
        xml.components(separatedBy: "<\(element)>").dropFirst().compactMap { $0.components(separatedBy: "</\(element)>").first }
    }

    // MARK: Step 1: the bucket's versioning state

    @Test func versioningStateIsEmptyThenEnabledThenSuspended() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            try await makeBucket(data, versioning: nil)
            let never = try await call(data, "GET", "/\(bucket)", "versioning")
            #expect(never.status == 200)
            #expect(never.text.contains("<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>"))
            #expect(try await call(data, "PUT", "/\(bucket)", "versioning", body: versioning("Enabled")).status == 200)
            #expect(try await call(data, "GET", "/\(bucket)", "versioning").text.contains("<Status>Enabled</Status>"))
            #expect(try await call(data, "PUT", "/\(bucket)", "versioning", body: versioning("Suspended")).status == 200)
            #expect(try await call(data, "GET", "/\(bucket)", "versioning").text.contains("<Status>Suspended</Status>"))
            let events = h.events.events.filter { $0.operation.hasSuffix("BucketVersioning") }
            #expect(events.map(\.action).contains("s3:PutBucketVersioning") && events.map(\.action).contains("s3:GetBucketVersioning"))
            #expect(events.allSatisfy { $0.decision == "allow" })
        }
    }

    @Test(arguments: ["<VersioningConfiguration><Status>On</Status></VersioningConfiguration>", "not xml", "<Other/>"])
    func malformedVersioningIsRefusedAndChangesNothing(_ body: String) async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            try await makeBucket(data, versioning: nil)
            let answer = try await call(data, "PUT", "/\(bucket)", "versioning", body: Data(body.utf8))
            #expect(answer.status == 400 && answer.text.contains("<Code>MalformedXML</Code>"))
            #expect(!(try await call(data, "GET", "/\(bucket)", "versioning").text.contains("<Status>")))
        }
    }

    @Test func versioningOfAMissingBucketIsNoSuchBucket() async throws {
        try await Harness.with { h in
            let answer = try await call(try await h.dataRole(), "GET", "/no-such-bucket-here", "versioning")
            #expect(answer.status == 404 && answer.text.contains("<Code>NoSuchBucket</Code>"))
        }
    }

    // MARK: Step 2: version ids on writes

    @Test func writesToAnEnabledBucketKeepEveryVersion() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            try await makeBucket(data, versioning: "Enabled")
            let first = try await call(data, "PUT", "/\(bucket)/k", body: Data("one".utf8))
            let second = try await call(data, "PUT", "/\(bucket)/k", body: Data("two".utf8))
            let v1 = try #require(first.header("x-amz-version-id")), v2 = try #require(second.header("x-amz-version-id"))
            #expect(v1 != v2 && v1 != "null" && !v1.isEmpty)
            let latest = try await call(data, "GET", "/\(bucket)/k")
            #expect(latest.text == "two" && latest.header("x-amz-version-id") == v2)
            let old = try await call(data, "GET", "/\(bucket)/k", "versionId=\(v1)")
            #expect(old.status == 200 && old.text == "one" && old.header("x-amz-version-id") == v1)
            #expect(h.events.events.last?.action == "s3:GetObjectVersion")
            let head = try await call(data, "HEAD", "/\(bucket)/k", "versionId=\(v1)")
            #expect(head.status == 200 && head.header("content-length") == "3")
            let missing = try await call(data, "GET", "/\(bucket)/k", "versionId=NoSuchVersionIdAtAllxxxxxxxxxxxxx")
            #expect(missing.status == 404 && missing.text.contains("<Code>NoSuchVersion</Code>"))
            // CopyObject writes a new version too and names the source's.
            let copied = try await data.send(service: "s3", method: "PUT", path: "/\(bucket)/copy", query: "", body: Data(),
                                             headers: [("x-amz-copy-source", "/\(bucket)/k")])
            #expect(copied.1.value(forHTTPHeaderField: "x-amz-copy-source-version-id") == v2)
            #expect((copied.1.value(forHTTPHeaderField: "x-amz-version-id") ?? "null") != "null")
            // A copy source may name an older version, read as s3:GetObjectVersion.
            let restored = try await data.send(service: "s3", method: "PUT", path: "/\(bucket)/restored", query: "", body: Data(),
                                               headers: [("x-amz-copy-source", "/\(bucket)/k?versionId=\(v1)")])
            #expect(restored.1.value(forHTTPHeaderField: "x-amz-copy-source-version-id") == v1)
            #expect(h.events.events.contains { $0.operation == "CopyObject" && $0.action == "s3:GetObjectVersion" })
            #expect(try await call(data, "GET", "/\(bucket)/restored").text == "one")
        }
    }

    @Test func multipartCompletionInAnEnabledBucketAnswersAVersionId() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            try await makeBucket(data, versioning: "Enabled")
            let created = try await call(data, "POST", "/\(bucket)/mp", "uploads")
            let uploadId = try #require(values("UploadId", in: created.text).first)
            let part = try await call(data, "PUT", "/\(bucket)/mp", "partNumber=1&uploadId=\(uploadId)", body: Data("part".utf8))
            let etag = try #require(part.header("etag"))
            let body = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\(etag)</ETag></Part></CompleteMultipartUpload>"
            let done = try await call(data, "POST", "/\(bucket)/mp", "uploadId=\(uploadId)", body: Data(body.utf8))
            #expect(done.status == 200)
            let version = try #require(done.header("x-amz-version-id"))
            #expect(try await call(data, "GET", "/\(bucket)/mp", "versionId=\(version)").text == "part")
        }
    }

    @Test func suspendedBucketWritesReplaceTheNullVersion() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            try await makeBucket(data, versioning: nil)
            _ = try await call(data, "PUT", "/\(bucket)/k", body: Data("before".utf8))
            #expect(try await call(data, "PUT", "/\(bucket)", "versioning", body: versioning("Enabled")).status == 200)
            let enabled = try #require(try await call(data, "PUT", "/\(bucket)/k", body: Data("enabled".utf8)).header("x-amz-version-id"))
            // The object from before versioning is the null version.
            #expect(try await call(data, "GET", "/\(bucket)/k", "versionId=null").text == "before")
            #expect(try await call(data, "PUT", "/\(bucket)", "versioning", body: versioning("Suspended")).status == 200)
            #expect(try await call(data, "PUT", "/\(bucket)/k", body: Data("suspended-1".utf8)).header("x-amz-version-id") == "null")
            #expect(try await call(data, "PUT", "/\(bucket)/k", body: Data("suspended-2".utf8)).status == 200)
            let list = try await call(data, "GET", "/\(bucket)", "versions").text
            #expect(values("VersionId", in: list) == ["null", enabled])
            #expect(try await call(data, "GET", "/\(bucket)/k").text == "suspended-2")
            #expect(try await call(data, "GET", "/\(bucket)/k", "versionId=\(enabled)").text == "enabled")
        }
    }

    @Test func unversionedBucketsAnswerNoVersionIds() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            try await makeBucket(data, versioning: nil)
            let put = try await call(data, "PUT", "/\(bucket)/k", body: Data("x".utf8))
            #expect(put.header("x-amz-version-id") == nil)
            #expect(try await call(data, "GET", "/\(bucket)/k").header("x-amz-version-id") == nil)
            let delete = try await call(data, "DELETE", "/\(bucket)/k")
            #expect(delete.status == 204 && delete.header("x-amz-delete-marker") == nil)
            #expect(try await call(data, "GET", "/\(bucket)", "versions").text.contains("<IsTruncated>false</IsTruncated>"))
            #expect(try await call(data, "DELETE", "/\(bucket)").status == 204)
        }
    }

    // MARK: Step 3: delete markers and deleting versions

    @Test func deleteWritesAMarkerThatHidesTheObject() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            try await makeBucket(data, versioning: "Enabled")
            let v1 = try #require(try await call(data, "PUT", "/\(bucket)/k", body: Data("one".utf8)).header("x-amz-version-id"))
            let delete = try await call(data, "DELETE", "/\(bucket)/k")
            #expect(delete.status == 204 && delete.header("x-amz-delete-marker") == "true")
            let marker = try #require(delete.header("x-amz-version-id"))
            #expect(marker != v1)
            let get = try await call(data, "GET", "/\(bucket)/k")
            #expect(get.status == 404 && get.text.contains("<Code>NoSuchKey</Code>"))
            #expect(get.header("x-amz-delete-marker") == "true" && get.header("x-amz-version-id") == marker)
            let head = try await call(data, "HEAD", "/\(bucket)/k")
            #expect(head.status == 404 && head.header("x-amz-delete-marker") == "true")
            // The marker itself cannot be read.
            let byMarker = try await call(data, "GET", "/\(bucket)/k", "versionId=\(marker)")
            #expect(byMarker.status == 405 && byMarker.text.contains("<Code>MethodNotAllowed</Code>") && byMarker.header("x-amz-delete-marker") == "true")
            // Listing the bucket no longer shows the key; the old version is still there.
            #expect(!(try await call(data, "GET", "/\(bucket)", "list-type=2").text.contains("<Key>k</Key>")))
            #expect(try await call(data, "GET", "/\(bucket)/k", "versionId=\(v1)").text == "one")
            // Deleting the marker (a version) brings the object back.
            let removeMarker = try await call(data, "DELETE", "/\(bucket)/k", "versionId=\(marker)")
            #expect(removeMarker.status == 204 && removeMarker.header("x-amz-delete-marker") == "true" && removeMarker.header("x-amz-version-id") == marker)
            #expect(h.events.events.last?.action == "s3:DeleteObjectVersion")
            #expect(try await call(data, "GET", "/\(bucket)/k").text == "one")
            // Deleting the last version removes it for good; the bucket is then empty and can go.
            let removeVersion = try await call(data, "DELETE", "/\(bucket)/k", "versionId=\(v1)")
            #expect(removeVersion.status == 204 && removeVersion.header("x-amz-delete-marker") == nil)
            #expect(try await call(data, "GET", "/\(bucket)/k").status == 404)
            #expect(try await call(data, "DELETE", "/\(bucket)").status == 204)
        }
    }

    @Test func aBucketHoldingOnlyVersionsIsNotEmpty() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            try await makeBucket(data, versioning: "Enabled")
            _ = try await call(data, "PUT", "/\(bucket)/k", body: Data("one".utf8))
            _ = try await call(data, "DELETE", "/\(bucket)/k")
            let refused = try await call(data, "DELETE", "/\(bucket)")
            #expect(refused.status == 409 && refused.text.contains("<Code>BucketNotEmpty</Code>"))
        }
    }

    @Test func deleteObjectsWritesMarkersAndRemovesVersions() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            try await makeBucket(data, versioning: "Enabled")
            let v1 = try #require(try await call(data, "PUT", "/\(bucket)/a", body: Data("a".utf8)).header("x-amz-version-id"))
            let body = "<Delete><Object><Key>a</Key></Object><Object><Key>a</Key><VersionId>\(v1)</VersionId></Object></Delete>"
            let (answer, _) = try await data.send(service: "s3", method: "POST", path: "/\(bucket)", query: "delete", body: Data(body.utf8),
                                                  headers: [("content-md5", Data(Insecure.MD5.hash(data: Data(body.utf8))).base64EncodedString())])
            let text = String(decoding: answer, as: UTF8.self)
            #expect(text.contains("<DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>"))
            #expect(text.contains("<VersionId>\(v1)</VersionId></Deleted>"))
            let list = try await call(data, "GET", "/\(bucket)", "versions").text
            #expect(values("Version", in: list).isEmpty && values("DeleteMarker", in: list).count == 1)
        }
    }

    @Test func versionRequestsNeedTheirOwnActions() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            try await makeBucket(data, versioning: "Enabled")
            let v1 = try #require(try await call(data, "PUT", "/\(bucket)/k", body: Data("one".utf8)).header("x-amz-version-id"))
            _ = try await call(data, "HEAD", "/\(bucket)/k", "versionId=\(v1)")
            #expect(h.events.events.last?.action == "s3:GetObjectVersion" && h.events.events.last?.operation == "HeadObject")
            _ = try await call(data, "GET", "/\(bucket)", "versions")
            #expect(h.events.events.last?.action == "s3:ListBucketVersions" && h.events.events.last?.operation == "ListObjectVersions")
        }
    }

    @Test func taggingOfOneVersion() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            try await makeBucket(data, versioning: "Enabled")
            let v1 = try #require(try await call(data, "PUT", "/\(bucket)/k", body: Data("one".utf8)).header("x-amz-version-id"))
            let v2 = try #require(try await call(data, "PUT", "/\(bucket)/k", body: Data("two".utf8)).header("x-amz-version-id"))
            let tagging = Data("<Tagging><TagSet><Tag><Key>old</Key><Value>yes</Value></Tag></TagSet></Tagging>".utf8)
            let put = try await call(data, "PUT", "/\(bucket)/k", "tagging&versionId=\(v1)", body: tagging)
            #expect(put.status == 200 && put.header("x-amz-version-id") == v1)
            #expect(h.events.events.last?.action == "s3:PutObjectVersionTagging")
            let old = try await call(data, "GET", "/\(bucket)/k", "tagging&versionId=\(v1)")
            #expect(old.text.contains("<Key>old</Key>") && old.header("x-amz-version-id") == v1)
            #expect(h.events.events.last?.action == "s3:GetObjectVersionTagging")
            let latest = try await call(data, "GET", "/\(bucket)/k", "tagging")
            #expect(!latest.text.contains("<Key>old</Key>") && latest.header("x-amz-version-id") == v2)
            #expect(try await call(data, "DELETE", "/\(bucket)/k", "tagging&versionId=\(v1)").status == 204)
            #expect(h.events.events.last?.action == "s3:DeleteObjectVersionTagging")
            #expect(!(try await call(data, "GET", "/\(bucket)/k", "tagging&versionId=\(v1)").text.contains("<Key>old</Key>")))
            let missing = try await call(data, "GET", "/\(bucket)/k", "tagging&versionId=NoSuchVersionIdAtAllxxxxxxxxxxxxx")
            #expect(missing.status == 404 && missing.text.contains("<Code>NoSuchVersion</Code>"))
        }
    }

    // MARK: Step 4: ListObjectVersions

    @Test func listObjectVersionsShowsVersionsMarkersAndPrefixes() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            try await makeBucket(data, versioning: "Enabled")
            let a1 = try #require(try await call(data, "PUT", "/\(bucket)/a", body: Data("1".utf8)).header("x-amz-version-id"))
            let a2 = try #require(try await call(data, "PUT", "/\(bucket)/a", body: Data("22".utf8)).header("x-amz-version-id"))
            let b1 = try #require(try await call(data, "PUT", "/\(bucket)/b", body: Data("3".utf8)).header("x-amz-version-id"))
            let bm = try #require(try await call(data, "DELETE", "/\(bucket)/b").header("x-amz-version-id"))
            _ = try await call(data, "PUT", "/\(bucket)/dir/x", body: Data("4".utf8))
            _ = try await call(data, "PUT", "/\(bucket)/dir/y", body: Data("5".utf8))

            let all = try await call(data, "GET", "/\(bucket)", "versions").text
            #expect(all.hasPrefix("<?xml") && all.contains("<ListVersionsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"))
            #expect(values("VersionId", in: all).prefix(4) == [a2, a1, bm, b1])
            #expect(values("IsLatest", in: all) == ["true", "false", "true", "false", "true", "true"])
            #expect(values("Key", in: all) == ["a", "a", "b", "b", "dir/x", "dir/y"])
            #expect(values("DeleteMarker", in: all).count == 1 && values("DeleteMarker", in: all)[0].contains("<VersionId>\(bm)</VersionId>"))
            #expect(values("Size", in: all) == ["2", "1", "1", "1", "1"])
            #expect(all.contains("<Owner><ID>") && all.contains("<ETag>") && all.contains("<LastModified>"))
            #expect(all.contains("<IsTruncated>false</IsTruncated>"))

            let rolled = try await call(data, "GET", "/\(bucket)", "versions&delimiter=%2F").text
            #expect(values("Prefix", in: rolled).contains("dir/") && !rolled.contains("<Key>dir/x</Key>"))
            let under = try await call(data, "GET", "/\(bucket)", "versions&prefix=dir%2F").text
            #expect(values("Key", in: under) == ["dir/x", "dir/y"])

            // Pages of two, resumed from NextKeyMarker and NextVersionIdMarker, give every entry once.
            var seen: [String] = []
            var query = "versions&max-keys=2"
            for _ in 0..<10 {
                let page = try await call(data, "GET", "/\(bucket)", query).text
                seen += values("VersionId", in: page)
                guard page.contains("<IsTruncated>true</IsTruncated>") else { break }
                let key = try #require(values("NextKeyMarker", in: page).first)
                let version = try #require(values("NextVersionIdMarker", in: page).first)
                query = "versions&max-keys=2&key-marker=\(SigV4.uriEncode(key, encodeSlash: true))&version-id-marker=\(version)"
            }
            #expect(seen == values("VersionId", in: all))
            // A key marker alone starts after every version of that key.
            let afterA = try await call(data, "GET", "/\(bucket)", "versions&key-marker=a").text
            #expect(values("Key", in: afterA).first == "b")
        }
    }

    @Test func versionIdMarkerWithoutKeyMarkerIsInvalid() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            try await makeBucket(data, versioning: "Enabled")
            let answer = try await call(data, "GET", "/\(bucket)", "versions&version-id-marker=abc")
            #expect(answer.status == 400 && answer.text.contains("<Code>InvalidArgument</Code>"))
        }
    }
}

/// The versions of a key in the object store itself: kept on disk, reopened in order, swept of
/// crash leftovers.
@Suite struct S3VersionStoreTests {
    @Test func versionsAndMarkersSurviveAReopenInOrder() throws {
        let (store, root) = try S3StoreTests.freshStore()
        defer { try? FileManager.default.removeItem(at: root) }
        try store.put(bucket: "b", key: "k", body: Data("before".utf8), attributes: ObjectAttributes(), now: Date())
        try store.setBucketInfo(BucketInfo(name: "b", account: "111111111111", region: "us-east-1", created: Date(), policyOverridden: false))
        var info = try #require(store.bucketInfo("b"))
        info.versioning = ObjectStore.versioningEnabled
        try store.setBucketInfo(info)
        let one = try store.put(bucket: "b", key: "k", body: Data("one".utf8), attributes: ObjectAttributes(), now: Date())
        let two = try store.put(bucket: "b", key: "k", body: Data("two".utf8), attributes: ObjectAttributes(), now: Date())
        let marker = try store.putDeleteMarker(bucket: "b", key: "k", now: Date())
        #expect(store.record(bucket: "b", key: "k") == nil && store.latestVersion(bucket: "b", key: "k")?.isDeleteMarker == true)
        // What a kill -9 can leave among the versions: a temporary record.
        try Data("{".utf8).write(to: root.appendingPathComponent("b/versions/.tmp-3"))

        let reopened = try ObjectStore(root: root)
        let versions = try #require(reopened.listVersions(bucket: "b").first?.versions)
        #expect(versions.map(\.versionId) == [marker.versionId, two.versionId, one.versionId, nil])
        #expect(reopened.bucketInfo("b")?.versioning == ObjectStore.versioningEnabled)
        #expect(try reopened.read(bucket: "b", record: try #require(reopened.version(bucket: "b", key: "k", versionId: "null"))) == Data("before".utf8))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("b/versions/.tmp-3").path))
        // Every version's bytes are kept; removing one removes only its blob.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("b/blobs").path).count == 3)
        try reopened.deleteVersion(bucket: "b", key: "k", versionId: try #require(one.versionId))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("b/blobs").path).count == 2)
        try reopened.deleteVersion(bucket: "b", key: "k", versionId: try #require(marker.versionId))
        #expect(try reopened.read(bucket: "b", record: try #require(reopened.record(bucket: "b", key: "k"))) == Data("two".utf8))
        // A write after the reopen is still the latest.
        let three = try reopened.put(bucket: "b", key: "k", body: Data("three".utf8), attributes: ObjectAttributes(), now: Date())
        #expect(reopened.record(bucket: "b", key: "k")?.versionId == three.versionId)
    }
}
