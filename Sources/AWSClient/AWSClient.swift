import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SigV4

/// An error answered by an AWS endpoint (or the transport failing before one answered).
public struct AWSClientError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var status: Int
    public var description: String { status > 0 ? "\(code): \(message)" : message }
}

/// Temporary credentials from STS with their expiry and identity.
public struct AssumedRoleCredentials: Sendable, Hashable {
    public var credentials: AWSCredentials
    public var expiration: Date
    public var assumedRoleArn: String
    public var assumedRoleId: String
}

/// A small SigV4-signing AWS client for the calls glueshim itself makes (STS AssumeRole,
/// S3 GetObject), against the local endpoint or real AWS.
public struct AWSClient: Sendable {
    public var endpoint: URL
    public var region: String
    public var credentials: AWSCredentials
    public var clock: @Sendable () -> Date

    public init(endpoint: URL, region: String, credentials: AWSCredentials, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.clock = clock
    }

    /// STS AssumeRole.
    public func assumeRole(roleArn: String, sessionName: String, durationSeconds: Int? = nil) async throws(AWSClientError) -> AssumedRoleCredentials {
        var form = [("Action", "AssumeRole"), ("Version", "2011-06-15"), ("RoleArn", roleArn), ("RoleSessionName", sessionName)]
        if let durationSeconds { form.append(("DurationSeconds", String(durationSeconds))) }
        let body = form.map { "\(SigV4.uriEncode($0.0, encodeSlash: true))=\(SigV4.uriEncode($0.1, encodeSlash: true))" }.joined(separator: "&")
        let (data, _) = try await send(service: "sts", method: "POST", path: "/", query: "", body: Data(body.utf8),
                                       headers: [("content-type", "application/x-www-form-urlencoded; charset=utf-8")])
        let xml = String(decoding: data, as: UTF8.self)
        guard let key = XMLText.first("AccessKeyId", in: xml), let secret = XMLText.first("SecretAccessKey", in: xml),
              let token = XMLText.first("SessionToken", in: xml), let expiry = XMLText.first("Expiration", in: xml),
              let expiration = ISO8601DateFormatter().date(from: expiry) else {
            throw AWSClientError(code: "InvalidResponse", message: "STS answered AssumeRole without credentials", status: 200)
        }
        return AssumedRoleCredentials(credentials: AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token),
                                      expiration: expiration, assumedRoleArn: XMLText.first("Arn", in: xml) ?? "",
                                      assumedRoleId: XMLText.first("AssumedRoleId", in: xml) ?? "")
    }

    /// S3 GetObject (path-style), the whole object.
    public func getObject(bucket: String, key: String) async throws(AWSClientError) -> Data {
        let path = "/" + SigV4.uriEncode(bucket, encodeSlash: true) + "/" + SigV4.uriEncode(key, encodeSlash: false)
        return try await send(service: "s3", method: "GET", path: path, query: "", body: Data(), headers: []).0
    }

    /// Signs and sends one request; non-2xx answers become `AWSClientError` with the service's code and message.
    public func send(service: String, method: String, path: String, query: String, body: Data, headers: [(String, String)]) async throws(AWSClientError) -> (Data, HTTPURLResponse) {
        guard var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false), let host = components.host else {
            throw AWSClientError(code: "InvalidEndpoint", message: "bad endpoint URL \(endpoint)", status: 0)
        }
        components.percentEncodedPath = path
        components.percentEncodedQuery = query.isEmpty ? nil : query
        guard let url = components.url else { throw AWSClientError(code: "InvalidEndpoint", message: "bad request path \(path)", status: 0) }
        let hostHeader = components.port.map { "\(host):\($0)" } ?? host
        var all = headers.map { (name: $0.0, value: $0.1) }
        all.append((name: "host", value: hostHeader))
        let signer = SigV4Signer(credentials: credentials, region: region, service: service)
        let payloadHash = SigV4.hexSHA256(body)
        let signed = signer.signedHeaders(method: method, path: path, query: query, headers: all, payloadHash: payloadHash, date: clock())
        var request = URLRequest(url: url)
        request.httpMethod = method
        for h in all where h.name != "host" { request.setValue(h.value, forHTTPHeaderField: h.name) }
        for h in signed { request.setValue(h.value, forHTTPHeaderField: h.name) }
        if !body.isEmpty || method == "POST" || method == "PUT" { request.httpBody = body }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await Self.session.data(for: request)
        } catch {
            throw AWSClientError(code: "NetworkError", message: "cannot reach \(endpoint.absoluteString): \(error.localizedDescription)", status: 0)
        }
        guard let http = response as? HTTPURLResponse else {
            throw AWSClientError(code: "InvalidResponse", message: "not an HTTP response", status: 0)
        }
        guard (200..<300).contains(http.statusCode) else {
            let text = String(decoding: data, as: UTF8.self)
            throw AWSClientError(code: XMLText.first("Code", in: text) ?? "HTTP\(http.statusCode)",
                                 message: XMLText.first("Message", in: text) ?? HTTPURLResponse.localizedString(forStatusCode: http.statusCode),
                                 status: http.statusCode)
        }
        return (data, http)
    }
}

extension AWSClient {
    /// No proxies: glueshim's own calls go straight to the endpoint it was given.
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.connectionProxyDictionary = [:]
        configuration.timeoutIntervalForRequest = 60
        return URLSession(configuration: configuration)
    }()
}

/// Reads single text elements out of AWS's XML answers.
enum XMLText {
    static func first(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"), let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex) else { return nil }
        return unescape(String(xml[open.upperBound..<close.lowerBound]))
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
