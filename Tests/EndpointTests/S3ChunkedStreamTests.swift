import Foundation
import SigV4
import Testing
@testable import Endpoint

/// The incremental aws-chunked decoder: any split of the wire bytes decodes to the same object,
/// signatures are checked chunk by chunk, truncation and tampering are refused.
@Suite struct S3ChunkedStreamTests {
    static let credentials = AWSCredentials(accessKeyId: "AKIDSTREAMTEST", secretAccessKey: "stream-test-secret")
    static let now = AmzDate.parse("20260115T103000Z")!

    static func setup(_ mode: String) throws -> (SigV4Authorization, SigV4Signer) {
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3")
        let headers: [(name: String, value: String)] = [("Host", "localhost"), ("Content-Encoding", "aws-chunked")]
        let added = signer.signedHeaders(method: "PUT", path: "/b/k", query: "", headers: headers, payloadHash: mode, date: now)
        let request = SigV4Request(method: "PUT", path: "/b/k", query: "", headers: headers + added, payloadHash: mode)
        return (try #require(try SigV4Verifier.authorization(of: request)), signer)
    }

    /// Feeds `body` in pieces of `piece` bytes; returns the decoded bytes and trailers, or the error.
    static func decode(_ body: [UInt8], mode: String, auth: SigV4Authorization?, secret: String?, piece: Int) -> Result<([UInt8], [(name: String, value: String)]), SigV4Error> {
        var decoder = ChunkedStreamDecoder(contentSHA256: mode, authorization: auth, secretAccessKey: secret)
        var out: [UInt8] = []
        do {
            var i = 0
            while i < body.count {
                let slice = Array(body[i..<min(body.count, i + piece)])
                try slice.withUnsafeBytes { raw in try decoder.feed(raw) { out.append(contentsOf: $0) } }
                i += piece
            }
            return .success((out, try decoder.finish()))
        } catch let error as SigV4Error {
            return .failure(error)
        } catch {
            return .failure(SigV4Error(code: "Unexpected", message: "\(error)", httpStatus: 500))
        }
    }

    @Test(arguments: [1, 7, 8192, 1 << 20])
    func signedBodiesDecodeInAnySplit(piece: Int) throws {
        let (auth, signer) = try Self.setup(AWSChunkedDecoder.signedPayload)
        let data = [UInt8]((0..<40000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let body = AWSChunkedEncoder.signed(data, chunkSize: 8192, signer: signer, date: Self.now, seedSignature: auth.signature)
        let result = Self.decode(body, mode: AWSChunkedDecoder.signedPayload, auth: auth, secret: Self.credentials.secretAccessKey, piece: piece)
        let (decoded, trailers) = try result.get()
        #expect(decoded == data)
        #expect(trailers.isEmpty)
    }

    @Test(arguments: [1, 100, 65536])
    func trailersDecodeInAnySplit(piece: Int) throws {
        let data = [UInt8](repeating: 42, count: 100_000)
        let crc = S3Checksum.crc32.base64(of: data)
        let unsigned = AWSChunkedEncoder.unsigned(data, chunkSize: 65536, trailers: [("x-amz-checksum-crc32", crc)])
        let (decoded, trailers) = try Self.decode(unsigned, mode: AWSChunkedDecoder.unsignedPayloadTrailer, auth: nil, secret: nil, piece: piece).get()
        #expect(decoded == data)
        #expect(trailers.map(\.name) == ["x-amz-checksum-crc32"] && trailers.first?.value == crc)

        let (auth, signer) = try Self.setup(AWSChunkedDecoder.signedPayloadTrailer)
        let signed = AWSChunkedEncoder.signed(data, chunkSize: 65536, signer: signer, date: Self.now, seedSignature: auth.signature,
                                              trailers: [("x-amz-checksum-crc32", crc)])
        let (decoded2, trailers2) = try Self.decode(signed, mode: AWSChunkedDecoder.signedPayloadTrailer, auth: auth,
                                                    secret: Self.credentials.secretAccessKey, piece: piece).get()
        #expect(decoded2 == data)
        #expect(trailers2.first?.value == crc)
    }

    @Test func tamperingAndTruncationAreRefused() throws {
        let (auth, signer) = try Self.setup(AWSChunkedDecoder.signedPayload)
        let data = [UInt8]((0..<20000).map { UInt8(truncatingIfNeeded: $0) })
        let body = AWSChunkedEncoder.signed(data, chunkSize: 8192, signer: signer, date: Self.now, seedSignature: auth.signature)
        let secret = Self.credentials.secretAccessKey
        var flipped = body
        flipped[200] ^= 1
        #expect(throws: SigV4Error.signatureDoesNotMatch(.s3)) { try Self.decode(flipped, mode: AWSChunkedDecoder.signedPayload, auth: auth, secret: secret, piece: 4096).get() }
        #expect(throws: SigV4Error.signatureDoesNotMatch(.s3)) { try Self.decode(body, mode: AWSChunkedDecoder.signedPayload, auth: auth, secret: "wrong", piece: 4096).get() }
        #expect(throws: SigV4Error.signatureDoesNotMatch(.s3)) { try Self.decode(body, mode: AWSChunkedDecoder.signedPayload, auth: nil, secret: nil, piece: 4096).get() }
        for cut in [9000, body.count - 90] {
            let result = Self.decode(Array(body.prefix(cut)), mode: AWSChunkedDecoder.signedPayload, auth: auth, secret: secret, piece: 4096)
            guard case .failure(let error) = result else { Issue.record("a body cut at \(cut) decoded"); continue }
            #expect(error.code == "IncompleteBody")
        }
        let small = AWSChunkedEncoder.signed([UInt8](repeating: 7, count: 3000), chunkSize: 1000, signer: signer, date: Self.now, seedSignature: auth.signature)
        let result = Self.decode(small, mode: AWSChunkedDecoder.signedPayload, auth: auth, secret: secret, piece: 333)
        guard case .failure(let error) = result else { Issue.record("short chunks accepted"); return }
        #expect(error.code == "InvalidChunkSizeError")
    }
}
