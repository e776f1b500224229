import CNative
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
            for region in data.regions {
                region.withUnsafeBytes { update($0) }
            }
        }

        /// The bytes at `bytes`: the non-generic path every caller ends up on. CRC32 goes through
        /// zlib, CRC32C through the processor's crc32 instruction where there is one, the rest of
        /// the CRCs eight bytes at a time.
        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            switch algorithm {
            case .crc32:
                guard let base = bytes.baseAddress, bytes.count > 0 else { return }
                // zlib continues from a finished value; the register here is kept inverted.
                crc = UInt64(glueshim_crc32(UInt32(truncatingIfNeeded: crc) ^ 0xFFFF_FFFF, base, bytes.count) ^ 0xFFFF_FFFF)
            case .crc32c:
                if S3Checksum.crc32cInHardware, let base = bytes.baseAddress, bytes.count > 0 {
                    crc = UInt64(glueshim_crc32c_hw(UInt32(truncatingIfNeeded: crc), base, bytes.count))
                } else {
                    crc = S3Checksum.crc32cTables.crc(crc, bytes)
                }
            case .crc64nvme: crc = S3Checksum.crc64nvmeTables.crc(crc, bytes)
            case .sha1: sha1!.update(bufferPointer: bytes)
            case .sha256: sha256!.update(bufferPointer: bytes)
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

    }

    /// The error S3 returns when a checksum does not match the data.
    public func mismatchError() -> SigV4Error {
        SigV4Error(code: "BadDigest", message: "The \(rawValue) you specified did not match the calculated checksum.", httpStatus: 400)
    }

    /// Throws `BadDigest` unless `expectedBase64` is the checksum of `data`.
    public func verify(_ data: some DataProtocol, expectedBase64: String) throws(SigV4Error) {
        guard base64(of: data) == expectedBase64.trimmingCharacters(in: .whitespaces) else { throw mismatchError() }
    }

    static let crc32cInHardware = glueshim_crc32c_hw_available() != 0
    static let crc32cTables = CRCTables(reflectedPolynomial: 0x82F6_3B78)
    static let crc64nvmeTables = CRCTables(reflectedPolynomial: 0x9A6C_9329_AC4B_C9B5)
}

/// A reflected CRC (32 or 64 bits, kept in a UInt64) computed eight bytes at a time ("slicing by 8"):
/// table k maps a byte to its contribution k bytes before the end of an 8-byte word.
struct CRCTables: Sendable {
    /// 8 tables of 256 entries, table k at [256 * k].
    let entries: [UInt64]

    init(reflectedPolynomial poly: UInt64) {
        var t = [UInt64](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt64(i)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ poly : c >> 1 }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let previous = t[256 * (k - 1) + i]
                t[256 * k + i] = (previous >> 8) ^ t[Int(previous & 0xFF)]
            }
        }
        entries = t
    }

    func crc(_ start: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return start }
        return entries.withUnsafeBufferPointer { table in
            let t = table.baseAddress!
            var c = start
            var i = 0
            let count = bytes.count
            while i + 8 <= count {
                let x = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) ^ c
                c = t[1792 + Int(x & 0xFF)] ^ t[1536 + Int((x >> 8) & 0xFF)]
                    ^ t[1280 + Int((x >> 16) & 0xFF)] ^ t[1024 + Int((x >> 24) & 0xFF)]
                    ^ t[768 + Int((x >> 32) & 0xFF)] ^ t[512 + Int((x >> 40) & 0xFF)]
                    ^ t[256 + Int((x >> 48) & 0xFF)] ^ t[Int(x >> 56)]
                i += 8
            }
            while i < count {
                c = t[Int((c ^ UInt64(base.load(fromByteOffset: i, as: UInt8.self))) & 0xFF)] ^ (c >> 8)
                i += 1
            }
            return c
        }
    }
}
