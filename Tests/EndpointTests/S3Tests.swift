import AWSClient
import Endpoint
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import IAMPolicy
import SigV4
import TestSupport
import Testing
import World

@Suite(.serialized) struct S3AuthorizationTests {
    let deniedMessage = "User: arn:aws:sts::111111111111:assumed-role/glue-role-test/GlueJobRunnerSession is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::bucket-kjshadjas-3432-dsadas/test_path/some_demo_file.gz\" because no identity-based policy allows the s3:GetObject action"

    @Test func jobRoleIsDeniedWithTheReasonInsideTheOrganization() async throws {
        try await Harness.with { h in
            let error = await awsError { _ = try await h.jobRole().getObject(bucket: dataBucket, key: dataKey) }
            #expect(error?.code == "AccessDenied")
            #expect(error?.status == 403)
            #expect(error?.message == deniedMessage)
            let event = try #require(h.events.events.last)
            #expect(event.operation == "GetObject" && event.action == "s3:GetObject" && event.decision == "deny")
            #expect(event.reason == "because no identity-based policy allows the s3:GetObject action")
            #expect(event.principal == "arn:aws:sts::111111111111:assumed-role/glue-role-test/GlueJobRunnerSession")
        }
    }

    @Test func outsideTheOrganizationTheMessageIsPlain() async throws {
        var world = try Harness.loadDefaultWorld()
        world.organization = nil
        try await Harness.with(world: world) { h in
            let error = await awsError { _ = try await h.jobRole().getObject(bucket: dataBucket, key: dataKey) }
            #expect(error?.code == "AccessDenied")
            #expect(error?.message == "Access Denied")
        }
    }

    @Test func headObjectDeniedIsABare403() async throws {
        try await Harness.with { h in
            let job = try await h.jobRole()
            let error = await awsError {
                _ = try await job.send(service: "s3", method: "HEAD", path: "/\(dataBucket)/\(dataKey)", query: "", body: Data(), headers: [])
            }
            #expect(error?.status == 403)
            #expect(error?.code == "HTTP403")  // no body to read a code from, as with S3
            #expect(h.events.events.last?.operation == "HeadObject")
        }
    }

    @Test func assumedDataRoleReadsTheObject() async throws {
        try await Harness.with { h in
            let bytes = try await h.dataRole().getObject(bucket: dataBucket, key: dataKey)
            let expected = try Data(contentsOf: repoRoot.appendingPathComponent("sandbox/data/some_demo_file.gz"))
            #expect(bytes == expected)
            #expect(h.events.events.last?.decision == "allow")
        }
    }

    @Test func explicitDenyInBucketPolicyWins() async throws {
        var world = try Harness.loadDefaultWorld()
        let deny = #"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-kjshadjas-3432-dsadas/*"}]}"#
        world.accounts["222222222222"]!.buckets[dataBucket]!.policy = NamedPolicy(name: "bucket policy", policy: try Policy.parse(deny))
        try await Harness.with(world: world) { h in
            let error = await awsError { _ = try await h.dataRole().getObject(bucket: dataBucket, key: dataKey) }
            #expect(error?.message == "User: arn:aws:sts::222222222222:assumed-role/glue-role-test-to-be-assumed/assume-role is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::bucket-kjshadjas-3432-dsadas/test_path/some_demo_file.gz\" with an explicit deny in a resource-based policy")
        }
    }

    @Test func bucketPolicyGrantingTheJobRoleMakesCrossAccountReadWork() async throws {
        var world = try Harness.loadDefaultWorld()
        let grant = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/glue-role-test"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-kjshadjas-3432-dsadas/*"}]}"#
        world.accounts["222222222222"]!.buckets[dataBucket]!.policy = NamedPolicy(name: "bucket policy", policy: try Policy.parse(grant))
        try await Harness.with(world: world) { h in
            // Cross-account needs both sides: the bucket policy allows, the job role's own policy does not.
            let error = await awsError { _ = try await h.jobRole().getObject(bucket: dataBucket, key: dataKey) }
            #expect(error?.message.hasSuffix("because no identity-based policy allows the s3:GetObject action") == true)
        }
    }

    @Test func missingKeyIsNoSuchKeyOnlyForCallersWhoMayList() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let error = await awsError { _ = try await data.getObject(bucket: dataBucket, key: "missing.txt") }
            #expect(error?.code == "NoSuchKey" && error?.status == 404)
            var world = h.world
            world.organization = nil
            let assets = "aws-glue-assets-111111111111-us-east-1"
            let job = try await h.jobRole()
            let own = await awsError { _ = try await job.getObject(bucket: assets, key: "missing.txt") }
            #expect(own?.code == "NoSuchKey")
        }
    }

    @Test func missingBucketIsNoSuchBucket() async throws {
        try await Harness.with { h in
            let error = await awsError { _ = try await h.dataRole().getObject(bucket: "no-such-bucket-here", key: "k") }
            #expect(error?.code == "NoSuchBucket" && error?.status == 404)
        }
    }
}

@Suite(.serialized) struct S3ObjectTests {
    let assets = "aws-glue-assets-111111111111-us-east-1"

    func put(_ client: AWSClient, _ key: String, _ body: String, headers: [(String, String)] = []) async throws -> HTTPURLResponse {
        try await client.send(service: "s3", method: "PUT", path: "/\(assets)/\(SigV4.uriEncode(key, encodeSlash: false))", query: "",
                              body: Data(body.utf8), headers: headers).1
    }

    @Test func putThenGetWithMetadataAndRanges() async throws {
        try await Harness.with { h in
            let job = try await h.jobRole()
            let response = try await put(job, "out/result.txt", "hello world", headers: [
                ("content-type", "text/plain"), ("x-amz-meta-owner", "job"), ("x-amz-checksum-crc32", "DUoRhQ=="),
            ])
            #expect(response.value(forHTTPHeaderField: "ETag") == "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"")
            let (whole, head) = try await job.send(service: "s3", method: "GET", path: "/\(assets)/out/result.txt", query: "", body: Data(),
                                                   headers: [("x-amz-checksum-mode", "ENABLED")])
            #expect(String(decoding: whole, as: UTF8.self) == "hello world")
            #expect(head.value(forHTTPHeaderField: "Content-Type") == "text/plain")
            #expect(head.value(forHTTPHeaderField: "x-amz-meta-owner") == "job")
            #expect(head.value(forHTTPHeaderField: "x-amz-checksum-crc32") == "DUoRhQ==")

            for (range, expected, contentRange) in [("bytes=0-4", "hello", "bytes 0-4/11"), ("bytes=6-", "world", "bytes 6-10/11"), ("bytes=-3", "rld", "bytes 8-10/11")] {
                let (part, r) = try await job.send(service: "s3", method: "GET", path: "/\(assets)/out/result.txt", query: "", body: Data(), headers: [("range", range)])
                #expect(r.statusCode == 206)
                #expect(String(decoding: part, as: UTF8.self) == expected)
                #expect(r.value(forHTTPHeaderField: "Content-Range") == contentRange)
            }
            let unsatisfiable = await awsError {
                _ = try await job.send(service: "s3", method: "GET", path: "/\(assets)/out/result.txt", query: "", body: Data(), headers: [("range", "bytes=20-")])
            }
            #expect(unsatisfiable?.code == "InvalidRange" && unsatisfiable?.status == 416)
            let mismatch = await awsError {
                _ = try await job.send(service: "s3", method: "GET", path: "/\(assets)/out/result.txt", query: "", body: Data(), headers: [("if-match", "\"0000\"")])
            }
            #expect(mismatch?.code == "PreconditionFailed" && mismatch?.status == 412)
        }
    }

    @Test func badContentMD5IsBadDigest() async throws {
        try await Harness.with { h in
            let job = try await h.jobRole()
            let error = await awsError { _ = try await put(job, "x.txt", "abc", headers: [("content-md5", "AAAAAAAAAAAAAAAAAAAAAA==")]) }
            #expect(error?.code == "BadDigest")
        }
    }

    @Test func listObjectsV2WithPrefixDelimiterAndPages() async throws {
        try await Harness.with { h in
            let job = try await h.jobRole()
            for key in ["a/1.txt", "a/2.txt", "b/x/3.txt", "b/4.txt", "c.txt", "key with space.txt"] { _ = try await put(job, key, key) }
            func list(_ query: String) async throws -> String {
                String(decoding: try await job.send(service: "s3", method: "GET", path: "/\(assets)", query: query, body: Data(), headers: []).0, as: UTF8.self)
            }
            let top = try await list("delimiter=%2F&list-type=2")
            #expect(top.contains("<CommonPrefixes><Prefix>a/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>b/</Prefix></CommonPrefixes>"))
            #expect(top.contains("<Key>c.txt</Key>"))
            // a/, b/, c.txt, the key with a space, and the world's libs/ prefix.
            #expect(top.contains("<KeyCount>5</KeyCount>"))
            let underB = try await list("delimiter=%2F&list-type=2&prefix=b%2F")
            #expect(underB.contains("<Key>b/4.txt</Key>") && underB.contains("<Prefix>b/x/</Prefix>"))
            let encoded = try await list("encoding-type=url&list-type=2&prefix=key")
            #expect(encoded.contains("<Key>key+with+space.txt</Key>"))

            var keys: [String] = []
            var token: String?
            repeat {
                var query = "list-type=2&max-keys=2"
                if let token { query += "&continuation-token=" + SigV4.uriEncode(token, encodeSlash: true) }
                let page = try await list(query)
                keys += page.components(separatedBy: "<Key>").dropFirst().map { String($0.prefix { $0 != "<" }) }
                token = page.range(of: "<NextContinuationToken>").map { r in String(page[r.upperBound...].prefix { $0 != "<" }) }
            } while token != nil
            #expect(keys == ["a/1.txt", "a/2.txt", "b/4.txt", "b/x/3.txt", "c.txt", "key with space.txt", "libs/glue_helpers.py"])
        }
    }

    @Test func listBucketsShowsTheCallersOwnBuckets() async throws {
        try await Harness.with { h in
            let xml = String(decoding: try await h.jobRole().send(service: "s3", method: "GET", path: "/", query: "", body: Data(), headers: []).0, as: UTF8.self)
            #expect(xml.contains("<Name>aws-glue-assets-111111111111-us-east-1</Name>"))
            #expect(!xml.contains(dataBucket))
            let dataXML = String(decoding: try await h.dataRole().send(service: "s3", method: "GET", path: "/", query: "", body: Data(), headers: []).0, as: UTF8.self)
            #expect(dataXML.contains("<Name>\(dataBucket)</Name>"))
        }
    }

    @Test func jobRoleMayNotWriteOutsideAwsGlueBuckets() async throws {
        try await Harness.with { h in
            let job = try await h.jobRole()
            let error = await awsError {
                _ = try await job.send(service: "s3", method: "PUT", path: "/\(dataBucket)/x", query: "", body: Data("x".utf8), headers: [])
            }
            #expect(error?.code == "AccessDenied")
            #expect(error?.message.contains("s3:PutObject") == true)
        }
    }
}
