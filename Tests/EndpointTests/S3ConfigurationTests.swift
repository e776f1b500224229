import AWSClient
import Endpoint
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SigV4
import Testing

/// Bucket and object configuration (ACLs, CORS, lifecycle, logging, notification), written from
/// the S3 API reference.
@Suite(.serialized) struct S3ConfigurationTests {
    func text(_ r: (Data, HTTPURLResponse)) -> String { String(decoding: r.0, as: UTF8.self) }
    let bucket = "/\(dataBucket)"
    let objectKey = "configuration/object.bin"
    let objectBytes = Data("the object's bytes, which no ACL change may touch".utf8)
    var objectPath: String { "/\(dataBucket)/\(SigV4.uriEncode(objectKey, encodeSlash: false))" }

    /// The last call recorded: its operation, action and decision.
    func lastCall(_ h: Harness) -> (String, String, String)? {
        h.events.events.last.map { ($0.operation, $0.action, $0.decision) }
    }

    // MARK: ACLs

    @Test func objectAclCannedHeadersAndDocumentKeepTheBytes() async throws {
        try await Harness.with(world: try Harness.worldWithACLs()) { h in
            let data = try await h.dataRole()
            _ = try await data.send(service: "s3", method: "PUT", path: objectPath, query: "", body: objectBytes, headers: [("x-amz-tagging", "a=b")])
            // A new object is private: its owner alone, with full control.
            let initial = text(try await data.send(service: "s3", method: "GET", path: objectPath, query: "acl", body: Data(), headers: []))
            #expect(initial.contains("<AccessControlPolicy") && initial.contains("<Permission>FULL_CONTROL</Permission>") && !initial.contains("AllUsers"))
            #expect(lastCall(h).map { $0 == ("GetObjectAcl", "s3:GetObjectAcl", "allow") } == true)

            _ = try await data.send(service: "s3", method: "PUT", path: objectPath, query: "acl", body: Data(), headers: [("x-amz-acl", "public-read")])
            #expect(lastCall(h).map { $0 == ("PutObjectAcl", "s3:PutObjectAcl", "allow") } == true)
            let publicRead = text(try await data.send(service: "s3", method: "GET", path: objectPath, query: "acl", body: Data(), headers: []))
            #expect(publicRead.contains("<URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission>"))
            #expect(publicRead.contains("xsi:type=\"Group\""))
            #expect(try await data.getObject(bucket: dataBucket, key: objectKey) == objectBytes)
            let tags = text(try await data.send(service: "s3", method: "GET", path: objectPath, query: "tagging", body: Data(), headers: []))
            #expect(tags.contains("<Key>a</Key>"))

            // Grant headers.
            _ = try await data.send(service: "s3", method: "PUT", path: objectPath, query: "acl", body: Data(),
                                    headers: [("x-amz-grant-read", "uri=\"http://acs.amazonaws.com/groups/global/AuthenticatedUsers\"")])
            let granted = text(try await data.send(service: "s3", method: "GET", path: objectPath, query: "acl", body: Data(), headers: []))
            #expect(granted.contains("AuthenticatedUsers") && !granted.contains("AllUsers") && !granted.contains("FULL_CONTROL"))

            // An AccessControlPolicy document, the owner's id taken from the ACL S3 returned.
            let ownerId = try #require(initial.components(separatedBy: "<ID>").dropFirst().first?.components(separatedBy: "</ID>").first)
            let document = """
                <AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>\(ownerId)</ID></Owner><AccessControlList>\
                <Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>\(ownerId)</ID></Grantee><Permission>READ_ACP</Permission></Grant>\
                <Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/s3/LogDelivery</URI></Grantee><Permission>WRITE</Permission></Grant>\
                </AccessControlList></AccessControlPolicy>
                """
            _ = try await data.send(service: "s3", method: "PUT", path: objectPath, query: "acl", body: Data(document.utf8), headers: [])
            let stored = text(try await data.send(service: "s3", method: "GET", path: objectPath, query: "acl", body: Data(), headers: []))
            #expect(stored.contains("<ID>\(ownerId)</ID><DisplayName>") && stored.contains("<Permission>READ_ACP</Permission>") && stored.contains("LogDelivery"))
            #expect(try await data.getObject(bucket: dataBucket, key: objectKey) == objectBytes)

            // Refusals, each leaving the ACL as it was.
            let both = await awsError { _ = try await data.send(service: "s3", method: "PUT", path: objectPath, query: "acl", body: Data(),
                                                                 headers: [("x-amz-acl", "private"), ("x-amz-grant-read", "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\"")]) }
            #expect(both?.code == "InvalidRequest" && both?.status == 400)
            let canned = await awsError { _ = try await data.send(service: "s3", method: "PUT", path: objectPath, query: "acl", body: Data(), headers: [("x-amz-acl", "everyone")]) }
            #expect(canned?.code == "InvalidArgument")
            let malformed = await awsError { _ = try await data.send(service: "s3", method: "PUT", path: objectPath, query: "acl", body: Data("<nope/>".utf8), headers: []) }
            #expect(malformed?.code == "MalformedACLError")
            let unknownId = document.replacingOccurrences(of: "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\"><ID>\(ownerId)",
                                                          with: "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\"><ID>\(String(repeating: "0", count: 64))")
            let invalidId = await awsError { _ = try await data.send(service: "s3", method: "PUT", path: objectPath, query: "acl", body: Data(unknownId.utf8), headers: []) }
            #expect(invalidId?.code == "InvalidArgument")
            #expect(text(try await data.send(service: "s3", method: "GET", path: objectPath, query: "acl", body: Data(), headers: [])) == stored)

            let missing = await awsError { _ = try await data.send(service: "s3", method: "GET", path: "/\(dataBucket)/no/such/key", query: "acl", body: Data(), headers: []) }
            #expect(missing?.code == "NoSuchKey")
            // A new PutObject replaces the ACL with the default.
            _ = try await data.send(service: "s3", method: "PUT", path: objectPath, query: "", body: Data("new".utf8), headers: [])
            #expect(!text(try await data.send(service: "s3", method: "GET", path: objectPath, query: "acl", body: Data(), headers: [])).contains("LogDelivery"))
        }
    }

    @Test func bucketAclStoredAndReturned() async throws {
        try await Harness.with(world: try Harness.worldWithACLs()) { h in
            let data = try await h.dataRole()
            _ = try await data.send(service: "s3", method: "PUT", path: bucket, query: "acl", body: Data(), headers: [("x-amz-acl", "log-delivery-write")])
            #expect(lastCall(h).map { $0 == ("PutBucketAcl", "s3:PutBucketAcl", "allow") } == true)
            let acl = text(try await data.send(service: "s3", method: "GET", path: bucket, query: "acl", body: Data(), headers: []))
            #expect(acl.contains("<URI>http://acs.amazonaws.com/groups/s3/LogDelivery</URI></Grantee><Permission>WRITE</Permission>"))
            #expect(acl.contains("<Permission>READ_ACP</Permission>") && acl.contains("<Permission>FULL_CONTROL</Permission>"))
            _ = try await data.send(service: "s3", method: "PUT", path: bucket, query: "acl", body: Data(), headers: [("x-amz-acl", "private")])
            let back = text(try await data.send(service: "s3", method: "GET", path: bucket, query: "acl", body: Data(), headers: []))
            #expect(!back.contains("LogDelivery") && back.contains("FULL_CONTROL"))
            let email = await awsError { _ = try await data.send(service: "s3", method: "PUT", path: bucket, query: "acl", body: Data(),
                                                                  headers: [("x-amz-grant-read", "emailAddress=\"someone@example.com\"")]) }
            #expect(email?.code == "UnresolvableGrantByEmailAddress")
        }
    }

    // MARK: CORS

    let corsRules = """
        <CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
          <CORSRule><ID>app</ID><AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>
            <AllowedHeader>x-amz-*</AllowedHeader><AllowedHeader>Content-Type</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>300</MaxAgeSeconds></CORSRule>
          <CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod></CORSRule>
        </CORSConfiguration>
        """

    /// An unsigned request, as a browser sends it.
    func unsigned(_ h: Harness, _ method: String, _ path: String, headers: [(String, String)]) async throws -> (Int, [String: String], String) {
        var components = try #require(URLComponents(url: h.endpoint.url, resolvingAgainstBaseURL: false))
        components.percentEncodedPath = path
        var request = URLRequest(url: try #require(components.url))
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.connectionProxyDictionary = [:]
        let (data, response) = try await URLSession(configuration: configuration).data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields[String(describing: name).lowercased()] = String(describing: value) }
        return (http.statusCode, fields, String(decoding: data, as: UTF8.self))
    }

    @Test func corsStoredReturnedDeletedAndAuthorized() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let absent = await awsError { _ = try await data.send(service: "s3", method: "GET", path: bucket, query: "cors", body: Data(), headers: []) }
            #expect(absent?.code == "NoSuchCORSConfiguration" && absent?.status == 404)
            #expect(lastCall(h).map { $0 == ("GetBucketCors", "s3:GetBucketCORS", "allow") } == true)
            _ = try await data.send(service: "s3", method: "PUT", path: bucket, query: "cors", body: Data(corsRules.utf8), headers: [])
            #expect(lastCall(h).map { $0 == ("PutBucketCors", "s3:PutBucketCORS", "allow") } == true)
            let stored = text(try await data.send(service: "s3", method: "GET", path: bucket, query: "cors", body: Data(), headers: []))
            #expect(stored.contains("<CORSConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><CORSRule><ID>app</ID><AllowedOrigin>https://*.example.com</AllowedOrigin>"))
            #expect(stored.contains("<MaxAgeSeconds>300</MaxAgeSeconds>"))
            let method = await awsError { _ = try await data.send(service: "s3", method: "PUT", path: bucket, query: "cors",
                                                                   body: Data(corsRules.replacingOccurrences(of: ">HEAD<", with: ">PATCH<").utf8), headers: []) }
            #expect(method?.code == "InvalidRequest")
            let empty = await awsError { _ = try await data.send(service: "s3", method: "PUT", path: bucket, query: "cors", body: Data("<CORSConfiguration/>".utf8), headers: []) }
            #expect(empty?.code == "MalformedXML")
            _ = try await data.send(service: "s3", method: "DELETE", path: bucket, query: "cors", body: Data(), headers: [])
            #expect(lastCall(h).map { $0 == ("DeleteBucketCors", "s3:PutBucketCORS", "allow") } == true)
            let gone = await awsError { _ = try await data.send(service: "s3", method: "GET", path: bucket, query: "cors", body: Data(), headers: []) }
            #expect(gone?.code == "NoSuchCORSConfiguration")
        }
    }

    @Test func preflightAnsweredFromTheRulesWithoutAuthorization() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            // Before any configuration: refused.
            let disabled = try await unsigned(h, "OPTIONS", objectPath, headers: [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "GET")])
            #expect(disabled.0 == 403 && disabled.2.contains("<Code>AccessForbidden</Code>") && disabled.2.contains("CORS is not enabled for this bucket."))
            _ = try await data.send(service: "s3", method: "PUT", path: bucket, query: "cors", body: Data(corsRules.utf8), headers: [])
            let calls = h.events.events.count
            let allowed = try await unsigned(h, "OPTIONS", objectPath, headers: [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "PUT"),
                                                                                  ("Access-Control-Request-Headers", "Content-Type, X-Amz-Date")])
            #expect(allowed.0 == 200, "\(allowed.2)")
            #expect(allowed.1["access-control-allow-origin"] == "https://app.example.com")
            #expect(allowed.1["access-control-allow-methods"] == "GET, PUT")
            #expect(allowed.1["access-control-allow-headers"] == "content-type, x-amz-date")
            #expect(allowed.1["access-control-expose-headers"] == "ETag")
            #expect(allowed.1["access-control-max-age"] == "300")
            #expect(allowed.1["access-control-allow-credentials"] == "true")
            // The wildcard rule answers any origin with "*".
            let any = try await unsigned(h, "OPTIONS", bucket, headers: [("Origin", "http://elsewhere.test"), ("Access-Control-Request-Method", "HEAD")])
            #expect(any.0 == 200 && any.1["access-control-allow-origin"] == "*" && any.1["access-control-allow-credentials"] == nil)
            // No rule allows this origin, this method, or this header.
            for headers in [[("Origin", "https://app.example.org"), ("Access-Control-Request-Method", "GET")],
                            [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "DELETE")],
                            [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "authorization")]] {
                let refused = try await unsigned(h, "OPTIONS", objectPath, headers: headers)
                #expect(refused.0 == 403 && refused.2.contains("<Code>AccessForbidden</Code>"), "\(headers)")
                #expect(refused.2.contains("CORSResponse: This CORS request is not allowed."), "\(refused.2)")
                #expect(refused.1["access-control-allow-origin"] == nil)
            }
            let noOrigin = try await unsigned(h, "OPTIONS", objectPath, headers: [("Access-Control-Request-Method", "GET")])
            #expect(noOrigin.0 == 400)
            let noBucket = try await unsigned(h, "OPTIONS", "/no-such-bucket-here/k", headers: [("Origin", "https://a.example.com"), ("Access-Control-Request-Method", "GET")])
            #expect(noBucket.0 == 404 && noBucket.2.contains("NoSuchBucket"))
            // Preflights are no calls of the API: nothing authorized, nothing recorded.
            #expect(h.events.events.count == calls)
        }
    }

    @Test func actualRequestsWithOriginGetTheMatchingRulesHeaders() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            _ = try await data.send(service: "s3", method: "PUT", path: bucket, query: "cors", body: Data(corsRules.utf8), headers: [])
            let put = try await data.send(service: "s3", method: "PUT", path: objectPath, query: "", body: objectBytes, headers: [("Origin", "https://app.example.com")])
            #expect(put.1.value(forHTTPHeaderField: "Access-Control-Allow-Origin") == "https://app.example.com")
            let get = try await data.send(service: "s3", method: "GET", path: objectPath, query: "", body: Data(), headers: [("Origin", "https://app.example.com")])
            #expect(get.0 == objectBytes)
            #expect(get.1.value(forHTTPHeaderField: "Access-Control-Allow-Methods") == "GET, PUT")
            #expect(get.1.value(forHTTPHeaderField: "Access-Control-Expose-Headers") == "ETag")
            let other = try await data.send(service: "s3", method: "GET", path: objectPath, query: "", body: Data(), headers: [("Origin", "https://app.example.org")])
            #expect(other.1.value(forHTTPHeaderField: "Access-Control-Allow-Origin") == nil)
            let none = try await data.send(service: "s3", method: "GET", path: objectPath, query: "", body: Data(), headers: [])
            #expect(none.1.value(forHTTPHeaderField: "Access-Control-Allow-Origin") == nil)
            // Errors carry them too, so that the browser lets the page read them.
            let missing = try await unsigned(h, "GET", "/\(dataBucket)/no/such/key", headers: [("Origin", "https://app.example.com")])
            #expect(missing.0 >= 400 && missing.1["access-control-allow-origin"] == "https://app.example.com", "\(missing.0) \(missing.1)")
            let refusedOrigin = try await unsigned(h, "GET", "/\(dataBucket)/no/such/key", headers: [("Origin", "https://app.example.org")])
            #expect(refusedOrigin.0 >= 400 && refusedOrigin.1["access-control-allow-origin"] == nil)
        }
    }

    // MARK: Lifecycle, logging, notification

    @Test func lifecycleStoredReturnedAndDeleted() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let absent = await awsError { _ = try await data.send(service: "s3", method: "GET", path: bucket, query: "lifecycle", body: Data(), headers: []) }
            #expect(absent?.code == "NoSuchLifecycleConfiguration" && absent?.status == 404)
            #expect(lastCall(h).map { $0 == ("GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration", "allow") } == true)
            let rules = """
                <LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
                  <Rule><ID>tmp</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>7</Days></Expiration></Rule>
                  <Rule><Filter></Filter><Status>Disabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>
                </LifecycleConfiguration>
                """
            _ = try await data.send(service: "s3", method: "PUT", path: bucket, query: "lifecycle", body: Data(rules.utf8), headers: [])
            #expect(lastCall(h).map { $0 == ("PutBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration", "allow") } == true)
            let stored = text(try await data.send(service: "s3", method: "GET", path: bucket, query: "lifecycle", body: Data(), headers: []))
            #expect(stored.contains("<Rule><ID>tmp</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>7</Days></Expiration></Rule>"))
            // S3 names a rule without an ID.
            #expect(stored.components(separatedBy: "<ID>").count == 3)
            for (bad, code) in [("<LifecycleConfiguration/>", "MalformedXML"),
                                (rules.replacingOccurrences(of: "Enabled", with: "On"), "MalformedXML"),
                                (rules.replacingOccurrences(of: "<Days>7</Days>", with: "<Days>0</Days>"), "InvalidArgument"),
                                (rules.replacingOccurrences(of: "<Filter></Filter>", with: "<ID>tmp</ID><Filter></Filter>"), "InvalidArgument")] {
                let error = await awsError { _ = try await data.send(service: "s3", method: "PUT", path: bucket, query: "lifecycle", body: Data(bad.utf8), headers: []) }
                #expect(error?.code == code, "\(bad)")
            }
            _ = try await data.send(service: "s3", method: "DELETE", path: bucket, query: "lifecycle", body: Data(), headers: [])
            #expect(lastCall(h).map { $0 == ("DeleteBucketLifecycle", "s3:PutLifecycleConfiguration", "allow") } == true)
            let gone = await awsError { _ = try await data.send(service: "s3", method: "GET", path: bucket, query: "lifecycle", body: Data(), headers: []) }
            #expect(gone?.code == "NoSuchLifecycleConfiguration")
        }
    }

    @Test func lifecycleExpirationCarriedOutByTheEndpointsClock() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let rules = """
                <LifecycleConfiguration><Rule><ID>tmp</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration>\
                <AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>\
                <Rule><ID>off</ID><Filter><Prefix>keep/</Prefix></Filter><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>
                """
            _ = try await data.send(service: "s3", method: "PUT", path: bucket, query: "lifecycle", body: Data(rules.utf8), headers: [])
            for key in ["tmp/a", "keep/b", "other/c"] {
                _ = try await data.send(service: "s3", method: "PUT", path: "/\(dataBucket)/\(key)", query: "", body: Data(key.utf8), headers: [])
            }
            _ = try await data.send(service: "s3", method: "POST", path: "/\(dataBucket)/tmp/upload", query: "uploads", body: Data(), headers: [])
            let store = h.endpoint.configuration.store
            let written = h.clock.read()
            // Not yet due: two days after the write, rounded up to midnight UTC.
            #expect(store.applyLifecycleExpiration(now: written.addingTimeInterval(86_400)) == 0 || store.uploads(bucket: dataBucket).isEmpty)
            #expect(store.record(bucket: dataBucket, key: "tmp/a") != nil)
            #expect(store.applyLifecycleExpiration(now: written.addingTimeInterval(3 * 86_400)) >= 1)
            #expect(store.record(bucket: dataBucket, key: "tmp/a") == nil)
            #expect(store.record(bucket: dataBucket, key: "keep/b") != nil && store.record(bucket: dataBucket, key: "other/c") != nil)
            #expect(store.uploads(bucket: dataBucket).filter { $0.key == "tmp/upload" }.isEmpty)
        }
    }

    @Test func loggingAndNotificationStoredAndReturned() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let off = text(try await data.send(service: "s3", method: "GET", path: bucket, query: "logging", body: Data(), headers: []))
            #expect(off.contains("<BucketLoggingStatus") && !off.contains("LoggingEnabled"))
            #expect(lastCall(h).map { $0 == ("GetBucketLogging", "s3:GetBucketLogging", "allow") } == true)
            let logging = "<BucketLoggingStatus xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LoggingEnabled><TargetBucket>\(dataBucket)</TargetBucket><TargetPrefix>logs/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>"
            _ = try await data.send(service: "s3", method: "PUT", path: bucket, query: "logging", body: Data(logging.utf8), headers: [])
            #expect(lastCall(h).map { $0 == ("PutBucketLogging", "s3:PutBucketLogging", "allow") } == true)
            #expect(text(try await data.send(service: "s3", method: "GET", path: bucket, query: "logging", body: Data(), headers: [])).contains(
                "<LoggingEnabled><TargetBucket>\(dataBucket)</TargetBucket><TargetPrefix>logs/</TargetPrefix></LoggingEnabled>"))
            let target = await awsError { _ = try await data.send(service: "s3", method: "PUT", path: bucket, query: "logging",
                                                                   body: Data(logging.replacingOccurrences(of: "<TargetBucket>\(dataBucket)", with: "<TargetBucket>no-such-target-bucket").utf8), headers: []) }
            #expect(target?.code == "InvalidTargetBucketForLogging")
            _ = try await data.send(service: "s3", method: "PUT", path: bucket, query: "logging", body: Data("<BucketLoggingStatus xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>".utf8), headers: [])
            #expect(!text(try await data.send(service: "s3", method: "GET", path: bucket, query: "logging", body: Data(), headers: [])).contains("LoggingEnabled"))

            let none = text(try await data.send(service: "s3", method: "GET", path: bucket, query: "notification", body: Data(), headers: []))
            #expect(none.contains("<NotificationConfiguration") && !none.contains("QueueConfiguration"))
            #expect(lastCall(h).map { $0 == ("GetBucketNotificationConfiguration", "s3:GetBucketNotification", "allow") } == true)
            let notification = """
                <NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><QueueConfiguration><Id>q</Id>\
                <Queue>arn:aws:sqs:us-east-1:222222222222:events</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration>\
                <EventBridgeConfiguration></EventBridgeConfiguration></NotificationConfiguration>
                """
            _ = try await data.send(service: "s3", method: "PUT", path: bucket, query: "notification", body: Data(notification.utf8), headers: [])
            #expect(lastCall(h).map { $0 == ("PutBucketNotificationConfiguration", "s3:PutBucketNotification", "allow") } == true)
            let stored = text(try await data.send(service: "s3", method: "GET", path: bucket, query: "notification", body: Data(), headers: []))
            #expect(stored.contains("<QueueConfiguration><Id>q</Id><Queue>arn:aws:sqs:us-east-1:222222222222:events</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration><EventBridgeConfiguration></EventBridgeConfiguration>"))
            let bad = await awsError { _ = try await data.send(service: "s3", method: "PUT", path: bucket, query: "notification",
                                                                body: Data(notification.replacingOccurrences(of: "s3:ObjectCreated:*", with: "ObjectCreated").utf8), headers: []) }
            #expect(bad?.code == "InvalidArgument")
        }
    }

    // MARK: Location

    @Test func bucketLocationForEveryRegionForm() async throws {
        try await Harness.with { h in
            let data = try await h.dataRole()
            let location = { (bucket: String) async throws -> String in
                self.text(try await data.send(service: "s3", method: "GET", path: "/\(bucket)", query: "location", body: Data(), headers: []))
            }
            // us-east-1 is an empty constraint.
            let east = try await location(dataBucket)
            #expect(east.contains("<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"></LocationConstraint>"), "\(east)")
            let ireland = AWSClient(endpoint: h.endpoint.url, region: "eu-west-1", credentials: data.credentials, clock: data.clock)
            let body = { (constraint: String) in
                Data("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>\(constraint)</LocationConstraint></CreateBucketConfiguration>".utf8)
            }
            _ = try await ireland.send(service: "s3", method: "PUT", path: "/location-modern-bucket", query: "", body: body("eu-west-1"), headers: [])
            #expect(try await location("location-modern-bucket").contains(">eu-west-1</LocationConstraint>"))
            // The legacy EU constraint makes an eu-west-1 bucket whose location reads EU.
            _ = try await ireland.send(service: "s3", method: "PUT", path: "/location-legacy-bucket", query: "", body: body("EU"), headers: [])
            #expect(try await location("location-legacy-bucket").contains(">EU</LocationConstraint>"))
            let head = try await ireland.send(service: "s3", method: "HEAD", path: "/location-legacy-bucket", query: "", body: Data(), headers: [])
            #expect(head.1.value(forHTTPHeaderField: "x-amz-bucket-region") == "eu-west-1")
            // Sent to another region's endpoint, EU is as incompatible as eu-west-1.
            let wrong = await awsError { _ = try await data.send(service: "s3", method: "PUT", path: "/location-other-bucket", query: "", body: body("EU"), headers: []) }
            #expect(wrong?.code == "IllegalLocationConstraintException")
        }
    }
}
