import Foundation
import SigV4
import ObjectStore
import World

/// A request as the endpoint sees it once the body is read.
struct EndpointRequest: Sendable {
    var method: String
    /// Path exactly as on the request line, still percent-encoded.
    var rawPath: String
    /// Query string without '?', still encoded.
    var rawQuery: String
    var headers: [(name: String, value: String)]
    var body: Data
    var requestId: String
    /// An S3 upload body streamed to disk instead of `body`.
    var staged: StagedBody? = nil
    /// The connection the request came on, and the TLS version negotiated on it ("1.2", "1.3").
    var transport: Transport = .http
    var tlsVersion: String? = nil

    func header(_ name: String) -> String? {
        headers.first { SigV4.equalsIgnoringCase($0.name, name) }?.value
    }

    /// Query parameters, decoded; a parameter without '=' has an empty value.
    var queryItems: [String: String] {
        Self.parseForm(rawQuery)
    }

    static func parseForm(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(String(parts[0]))
            let value = parts.count > 1 ? decode(String(parts[1])) : ""
            result[name] = value
        }
        return result
    }

    static func decode(_ s: String) -> String {
        s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? s
    }
}

/// A response before it goes on the wire.
struct EndpointResponse: Sendable {
    /// A JSON 1.1 service's answer (Glue, CloudWatch Logs, KMS): the output object, or the
    /// error in that protocol.
    static func json11(_ output: Result<[String: Any], AWSServiceError>, requestId: String) -> EndpointResponse {
        switch output {
        case .success(let object):
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
            return EndpointResponse(status: 200, headers: [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", requestId)], body: data)
        case .failure(let error):
            return error.response(.json, requestId: requestId)
        }
    }

    var status: Int
    var headers: [(String, String)]
    var body: Data
    /// For HEAD: the Content-Length to announce though no body is sent.
    var headContentLength: Int? = nil
    /// A body read from a file, sent in pieces, instead of `body`.
    var file: FileBody? = nil
}

/// Bytes `offset..<offset+length` of an opened object.
struct FileBody: Sendable {
    let object: OpenObject
    let offset: Int
    let length: Int
}
