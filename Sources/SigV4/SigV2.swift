import Crypto
import Foundation

/// S3's Signature Version 2 ("Signing and authenticating REST requests", S3 API reference): an
/// HMAC-SHA1 of S3's string to sign, in the `Authorization: AWS AKID:SIGNATURE` header or in a
/// presigned URL's `AWSAccessKeyId`, `Expires` and `Signature` parameters. botocore still signs
/// presigned URLs this way when a client is given an endpoint URL.
public enum SigV2 {
    /// How a request carries its Signature Version 2.
    public enum Form: Sendable, Hashable { case header, query }

    /// The parsed authentication of a Signature Version 2 request.
    public struct Authorization: Sendable, Hashable {
        public var accessKeyId: String
        public var signature: String
        public var form: Form
        /// Query form: when the URL stops being valid.
        public var expires: Date?
    }

    /// Subresources that are part of the canonicalized resource: those the S3 API reference
    /// names, with the response-header overrides, and the subresources S3 has gained since.
    public static let subresources: Set<String> = [
        "acl", "lifecycle", "location", "logging", "notification", "partNumber", "policy", "requestPayment", "torrent",
        "uploadId", "uploads", "versionId", "versioning", "versions", "website", "delete", "cors", "tagging", "restore",
        "replication", "encryption", "object-lock", "legal-hold", "retention", "accelerate", "analytics", "inventory",
        "metrics", "select", "select-type", "intelligent-tiering", "ownershipControls", "publicAccessBlock", "policyStatus",
        "response-cache-control", "response-content-disposition", "response-content-encoding", "response-content-language",
        "response-content-type", "response-expires",
    ]

    /// The request's Signature Version 2 authentication, nil when it is signed otherwise (or not at all).
    public static func authorization(headers: [(name: String, value: String)], query: [String: String]) throws(SigV4Error) -> Authorization? {
        if let header = headers.first(where: { SigV4.equalsIgnoringCase($0.name, "authorization") })?.value, header.hasPrefix("AWS ") {
            let credential = header.dropFirst(4)
            guard let colon = credential.lastIndex(of: ":"), colon != credential.startIndex else {
                throw SigV4Error(code: "InvalidArgument", message: "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature", httpStatus: 400)
            }
            return Authorization(accessKeyId: String(credential[..<colon]).trimmingCharacters(in: .whitespaces),
                                 signature: String(credential[credential.index(after: colon)...]), form: .header, expires: nil)
        }
        guard query["X-Amz-Algorithm"] == nil, let signature = query["Signature"], let key = query["AWSAccessKeyId"] else { return nil }
        guard let text = query["Expires"], let seconds = Double(text) else {
            throw SigV4Error(code: "AccessDenied", message: "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters", httpStatus: 403)
        }
        return Authorization(accessKeyId: key, signature: signature, form: .query, expires: Date(timeIntervalSince1970: seconds))
    }

    /// S3's string to sign: the method, Content-MD5, Content-Type, the date (the `Date` header,
    /// empty when `x-amz-date` is sent, or `Expires` for a presigned URL), the `x-amz-` headers
    /// and the canonicalized resource. `bucket` is the bucket a virtual-hosted request names in its host.
    public static func stringToSign(method: String, path: String, rawQuery: String, headers: [(name: String, value: String)],
                                    bucket: String?, expires: String?) -> String {
        func header(_ name: String) -> String? { headers.first { SigV4.equalsIgnoringCase($0.name, name) }?.value }
        var amz: [String: [String]] = [:]
        for (name, value) in headers where name.lowercased().hasPrefix("x-amz-") {
            amz[name.lowercased(), default: []].append(SigV4.trimOWS(value))
        }
        var parameters: [(String, String?)] = []
        for pair in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(String(parts[0]))
            let value = parts.count > 1 ? decode(String(parts[1])) : nil
            // A presigned URL carries its headers in the query (the session token above all).
            if expires != nil, name.lowercased().hasPrefix("x-amz-"), let value { amz[name.lowercased(), default: []].append(value) }
            if subresources.contains(name) { parameters.append((name, value)) }
        }
        let date: String
        if let expires { date = expires } else { date = amz["x-amz-date"] == nil ? (header("date") ?? "") : "" }
        var text = "\(method)\n\(header("content-md5") ?? "")\n\(header("content-type") ?? "")\n\(date)\n"
        for name in amz.keys.sorted() { text += "\(name):\(amz[name]!.joined(separator: ","))\n" }
        var resource = bucket.map { "/" + $0 } ?? ""
        resource += path.isEmpty ? "/" : path
        if !parameters.isEmpty {
            parameters.sort { $0.0 < $1.0 }
            resource += "?" + parameters.map { name, value in value.map { "\(name)=\($0)" } ?? name }.joined(separator: "&")
        }
        return text + resource
    }

    /// Base64 of the HMAC-SHA1 of `stringToSign` under the secret key.
    public static func signature(_ stringToSign: String, secretAccessKey: String) -> String {
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(stringToSign.utf8), using: SymmetricKey(data: Data(secretAccessKey.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// Checks a Signature Version 2 request as S3 does: the signature over the string to sign,
    /// then, for a presigned URL, its expiry, for a signed header, the request time (15 minutes).
    public static func verify(_ authorization: Authorization, method: String, path: String, rawQuery: String,
                              headers: [(name: String, value: String)], bucket: String?, secretAccessKey: String, now: Date) throws(SigV4Error) {
        var expiresText: String?
        if authorization.form == .query {
            for pair in rawQuery.split(separator: "&") where pair.hasPrefix("Expires=") {
                expiresText = decode(String(pair.dropFirst("Expires=".count)))
            }
        }
        // A path-style request for a bucket itself ("/bucket") is signed by clients as "/bucket/"
        // too (the bucket's resource); S3 takes either.
        var paths = [path]
        if bucket == nil, path.count > 1, path.dropFirst().firstIndex(of: "/") == nil { paths.append(path + "/") }
        let matches = paths.contains { candidate in
            let text = stringToSign(method: method, path: candidate, rawQuery: rawQuery, headers: headers, bucket: bucket, expires: expiresText)
            return SigV4.constantTimeEquals(signature(text, secretAccessKey: secretAccessKey), authorization.signature)
        }
        guard matches else {
            throw SigV4Error(code: "SignatureDoesNotMatch",
                             message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
                             httpStatus: 403)
        }
        switch authorization.form {
        case .query:
            if let expires = authorization.expires, expires < now {
                throw SigV4Error(code: "AccessDenied", message: "Request has expired", httpStatus: 403)
            }
        case .header:
            func header(_ name: String) -> String? { headers.first { SigV4.equalsIgnoringCase($0.name, name) }?.value }
            guard let text = header("x-amz-date") ?? header("date"),
                  let date = AmzDate.parseHTTPDate(text) ?? AmzDate.parse(text) else {
                throw SigV4Error(code: "AccessDenied", message: "AWS authentication requires a valid Date or x-amz-date header", httpStatus: 403)
            }
            if abs(date.timeIntervalSince(now)) > 15 * 60 {
                throw SigV4Error(code: "RequestTimeTooSkewed", message: "The difference between the request time and the current time is too large.", httpStatus: 403)
            }
        }
    }

    static func decode(_ s: String) -> String {
        s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? s
    }
}
