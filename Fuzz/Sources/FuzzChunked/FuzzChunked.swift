import Foundation
import FuzzMain
import SigV4
@testable import Endpoint

// Input: two header bytes, then the body.
//   h0 % 4  0: the body as STREAMING-UNSIGNED-PAYLOAD-TRAILER
//           1: the body as STREAMING-AWS4-HMAC-SHA256-PAYLOAD (chunk signatures as written)
//           2: the body as STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
//              (h0 & 4: the first 8 bytes, little-endian, are x-amz-decoded-content-length)
//           3: the body is object data, encoded here with valid chunk signatures
//              (h0 & 4: with a signed checksum trailer; h0 & 8: chunks of 8192 bytes, else of
//              1 + h1 bytes, which S3 refuses when another chunk follows; h0 >> 4: bytes cut
//              off the end of the encoding)
//   h1      the piece size the streaming decoder is fed (1 + h1 bytes at a time)
// Each body goes through AWSChunkedDecoder.decode and the endpoint's ChunkedStreamDecoder.
// When both accept it they must agree on the data and the trailers; a signed encoding that
// was not cut and respects the chunk size must decode to the original data.

private let credentials = AWSCredentials(accessKeyId: "AKIAFUZZEXAMPLE00001", secretAccessKey: "fuzz-secret-access-key-0000000000000000")
private let date = Date(timeIntervalSince1970: 1_767_225_600)
private let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3")

/// The request's own SigV4 authorization for a streaming upload in `mode`: its signature seeds the chain.
private func seed(_ mode: String) -> SigV4Authorization {
    let headers: [(name: String, value: String)] = [("Host", "127.0.0.1"), ("Content-Encoding", "aws-chunked")]
    let added = signer.signedHeaders(method: "PUT", path: "/bucket/key", query: "", headers: headers, payloadHash: mode, date: date)
    let request = SigV4Request(method: "PUT", path: "/bucket/key", query: "", headers: headers + added, payloadHash: mode)
    return try! SigV4Verifier.authorization(of: request)!
}

private let signedSeed = seed(AWSChunkedDecoder.signedPayload)
private let signedTrailerSeed = seed(AWSChunkedDecoder.signedPayloadTrailer)

private func whole(_ body: [UInt8], _ mode: String, _ auth: SigV4Authorization?) -> AWSChunkedBody? {
    try? AWSChunkedDecoder.decode(body, contentSHA256: mode, authorization: auth, secretAccessKey: credentials.secretAccessKey)
}

private func streamed(_ body: [UInt8], _ mode: String, _ auth: SigV4Authorization?, piece: Int) -> AWSChunkedBody? {
    var decoder = ChunkedStreamDecoder(contentSHA256: mode, authorization: auth, secretAccessKey: credentials.secretAccessKey)
    var out: [UInt8] = []
    do {
        var i = 0
        while i < body.count {
            let end = min(body.count, i + piece)
            let piece = Array(body[i..<end])
            try piece.withUnsafeBytes { raw in try decoder.feed(raw) { out.append(contentsOf: $0) } }
            i = end
        }
        return AWSChunkedBody(data: out, trailers: try decoder.finish())
    } catch {
        return nil
    }
}

private func same(_ a: AWSChunkedBody, _ b: AWSChunkedBody) -> Bool {
    a.data == b.data && a.trailers.map(\.name) == b.trailers.map(\.name) && a.trailers.map(\.value) == b.trailers.map(\.value)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChunked(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size >= 2 else { return 0 }
    let h0 = data[0], h1 = data[1]
    let input = Array(UnsafeBufferPointer(start: data + 2, count: size - 2))
    let piece = 1 + Int(h1)

    let modes = [AWSChunkedDecoder.unsignedPayloadTrailer, AWSChunkedDecoder.signedPayload, AWSChunkedDecoder.signedPayloadTrailer]
    if h0 % 4 < 3 {
        let mode = modes[Int(h0 % 4)]
        let auth = mode == AWSChunkedDecoder.signedPayload ? signedSeed : (mode == AWSChunkedDecoder.signedPayloadTrailer ? signedTrailerSeed : nil)
        if h0 & 4 != 0 {
            guard input.count >= 8 else { return 0 }
            let declared = input[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
            let body = Array(input[8...])
            _ = try? AWSChunkedDecoder.decode(body, contentSHA256: mode, authorization: auth, secretAccessKey: credentials.secretAccessKey,
                                              decodedContentLength: declared)
            return 0
        }
        // Checksum trailers are verified by the whole-body decoder only; compare without them.
        let a = try? AWSChunkedDecoder.decode(input, contentSHA256: mode, authorization: auth, secretAccessKey: credentials.secretAccessKey,
                                              verifyChecksums: false)
        let b = streamed(input, mode, auth, piece: piece)
        _ = whole(input, mode, auth)
        if let a, let b, !same(a, b) {
            fatalError("decoders disagree on \(input.count) bytes in \(mode): \(a.data.count) vs \(b.data.count) bytes, \(a.trailers) vs \(b.trailers)")
        }
        return 0
    }

    let withTrailer = h0 & 4 != 0
    let fullChunks = h0 & 8 != 0
    let cut = Int(h0 >> 4)
    let mode = withTrailer ? AWSChunkedDecoder.signedPayloadTrailer : AWSChunkedDecoder.signedPayload
    let auth = withTrailer ? signedTrailerSeed : signedSeed
    let chunkSize = fullChunks ? AWSChunkedDecoder.minimumChunkSize : 1 + Int(h1)
    let trailers: [(name: String, value: String)]? = withTrailer ? [("x-amz-checksum-crc32", S3Checksum.crc32.base64(of: input))] : nil
    var body = AWSChunkedEncoder.signed(input, chunkSize: chunkSize, signer: signer, date: date, seedSignature: auth.signature, trailers: trailers)
    body.removeLast(min(cut, body.count))
    let a = whole(body, mode, auth)
    let b = streamed(body, mode, auth, piece: piece)
    if let a, let b, !same(a, b) {
        fatalError("decoders disagree on a signed encoding of \(input.count) bytes")
    }
    let valid = cut == 0 && (fullChunks || input.count <= chunkSize)
    if valid {
        guard let a, a.data == input else { fatalError("AWSChunkedDecoder refused a valid signed encoding of \(input.count) bytes") }
        guard let b, b.data == input else { fatalError("ChunkedStreamDecoder refused a valid signed encoding of \(input.count) bytes") }
    }
    return 0
}

@_cdecl("FuzzChunked_main")
public func fuzzChunkedMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzzChunked)
}
