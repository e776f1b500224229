import CNative
import Crypto
import Foundation

/// Streamed bodies: bytes are written to a staging file under `ROOT/.staging/` while they
/// arrive, then renamed into a bucket's `blobs/` (or an upload's folder) once complete and
/// checked. A staging file is never visible as an object; leftovers are removed on open.
extension ObjectStore {
    var stagingFolder: URL { root.appendingPathComponent(".staging") }

    /// Creates an empty staging file and returns its path and an open write descriptor.
    public func makeStagingFile() throws(ObjectStoreError) -> (url: URL, fd: Int32) {
        let folder = stagingFolder
        if !FileManager.default.fileExists(atPath: folder.path) {
            do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
                throw ObjectStoreError(description: "cannot create \(folder.path): \(error.localizedDescription)")
            }
        }
        let url = folder.appendingPathComponent(".tmp-\(UUID().uuidString)")
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ObjectStoreError(description: "cannot create \(url.path): errno \(errno)") }
        return (url, fd)
    }

    /// Starts writing bytes `offset..<offset+length` of a file being staged to the device without
    /// waiting, so the fsync that ends the upload has little left to do (best effort).
    public static func startWriteback(_ fd: Int32, offset: Int, length: Int) {
        _ = glueshim_start_writeback(fd, Int64(offset), Int64(length))
    }

    /// Removes what a crash left in the staging folder.
    func clearStaging() {
        let folder = stagingFolder
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
            unlink(folder.appendingPathComponent(name).path)
        }
    }

    /// Makes a complete, synced staging file the object `key`.
    @discardableResult
    public func putStaged(bucket: String, key: String, staged: URL, size: Int, etag: String, attributes: ObjectAttributes, now: Date,
                          expecting: CommitPrecondition? = nil) throws(ObjectStoreError) -> ObjectRecord {
        guard hasBucket(bucket) else {
            unlink(staged.path)
            throw ObjectStoreError(description: "no bucket \(bucket) in the store")
        }
        let blob = UUID().uuidString.lowercased()
        try Self.rename(staged, to: blobURL(bucket, blob))
        do {
            return try commit(bucket: bucket, key: key, blob: blob, size: size, etag: etag, attributes: attributes, now: now, expecting: expecting)
        } catch {
            if error.conflict { try? FileManager.default.removeItem(at: blobURL(bucket, blob)) }
            throw error
        }
    }

    /// Makes a complete, synced staging file part `partNumber` of an upload.
    @discardableResult
    public func putPartStaged(bucket: String, uploadId: String, partNumber: Int, staged: URL, size: Int, etag: String, checksums: [String: String], now: Date) throws(ObjectStoreError) -> PartRecord {
        guard let folder = uploadFolder(bucket, uploadId), upload(bucket: bucket, uploadId: uploadId) != nil else {
            unlink(staged.path)
            throw ObjectStoreError(description: "no upload \(uploadId)")
        }
        let blob = "blob-" + UUID().uuidString.lowercased()
        try Self.rename(staged, to: folder.appendingPathComponent(blob))
        return try recordPart(in: folder, partNumber: partNumber, blob: blob, size: size, etag: etag, checksums: checksums, now: now)
    }

    /// Opens an object's bytes for reading: all of them, or those of `range` (inclusive bounds;
    /// of an object kept in segments, only the segments it touches are opened). The descriptors
    /// keep the bytes readable even if the object is replaced or deleted meanwhile; they close
    /// when the result goes away.
    public func openObject(bucket: String, record: ObjectRecord, range: ClosedRange<Int>? = nil) throws(ObjectStoreError) -> OpenObject {
        let url = blobURL(bucket, record.blob)
        let missing = ObjectStoreError(description: "the bytes of \(bucket)/\(record.key) are missing from the store")
        guard let sizes = record.segments else {
            let fd = open(url.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw missing }
            return OpenObject(descriptors: [fd], sizes: [record.size])
        }
        var fds: [Int32] = []
        var start = 0
        for (index, size) in sizes.enumerated() {
            defer { start += size }
            if let range, size == 0 || start > range.upperBound || start + size <= range.lowerBound {
                fds.append(-1)
                continue
            }
            let fd = open(url.appendingPathComponent(String(index)).path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                for fd in fds where fd >= 0 { close(fd) }
                throw missing
            }
            fds.append(fd)
        }
        return OpenObject(descriptors: fds, sizes: sizes)
    }

    /// Copies `length` bytes from `offset` of an object to a new synced staging file, calling
    /// `observe` with every piece (for checksums); returns the staging file and the MD5 hex.
    public func stageCopy(bucket: String, record: ObjectRecord, range: ClosedRange<Int>?, observe: (UnsafeRawBufferPointer) -> Void) throws(ObjectStoreError) -> (url: URL, size: Int, md5: String) {
        let input = try openObject(bucket: bucket, record: record, range: range)
        let (url, fd) = try makeStagingFile()
        var md5 = Insecure.MD5()
        var offset = range?.lowerBound ?? 0
        var remaining = range?.count ?? record.size
        let capacity = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        do throws(ObjectStoreError) {
            while remaining > 0 {
                let n = input.read(into: buffer, count: min(capacity, remaining), at: offset)
                if n < 0 { if errno == EINTR { continue }; throw ObjectStoreError(description: "cannot read \(bucket)/\(record.key): errno \(errno)") }
                if n == 0 { throw ObjectStoreError(description: "\(bucket)/\(record.key) is shorter than its record says") }
                let piece = UnsafeRawBufferPointer(start: buffer, count: n)
                md5.update(bufferPointer: piece)
                observe(piece)
                var written = 0
                while written < n {
                    let w = write(fd, buffer + written, n - written)
                    if w <= 0 { if errno == EINTR { continue }; throw ObjectStoreError(description: "cannot write \(url.path): errno \(errno)") }
                    written += w
                }
                offset += n
                remaining -= n
            }
            guard fsync(fd) == 0 else { throw ObjectStoreError(description: "fsync failed: errno \(errno)") }
            close(fd)
        } catch {
            close(fd)
            unlink(url.path)
            throw error
        }
        let size = range?.count ?? record.size
        return (url, size, md5.finalize().map { String(format: "%02x", $0) }.joined())
    }

    /// Feeds an object's bytes, piece by piece, to `observe` (checksums of whole objects).
    public func scan(bucket: String, record: ObjectRecord, observe: (UnsafeRawBufferPointer) -> Void) throws(ObjectStoreError) {
        let input = try openObject(bucket: bucket, record: record)
        let capacity = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var offset = 0
        while offset < input.size {
            let n = input.read(into: buffer, count: capacity, at: offset)
            if n < 0 { throw ObjectStoreError(description: "cannot read \(bucket)/\(record.key): errno \(errno)") }
            if n == 0 { throw ObjectStoreError(description: "\(bucket)/\(record.key) is shorter than its record says") }
            observe(UnsafeRawBufferPointer(start: buffer, count: n))
            offset += n
        }
    }
}

/// An object's bytes opened for reading: one file, or the files of its segments in order (-1
/// for a segment not opened, outside the range asked for). The descriptors are closed when
/// this goes away.
public final class OpenObject: @unchecked Sendable {
    private let descriptors: [Int32]
    /// Where each segment starts in the object.
    private let starts: [Int]
    public let size: Int

    init(descriptors: [Int32], sizes: [Int]) {
        self.descriptors = descriptors
        var starts: [Int] = []
        var total = 0
        for size in sizes {
            starts.append(total)
            total += size
        }
        self.starts = starts
        self.size = total
    }

    deinit { for fd in descriptors where fd >= 0 { close(fd) } }

    /// Reads up to `count` bytes of the object from `offset` into `buffer`, stopping at the end
    /// of a segment. Returns the byte count, 0 past the end (or when a file is shorter than its
    /// record says), -1 with `errno` set on a read error.
    public func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int) -> Int {
        guard offset >= 0, offset < size, count > 0 else { return 0 }
        // The last segment starting at or before `offset` (empty segments share their start with the next one).
        var low = 0, high = starts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if starts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        let end = low + 1 < starts.count ? starts[low + 1] : size
        let want = min(count, end - offset)
        guard descriptors[low] >= 0 else {
            errno = EBADF
            return -1
        }
        while true {
            let n = pread(descriptors[low], buffer, want, off_t(offset - starts[low]))
            if n < 0 && errno == EINTR { continue }
            return n
        }
    }
}
