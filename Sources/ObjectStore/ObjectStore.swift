import Crypto
import Foundation
import Synchronization

/// What S3 keeps about one object besides its bytes.
public struct ObjectRecord: Codable, Sendable, Hashable {
    public var key: String
    public var size: Int
    /// Quoted, as S3 sends it: `"<md5 hex>"`.
    public var etag: String
    public var lastModified: Date
    public var contentType: String
    public var contentEncoding: String?
    public var contentDisposition: String?
    public var cacheControl: String?
    public var expires: String?
    /// `x-amz-meta-*` values, keys lowercased without the prefix.
    public var metadata: [String: String]
    /// Checksums by algorithm (`CRC32`, `SHA256`...), base64 as S3 returns them.
    public var checksums: [String: String]
    /// The file in `blobs/` holding the bytes.
    public var blob: String
}

/// Everything a PutObject stores besides the body.
public struct ObjectAttributes: Sendable, Hashable {
    public var contentType: String
    public var contentEncoding: String?
    public var contentDisposition: String?
    public var cacheControl: String?
    public var expires: String?
    public var metadata: [String: String]
    public var checksums: [String: String]
    public init(contentType: String = "binary/octet-stream", contentEncoding: String? = nil, contentDisposition: String? = nil,
                cacheControl: String? = nil, expires: String? = nil, metadata: [String: String] = [:], checksums: [String: String] = [:]) {
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.contentDisposition = contentDisposition
        self.cacheControl = cacheControl
        self.expires = expires
        self.metadata = metadata
        self.checksums = checksums
    }
}

/// A storage failure; the S3 layer turns it into `InternalError`.
public struct ObjectStoreError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// S3 objects on disk. An object is a blob file plus a JSON record; the blob is written and
/// synced first, then the record replaces the old one with an atomic rename, so a crash
/// leaves either the old object or the new one, never a torn one.
///
/// Layout: `ROOT/BUCKET/blobs/<uuid>` and `ROOT/BUCKET/records/<sha256(key)>.json`.
public final class ObjectStore: Sendable {
    public let root: URL
    private let index: Mutex<[String: [String: ObjectRecord]]>

    /// Opens (or creates) a store, reading every bucket's records.
    public init(root: URL) throws(ObjectStoreError) {
        self.root = root
        var loaded: [String: [String: ObjectRecord]] = [:]
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: root, withIntermediateDirectories: true)
            for bucket in try fm.contentsOfDirectory(atPath: root.path) {
                var records: [String: ObjectRecord] = [:]
                let folder = root.appendingPathComponent(bucket).appendingPathComponent("records")
                for name in (try? fm.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasSuffix(".json") {
                    guard let data = fm.contents(atPath: folder.appendingPathComponent(name).path),
                          let record = try? Self.decoder.decode(ObjectRecord.self, from: data) else { continue }
                    records[record.key] = record
                }
                loaded[bucket] = records
            }
        } catch {
            throw ObjectStoreError(description: "cannot open the object store at \(root.path): \(error.localizedDescription)")
        }
        index = Mutex(loaded)
    }

    public func createBucket(_ name: String) throws(ObjectStoreError) {
        let folder = root.appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("blobs"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("records"), withIntermediateDirectories: true)
        } catch {
            throw ObjectStoreError(description: "cannot create bucket folder \(folder.path): \(error.localizedDescription)")
        }
        index.withLock { if $0[name] == nil { $0[name] = [:] } }
    }

    public func hasBucket(_ name: String) -> Bool { index.withLock { $0[name] != nil } }

    public func record(bucket: String, key: String) -> ObjectRecord? {
        index.withLock { $0[bucket]?[key] }
    }

    /// Every object of a bucket, in S3's listing order (UTF-8 binary order of keys).
    public func list(bucket: String) -> [ObjectRecord] {
        let records = index.withLock { Array(($0[bucket] ?? [:]).values) }
        return records.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
    }

    /// Stores an object and returns its record.
    @discardableResult
    public func put(bucket: String, key: String, body: Data, attributes: ObjectAttributes, now: Date) throws(ObjectStoreError) -> ObjectRecord {
        guard hasBucket(bucket) else { throw ObjectStoreError(description: "no bucket \(bucket) in the store") }
        let folder = root.appendingPathComponent(bucket)
        let blob = UUID().uuidString.lowercased()
        let md5 = Insecure.MD5.hash(data: body).map { String(format: "%02x", $0) }.joined()
        let record = ObjectRecord(
            key: key, size: body.count, etag: "\"\(md5)\"", lastModified: now,
            contentType: attributes.contentType, contentEncoding: attributes.contentEncoding,
            contentDisposition: attributes.contentDisposition, cacheControl: attributes.cacheControl,
            expires: attributes.expires, metadata: attributes.metadata, checksums: attributes.checksums, blob: blob)
        let blobURL = folder.appendingPathComponent("blobs").appendingPathComponent(blob)
        let recordURL = folder.appendingPathComponent("records").appendingPathComponent(Self.recordName(key))
        try Self.writeDurably(body, to: blobURL)
        let encoded: Data
        do { encoded = try Self.encoder.encode(record) } catch {
            throw ObjectStoreError(description: "cannot encode the record of \(key): \(error)")
        }
        try Self.writeDurably(encoded, to: recordURL, atomicallyReplacing: true)
        let previous = index.withLock { index -> ObjectRecord? in
            let old = index[bucket]?[key]
            index[bucket, default: [:]][key] = record
            return old
        }
        if let previous { try? FileManager.default.removeItem(at: folder.appendingPathComponent("blobs").appendingPathComponent(previous.blob)) }
        return record
    }

    /// Reads an object's bytes, or a byte range of them (`range` in bytes, inclusive bounds).
    public func read(bucket: String, record: ObjectRecord, range: ClosedRange<Int>? = nil) throws(ObjectStoreError) -> Data {
        let url = root.appendingPathComponent(bucket).appendingPathComponent("blobs").appendingPathComponent(record.blob)
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw ObjectStoreError(description: "the bytes of \(bucket)/\(record.key) are missing from the store")
        }
        defer { try? handle.close() }
        do {
            if let range {
                try handle.seek(toOffset: UInt64(range.lowerBound))
                return try handle.read(upToCount: range.count) ?? Data()
            }
            return try handle.readToEnd() ?? Data()
        } catch {
            throw ObjectStoreError(description: "cannot read \(bucket)/\(record.key): \(error.localizedDescription)")
        }
    }

    static func recordName(_ key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined() + ".json"
    }

    /// Writes through a temporary file in the same folder, syncs, then renames into place.
    static func writeDurably(_ data: Data, to url: URL, atomicallyReplacing: Bool = false) throws(ObjectStoreError) {
        let temp = url.deletingLastPathComponent().appendingPathComponent(".tmp-\(UUID().uuidString)")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ObjectStoreError(description: "cannot create \(temp.path): errno \(errno)") }
        var ok = true
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { if errno == EINTR { continue }; ok = false; return }
                offset += n
            }
        }
        if ok && fsync(fd) != 0 { ok = false }
        close(fd)
        guard ok, rename(temp.path, url.path) == 0 else {
            unlink(temp.path)
            throw ObjectStoreError(description: "cannot write \(url.path): errno \(errno)")
        }
        let dir = open(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY)
        if dir >= 0 { fsync(dir); close(dir) }
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        return e
    }()
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()
}
