import Foundation
import SigV4
import Testing

/// S3's checksum algorithms against their published check values ("123456789") and well-known digests.
@Suite struct S3ChecksumTests {
    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    @Test(arguments: [
        (S3Checksum.crc32, base64([0xCB, 0xF4, 0x39, 0x26])),
        (.crc32c, base64([0xE3, 0x06, 0x92, 0x83])),
        (.crc64nvme, base64([0xAE, 0x8B, 0x14, 0x86, 0x0A, 0x79, 0x98, 0x88])),
        (.sha1, base64([0xF7, 0xC3, 0xBC, 0x1D, 0x80, 0x8E, 0x04, 0x73, 0x2A, 0xDF, 0x67, 0x99, 0x65, 0xCC, 0xC3, 0x4C, 0xA7, 0xAE, 0x34, 0x41])),
        (.sha256, "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU="),
    ])
    func checkValues(algorithm: S3Checksum, expected: String) throws {
        let data = Array("123456789".utf8)
        #expect(algorithm.base64(of: data) == expected)
        // Fed in pieces gives the same result.
        var acc = S3Checksum.Accumulator(algorithm)
        acc.update(data[0..<4])
        acc.update(data[4...])
        #expect(acc.finalizeBase64() == expected)
        try algorithm.verify(data, expectedBase64: expected)
        #expect(throws: algorithm.mismatchError()) { try algorithm.verify(Array("12345678".utf8), expectedBase64: expected) }
    }

    /// The CRCs bit by bit, straight from their reflected polynomials: what the table-driven code must equal.
    static func bitwiseCRC(_ data: [UInt8], poly: UInt64, width: Int) -> [UInt8] {
        let mask: UInt64 = width == 64 ? .max : (1 << UInt64(width)) - 1
        var c = mask
        for byte in data {
            c ^= UInt64(byte)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ poly : c >> 1 }
        }
        c ^= mask
        return (0..<(width / 8)).map { UInt8(truncatingIfNeeded: c >> UInt64(width - 8 - 8 * $0)) }
    }

    @Test(arguments: [(S3Checksum.crc32, UInt64(0xEDB8_8320), 32), (.crc32c, 0x82F6_3B78, 32), (.crc64nvme, 0x9A6C_9329_AC4B_C9B5, 64)])
    func tableDrivenCRCsEqualTheBitwiseDefinitionAtEveryLengthAndSplit(algorithm: S3Checksum, poly: UInt64, width: Int) {
        var generator = SystemRandomNumberGenerator()
        for length in Array(0...70) + [1000, 4099] {
            let data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = Self.base64(Self.bitwiseCRC(data, poly: poly, width: width))
            #expect(algorithm.base64(of: data) == expected, "length \(length)")
            let split = length == 0 ? 0 : Int.random(in: 0...length, using: &generator)
            var acc = S3Checksum.Accumulator(algorithm)
            acc.update(data[..<split])
            data[split...].withUnsafeBytes { acc.update($0) }
            #expect(acc.finalizeBase64() == expected, "length \(length) split at \(split)")
        }
    }

    @Test func emptyInput() {
        #expect(S3Checksum.crc32.base64(of: [UInt8]()) == "AAAAAA==")
        #expect(S3Checksum.sha256.base64(of: [UInt8]()) == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
    }

    @Test func names() {
        #expect(S3Checksum.crc64nvme.headerName == "x-amz-checksum-crc64nvme")
        #expect(S3Checksum(headerOrAlgorithm: "X-Amz-Checksum-CRC32C") == .crc32c)
        #expect(S3Checksum(headerOrAlgorithm: "sha1") == .sha1)
        #expect(S3Checksum(headerOrAlgorithm: "md5") == nil)
    }
}
