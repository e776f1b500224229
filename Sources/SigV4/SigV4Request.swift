import Foundation

/// A request as the server received it.
public struct SigV4Request: Sendable {
    public var method: String
    /// Raw, as on the request line (percent-encoded as the client sent it).
    public var path: String
    /// Raw query string, no '?'.
    public var query: String
    /// As received, names in any case, repeats allowed.
    public var headers: [(name: String, value: String)]
    /// The x-amz-content-sha256 value for S3, or the hex SHA-256 of the body the server computed.
    public var payloadHash: String

    public init(method: String, path: String, query: String, headers: [(name: String, value: String)], payloadHash: String) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.payloadHash = payloadHash
    }

    /// The first value of header `name` (any case).
    public func header(_ name: String) -> String? {
        headers.first { SigV4.equalsIgnoringCase($0.name, name) }?.value
    }
}

/// The SigV4 credential and signature a request carries, in its Authorization header or its presigned query.
public struct SigV4Authorization: Sendable, Hashable {
    public var accessKeyId: String
    /// The credential scope's date, yyyyMMdd.
    public var date: String
    public var region: String
    public var service: String
    /// Lowercase names, in the order the client listed them.
    public var signedHeaders: [String]
    public var signature: String
    public var isPresigned: Bool
    /// X-Amz-Date (header or presigned query) or Date parsed; nil when the request has none.
    public var requestDate: Date?
    /// The timestamp that went into the string to sign (`yyyyMMdd'T'HHmmss'Z'`); nil when the request has no date.
    public var timestamp: String?
    /// X-Amz-Expires of a presigned request, in seconds.
    public var expires: Int?
    /// X-Amz-Security-Token, from the header or the presigned query.
    public var securityToken: String?

    public init(
        accessKeyId: String, date: String, region: String, service: String, signedHeaders: [String],
        signature: String, isPresigned: Bool, requestDate: Date?, timestamp: String? = nil,
        expires: Int? = nil, securityToken: String? = nil
    ) {
        self.accessKeyId = accessKeyId
        self.date = date
        self.region = region
        self.service = service
        self.signedHeaders = signedHeaders
        self.signature = signature
        self.isPresigned = isPresigned
        self.requestDate = requestDate
        self.timestamp = timestamp ?? requestDate.map(AmzDate.format)
        self.expires = expires
        self.securityToken = securityToken
    }

    /// `date/region/service/aws4_request`.
    public var scope: String { "\(date)/\(region)/\(service)/aws4_request" }

    /// When a presigned request stops being valid.
    public var expiresAt: Date? {
        guard let requestDate, let expires else { return nil }
        return requestDate.addingTimeInterval(TimeInterval(expires))
    }
}
