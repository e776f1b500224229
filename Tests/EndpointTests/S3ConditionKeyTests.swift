@testable import Endpoint
import Foundation
import IAMPolicy
import SigV4
import TestSupport
import Testing
import World

/// S3's condition keys, read off requests and kept per action as the Service Authorization
/// Reference lists them; what a request does not carry stays absent.
@Suite struct S3ConditionKeyTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func request(_ method: String, _ path: String, query: String = "", headers: [(String, String)] = [], body: String = "",
                 tls: String? = nil) -> EndpointRequest {
        var request = EndpointRequest(method: method, rawPath: path, rawQuery: query, headers: headers.map { (name: $0.0, value: $0.1) },
                                      body: Data(body.utf8), requestId: "T")
        request.tlsVersion = tls
        request.transport = tls == nil ? .http : .https
        return request
    }

    let bucket = S3Bucket(name: "b", account: "222222222222", region: "us-east-1", policy: nil, created: Date(), tags: ["team": "data"], fromWorld: true)

    func context(_ action: String, _ request: EndpointRequest, key: String? = "k", tags: [String: String]? = nil) -> [String: [String]] {
        S3ConditionKeys.context(action: action, requestKeys: S3ConditionKeys.read(request, now: now), bucket: bucket, key: key) { tags }
    }

    @Test func listingKeysOnlyForListingActions() {
        let list = request("GET", "/b", query: "list-type=2&prefix=home%2Falice%2F&delimiter=%2F&max-keys=10")
        let keys = context("s3:ListBucket", list, key: nil)
        #expect(keys["s3:prefix"] == ["home/alice/"] && keys["s3:delimiter"] == ["/"] && keys["s3:max-keys"] == ["10"])
        #expect(keys["s3:ResourceAccount"] == ["222222222222"] && keys["aws:ResourceTag/team"] == ["data"])
        #expect(context("s3:ListBucketVersions", list, key: nil)["s3:prefix"] == ["home/alice/"])
        // The same parameters on another action are not its keys.
        #expect(context("s3:ListBucketMultipartUploads", list, key: nil)["s3:prefix"] == nil)
        // Sent empty: present and empty; not sent: absent.
        #expect(context("s3:ListBucket", request("GET", "/b", query: "prefix="), key: nil)["s3:prefix"] == [""])
        #expect(context("s3:ListBucket", request("GET", "/b", query: "list-type=2"), key: nil)["s3:prefix"] == nil)
    }

    @Test func putObjectHeaders() {
        let put = request("PUT", "/b/k", headers: [
            ("x-amz-server-side-encryption", "aws:kms"), ("x-amz-server-side-encryption-aws-kms-key-id", "arn:aws:kms:us-east-1:222222222222:key/1"),
            ("x-amz-acl", "bucket-owner-full-control"), ("x-amz-grant-read", "id=\"abc\""), ("x-amz-storage-class", "STANDARD_IA"),
            ("x-amz-tagging", "project=glue&tier=gold"), ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"), ("If-None-Match", "*"),
        ])
        let keys = context("s3:PutObject", put)
        #expect(keys["s3:x-amz-server-side-encryption"] == ["aws:kms"])
        #expect(keys["s3:x-amz-server-side-encryption-aws-kms-key-id"] == ["arn:aws:kms:us-east-1:222222222222:key/1"])
        #expect(keys["s3:x-amz-acl"] == ["bucket-owner-full-control"] && keys["s3:x-amz-grant-read"] == ["id=\"abc\""])
        #expect(keys["s3:x-amz-storage-class"] == ["STANDARD_IA"] && keys["s3:x-amz-content-sha256"] == ["UNSIGNED-PAYLOAD"])
        #expect(keys["s3:RequestObjectTag/project"] == ["glue"] && keys["s3:requestobjecttagkeys"] == ["project", "tier"])
        #expect(keys["s3:if-none-match"] == ["*"])
        // A GET with the same headers gets none of PutObject's keys (If-None-Match there is a read precondition).
        let get = context("s3:GetObject", put)
        #expect(get["s3:x-amz-acl"] == nil && get["s3:if-none-match"] == nil && get["s3:RequestObjectTag/project"] == nil)
        #expect(get["s3:x-amz-content-sha256"] == ["UNSIGNED-PAYLOAD"])
        // Nothing sent, nothing present: a Null condition on the key sees it missing.
        let plain = context("s3:PutObject", request("PUT", "/b/k"))
        #expect(plain["s3:x-amz-server-side-encryption"] == nil && plain["s3:x-amz-acl"] == nil)
    }

    @Test func copySourceAndDirective() {
        let copy = request("PUT", "/b/dst", headers: [("x-amz-copy-source", "/src-bucket/public%2Fa%20b.csv?versionId=7"), ("x-amz-metadata-directive", "REPLACE")])
        let keys = context("s3:PutObject", copy)
        #expect(keys["s3:x-amz-copy-source"] == ["src-bucket/public/a b.csv?versionId=7"])
        #expect(keys["s3:x-amz-metadata-directive"] == ["REPLACE"])
    }

    @Test func objectTagsAndVersions() {
        let get = request("GET", "/b/k", query: "versionId=v1")
        let keys = context("s3:GetObjectVersion", get, tags: ["classification": "secret"])
        #expect(keys["s3:ExistingObjectTag/classification"] == ["secret"] && keys["s3:versionid"] == ["v1"])
        // GetObject (no version action) has no s3:versionid; PutObject never sees existing tags.
        #expect(context("s3:GetObject", get, tags: ["c": "x"])["s3:versionid"] == nil)
        #expect(context("s3:PutObject", request("PUT", "/b/k"), tags: ["c": "x"])["s3:ExistingObjectTag/c"] == nil)
        #expect(context("s3:DeleteObject", get, tags: ["c": "x"])["s3:ExistingObjectTag/c"] == nil)
        let tagging = request("PUT", "/b/k", query: "tagging",
                              body: "<Tagging><TagSet><Tag><Key>owner</Key><Value>ana</Value></Tag></TagSet></Tagging>")
        let put = context("s3:PutObjectTagging", tagging, tags: ["owner": "bo"])
        #expect(put["s3:RequestObjectTag/owner"] == ["ana"] && put["s3:ExistingObjectTag/owner"] == ["bo"])
    }

    @Test func signatureAndTransportKeys() {
        let signedAt = AmzDate.format(now.addingTimeInterval(-3))
        let header = request("GET", "/b/k", headers: [("Authorization", "AWS4-HMAC-SHA256 Credential=A/20270115/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x"),
                                                      ("x-amz-date", signedAt)], tls: "1.3")
        let keys = context("s3:GetObject", header)
        #expect(keys["s3:authtype"] == ["REST-HEADER"] && keys["s3:signatureversion"] == ["AWS4-HMAC-SHA256"])
        #expect(keys["s3:signatureage"] == ["3000"] && keys["s3:tlsversion"] == ["1.3"])
        let presigned = context("s3:GetObject", request("GET", "/b/k", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=\(signedAt)&X-Amz-Signature=x"))
        #expect(presigned["s3:authtype"] == ["REST-QUERY-STRING"] && presigned["s3:tlsversion"] == nil)
        let v2 = context("s3:GetObject", request("GET", "/b/k", query: "AWSAccessKeyId=A&Expires=1&Signature=x"))
        #expect(v2["s3:authtype"] == ["REST-QUERY-STRING"] && v2["s3:signatureversion"] == ["AWS"] && v2["s3:signatureage"] == nil)
        #expect(context("s3:GetObject", request("GET", "/b/k"))["s3:authtype"] == nil)
    }

    @Test func createBucketKeys() {
        let create = request("PUT", "/nb", headers: [("x-amz-acl", "private"), ("x-amz-object-ownership", "ObjectWriter")],
                             body: "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>")
        let keys = context("s3:CreateBucket", create, key: nil)
        #expect(keys["s3:locationconstraint"] == ["eu-west-1"] && keys["s3:x-amz-object-ownership"] == ["ObjectWriter"] && keys["s3:x-amz-acl"] == ["private"])
    }

    /// The keys decide as IAM decides them: on an absent key, StringNotEquals and `...IfExists`
    /// conditions hold (so their Deny applies), StringEquals does not.
    @Test func absentKeysDecideAsInAWS() throws {
        let policy = try Policy.parse("""
            {"Version": "2012-10-17", "Statement": [
              {"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"},
              {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/strict/*",
               "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}}},
              {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/ifexists/*",
               "Condition": {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "AES256"}}},
              {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/nokms/*",
               "Condition": {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}}
            ]}
            """, as: .resource)
        func decide(_ key: String, _ headers: [(String, String)]) -> Bool {
            let context = self.context("s3:PutObject", request("PUT", "/b/\(key)", headers: headers), key: key)
            let request = AuthorizationRequest(principal: PrincipalIdentity(kind: .user, arn: "arn:aws:iam::222222222222:user/u", account: "222222222222"),
                                               action: "s3:PutObject", resource: "arn:aws:s3:::b/\(key)", resourceAccount: "222222222222",
                                               context: context, now: now)
            var set = PolicySet()
            set.resource = NamedPolicy(name: "bucket policy of b", policy: policy)
            return PolicyEvaluator.evaluate(request, policies: set).isAllowed
        }
        #expect(!decide("strict/a", []))
        #expect(decide("strict/a", [("x-amz-server-side-encryption", "AES256")]))
        #expect(!decide("ifexists/a", []))
        #expect(decide("ifexists/a", [("x-amz-server-side-encryption", "AES256")]))
        #expect(decide("nokms/a", []))
        #expect(!decide("nokms/a", [("x-amz-server-side-encryption", "aws:kms")]))
    }

    /// docs/s3-condition-keys.md names every key glueshim derives.
    @Test func theDocumentListsEveryKey() throws {
        let doc = try String(contentsOf: repoRoot.appendingPathComponent("docs/s3-condition-keys.md"), encoding: .utf8).lowercased()
        var keys = S3ConditionKeys.everyAction
        for set in S3ConditionKeys.byAction.values { keys.formUnion(set) }
        for (_, key) in S3ConditionKeys.headerKeys { keys.insert(key) }
        for key in keys {
            let name = key.hasSuffix("/") ? key + "<key>" : key
            let grant = key.hasPrefix("s3:x-amz-grant-") && doc.contains("-" + key.dropFirst("s3:x-amz-grant-".count) + "`")
            #expect(doc.contains("`" + name + "`") || doc.contains(name + "`") || grant, "docs/s3-condition-keys.md does not name \(name)")
        }
        for action in S3ConditionKeys.byAction.keys {
            #expect(doc.contains(action), "docs/s3-condition-keys.md does not name the action \(action)")
        }
    }
}
