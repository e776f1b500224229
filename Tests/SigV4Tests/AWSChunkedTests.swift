import Foundation
import SigV4
import Testing

/// aws-chunked bodies: AWS's documented signed example, botocore's unsigned-trailer bodies, and tampering.
@Suite struct AWSChunkedTests {
    // Amazon S3 API Reference, "Signature Calculations for the Authorization Header: Transferring Payload in
    // Multiple Chunks (Chunked Upload) (AWS Signature Version 4)", the 66560-byte example object.
    static let docSigner = SigV4Signer(credentials: AWSCredentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                                       region: "us-east-1", service: "s3")
    static let docDate = AmzDate.parse("20130524T000000Z")!
    static let docHeaders: [(name: String, value: String)] = [
        ("Host", "s3.amazonaws.com"),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ("Content-Encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", "66560"),
        ("Content-Length", "66824"),
    ]

    static func docRequest() -> SigV4Request {
        let added = docSigner.signedHeaders(method: "PUT", path: "/examplebucket/chunkObject.txt", query: "", headers: docHeaders,
                                            payloadHash: AWSChunkedDecoder.signedPayload, date: docDate)
        return SigV4Request(method: "PUT", path: "/examplebucket/chunkObject.txt", query: "", headers: docHeaders + added,
                            payloadHash: AWSChunkedDecoder.signedPayload)
    }

    @Test func documentedSignedChunkedUpload() throws {
        let request = Self.docRequest()
        let auth = try #require(try SigV4Verifier.authorization(of: request))
        #expect(auth.signature == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
        #expect(auth.signedHeaders.joined(separator: ";") == "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class")
        try SigV4Verifier.verify(request, authorization: auth, secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", now: Self.docDate)

        let data = [UInt8](repeating: UInt8(ascii: "a"), count: 66560)
        let body = AWSChunkedEncoder.signed(data, chunkSize: 65536, signer: Self.docSigner, date: Self.docDate, seedSignature: auth.signature)
        #expect(body.count == 66824)
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.hasPrefix("10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"))
        #expect(text.contains("\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"))
        #expect(text.hasSuffix("\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"))

        let decoded = try AWSChunkedDecoder.decode(body, contentSHA256: AWSChunkedDecoder.signedPayload, authorization: auth,
                                                   secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", decodedContentLength: 66560)
        #expect(decoded.data == data)
        #expect(decoded.trailers.isEmpty)
    }

    static func decodeError(_ body: [UInt8], mode: String = AWSChunkedDecoder.signedPayload, auth: SigV4Authorization?, secret: String? = testCredentials.secretAccessKey, length: Int? = nil) -> SigV4Error? {
        do {
            _ = try AWSChunkedDecoder.decode(body, contentSHA256: mode, authorization: auth, secretAccessKey: secret, decodedContentLength: length)
            return nil
        } catch {
            return error
        }
    }

    static func signedSetup(trailer: Bool) throws -> (SigV4Authorization, SigV4Signer) {
        let mode = trailer ? AWSChunkedDecoder.signedPayloadTrailer : AWSChunkedDecoder.signedPayload
        let request = signedRequest(service: "s3", method: "PUT", headers: [("Host", "localhost"), ("Content-Encoding", "aws-chunked")], payloadHash: mode)
        let auth = try #require(try SigV4Verifier.authorization(of: request))
        return (auth, SigV4Signer(credentials: testCredentials, region: "us-east-1", service: "s3"))
    }

    @Test func signedTamperingIsRejected() throws {
        let (auth, signer) = try Self.signedSetup(trailer: false)
        let data = [UInt8]((0..<20000).map { UInt8(truncatingIfNeeded: $0) })
        let body = AWSChunkedEncoder.signed(data, chunkSize: 8192, signer: signer, date: testNow, seedSignature: auth.signature)
        #expect(Self.decodeError(body, auth: auth) == nil)
        #expect(Self.decodeError(body, auth: auth, length: 20000) == nil)
        #expect(Self.decodeError(body, auth: auth, length: 19999)?.code == "IncompleteBody")

        var flipped = body
        flipped[200] ^= 1  // a data byte of the first chunk
        #expect(Self.decodeError(flipped, auth: auth) == SigV4Error.signatureDoesNotMatch(.s3))
        #expect(Self.decodeError(body, auth: auth, secret: "wrong")?.code == "SignatureDoesNotMatch")
        var otherSeed = auth
        otherSeed.signature = String(repeating: "0", count: 64)
        #expect(Self.decodeError(body, auth: otherSeed)?.code == "SignatureDoesNotMatch")
        #expect(Self.decodeError(Array(body.prefix(9000)), auth: auth)?.code == "IncompleteBody")
        // Dropping the final 0-length chunk leaves the body unterminated.
        let finalChunkLength = "0;chunk-signature=".utf8.count + 64 + 4
        #expect(Self.decodeError(Array(body.dropLast(finalChunkLength)), auth: auth)?.code == "IncompleteBody")
        #expect(Self.decodeError(body, auth: nil, secret: nil)?.code == "SignatureDoesNotMatch")
    }

    @Test func signedSmallChunkMustBeLast() throws {
        let (auth, signer) = try Self.signedSetup(trailer: false)
        let body = AWSChunkedEncoder.signed([UInt8](repeating: 7, count: 3000), chunkSize: 1000, signer: signer, date: testNow, seedSignature: auth.signature)
        #expect(Self.decodeError(body, auth: auth) == SigV4Error(code: "InvalidChunkSizeError", message: "Only the last chunk is allowed to have a size less than 8192 bytes", httpStatus: 403))
    }

    @Test func signedTrailer() throws {
        let (auth, signer) = try Self.signedSetup(trailer: true)
        let data = Array("glueshim signed trailer".utf8)
        let crc = S3Checksum.crc32c.base64(of: data)
        let body = AWSChunkedEncoder.signed(data, signer: signer, date: testNow, seedSignature: auth.signature, trailers: [("x-amz-checksum-crc32c", crc)])
        let decoded = try AWSChunkedDecoder.decode(body, contentSHA256: AWSChunkedDecoder.signedPayloadTrailer, authorization: auth, secretAccessKey: testCredentials.secretAccessKey)
        #expect(decoded.data == data)
        #expect(decoded.trailer("X-Amz-Checksum-CRC32C") == crc)
        let forged = String(decoding: body, as: UTF8.self).replacingOccurrences(of: crc, with: S3Checksum.crc32c.base64(of: Array("other".utf8)))
        #expect(Self.decodeError(Array(forged.utf8), mode: AWSChunkedDecoder.signedPayloadTrailer, auth: auth)?.code == "SignatureDoesNotMatch")
    }

    struct ChunkedFixture: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        var data: String
        var trailer: String
        var checksum: String
        var testDescription: String { name }
    }

    struct FixtureFile: Decodable { var chunkedBodies: [ChunkedFixture] }

    static let botocoreBodies: [ChunkedFixture] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/botocore_fixtures.json")
        guard let data = try? Data(contentsOf: url), let file = try? JSONDecoder().decode(FixtureFile.self, from: data) else { return [] }
        return file.chunkedBodies
    }()

    @Test func botocoreBodiesLoaded() { #expect(Self.botocoreBodies.count == 4) }

    @Test(arguments: botocoreBodies)
    func unsignedTrailerFromBotocore(_ fixture: ChunkedFixture) throws {
        let body = [UInt8](Data(base64Encoded: fixture.body)!)
        let data = [UInt8](Data(base64Encoded: fixture.data)!)
        let decoded = try AWSChunkedDecoder.decode(body, contentSHA256: AWSChunkedDecoder.unsignedPayloadTrailer, authorization: nil,
                                                   secretAccessKey: nil, decodedContentLength: data.count)
        #expect(decoded.data == data)
        #expect(decoded.trailer(fixture.trailer) == fixture.checksum)
        #expect(S3Checksum(headerOrAlgorithm: fixture.trailer)?.base64(of: data) == fixture.checksum)
        // Our encoder writes the same bytes for the same chunking.
        let chunkSize = fixture.name == "crc32-three-chunks" ? 4096 : fixture.name == "sha1" ? 8192 : 1024
        #expect(AWSChunkedEncoder.unsigned(data, chunkSize: chunkSize, trailers: [(fixture.trailer, fixture.checksum)]) == body)
    }

    @Test func unsignedTrailerForms() throws {
        let data = Array("hello".utf8)
        let crc = S3Checksum.crc32.base64(of: data)
        // With chunk-signature extensions, bare LF trailers, and no final empty line.
        let variants = [
            "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:\(crc)\r\n\r\n",
            "5;chunk-signature=abc\r\nhello\r\n0;chunk-signature=def\r\nx-amz-checksum-crc32:\(crc)\r\n\r\n",
            "5\r\nhello\r\n0\r\nx-amz-checksum-crc32: \(crc)\r\n",
            "5\r\nhello\r\n0\r\n\r\n",
        ]
        for variant in variants {
            let decoded = try AWSChunkedDecoder.decode(Array(variant.utf8), contentSHA256: AWSChunkedDecoder.unsignedPayloadTrailer, authorization: nil, secretAccessKey: nil)
            #expect(decoded.data == data, "\(variant)")
        }
        let wrong = "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"
        #expect(Self.decodeError(Array(wrong.utf8), mode: AWSChunkedDecoder.unsignedPayloadTrailer, auth: nil)
                == SigV4Error(code: "BadDigest", message: "The CRC32 you specified did not match the calculated checksum.", httpStatus: 400))
        let badTrailer = "5\r\nhello\r\n0\r\nnot a trailer\r\n\r\n"
        #expect(Self.decodeError(Array(badTrailer.utf8), mode: AWSChunkedDecoder.unsignedPayloadTrailer, auth: nil)?.code == "MalformedTrailerError")
        for malformed in ["zz\r\nhello\r\n0\r\n\r\n", "5\r\nhelloXX0\r\n\r\n", "\r\n"] {
            #expect(Self.decodeError(Array(malformed.utf8), mode: AWSChunkedDecoder.unsignedPayloadTrailer, auth: nil)?.code == "InvalidRequest", "\(malformed)")
        }
        #expect(Self.decodeError(Array("5\r\nhel".utf8), mode: AWSChunkedDecoder.unsignedPayloadTrailer, auth: nil)?.code == "IncompleteBody")
        #expect(Self.decodeError([], mode: SigV4.unsignedPayload, auth: nil)?.code == "InvalidArgument")
        #expect(AWSChunkedDecoder.isStreaming(AWSChunkedDecoder.unsignedPayloadTrailer))
        #expect(!AWSChunkedDecoder.isStreaming(SigV4.unsignedPayload))
    }

    /// x-amz-decoded-content-length is the client's: a huge or negative one is a short body, not
    /// an allocation of that size (found by the chunked fuzz target).
    @Test(arguments: [Int.max, 940_422_246_676_037_669, 1 << 40, -1, Int.min])
    func declaredLengthIsNotTrusted(declared: Int) {
        let body = Array("5\r\nhello\r\n0\r\n\r\n".utf8)
        #expect(throws: SigV4Error(code: "IncompleteBody", message: "The request body terminated unexpectedly", httpStatus: 400)) {
            try AWSChunkedDecoder.decode(body, contentSHA256: AWSChunkedDecoder.unsignedPayloadTrailer, authorization: nil,
                                         secretAccessKey: nil, decodedContentLength: declared)
        }
        #expect((try? AWSChunkedDecoder.decode(body, contentSHA256: AWSChunkedDecoder.unsignedPayloadTrailer, authorization: nil,
                                                secretAccessKey: nil, decodedContentLength: 5))?.data == Array("hello".utf8))
    }
}
