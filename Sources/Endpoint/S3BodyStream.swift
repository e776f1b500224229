import Crypto
import Foundation
import NIOCore
import NIOPosix
import ObjectStore
import SigV4
import Synchronization
import HummingbirdCore

/// An upload body already on disk: written to a staging file as it arrived, decoded from
/// aws-chunked on the way, hashed on the way. The staging file is removed when this goes away
/// unless a store took it (`take()`), so an upload that fails never leaves bytes behind.
final class StagedBody: @unchecked Sendable {
    let url: URL
    /// Decoded object bytes.
    let size: Int
    let md5Hex: String
    /// SHA-256 of the bytes on the wire, when the request announced a hex payload hash.
    let sha256Hex: String?
    /// Algorithm (`CRC32`...) to base64, for the algorithms computed on the way.
    let checksums: [String: String]
    /// aws-chunked trailers (names lowercased), signature left out.
    let trailers: [(name: String, value: String)]
    /// Why the body cannot be stored (aws-chunked framing or signature, short body).
    let error: AWSServiceError?
    private let taken = Mutex(false)

    init(url: URL, size: Int, md5Hex: String, sha256Hex: String?, checksums: [String: String],
         trailers: [(name: String, value: String)], error: AWSServiceError?) {
        self.url = url
        self.size = size
        self.md5Hex = md5Hex
        self.sha256Hex = sha256Hex
        self.checksums = checksums
        self.trailers = trailers
        self.error = error
    }

    /// Hands the file to the store; it is no longer removed here.
    func take() -> URL {
        taken.withLock { $0 = true }
        return url
    }

    deinit {
        if !taken.withLock({ $0 }) { unlink(url.path) }
    }
}

/// Writes a request body to a staging file, decoding aws-chunked chunk by chunk and hashing.
struct S3BodyStager {
    static let maximumObjectSize = 5 << 30

    let store: ObjectStore
    let headers: [(name: String, value: String)]
    let method: String
    let rawPath: String
    let rawQuery: String
    /// Secret of the access key the request names, to check chunk signatures.
    let secretAccessKey: String?

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name }?.value
    }

    /// The algorithms whose checksums the upload declares or asks for, plus CRC64NVME when none.
    func algorithms() -> [S3Checksum] {
        var set: [S3Checksum] = []
        func add(_ a: S3Checksum?) { if let a, !set.contains(a) { set.append(a) } }
        for (name, _) in headers {
            let lower = name.lowercased()
            guard lower.hasPrefix("x-amz-checksum-"), !["x-amz-checksum-type", "x-amz-checksum-algorithm", "x-amz-checksum-mode"].contains(lower) else { continue }
            add(S3Checksum(headerOrAlgorithm: lower))
        }
        for name in (header("x-amz-trailer") ?? "").split(separator: ",") {
            add(S3Checksum(headerOrAlgorithm: name.trimmingCharacters(in: .whitespaces)))
        }
        add(header("x-amz-sdk-checksum-algorithm").flatMap { S3Checksum(headerOrAlgorithm: $0) })
        if set.isEmpty { set.append(.crc64nvme) }
        return set
    }

    func stage(_ body: RequestBody) async throws -> StagedBody {
        let contentSHA256 = header("x-amz-content-sha256") ?? ""
        let wantSHA256 = contentSHA256.count == 64 || header("x-amz-content-sha256") == nil
        let (url, fd) = try store.makeStagingFile()
        var sink = StagingSink(fd: fd, algorithms: algorithms())
        var rawSHA = wantSHA256 ? BackgroundHash<SHA256>() : nil
        var md5 = BackgroundHash<Insecure.MD5>()
        var decoder: ChunkedStreamDecoder?
        var failure: AWSServiceError?
        if AWSChunkedDecoder.isStreaming(contentSHA256) {
            let signed = SigV4Request(method: method, path: rawPath, query: rawQuery, headers: headers, payloadHash: contentSHA256)
            decoder = ChunkedStreamDecoder(contentSHA256: contentSHA256, authorization: try? SigV4Verifier.authorization(of: signed),
                                           secretAccessKey: secretAccessKey)
        }
        var raw = 0
        let limit = Self.maximumObjectSize + (decoder == nil ? 0 : 64 << 20)
        do {
            for try await buffer in body {
                raw += buffer.readableBytes
                if raw > limit {
                    failure = failure ?? AWSServiceError(code: ErrorCode.entityTooLarge, status: 400, message: "Your proposed upload exceeds the maximum allowed size")
                }
                guard failure == nil else { continue }
                buffer.withUnsafeReadableBytes { bytes in
                    rawSHA?.add(buffer)
                    if decoder != nil {
                        do {
                            try decoder!.feed(bytes) { piece in
                                sink.write(piece)
                                md5.add(piece, of: buffer, readable: bytes)
                            }
                        } catch { failure = Self.error(error) }
                    } else {
                        sink.write(bytes)
                        md5.add(buffer)
                    }
                }
                if let e = sink.failure { failure = failure ?? Self.internalError(e) }
                await md5.handOffIfFull()
                await rawSHA?.handOffIfFull()
            }
        } catch {
            _ = await md5.finish()
            _ = await rawSHA?.finish()
            close(fd)
            unlink(url.path)
            throw error
        }
        if failure == nil, let declared = header("content-length").flatMap({ Int($0) }), declared != raw {
            failure = AWSServiceError(code: ErrorCode.incompleteBody, status: 400, message: "You did not provide the number of bytes specified by the Content-Length HTTP header")
        }
        var trailers: [(name: String, value: String)] = []
        if failure == nil, decoder != nil {
            do {
                trailers = try decoder!.finish()
                if let decoded = header("x-amz-decoded-content-length").flatMap({ Int($0) }), decoded != sink.size {
                    failure = AWSServiceError(code: ErrorCode.incompleteBody, status: 400, message: "The request body terminated unexpectedly")
                }
            } catch { failure = Self.error(error) }
        }
        if failure == nil {
            // Waiting on the disk happens on NIO's pool for blocking work, not on a cooperative thread.
            let synced = (try? await NIOThreadPool.singleton.runIfActive { fsync(fd) == 0 ? 0 : errno }) ?? (fsync(fd) == 0 ? 0 : errno)
            if synced != 0 { failure = Self.internalError("fsync failed: errno \(synced)") }
        }
        close(fd)
        let md5Hex = await md5.finish()
        let sha256Hex = await rawSHA?.finish()
        return StagedBody(url: url, size: sink.size, md5Hex: md5Hex, sha256Hex: sha256Hex,
                          checksums: sink.checksums(), trailers: trailers, error: failure)
    }

    static func error(_ error: any Error) -> AWSServiceError {
        if let e = error as? SigV4Error { return AWSServiceError(code: e.code, status: e.httpStatus, message: e.message) }
        return internalError("\(error)")
    }

    static func internalError(_ text: String) -> AWSServiceError {
        AWSServiceError(code: ErrorCode.internalError, status: 500, message: "We encountered an internal error. Please try again. (\(text))")
    }
}

/// The decoded bytes' destination: the staging file and the flexible checksums (MD5 and
/// SHA-256 run on `BackgroundHash`es).
struct StagingSink {
    /// Written bytes are sent on to the disk every this many, while the upload goes on.
    static let writebackBytes = 8 << 20

    let fd: Int32
    var accumulators: [S3Checksum.Accumulator]
    var size = 0
    private var writtenBack = 0
    var failure: String?

    init(fd: Int32, algorithms: [S3Checksum]) {
        self.fd = fd
        accumulators = algorithms.map { S3Checksum.Accumulator($0) }
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, bytes.count > 0 else { return }
        for i in accumulators.indices { accumulators[i].update(bytes) }
        var offset = 0
        while offset < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n <= 0 {
                if errno == EINTR { continue }
                failure = "cannot write the upload to disk: errno \(errno)"
                return
            }
            offset += n
        }
        size += bytes.count
        if size - writtenBack >= Self.writebackBytes {
            ObjectStore.startWriteback(fd, offset: writtenBack, length: size - writtenBack)
            writtenBack = size
        }
    }

    func checksums() -> [String: String] {
        Dictionary(uniqueKeysWithValues: accumulators.map { ($0.algorithm.rawValue, $0.finalizeBase64()) })
    }
}

/// A digest of an upload's bytes (MD5 for the ETag, SHA-256 of the signed payload), computed
/// on another task while the caller writes the bytes and computes the rest: neither digest can
/// be split, and MD5 alone is a third of an upload's CPU time. Bytes are kept as slices of the
/// received buffers (no copy) and handed off a batch at a time; at most one batch is being
/// hashed while the next one is gathered, so memory stays bounded by two batches.
struct BackgroundHash<Digest: HashFunction & SendableMetatype> {
    static var batchBytes: Int { 1 << 20 }

    /// The digest moves between tasks but is only ever used by one of them at a time: the
    /// batch's task owns it until `running` is awaited.
    private struct Handed: @unchecked Sendable { var digest: Digest }

    private var state = Digest()
    private var running: Task<Handed, Never>?
    private var batch: [ByteBuffer] = []
    private var gathered = 0

    /// The readable bytes of `buffer`, in order after everything added so far.
    mutating func add(_ buffer: ByteBuffer) {
        guard buffer.readableBytes > 0 else { return }
        batch.append(buffer)
        gathered += buffer.readableBytes
    }

    /// `piece`, which lies inside `readable` (the readable bytes of `buffer`): kept as a slice of it.
    mutating func add(_ piece: UnsafeRawBufferPointer, of buffer: ByteBuffer, readable: UnsafeRawBufferPointer) {
        guard piece.count > 0 else { return }
        if let p = piece.baseAddress, let r = readable.baseAddress, p >= r, p + piece.count <= r + readable.count,
           let slice = buffer.getSlice(at: buffer.readerIndex + (p - r), length: piece.count) {
            add(slice)
        } else {
            add(ByteBuffer(bytes: piece))
        }
    }

    /// Starts hashing the gathered bytes once there is a batch of them (after the previous batch is done).
    mutating func handOffIfFull() async {
        guard gathered >= Self.batchBytes else { return }
        if let running { state = await running.value.digest }
        let work = batch
        let start = Handed(digest: state)
        batch = []
        gathered = 0
        running = Task {
            var handed = start
            for buffer in work { buffer.withUnsafeReadableBytes { handed.digest.update(bufferPointer: $0) } }
            return handed
        }
    }

    /// The hex digest of every byte added.
    mutating func finish() async -> String {
        if let running { state = await running.value.digest }
        running = nil
        for buffer in batch { buffer.withUnsafeReadableBytes { state.update(bufferPointer: $0) } }
        batch = []
        gathered = 0
        return state.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
