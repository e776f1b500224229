import Foundation
import SigV4

/// Signs requests that a test puts on the wire itself (over a raw socket, or as a URLRequest):
/// the headers as given, followed by the SigV4 headers that sign them.
public struct RequestSigner: Sendable {
    public var signer: SigV4Signer

    public init(credentials: AWSCredentials, region: String = "us-east-1", service: String = "s3") {
        signer = SigV4Signer(credentials: credentials, region: region, service: service)
    }

    /// `headers` (which must hold Host) and the headers that sign the request. `path` and `query`
    /// are exactly as sent; the payload hash is `payloadHash`, or the SHA-256 of `body`.
    public func sign(_ method: String, _ path: String, query: String = "", headers: [(String, String)],
                     body: some DataProtocol = [UInt8](), payloadHash: String? = nil, date: Date = Date()) -> [(String, String)] {
        let all = headers.map { (name: $0.0, value: $0.1) }
        let added = signer.signedHeaders(method: method, path: path, query: query, headers: all,
                                         payloadHash: payloadHash ?? SigV4.hexSHA256(body), date: date)
        return (all + added).map { ($0.name, $0.value) }
    }

    /// The query string of a presigned URL for `expires` seconds.
    public func presignedQuery(_ method: String, _ path: String, query: String = "", host: String, expires: Int, date: Date = Date()) -> String {
        signer.presignedQuery(method: method, path: path, query: query, host: host, expires: expires, date: date)
    }
}
