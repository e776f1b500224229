import Crypto
import Foundation
import SigV4

/// Decodes an `aws-chunked` body as it arrives: chunk data is handed on as soon as it is read,
/// and each chunk's signature (signed forms) is checked when the chunk ends, chained from the
/// request's seed signature. Only a chunk header or trailer line is ever buffered.
struct ChunkedStreamDecoder {
    enum State { case header, data(remaining: Int), dataEnd, trailers, finalCRLF, done }

    let signed: Bool
    let hasTrailer: Bool
    var state: State = .header
    /// A partial header, chunk-end or trailer line.
    var line: [UInt8] = []
    var trailerLines: [String] = []
    var chain: AWSChunkedDecoder.SignatureChain?
    var chainError: SigV4Error?
    var chunkHash = SHA256()
    var chunkSignature: String?
    var chunkSize = 0
    var shortChunkSeen = false
    static let maxLine = 8192

    init(contentSHA256: String, authorization: SigV4Authorization?, secretAccessKey: String?) {
        signed = contentSHA256 == AWSChunkedDecoder.signedPayload || contentSHA256 == AWSChunkedDecoder.signedPayloadTrailer
        hasTrailer = contentSHA256 == AWSChunkedDecoder.signedPayloadTrailer || contentSHA256 == AWSChunkedDecoder.unsignedPayloadTrailer
        if signed {
            if let authorization, let secretAccessKey, let timestamp = authorization.timestamp {
                chain = AWSChunkedDecoder.SignatureChain(authorization: authorization, secretAccessKey: secretAccessKey, timestamp: timestamp)
            } else {
                chainError = SigV4Error.signatureDoesNotMatch(.s3)
            }
        }
    }

    static func incomplete() -> SigV4Error {
        SigV4Error(code: ErrorCode.incompleteBody, message: "The request body terminated unexpectedly", httpStatus: 400)
    }
    static func malformedChunk() -> SigV4Error {
        SigV4Error(code: ErrorCode.S3.invalidRequest, message: "The aws-chunked encoding of the request body is malformed.", httpStatus: 400)
    }
    static func malformedTrailer() -> SigV4Error {
        SigV4Error(code: ErrorCode.S3.malformedTrailerError, message: "The request contained trailing data that was not well-formed or did not conform to our published schema.", httpStatus: 400)
    }

    /// Consumes `bytes`, calling `output` with each run of decoded object bytes.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, output: (UnsafeRawBufferPointer) -> Void) throws(SigV4Error) {
        if let chainError { throw chainError }
        var i = 0
        let n = bytes.count
        while i < n {
            switch state {
            case .header:
                guard let end = try takeLine(bytes, &i) else { continue }
                try startChunk(end)
            case .data(let remaining):
                let take = min(remaining, n - i)
                let piece = UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)])
                if signed { chunkHash.update(bufferPointer: piece) }
                output(piece)
                i += take
                state = remaining - take == 0 ? .dataEnd : .data(remaining: remaining - take)
                if remaining - take == 0 { try endChunk() }
            case .dataEnd:
                guard let end = try takeLine(bytes, &i) else { continue }
                guard end.isEmpty else { throw Self.malformedChunk() }
                state = .header
            case .trailers:
                guard let end = try takeLine(bytes, &i) else { continue }
                if end.isEmpty { state = .done } else { trailerLines.append(String(decoding: end, as: UTF8.self)) }
            case .finalCRLF:
                guard let end = try takeLine(bytes, &i) else { continue }
                guard end.isEmpty else { throw Self.malformedChunk() }
                state = .done
            case .done:
                // Anything after the end of the encoding is not part of the object.
                i = n
            }
        }
    }

    /// Appends bytes up to CRLF to `line`; returns the line (without CRLF) once complete.
    mutating func takeLine(_ bytes: UnsafeRawBufferPointer, _ i: inout Int) throws(SigV4Error) -> [UInt8]? {
        while i < bytes.count {
            let b = bytes[i]
            i += 1
            if b == 10, line.last == 13 {
                line.removeLast()
                defer { line.removeAll(keepingCapacity: true) }
                return line
            }
            line.append(b)
            if line.count > Self.maxLine { throw Self.malformedChunk() }
        }
        return nil
    }

    mutating func startChunk(_ headerBytes: [UInt8]) throws(SigV4Error) {
        let header = String(decoding: headerBytes, as: UTF8.self)
        let parts = header.split(separator: ";", omittingEmptySubsequences: false)
        let sizeText = SigV4.trimOWS(parts[0])
        guard !sizeText.isEmpty, sizeText.count <= 16, let size = Int(sizeText, radix: 16), size >= 0 else { throw Self.malformedChunk() }
        chunkSignature = nil
        for ext in parts.dropFirst() {
            let kv = ext.split(separator: "=", maxSplits: 1)
            if kv.count == 2, SigV4.trimOWS(kv[0]) == "chunk-signature" {
                chunkSignature = SigV4.trimOWS(kv[1])
            }
        }
        chunkSize = size
        chunkHash = SHA256()
        if size > 0 {
            state = .data(remaining: size)
        } else {
            try endChunk()
        }
    }

    mutating func endChunk() throws(SigV4Error) {
        if var current = chain {
            guard let chunkSignature else { throw SigV4Error.signatureDoesNotMatch(.s3) }
            let hash = chunkHash.finalize().map { String(format: "%02x", $0) }.joined()
            try current.check(chunkHash: hash, signature: chunkSignature)
            chain = current
            if chunkSize > 0 {
                if shortChunkSeen {
                    throw SigV4Error(code: ErrorCode.S3.invalidChunkSizeError, message: "Only the last chunk is allowed to have a size less than 8192 bytes", httpStatus: 403)
                }
                shortChunkSeen = chunkSize < AWSChunkedDecoder.minimumChunkSize
            }
        }
        if chunkSize == 0 {
            state = hasTrailer ? .trailers : .finalCRLF
        }
    }

    /// The end of the body: checks that the encoding ended and returns the trailers.
    mutating func finish() throws(SigV4Error) -> [(name: String, value: String)] {
        if let chainError { throw chainError }
        switch state {
        case .header, .data, .dataEnd: throw Self.incomplete()
        case .finalCRLF:
            guard line.isEmpty else { throw Self.malformedChunk() }
        case .trailers:
            if !line.isEmpty { trailerLines.append(String(decoding: line, as: UTF8.self)); line.removeAll() }
        case .done: break
        }
        var trailers: [(name: String, value: String)] = []
        var trailerSignature: String?
        guard hasTrailer else { return trailers }
        for text in trailerLines {
            guard let colon = text.firstIndex(of: ":") else { throw Self.malformedTrailer() }
            let name = SigV4.trimOWS(text[..<colon]).lowercased()
            let value = SigV4.trimOWS(text[text.index(after: colon)...])
            guard !name.isEmpty else { throw Self.malformedTrailer() }
            if name == "x-amz-trailer-signature" { trailerSignature = value } else { trailers.append((name, value)) }
        }
        if var current = chain {
            guard let trailerSignature else { throw SigV4Error.signatureDoesNotMatch(.s3) }
            try current.check(trailers: trailers, signature: trailerSignature)
            chain = current
        }
        return trailers
    }
}
