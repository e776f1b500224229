import Foundation

/// Signs requests with SigV4 for one region and service, as an AWS SDK does.
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String

    /// Headers never signed: hop-by-hop headers and others that proxies may change.
    public static let unsignedHeaderNames: Set<String> = [
        "authorization", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The credential scope for `date`: `yyyyMMdd/region/service/aws4_request`.
    public func scope(date: Date) -> String {
        "\(AmzDate.format(date).prefix(8))/\(region)/\(service)/aws4_request"
    }

    /// Headers to add to a request so that it is signed: Authorization, X-Amz-Date, X-Amz-Content-SHA256 (added for service "s3" always), X-Amz-Security-Token (when the credentials have a session token).
    /// `path` is the path exactly as it goes on the wire (already percent-encoded), `query` the raw query string without '?', `headers` must include "host".
    public func signedHeaders(
        method: String, path: String, query: String, headers: [(name: String, value: String)],
        payloadHash: String, date: Date
    ) -> [(name: String, value: String)] {
        let timestamp = AmzDate.format(date)
        var added: [(name: String, value: String)] = [("X-Amz-Date", timestamp)]
        if service == "s3" { added.append(("X-Amz-Content-SHA256", payloadHash)) }
        if let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token)) }

        let replaced = Set(added.map { $0.name.lowercased() })
        let kept = headers.filter { header in
            let lower = header.name.lowercased()
            return !replaced.contains(lower) && !Self.unsignedHeaderNames.contains(lower)
        }
        let all = kept + added
        let signed = Array(Set(all.map { $0.name.lowercased() })).sorted()
        let canonical = CanonicalRequest.build(
            method: method, path: path, query: query, headers: all,
            signedHeaders: signed, payloadHash: payloadHash, service: service)
        let signature = sign(canonicalRequest: canonical, timestamp: timestamp)
        let authorization = "\(SigV4.algorithm) Credential=\(credentials.accessKeyId)/\(scope(date: date)), "
            + "SignedHeaders=\(signed.joined(separator: ";")), Signature=\(signature)"
        return added + [("Authorization", authorization)]
    }

    /// A presigned URL query string (X-Amz-Algorithm ... X-Amz-Signature) for `expires` seconds.
    /// The parameters of `query` are kept; only "host" is signed. For "s3" the payload is UNSIGNED-PAYLOAD,
    /// for other services the hash of an empty body.
    public func presignedQuery(method: String, path: String, query: String, host: String, expires: Int, date: Date) -> String {
        let timestamp = AmzDate.format(date)
        var params: [(String, String)] = [
            ("X-Amz-Algorithm", SigV4.algorithm),
            ("X-Amz-Credential", "\(credentials.accessKeyId)/\(scope(date: date))"),
            ("X-Amz-Date", timestamp),
            ("X-Amz-Expires", String(expires)),
            ("X-Amz-SignedHeaders", "host"),
        ]
        if let token = credentials.sessionToken { params.append(("X-Amz-Security-Token", token)) }
        let extra = params.map { "\(SigV4.uriEncode($0.0, encodeSlash: true))=\(SigV4.uriEncode($0.1, encodeSlash: true))" }
        let fullQuery = ([query].filter { !$0.isEmpty } + extra).joined(separator: "&")
        let payload = service == "s3" ? SigV4.unsignedPayload : SigV4.emptyPayloadHash
        let canonical = CanonicalRequest.build(
            method: method, path: path, query: fullQuery, headers: [("host", host)],
            signedHeaders: ["host"], payloadHash: payload, service: service)
        let signature = sign(canonicalRequest: canonical, timestamp: timestamp)
        return CanonicalRequest.query(fullQuery) + "&X-Amz-Signature=" + signature
    }

    /// The hex signature of a canonical request made at `timestamp` (`yyyyMMdd'T'HHmmss'Z'`).
    public func sign(canonicalRequest: String, timestamp: String) -> String {
        let day = String(timestamp.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let key = SigV4.signingKey(secretAccessKey: credentials.secretAccessKey, date: day, region: region, service: service)
        return SigV4.hexHMAC(SigV4.stringToSign(timestamp: timestamp, scope: scope, canonicalRequest: canonicalRequest), key: key)
    }
}
