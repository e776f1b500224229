import Crypto
import Foundation

/// The checksum algorithms S3 accepts in `x-amz-checksum-*` headers and trailers, base64 of the big-endian digest.
public enum S3Checksum: String, Sendable, Hashable, CaseIterable, Codable {
    case crc32 = "CRC32"
    case crc32c = "CRC32C"
    case crc64nvme = "CRC64NVME"
    case sha1 = "SHA1"
    case sha256 = "SHA256"

    /// The header or trailer that carries it, e.g. `x-amz-checksum-crc32`.
    public var headerName: String { "x-amz-checksum-" + rawValue.lowercased() }

    /// The algorithm of an `x-amz-checksum-*` header name (any case), or of an algorithm name such as "crc32c".
    public init?(headerOrAlgorithm name: String) {
        let lower = name.lowercased()
        let algorithm = lower.hasPrefix("x-amz-checksum-") ? String(lower.dropFirst("x-amz-checksum-".count)) : lower
        guard let value = S3Checksum(rawValue: algorithm.uppercased()) else { return nil }
        self = value
    }

    /// The base64 checksum of `data`.
    public func base64(of data: some DataProtocol) -> String {
        var state = Accumulator(self)
        state.update(data)
        return state.finalizeBase64()
    }

    /// A running checksum, fed piece by piece.
    public struct Accumulator {
        public let algorithm: S3Checksum
        private var crc: UInt64
        private var sha1: Insecure.SHA1?
        private var sha256: SHA256?

        public init(_ algorithm: S3Checksum) {
            self.algorithm = algorithm
            switch algorithm {
            case .crc32, .crc32c: crc = 0xFFFF_FFFF
            case .crc64nvme: crc = UInt64.max
            case .sha1: crc = 0; sha1 = Insecure.SHA1()
            case .sha256: crc = 0; sha256 = SHA256()
            }
        }

        public mutating func update(_ data: some DataProtocol) {
            switch algorithm {
            case .crc32: crc = Self.crc(crc, data, table: S3Checksum.crc32Table)
            case .crc32c: crc = Self.crc(crc, data, table: S3Checksum.crc32cTable)
            case .crc64nvme: crc = Self.crc(crc, data, table: S3Checksum.crc64nvmeTable)
            case .sha1: for region in data.regions { sha1!.update(data: region) }
            case .sha256: for region in data.regions { sha256!.update(data: region) }
            }
        }

        /// The digest bytes.
        public func finalize() -> [UInt8] {
            switch algorithm {
            case .crc32, .crc32c:
                let v = UInt32(truncatingIfNeeded: crc ^ 0xFFFF_FFFF)
                return (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) }
            case .crc64nvme:
                let v = crc ^ UInt64.max
                return (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * $0)) }
            case .sha1: return Array(sha1!.finalize())
            case .sha256: return Array(sha256!.finalize())
            }
        }

        public func finalizeBase64() -> String { Data(finalize()).base64EncodedString() }

        private static func crc(_ start: UInt64, _ data: some DataProtocol, table: [UInt64]) -> UInt64 {
            var c = start
            for region in data.regions {
                for byte in region {
                    c = table[Int((c ^ UInt64(byte)) & 0xFF)] ^ (c >> 8)
                }
            }
            return c
        }
    }

    /// The error S3 returns when a checksum does not match the data.
    public func mismatchError() -> SigV4Error {
        SigV4Error(code: "BadDigest", message: "The \(rawValue) you specified did not match the calculated checksum.", httpStatus: 400)
    }

    /// Throws `BadDigest` unless `expectedBase64` is the checksum of `data`.
    public func verify(_ data: some DataProtocol, expectedBase64: String) throws(SigV4Error) {
        guard base64(of: data) == expectedBase64.trimmingCharacters(in: .whitespaces) else { throw mismatchError() }
    }

    static func table(reflectedPolynomial poly: UInt64) -> [UInt64] {
        (0..<256).map { i -> UInt64 in
            var c = UInt64(i)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ poly : c >> 1 }
            return c
        }
    }

    static let crc32Table = table(reflectedPolynomial: 0xEDB8_8320)
    static let crc32cTable = table(reflectedPolynomial: 0x82F6_3B78)
    static let crc64nvmeTable = table(reflectedPolynomial: 0x9A6C_9329_AC4B_C9B5)
}
