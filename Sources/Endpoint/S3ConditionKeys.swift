import Foundation
import ObjectStore
import SigV4
import World

/// The condition keys S3 derives from a request, per action as the Service Authorization
/// Reference lists them ("Actions, resources, and condition keys for Amazon S3").
///
/// A request's keys are read once, off its headers, query, body and signature, before the
/// operation is known (`read`); each authorization then keeps those its action supports and adds
/// the keys that come from the resource (`context`). A key the request does not carry is absent,
/// never empty, so `...IfExists` and `Null` conditions see what AWS's do.
enum S3ConditionKeys {
    /// Keys every S3 action supports: how the request was signed and sent.
    static let everyAction: Set<String> = [
        "s3:authtype", "s3:signatureage", "s3:signatureversion", "s3:tlsversion", "s3:x-amz-content-sha256",
    ]

    static let grantKeys: Set<String> = [
        "s3:x-amz-grant-full-control", "s3:x-amz-grant-read", "s3:x-amz-grant-read-acp", "s3:x-amz-grant-write", "s3:x-amz-grant-write-acp",
    ]
    static let aclKeys: Set<String> = grantKeys.union(["s3:x-amz-acl"])
    static let listKeys: Set<String> = ["s3:prefix", "s3:delimiter", "s3:max-keys"]
    static let requestTagKeys: Set<String> = ["s3:requestobjecttag/", "s3:requestobjecttagkeys"]
    static let existingTag: Set<String> = ["s3:existingobjecttag/"]
    static let version: Set<String> = ["s3:versionid"]
    /// What a new object is created with: the keys of PutObject, CopyObject and CreateMultipartUpload.
    static let creationKeys: Set<String> = aclKeys.union(requestTagKeys).union([
        "s3:x-amz-server-side-encryption", "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "s3:x-amz-server-side-encryption-customer-algorithm", "s3:x-amz-storage-class", "s3:x-amz-website-redirect-location",
        "s3:object-lock-mode", "s3:object-lock-retain-until-date", "s3:object-lock-legal-hold",
    ])

    /// The keys each action supports beyond `everyAction`, by lowercased action. A key ending in
    /// "/" stands for all keys under it (`s3:ExistingObjectTag/<key>`).
    static let byAction: [String: Set<String>] = [
        "s3:listbucket": listKeys,
        "s3:listbucketversions": listKeys,
        "s3:createbucket": aclKeys.union(["s3:locationconstraint", "s3:x-amz-object-ownership"]),
        "s3:putbucketacl": aclKeys,
        "s3:putobject": creationKeys.union(["s3:x-amz-copy-source", "s3:x-amz-metadata-directive", "s3:if-match", "s3:if-none-match"]),
        "s3:putobjectacl": aclKeys.union(existingTag),
        "s3:putobjectversionacl": aclKeys.union(existingTag).union(version),
        "s3:getobject": existingTag,
        "s3:getobjectversion": existingTag.union(version),
        "s3:getobjectacl": existingTag,
        "s3:getobjectversionacl": existingTag.union(version),
        "s3:getobjecttagging": existingTag,
        "s3:getobjectversiontagging": existingTag.union(version),
        "s3:putobjecttagging": existingTag.union(requestTagKeys),
        "s3:putobjectversiontagging": existingTag.union(requestTagKeys).union(version),
        "s3:deleteobjecttagging": existingTag,
        "s3:deleteobjectversiontagging": existingTag.union(version),
        "s3:deleteobjectversion": version,
    ]

    /// Whether a key describes what a new object is created with.
    static func isCreationKey(_ key: String) -> Bool {
        let lower = key.lowercased()
        return creationKeys.contains(lower) || lower.hasPrefix("s3:requestobjecttag/")
    }

    /// Whether `action` supports the condition key `key` (lowercased).
    static func supports(_ action: String, _ key: String) -> Bool {
        if everyAction.contains(key) { return true }
        guard let keys = byAction[action.lowercased()] else { return false }
        if keys.contains(key) { return true }
        if let slash = key.firstIndex(of: "/") { return keys.contains(String(key[...slash])) }
        return false
    }

    /// Headers whose value is a condition key of the same name under `s3:`.
    static let headerKeys: [(header: String, key: String)] = [
        ("x-amz-acl", "s3:x-amz-acl"),
        ("x-amz-grant-full-control", "s3:x-amz-grant-full-control"),
        ("x-amz-grant-read", "s3:x-amz-grant-read"),
        ("x-amz-grant-read-acp", "s3:x-amz-grant-read-acp"),
        ("x-amz-grant-write", "s3:x-amz-grant-write"),
        ("x-amz-grant-write-acp", "s3:x-amz-grant-write-acp"),
        ("x-amz-server-side-encryption", "s3:x-amz-server-side-encryption"),
        ("x-amz-server-side-encryption-aws-kms-key-id", "s3:x-amz-server-side-encryption-aws-kms-key-id"),
        ("x-amz-server-side-encryption-customer-algorithm", "s3:x-amz-server-side-encryption-customer-algorithm"),
        ("x-amz-storage-class", "s3:x-amz-storage-class"),
        ("x-amz-metadata-directive", "s3:x-amz-metadata-directive"),
        ("x-amz-website-redirect-location", "s3:x-amz-website-redirect-location"),
        ("x-amz-content-sha256", "s3:x-amz-content-sha256"),
        ("x-amz-object-ownership", "s3:x-amz-object-ownership"),
        ("x-amz-object-lock-mode", "s3:object-lock-mode"),
        ("x-amz-object-lock-retain-until-date", "s3:object-lock-retain-until-date"),
        ("x-amz-object-lock-legal-hold", "s3:object-lock-legal-hold"),
        ("if-match", "s3:if-match"),
        ("if-none-match", "s3:if-none-match"),
    ]

    /// Every key the request itself carries, before its action is known.
    static func read(_ request: EndpointRequest, query: [String: String]? = nil, now: Date) -> [String: [String]] {
        var keys: [String: [String]] = [:]
        for (header, key) in headerKeys {
            if let value = request.header(header) { keys[key] = [value.trimmingCharacters(in: .whitespaces)] }
        }
        if let source = request.header("x-amz-copy-source") {
            // As S3 compares it: "bucket/key", decoded, without a leading slash.
            var decoded = source.removingPercentEncoding ?? source
            if decoded.hasPrefix("/") { decoded.removeFirst() }
            keys["s3:x-amz-copy-source"] = [decoded]
        }
        // The query as the caller already parsed it, if it did (parsing is a hot path's cost).
        let query = query ?? request.queryItems
        // Listing parameters count when sent, even empty (`prefix=` is the console's root listing).
        for (parameter, key) in [("prefix", "s3:prefix"), ("delimiter", "s3:delimiter"), ("max-keys", "s3:max-keys")] {
            if let value = query[parameter] { keys[key] = [value] }
        }
        if let version = query["versionId"] { keys["s3:versionid"] = [version] }
        if let tls = request.tlsVersion { keys["s3:tlsversion"] = [tls] }
        for (key, values) in signatureKeys(request, query: query, now: now) { keys[key] = values }
        var requestTags: [String: String]?
        if let tagging = request.header("x-amz-tagging"), case .success(let tags) = S3Service.parseTagHeader(tagging) {
            requestTags = tags
        } else if request.method == "PUT", query["tagging"] != nil, case .success(let tags) = S3Service.parseTagging(request.body, maxTags: .max) {
            requestTags = tags
        }
        if let requestTags {
            for (key, value) in requestTags { keys["s3:RequestObjectTag/\(key)"] = [value] }
            keys["s3:requestobjecttagkeys"] = requestTags.keys.sorted()
        }
        if request.method == "PUT", query.isEmpty, !request.body.isEmpty, request.rawPath.split(separator: "/").count <= 1,
           let doc = XMLDoc.parse(request.body), doc.name == "CreateBucketConfiguration",
           let constraint = doc.child("LocationConstraint")?.text, !constraint.isEmpty {
            keys["s3:locationconstraint"] = [constraint]
        }
        return keys
    }

    /// `s3:authType`, `s3:signatureversion` and `s3:signatureAge` (milliseconds since the
    /// signature's time; Signature Version 4 only). Anonymous requests carry none.
    static func signatureKeys(_ request: EndpointRequest, query: [String: String], now: Date) -> [String: [String]] {
        var keys: [String: [String]] = [:]
        var signedAt: String?
        if let authorization = request.header("authorization") {
            keys["s3:authtype"] = ["REST-HEADER"]
            if authorization.hasPrefix("AWS4-HMAC-SHA256") {
                keys["s3:signatureversion"] = ["AWS4-HMAC-SHA256"]
                signedAt = request.header("x-amz-date")
            } else if authorization.hasPrefix("AWS ") {
                keys["s3:signatureversion"] = ["AWS"]
            }
        } else if query["X-Amz-Algorithm"] != nil {
            keys["s3:authtype"] = ["REST-QUERY-STRING"]
            keys["s3:signatureversion"] = [query["X-Amz-Algorithm"] ?? "AWS4-HMAC-SHA256"]
            signedAt = query["X-Amz-Date"]
        } else if query["Signature"] != nil, query["AWSAccessKeyId"] != nil {
            keys["s3:authtype"] = ["REST-QUERY-STRING"]
            keys["s3:signatureversion"] = ["AWS"]
        }
        if let signedAt, let date = AmzDate.parse(signedAt) {
            keys["s3:signatureage"] = [String(max(0, Int((now.timeIntervalSince(date) * 1000).rounded())))]
        }
        return keys
    }

    /// The condition context of one S3 authorization: the request's keys `action` supports, then
    /// the resource's: the bucket owner's account, the bucket's tags (`aws:ResourceTag`) and, for
    /// actions that support it, the object's tags (`s3:ExistingObjectTag`).
    static func context(action: String, requestKeys: [String: [String]], bucket: S3Bucket, key: String?,
                        existingTags: () -> [String: String]?) -> [String: [String]] {
        var context: [String: [String]] = [:]
        for (name, values) in requestKeys where supports(action, name.lowercased()) { context[name] = values }
        context["s3:ResourceAccount"] = [bucket.account]
        for (tag, value) in bucket.tags { context["aws:ResourceTag/\(tag)"] = [value] }
        if key != nil, supports(action, "s3:existingobjecttag/"), let tags = existingTags() {
            for (tag, value) in tags { context["s3:ExistingObjectTag/\(tag)"] = [value] }
        }
        return context
    }
}
