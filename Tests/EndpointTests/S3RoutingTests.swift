import AWSClient
import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SigV4
import TestSupport
import Testing
@testable import Endpoint

/// Which operation S3 runs for a request: its method, whether it names the service, a bucket or an
/// object, and its subresource keys, as the S3 API reference lays out each operation's request.
/// A request glueshim does not serve answers 501 NotImplemented and changes nothing.
@Suite(.serialized) struct S3RoutingTests {
    static let notImplementedMessage = "A header you provided implies functionality that is not implemented"

    /// Every subresource key of the S3 API reference's request syntaxes.
    static let documentedSubresources = [
        "abac", "accelerate", "acl", "analytics", "attributes", "cors", "delete", "encryption", "intelligent-tiering", "inventory",
        "legal-hold", "lifecycle", "location", "logging", "metadataConfiguration", "metadataInventoryTable", "metadataJournalTable",
        "metadataTable", "metrics", "notification", "object-lock", "ownershipControls", "policy", "policyStatus", "publicAccessBlock",
        "renameObject", "replication", "requestPayment", "restore", "retention", "select", "session", "tagging", "torrent",
        "uploadId", "uploads", "versioning", "versions", "website",
    ]
    /// Shapes no S3 operation has.
    static let unknownQueries = ["no-such-subresource", "acl&tagging", "uploads&uploadId"]
    static let methods = ["GET", "PUT", "POST", "DELETE", "HEAD"]

    let objectKey = "routing/known.bin"
    let objectBytes = Data("bytes that must survive every request".utf8)
    let bucketTagging = "<Tagging><TagSet><Tag><Key>team</Key><Value>data</Value></Tag></TagSet></Tagging>"
    let objectTagging = "<Tagging><TagSet><Tag><Key>kept</Key><Value>yes</Value></Tag></TagSet></Tagging>"

    // MARK: Sending

    struct Answer {
        var status: Int
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Signs and sends one request, and returns whatever answers (errors included).
    func raw(_ client: AWSClient, _ method: String, _ path: String, _ query: String, body: Data = Data(),
             headers: [(String, String)] = []) async throws -> Answer {
        // Only PUT and POST carry the body, and only what goes on the wire is signed.
        let body = method == "PUT" || method == "POST" ? body : Data()
        var components = try #require(URLComponents(url: client.endpoint, resolvingAgainstBaseURL: false))
        components.percentEncodedPath = path
        components.percentEncodedQuery = query.isEmpty ? nil : query
        let url = try #require(components.url)
        let host = try #require(components.host)
        let all = headers + [("host", components.port.map { "\(host):\($0)" } ?? host)]
        let signed = RequestSigner(credentials: client.credentials, region: client.region, service: "s3")
            .sign(method, path, query: query, headers: all, body: body, date: client.clock())
        var request = URLRequest(url: url)
        request.httpMethod = method
        for (name, value) in signed where name != "host" { request.setValue(value, forHTTPHeaderField: name) }
        if !body.isEmpty || method == "PUT" || method == "POST" { request.httpBody = body }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.connectionProxyDictionary = [:]
        let (data, response) = try await URLSession(configuration: configuration).data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return Answer(status: http.statusCode, body: data)
    }

    func objectPath(_ key: String) -> String { "/\(dataBucket)/\(SigV4.uriEncode(key, encodeSlash: false))" }

    /// Checks an answer is S3's NotImplemented error document (HEAD answers carry no body).
    func expectNotImplemented(_ answer: Answer, method: String, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(answer.status == 501, "\(context): status \(answer.status) \(answer.text.prefix(200))", sourceLocation: sourceLocation)
        guard method != "HEAD" else {
            #expect(answer.body.isEmpty, "\(context)", sourceLocation: sourceLocation)
            return
        }
        let document = XMLDoc.parse(answer.body)
        #expect(document?.name == "Error", "\(context): \(answer.text.prefix(200))", sourceLocation: sourceLocation)
        #expect(document?.child("Code")?.text == "NotImplemented", "\(context)", sourceLocation: sourceLocation)
        #expect(document?.child("Message")?.text == Self.notImplementedMessage, "\(context)", sourceLocation: sourceLocation)
        #expect(document?.child("RequestId") != nil, "\(context)", sourceLocation: sourceLocation)
    }

    // MARK: State that no unserved request may change

    struct Snapshot: Equatable {
        var object: Data
        var objectTags: String
        var buckets: String
        var keys: String
        var policy: String
        var bucketTags: String
    }

    func snapshot(_ client: AWSClient) async throws -> Snapshot {
        Snapshot(object: try await raw(client, "GET", objectPath(objectKey), "").body,
                 objectTags: try await raw(client, "GET", objectPath(objectKey), "tagging").text,
                 buckets: try await raw(client, "GET", "/", "").text,
                 keys: try await raw(client, "GET", "/\(dataBucket)", "list-type=2").text,
                 policy: try await raw(client, "GET", "/\(dataBucket)", "policy").text,
                 bucketTags: try await raw(client, "GET", "/\(dataBucket)", "tagging").text)
    }

    /// The data bucket with a known object (tagged), its world bucket policy and bucket tags.
    func setUp(_ client: AWSClient) async throws {
        _ = try await client.send(service: "s3", method: "PUT", path: objectPath(objectKey), query: "", body: objectBytes,
                                  headers: [("x-amz-tagging", "kept=yes")])
        _ = try await client.send(service: "s3", method: "PUT", path: "/\(dataBucket)", query: "tagging", body: Data(bucketTagging.utf8), headers: [])
    }

    // MARK: Tests

    /// Every documented subresource with every method, on a bucket and on an object, by a principal
    /// allowed all of S3: each request reaches the operation the table names or answers 501, and
    /// nothing else happens.
    @Test func everySubresourceWithEveryMethodReachesItsOperationOrChangesNothing() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            try await setUp(data)
            let policy = try await raw(data, "GET", "/\(dataBucket)", "policy").text
            let baseline = try await snapshot(data)
            #expect(baseline.object == objectBytes && baseline.policy.contains("DataRoleRead") && baseline.bucketTags.contains("<Key>team</Key>"))
            var served = 0, unserved = 0
            for level in [S3Level.bucket, .object] {
                let path = level == .bucket ? "/\(dataBucket)" : objectPath(objectKey)
                for query in Self.documentedSubresources + Self.unknownQueries {
                    for method in Self.methods {
                        let context = "\(method) \(level) ?\(query)"
                        let before = h.events.events.count
                        let answer = try await raw(data, method, path, query, body: Data("not a document".utf8))
                        let events = Array(h.events.events[before...])
                        let keys = Dictionary(query.split(separator: "&").map { (String($0), "") }, uniquingKeysWith: { a, _ in a })
                        let resolution = S3Routes.resolve(method: method, level: level, query: keys, header: { _ in nil })
                        if case .route(let route) = resolution, route.served {
                            served += 1
                            #expect(answer.status != 501, "\(context): \(answer.text.prefix(200))")
                            for event in events {
                                #expect(event.operation == route.operation && event.action == route.action && event.decision == "allow",
                                        "\(context) recorded \(event.operation) \(event.action) \(event.decision)")
                            }
                            // The operations served here whose purpose is to remove what the snapshot holds.
                            switch route.handler {
                            case .deleteBucketPolicy?:
                                _ = try await data.send(service: "s3", method: "PUT", path: "/\(dataBucket)", query: "policy", body: Data(policy.utf8), headers: [])
                            case .deleteBucketTagging?:
                                _ = try await data.send(service: "s3", method: "PUT", path: "/\(dataBucket)", query: "tagging", body: Data(bucketTagging.utf8), headers: [])
                            case .deleteObjectTagging?:
                                _ = try await data.send(service: "s3", method: "PUT", path: objectPath(objectKey), query: "tagging", body: Data(objectTagging.utf8), headers: [])
                            default: break
                            }
                        } else {
                            unserved += 1
                            expectNotImplemented(answer, method: method, context)
                            #expect(events.count == 1, "\(context): \(events.map(\.operation))")
                            if let event = events.first {
                                #expect(event.decision == "unsupported" && event.status == 501 && event.errorCode == "NotImplemented", "\(context)")
                                if case .route(let route) = resolution {
                                    #expect(event.operation == route.operation && event.action == route.action, "\(context)")
                                } else {
                                    #expect(event.operation.isEmpty && event.action.isEmpty, "\(context)")
                                }
                            }
                        }
                        let now = try await snapshot(data)
                        #expect(now == baseline, "\(context) changed the bucket or the object")
                    }
                }
            }
            // Of the 420 requests, those of served operations: GET/PUT/DELETE ?policy, GET/PUT ?acl, GET/PUT/DELETE ?tagging,
            // GET/PUT/DELETE ?cors, GET/PUT/DELETE ?lifecycle, GET/PUT ?logging, GET/PUT ?notification, GET ?location,
            // GET ?uploads, POST ?delete, GET/PUT ?versioning, GET ?versions, GET/PUT/DELETE ?ownershipControls,
            // GET/PUT/DELETE ?publicAccessBlock, GET ?policyStatus and GET/PUT/DELETE ?encryption on the bucket;
            // ?tagging (3), GET/PUT ?acl, POST ?uploads and ?uploadId (4) on the object.
            #expect(served == 44)
            #expect(unserved == 2 * 5 * (Self.documentedSubresources.count + Self.unknownQueries.count) - 44)
        }
    }

    /// boto3's put_object_acl once replaced the object with an empty body, authorized as s3:PutObject:
    /// it is PutObjectAcl, authorized as s3:PutObjectAcl (s3:PutObjectVersionAcl for a version), and the object's bytes stay.
    @Test func putObjectAclKeepsTheObject() async throws {
        try await Harness.with(world: try Harness.worldWithACLs()) { h in
            let data = try await h.dataRole()
            try await setUp(data)
            for query in ["acl", "acl&versionId=null", "acl&x-id=PutObjectAcl"] {
                let before = h.events.events.count
                let answer = try await raw(data, "PUT", objectPath(objectKey), query, headers: [("x-amz-acl", "public-read")])
                #expect(answer.status == 200, "PUT ?\(query): \(answer.text.prefix(200))")
                let events = h.events.events[before...]
                #expect(events.map(\.operation) == ["PutObjectAcl"])
                // With a versionId, the version's own action.
                #expect(events.map(\.action) == [query.contains("versionId") ? "s3:PutObjectVersionAcl" : "s3:PutObjectAcl"])
                #expect(events.allSatisfy { $0.decision == "allow" })
                #expect(try await data.getObject(bucket: dataBucket, key: objectKey) == objectBytes)
            }
            // Nor is the object's body handed out as its ACL.
            let get = try await raw(data, "GET", objectPath(objectKey), "acl")
            #expect(get.status == 200 && get.text.contains("<AccessControlPolicy") && get.text.contains("AllUsers"))
            #expect(get.body != objectBytes)
            // A refused document changes nothing either.
            let bad = try await raw(data, "PUT", objectPath(objectKey), "acl", body: Data("not a document".utf8))
            #expect(bad.status == 400 && bad.text.contains("MalformedACLError"))
            #expect(try await data.getObject(bucket: dataBucket, key: objectKey) == objectBytes)
        }
    }

    @Test(arguments: ["versions", "versioning", "versions&prefix=routing%2F", "versions&key-marker=a&version-id-marker=b"])
    func versionsAndVersioningAreTheirOwnOperationsNotAListing(_ query: String) async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            try await setUp(data)
            let answer = try await raw(data, "GET", "/\(dataBucket)", query)
            #expect(answer.status == 200, "GET ?\(query): \(answer.text.prefix(200))")
            #expect(!answer.text.contains("ListBucketResult"))
            #expect(answer.text.contains(query.hasPrefix("versioning") ? "<VersioningConfiguration" : "<ListVersionsResult"))
            let event = try #require(h.events.events.last)
            #expect(event.operation == (query.hasPrefix("versioning") ? "GetBucketVersioning" : "ListObjectVersions"))
            #expect(event.action == (query.hasPrefix("versioning") ? "s3:GetBucketVersioning" : "s3:ListBucketVersions"))
            #expect(event.decision == "allow")
        }
    }

    /// What is not an S3 request shape (an unknown key, a parameter the operation does not take, two
    /// subresources at once, a list-type S3 does not have) is 501 too, never the nearest operation.
    @Test(arguments: [("PUT", "object", "acl&tagging"), ("PUT", "object", "partNumber=1"), ("PUT", "object", "no-such-thing"),
                      ("DELETE", "object", "prefix=routing"), ("DELETE", "bucket", "prefix=x"), ("PUT", "bucket", "max-keys=1"),
                      ("GET", "bucket", "list-type=3"), ("GET", "object", "uploads"), ("POST", "object", ""), ("DELETE", "service", ""),
                      ("HEAD", "object", "torrent")])
    func shapesS3DoesNotHaveAreNotImplemented(_ method: String, _ level: String, _ query: String) async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            try await setUp(data)
            let baseline = try await snapshot(data)
            let path = level == "object" ? objectPath(objectKey) : level == "bucket" ? "/\(dataBucket)" : "/"
            let before = h.events.events.count
            let answer = try await raw(data, method, path, query, body: Data("x".utf8))
            expectNotImplemented(answer, method: method, "\(method) \(level) ?\(query)")
            #expect(h.events.events[before...].map(\.decision) == ["unsupported"])
            #expect(try await snapshot(data) == baseline)
        }
    }

    /// Every operation glueshim serves is reached by its request and authorized as its IAM action.
    @Test func servedOperationsRouteToTheirOperationAndAction() async throws {
        try await Harness.with(world: try Harness.worldWithACLs()) { h in
            let data = try await h.dataRole()
            try await setUp(data)
            var checked = Set<String>()
            /// Sends a request that succeeds and checks the last call recorded.
            func expectRoute(_ method: String, _ path: String, _ query: String, body: Data = Data(), headers: [(String, String)] = [],
                             operation: String, action: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
                let before = h.events.events.count
                let answer = try await raw(data, method, path, query, body: body, headers: headers)
                #expect((200..<300).contains(answer.status), "\(operation): \(answer.status) \(answer.text.prefix(300))", sourceLocation: sourceLocation)
                // A copy also records the read of its source, as the same operation authorized as s3:GetObject.
                let events = h.events.events[before...]
                #expect(!events.isEmpty && events.allSatisfy { $0.operation == operation && $0.decision == "allow" },
                        "\(method) \(path)?\(query): \(events.map(\.operation))", sourceLocation: sourceLocation)
                #expect(events.contains { $0.action == action }, "\(method) \(path)?\(query): \(events.map(\.action))", sourceLocation: sourceLocation)
                checked.insert(operation)
                return answer.text
            }
            let bucket = "/\(dataBucket)"
            let fresh = "/routing-fresh-bucket"
            let tagging = Data("<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>".utf8)
            _ = try await expectRoute("GET", "/", "", operation: "ListBuckets", action: "s3:ListAllMyBuckets")
            _ = try await expectRoute("PUT", fresh, "", operation: "CreateBucket", action: "s3:CreateBucket")
            _ = try await expectRoute("HEAD", bucket, "", operation: "HeadBucket", action: "s3:ListBucket")
            _ = try await expectRoute("GET", bucket, "location", operation: "GetBucketLocation", action: "s3:GetBucketLocation")
            #expect(try await expectRoute("GET", bucket, "prefix=routing%2F", operation: "ListObjects", action: "s3:ListBucket").contains(objectKey))
            #expect(try await expectRoute("GET", bucket, "list-type=2&prefix=routing%2F&x-id=ListObjectsV2",
                                          operation: "ListObjectsV2", action: "s3:ListBucket").contains(objectKey))
            _ = try await expectRoute("GET", bucket, "policy", operation: "GetBucketPolicy", action: "s3:GetBucketPolicy")
            let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::routing-fresh-bucket/*"}]}"#
            _ = try await expectRoute("PUT", fresh, "policy", body: Data(policy.utf8), operation: "PutBucketPolicy", action: "s3:PutBucketPolicy")
            _ = try await expectRoute("DELETE", fresh, "policy", operation: "DeleteBucketPolicy", action: "s3:DeleteBucketPolicy")
            _ = try await expectRoute("GET", bucket, "acl", operation: "GetBucketAcl", action: "s3:GetBucketAcl")
            _ = try await expectRoute("PUT", fresh, "tagging", body: tagging, operation: "PutBucketTagging", action: "s3:PutBucketTagging")
            _ = try await expectRoute("GET", fresh, "tagging", operation: "GetBucketTagging", action: "s3:GetBucketTagging")
            _ = try await expectRoute("DELETE", fresh, "tagging", operation: "DeleteBucketTagging", action: "s3:PutBucketTagging")
            _ = try await expectRoute("PUT", fresh, "acl", headers: [("x-amz-acl", "private")], operation: "PutBucketAcl", action: "s3:PutBucketAcl")
            let cors = Data("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>".utf8)
            _ = try await expectRoute("PUT", fresh, "cors", body: cors, operation: "PutBucketCors", action: "s3:PutBucketCORS")
            _ = try await expectRoute("GET", fresh, "cors", operation: "GetBucketCors", action: "s3:GetBucketCORS")
            _ = try await expectRoute("DELETE", fresh, "cors", operation: "DeleteBucketCors", action: "s3:PutBucketCORS")
            let lifecycle = Data("<LifecycleConfiguration><Rule><ID>r</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>".utf8)
            _ = try await expectRoute("PUT", fresh, "lifecycle", body: lifecycle, operation: "PutBucketLifecycleConfiguration", action: "s3:PutLifecycleConfiguration")
            _ = try await expectRoute("GET", fresh, "lifecycle", operation: "GetBucketLifecycleConfiguration", action: "s3:GetLifecycleConfiguration")
            _ = try await expectRoute("DELETE", fresh, "lifecycle", operation: "DeleteBucketLifecycle", action: "s3:PutLifecycleConfiguration")
            _ = try await expectRoute("PUT", fresh, "logging", body: Data("<BucketLoggingStatus/>".utf8), operation: "PutBucketLogging", action: "s3:PutBucketLogging")
            _ = try await expectRoute("GET", fresh, "logging", operation: "GetBucketLogging", action: "s3:GetBucketLogging")
            _ = try await expectRoute("PUT", fresh, "notification", body: Data("<NotificationConfiguration/>".utf8),
                                      operation: "PutBucketNotificationConfiguration", action: "s3:PutBucketNotification")
            _ = try await expectRoute("GET", fresh, "notification", operation: "GetBucketNotificationConfiguration", action: "s3:GetBucketNotification")
            let enabled = Data("<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>".utf8)
            _ = try await expectRoute("PUT", fresh, "versioning", body: enabled, operation: "PutBucketVersioning", action: "s3:PutBucketVersioning")
            _ = try await expectRoute("GET", fresh, "versioning", operation: "GetBucketVersioning", action: "s3:GetBucketVersioning")
            _ = try await expectRoute("GET", fresh, "versions", operation: "ListObjectVersions", action: "s3:ListBucketVersions")

            let key = objectPath("routing/other")
            _ = try await expectRoute("PUT", key, "", body: Data("one".utf8), operation: "PutObject", action: "s3:PutObject")
            _ = try await expectRoute("PUT", key, "x-id=PutObject", body: Data("two".utf8), operation: "PutObject", action: "s3:PutObject")
            #expect(try await data.getObject(bucket: dataBucket, key: "routing/other") == Data("two".utf8))
            _ = try await expectRoute("PUT", objectPath("routing/copy"), "x-id=CopyObject", headers: [("x-amz-copy-source", "/\(dataBucket)/routing/other")],
                                      operation: "CopyObject", action: "s3:PutObject")
            #expect(try await expectRoute("GET", key, "response-content-type=text%2Fplain&x-id=GetObject", operation: "GetObject", action: "s3:GetObject") == "two")
            _ = try await expectRoute("HEAD", key, "", operation: "HeadObject", action: "s3:GetObject")
            _ = try await expectRoute("PUT", key, "tagging", body: tagging, operation: "PutObjectTagging", action: "s3:PutObjectTagging")
            _ = try await expectRoute("GET", key, "tagging", operation: "GetObjectTagging", action: "s3:GetObjectTagging")
            _ = try await expectRoute("DELETE", key, "tagging", operation: "DeleteObjectTagging", action: "s3:DeleteObjectTagging")
            _ = try await expectRoute("PUT", key, "acl", headers: [("x-amz-acl", "authenticated-read")], operation: "PutObjectAcl", action: "s3:PutObjectAcl")
            #expect(try await expectRoute("GET", key, "acl", operation: "GetObjectAcl", action: "s3:GetObjectAcl").contains("AuthenticatedUsers"))

            let mp = objectPath("routing/multipart")
            func uploadId(_ xml: String) throws -> String {
                try #require(xml.range(of: "<UploadId>").flatMap { s in xml.range(of: "</UploadId>").map { String(xml[s.upperBound..<$0.lowerBound]) } })
            }
            let id = try uploadId(try await expectRoute("POST", mp, "uploads", operation: "CreateMultipartUpload", action: "s3:PutObject"))
            _ = try await expectRoute("GET", bucket, "uploads", operation: "ListMultipartUploads", action: "s3:ListBucketMultipartUploads")
            _ = try await expectRoute("PUT", mp, "partNumber=1&uploadId=\(id)&x-id=UploadPart", body: Data("part".utf8), operation: "UploadPart", action: "s3:PutObject")
            _ = try await expectRoute("PUT", mp, "partNumber=2&uploadId=\(id)", headers: [("x-amz-copy-source", "/\(dataBucket)/routing/other")],
                                      operation: "UploadPartCopy", action: "s3:PutObject")
            let parts = try await expectRoute("GET", mp, "uploadId=\(id)", operation: "ListParts", action: "s3:ListMultipartUploadParts")
            let etags = parts.components(separatedBy: "<ETag>").dropFirst().compactMap { $0.components(separatedBy: "</ETag>").first }
            #expect(etags.count == 2)
            // Only the last part may be under 5 MiB: complete with the copied part alone.
            let complete = "<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>\(etags.last ?? "")</ETag></Part></CompleteMultipartUpload>"
            _ = try await expectRoute("POST", mp, "uploadId=\(id)", body: Data(complete.utf8), operation: "CompleteMultipartUpload", action: "s3:PutObject")
            #expect(try await data.getObject(bucket: dataBucket, key: "routing/multipart") == Data("two".utf8))
            let aborted = try uploadId(try await raw(data, "POST", mp, "uploads").text)
            _ = try await expectRoute("DELETE", mp, "uploadId=\(aborted)", operation: "AbortMultipartUpload", action: "s3:AbortMultipartUpload")

            let delete = Data("<Delete><Object><Key>routing/copy</Key></Object></Delete>".utf8)
            _ = try await expectRoute("POST", bucket, "delete", body: delete, headers: [("content-md5", Data(Insecure.MD5.hash(data: delete)).base64EncodedString())],
                                      operation: "DeleteObjects", action: "s3:DeleteObject")
            _ = try await expectRoute("DELETE", key, "", operation: "DeleteObject", action: "s3:DeleteObject")
            let ownership = Data("<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>".utf8)
            _ = try await expectRoute("PUT", fresh, "ownershipControls", body: ownership, operation: "PutBucketOwnershipControls", action: "s3:PutBucketOwnershipControls")
            _ = try await expectRoute("GET", fresh, "ownershipControls", operation: "GetBucketOwnershipControls", action: "s3:GetBucketOwnershipControls")
            _ = try await expectRoute("DELETE", fresh, "ownershipControls", operation: "DeleteBucketOwnershipControls", action: "s3:PutBucketOwnershipControls")
            let block = Data("<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>".utf8)
            _ = try await expectRoute("PUT", fresh, "publicAccessBlock", body: block, operation: "PutPublicAccessBlock", action: "s3:PutBucketPublicAccessBlock")
            _ = try await expectRoute("GET", fresh, "publicAccessBlock", operation: "GetPublicAccessBlock", action: "s3:GetBucketPublicAccessBlock")
            _ = try await expectRoute("DELETE", fresh, "publicAccessBlock", operation: "DeletePublicAccessBlock", action: "s3:PutBucketPublicAccessBlock")
            _ = try await expectRoute("GET", bucket, "policyStatus", operation: "GetBucketPolicyStatus", action: "s3:GetBucketPolicyStatus")
            let encryption = Data("<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>".utf8)
            _ = try await expectRoute("PUT", fresh, "encryption", body: encryption, operation: "PutBucketEncryption", action: "s3:PutEncryptionConfiguration")
            _ = try await expectRoute("GET", fresh, "encryption", operation: "GetBucketEncryption", action: "s3:GetEncryptionConfiguration")
            _ = try await expectRoute("DELETE", fresh, "encryption", operation: "DeleteBucketEncryption", action: "s3:PutEncryptionConfiguration")
            _ = try await expectRoute("DELETE", fresh, "", operation: "DeleteBucket", action: "s3:DeleteBucket")

            // Every operation the table serves was reached above, under the name the table gives it.
            let servedInTable = Set(S3Routes.table.filter(\.served).map(\.operation))
            #expect(checked == servedInTable)
        }
    }

    /// The table itself: one operation per request shape, subresources and ordinary parameters apart.
    @Test func theTableNamesOneOperationPerShape() {
        var shapes = Set<String>()
        for route in S3Routes.table {
            let shape = "\(route.method) \(route.level) \(route.subresources.sorted()) \(route.variant)"
            #expect(shapes.insert(shape).inserted, "two operations for \(shape)")
            #expect(route.action.hasPrefix("s3:") || route.action.hasPrefix("s3express:"), "\(route)")
        }
        #expect(S3Routes.subresourceKeys.isDisjoint(with: S3Routes.ordinaryParameters))
        #expect(S3Routes.subresourceKeys == Set(Self.documentedSubresources))
        let handlers = Set(S3Routes.table.compactMap { $0.handler.map { "\($0)" } })
        #expect(handlers == Set(S3Route.Handler.allCases.map { "\($0)" }))
        #expect(S3Routes.table.filter(\.served).count == 56)
    }
}
