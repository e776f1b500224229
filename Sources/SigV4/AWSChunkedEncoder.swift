import Foundation

/// Encodes a body as `aws-chunked`, the counterpart of `AWSChunkedDecoder` (for clients and tests).
public enum AWSChunkedEncoder {
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: `hex\r\ndata\r\n` chunks, a `0\r\n` chunk, trailer lines, an empty line.
    public static func unsigned(_ data: [UInt8], chunkSize: Int = 65_536, trailers: [(name: String, value: String)]) -> [UInt8] {
        var out = [UInt8]()
        for chunk in chunks(data, size: chunkSize) {
            out += Array("\(String(chunk.count, radix: 16))\r\n".utf8) + chunk + [13, 10]
        }
        out += Array("0\r\n".utf8)
        for (name, value) in trailers { out += Array("\(name):\(value)\r\n".utf8) }
        out += [13, 10]
        return out
    }

    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` (or `-TRAILER` when `trailers` is not nil): each chunk signed in sequence
    /// from `seedSignature`, the signature of the request's headers.
    public static func signed(
        _ data: [UInt8], chunkSize: Int = 65_536, signer: SigV4Signer, date: Date, seedSignature: String,
        trailers: [(name: String, value: String)]? = nil
    ) -> [UInt8] {
        let timestamp = AmzDate.format(date)
        let scope = signer.scope(date: date)
        let key = SigV4.signingKey(secretAccessKey: signer.credentials.secretAccessKey, date: String(timestamp.prefix(8)),
                                   region: signer.region, service: signer.service)
        var previous = seedSignature
        var out = [UInt8]()
        for chunk in chunks(data, size: chunkSize) + [[]] {
            let toSign = "AWS4-HMAC-SHA256-PAYLOAD\n\(timestamp)\n\(scope)\n\(previous)\n\(SigV4.emptyPayloadHash)\n\(SigV4.hexSHA256(chunk))"
            previous = SigV4.hexHMAC(toSign, key: key)
            out += Array("\(String(chunk.count, radix: 16));chunk-signature=\(previous)\r\n".utf8) + chunk
            if !chunk.isEmpty { out += [13, 10] }
        }
        if let trailers {
            let canonical = trailers.map { "\($0.name):\($0.value)\n" }.joined()
            let toSign = "AWS4-HMAC-SHA256-TRAILER\n\(timestamp)\n\(scope)\n\(previous)\n\(SigV4.hexSHA256(canonical))"
            for (name, value) in trailers { out += Array("\(name):\(value)\r\n".utf8) }
            out += Array("x-amz-trailer-signature:\(SigV4.hexHMAC(toSign, key: key))\r\n".utf8)
        }
        out += [13, 10]
        return out
    }

    static func chunks(_ data: [UInt8], size: Int) -> [[UInt8]] {
        stride(from: 0, to: data.count, by: max(1, size)).map { Array(data[$0..<min(data.count, $0 + max(1, size))]) }
    }
}
