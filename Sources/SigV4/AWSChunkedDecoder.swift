import Crypto
import Foundation

/// A decoded `Content-Encoding: aws-chunked` body: the object bytes and the trailing headers.
public struct AWSChunkedBody: Sendable {
    public var data: [UInt8]
    /// Trailer lines such as `x-amz-checksum-crc32: DUoRhQ==`, names lowercased; `x-amz-trailer-signature` left out.
    public var trailers: [(name: String, value: String)]

    public init(data: [UInt8], trailers: [(name: String, value: String)]) {
        self.data = data
        self.trailers = trailers
    }

    /// The value of trailer `name` (any case).
    public func trailer(_ name: String) -> String? {
        let lower = name.lowercased()
        return trailers.first { $0.name == lower }?.value
    }
}

/// Decodes `aws-chunked` bodies, checking each chunk signature in sequence from the request's seed signature.
public enum AWSChunkedDecoder {
    /// Signed chunks, no trailer.
    public static let signedPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    /// Signed chunks and a signed trailer.
    public static let signedPayloadTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
    /// Unsigned chunks and a trailer.
    public static let unsignedPayloadTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    /// Chunks other than the last must be at least this long when signed.
    public static let minimumChunkSize = 8192

    /// Whether an `x-amz-content-sha256` value announces an aws-chunked body.
    public static func isStreaming(_ contentSHA256: String) -> Bool {
        [signedPayload, signedPayloadTrailer, unsignedPayloadTrailer].contains(contentSHA256)
    }

    static let emptyHash = SigV4.emptyPayloadHash

    static func incomplete() -> SigV4Error {
        SigV4Error(code: "IncompleteBody", message: "The request body terminated unexpectedly", httpStatus: 400)
    }

    static func malformedChunk() -> SigV4Error {
        SigV4Error(code: "InvalidRequest", message: "The aws-chunked encoding of the request body is malformed.", httpStatus: 400)
    }

    static func malformedTrailer() -> SigV4Error {
        SigV4Error(code: "MalformedTrailerError", message: "The request contained trailing data that was not well-formed or did not conform to our published schema.", httpStatus: 400)
    }

    /// Decodes `body`.
    /// - Parameters:
    ///   - contentSHA256: the request's `x-amz-content-sha256` (one of the three STREAMING- values).
    ///   - authorization: the request's verified SigV4 authorization; required for the signed forms (its signature is the seed).
    ///   - secretAccessKey: the secret that verified it; required for the signed forms.
    ///   - decodedContentLength: `x-amz-decoded-content-length`, when the request sent it.
    ///   - verifyChecksums: check `x-amz-checksum-*` trailers against the decoded data (`BadDigest` when wrong).
    public static func decode(
        _ body: [UInt8], contentSHA256: String, authorization: SigV4Authorization?, secretAccessKey: String?,
        decodedContentLength: Int? = nil, verifyChecksums: Bool = true
    ) throws(SigV4Error) -> AWSChunkedBody {
        let signed = contentSHA256 == signedPayload || contentSHA256 == signedPayloadTrailer
        let hasTrailer = contentSHA256 == signedPayloadTrailer || contentSHA256 == unsignedPayloadTrailer
        guard isStreaming(contentSHA256) else {
            throw SigV4Error(code: "InvalidArgument", message: "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, or a valid sha256 value.", httpStatus: 400)
        }
        var chain: SignatureChain?
        if signed {
            guard let authorization, let secretAccessKey, let timestamp = authorization.timestamp else {
                throw SigV4Error.signatureDoesNotMatch(.s3)
            }
            chain = SignatureChain(authorization: authorization, secretAccessKey: secretAccessKey, timestamp: timestamp)
        }

        var out = [UInt8]()
        // The decoded data is never longer than the body: a declared length is the client's word,
        // and reserving what it says (up to Int.max) would end the process.
        out.reserveCapacity(max(0, min(decodedContentLength ?? body.count, body.count)))
        var pos = 0
        var shortChunkSeen = false
        while true {
            guard let lineEnd = findCRLF(body, from: pos) else { throw incomplete() }
            let header = String(decoding: body[pos..<lineEnd], as: UTF8.self)
            let parts = header.split(separator: ";", omittingEmptySubsequences: false)
            let sizeText = SigV4.trimOWS(parts[0])
            guard !sizeText.isEmpty, sizeText.count <= 16, let size = Int(sizeText, radix: 16), size >= 0 else { throw malformedChunk() }
            var chunkSignature: String?
            for ext in parts.dropFirst() {
                let kv = ext.split(separator: "=", maxSplits: 1)
                if kv.count == 2, SigV4.trimOWS(kv[0]) == "chunk-signature" {
                    chunkSignature = SigV4.trimOWS(kv[1])
                }
            }
            let dataStart = lineEnd + 2
            guard body.count - dataStart >= size else { throw incomplete() }
            let data = body[dataStart..<(dataStart + size)]

            if var current = chain {
                guard let chunkSignature else { throw SigV4Error.signatureDoesNotMatch(.s3) }
                try current.check(chunk: data, signature: chunkSignature)
                chain = current
                if size > 0 {
                    if shortChunkSeen {
                        throw SigV4Error(code: "InvalidChunkSizeError", message: "Only the last chunk is allowed to have a size less than 8192 bytes", httpStatus: 403)
                    }
                    shortChunkSeen = size < minimumChunkSize
                }
            }
            out.append(contentsOf: data)

            if size == 0 {
                pos = dataStart
                break
            }
            let after = dataStart + size
            guard body.count >= after + 2 else { throw incomplete() }
            guard body[after] == 13, body[after + 1] == 10 else { throw malformedChunk() }
            pos = after + 2
        }

        var trailers: [(name: String, value: String)] = []
        var trailerSignature: String?
        if hasTrailer {
            // Lines "name:value" up to an empty line or the end of the body.
            while pos < body.count {
                let lineEnd = findCRLF(body, from: pos) ?? body.count
                let line = String(decoding: body[pos..<lineEnd], as: UTF8.self)
                pos = min(body.count, lineEnd + 2)
                if line.isEmpty { break }
                guard let colon = line.firstIndex(of: ":") else { throw malformedTrailer() }
                let name = SigV4.trimOWS(line[..<colon]).lowercased()
                let value = SigV4.trimOWS(line[line.index(after: colon)...])
                guard !name.isEmpty else { throw malformedTrailer() }
                if name == "x-amz-trailer-signature" {
                    trailerSignature = value
                } else {
                    trailers.append((name, value))
                }
            }
            if var current = chain {
                guard let trailerSignature else { throw SigV4Error.signatureDoesNotMatch(.s3) }
                try current.check(trailers: trailers, signature: trailerSignature)
                chain = current
            }
        } else if pos < body.count {
            // The final chunk of the signed form ends "0;chunk-signature=...\r\n\r\n".
            guard body.count - pos >= 2, body[pos] == 13, body[pos + 1] == 10 else { throw malformedChunk() }
        }

        if let decodedContentLength, decodedContentLength != out.count {
            throw incomplete()
        }
        if verifyChecksums {
            for (name, value) in trailers {
                if let algorithm = S3Checksum(headerOrAlgorithm: name), name.hasPrefix("x-amz-checksum-") {
                    try algorithm.verify(out, expectedBase64: value)
                }
            }
        }
        return AWSChunkedBody(data: out, trailers: trailers)
    }

    static func findCRLF(_ body: [UInt8], from start: Int) -> Int? {
        var i = start
        while i + 1 < body.count {
            if body[i] == 13 && body[i + 1] == 10 { return i }
            i += 1
        }
        return nil
    }

    /// The running chain of chunk signatures, each signing the previous one. Shared by this
    /// whole-body decoder and streaming decoders that hash chunks as they arrive.
    public struct SignatureChain {
        let key: SymmetricKey
        let timestamp: String
        let scope: String
        var previous: String

        public init(authorization: SigV4Authorization, secretAccessKey: String, timestamp: String) {
            key = SigV4.signingKey(secretAccessKey: secretAccessKey, date: authorization.date,
                                   region: authorization.region, service: authorization.service)
            self.timestamp = timestamp
            scope = authorization.scope
            previous = authorization.signature
        }

        mutating func check(chunk: ArraySlice<UInt8>, signature: String) throws(SigV4Error) {
            try check(chunkHash: SigV4.hexSHA256(chunk), signature: signature)
        }

        /// Checks the signature of a chunk whose hex SHA-256 the caller computed.
        public mutating func check(chunkHash: String, signature: String) throws(SigV4Error) {
            let toSign = "AWS4-HMAC-SHA256-PAYLOAD\n\(timestamp)\n\(scope)\n\(previous)\n\(AWSChunkedDecoder.emptyHash)\n\(chunkHash)"
            try accept(toSign, signature)
        }

        public mutating func check(trailers: [(name: String, value: String)], signature: String) throws(SigV4Error) {
            let canonical = trailers.map { "\($0.name):\($0.value)\n" }.joined()
            let toSign = "AWS4-HMAC-SHA256-TRAILER\n\(timestamp)\n\(scope)\n\(previous)\n\(SigV4.hexSHA256(canonical))"
            try accept(toSign, signature)
        }

        private mutating func accept(_ stringToSign: String, _ signature: String) throws(SigV4Error) {
            let expected = SigV4.hexHMAC(stringToSign, key: key)
            guard SigV4.constantTimeEquals(expected, signature) else { throw SigV4Error.signatureDoesNotMatch(.s3) }
            previous = expected
        }
    }
}
