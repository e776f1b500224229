import Crypto
import Foundation
import NIOCore
import Testing

@testable import Endpoint

/// Digests computed a batch at a time on another task equal the digest of the bytes in order.
@Suite struct BackgroundHashTests {
    static func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    @Test(arguments: [0, 1, 1000, BackgroundHash<Insecure.MD5>.batchBytes - 1, BackgroundHash<Insecure.MD5>.batchBytes, 3 * BackgroundHash<Insecure.MD5>.batchBytes + 12_345])
    func wholeBuffersInOrder(total: Int) async {
        let data = Self.randomBytes(total)
        var md5 = BackgroundHash<Insecure.MD5>()
        var offset = 0
        var generator = SystemRandomNumberGenerator()
        while offset < total {
            // Pieces of uneven sizes, as the network delivers them.
            let n = min(total - offset, Int.random(in: 1...70_000, using: &generator))
            md5.add(ByteBuffer(bytes: data[offset..<offset + n]))
            offset += n
            await md5.handOffIfFull()
        }
        #expect(await md5.finish() == Self.hex(Insecure.MD5.hash(data: data)))
    }

    @Test func sha256AcrossBatches() async {
        let data = Self.randomBytes(2 * BackgroundHash<SHA256>.batchBytes + 99)
        var sha = BackgroundHash<SHA256>()
        for start in stride(from: 0, to: data.count, by: 65_536) {
            sha.add(ByteBuffer(bytes: data[start..<min(start + 65_536, data.count)]))
            await sha.handOffIfFull()
        }
        #expect(await sha.finish() == Self.hex(SHA256.hash(data: data)))
    }

    /// aws-chunked bodies: only the chunk data inside each received buffer is object data.
    @Test func piecesInsideBuffersAndCopies() async {
        let data = Self.randomBytes(2 * BackgroundHash<Insecure.MD5>.batchBytes + 777)
        var md5 = BackgroundHash<Insecure.MD5>()
        var expected = Insecure.MD5()
        var offset = 0
        var index = 0
        while offset < data.count {
            let n = min(data.count - offset, 50_000)
            let buffer = ByteBuffer(bytes: data[offset..<offset + n])
            buffer.withUnsafeReadableBytes { readable in
                // Every other piece skips a 10-byte "header" at the front of the buffer.
                let skip = index % 2 == 0 ? min(10, n) : 0
                let piece = UnsafeRawBufferPointer(rebasing: readable[skip...])
                md5.add(piece, of: buffer, readable: readable)
                expected.update(bufferPointer: piece)
                // A piece from elsewhere in memory is copied.
                let elsewhere: [UInt8] = [UInt8(index & 0xFF), 1, 2]
                elsewhere.withUnsafeBytes { other in
                    md5.add(other, of: buffer, readable: readable)
                    expected.update(bufferPointer: other)
                }
            }
            offset += n
            index += 1
            await md5.handOffIfFull()
        }
        #expect(await md5.finish() == Self.hex(expected.finalize()))
    }
}
