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
    /// The file in `blobs/` holding the bytes; for an object with `segments`, the folder in
    /// `blobs/` holding them as files `0`, `1`, ... in order.
    public var blob: String
    /// Object tags (`x-amz-tagging`, PutObjectTagging); nil when never set.
    public var tags: [String: String]?
    /// The object's access control list (PutObjectAcl, or the ACL it was written with), one
    /// grant a line; nil for `private`.
    public var acl: String?
    /// The account that owns this version (S3 Object Ownership); nil for the bucket owner, as
    /// every record written before owners were kept.
    public var owner: String? = nil
    /// How the object is encrypted (S3's server-side encryption); nil for SSE-S3, the default.
    public var encryption: ObjectEncryption? = nil
    /// Parts of a multipart object, for `x-amz-mp-parts-count`.
    public var partsCount: Int?
    /// The sizes of the files in the `blob` folder, in order, when the bytes are kept in
    /// pieces (a completed multipart upload's parts, linked in place rather than copied);
    /// nil when `blob` is one file.
    public var segments: [Int]?
    /// The version id S3 gives this version; nil for an object written while the bucket never had
    /// versioning (S3 calls that version `null`), `null` for one written while it was suspended.
    public var versionId: String?
    /// Whether this version is a delete marker (it then has no bytes and no blob).
    public var deleteMarker: Bool?
    /// The order in which versions of a key were written: the latest has the highest.
    public var sequence: Int?
    /// The sizes of a multipart object's parts, in order, when its bytes were joined into one
    /// file (where `segments` is nil), for GetObject's `partNumber`.
    public var partSizes: [Int]? = nil

    /// Whether this is the `null` version of its key.
    public var isNullVersion: Bool { versionId == nil || versionId == ObjectStore.nullVersionId }
    public var isDeleteMarker: Bool { deleteMarker == true }
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
    public var tags: [String: String]?
    /// The owning account (nil: the bucket owner) and access control list of the new object.
    public var owner: String?
    public var acl: String?
    /// Its server-side encryption (nil: SSE-S3).
    public var encryption: ObjectEncryption?
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

    /// The attributes an existing object was stored with.
    public init(of record: ObjectRecord) {
        self.init(contentType: record.contentType, contentEncoding: record.contentEncoding, contentDisposition: record.contentDisposition,
                  cacheControl: record.cacheControl, expires: record.expires, metadata: record.metadata, checksums: record.checksums)
        self.tags = record.tags
        self.encryption = record.encryption
    }
}

/// An object's server-side encryption: `AES256` (SSE-S3) or `aws:kms` with the key's ARN.
public struct ObjectEncryption: Codable, Sendable, Hashable {
    public var algorithm: String
    public var kmsKeyArn: String?
    public var bucketKeyEnabled: Bool?
    /// The encryption context given with the request (base64 JSON, as sent), if any.
    public var context: String?
    public init(algorithm: String, kmsKeyArn: String? = nil, bucketKeyEnabled: Bool? = nil, context: String? = nil) {
        self.algorithm = algorithm
        self.kmsKeyArn = kmsKeyArn
        self.bucketKeyEnabled = bucketKeyEnabled
        self.context = context
    }
}

/// A storage failure; the S3 layer turns it into `InternalError`.
public struct ObjectStoreError: Error, Sendable, CustomStringConvertible {
    public var description: String
    /// The write lost a race: the object changed after its condition was checked.
    public var conflict = false
    public init(description: String, conflict: Bool = false) {
        self.description = description
        self.conflict = conflict
    }
}

/// What a conditional write saw of its key when it checked its condition: the write commits only
/// if the key is still so when its record goes into place (checked under the commit lock).
public struct CommitPrecondition: Sendable, Hashable {
    /// The latest version's sequence and blob when checked; nil when the key had no object.
    public var sequence: Int?
    public var blob: String?

    public init(seen record: ObjectRecord?) {
        sequence = record?.sequence
        blob = record?.blob
    }

    func holds(for latest: ObjectRecord?) -> Bool {
        let current = latest.flatMap { $0.isDeleteMarker ? nil : $0 }
        return current?.sequence == sequence && current?.blob == blob
    }
}

/// What a backend holding S3 objects offers; `ObjectStore` keeps them on the local disk.
public protocol ObjectStoring: Sendable {
    func createBucket(_ name: String) throws(ObjectStoreError)
    func hasBucket(_ name: String) -> Bool
    func record(bucket: String, key: String) -> ObjectRecord?
    func list(bucket: String) -> [ObjectRecord]
    @discardableResult func put(bucket: String, key: String, body: Data, attributes: ObjectAttributes, now: Date) throws(ObjectStoreError) -> ObjectRecord
    func read(bucket: String, record: ObjectRecord, range: ClosedRange<Int>?) throws(ObjectStoreError) -> Data
    @discardableResult func delete(bucket: String, key: String) throws(ObjectStoreError) -> Bool
}

/// A bucket created at runtime, or a world bucket whose policy or tags changed at runtime.
public struct BucketInfo: Codable, Sendable, Hashable {
    public var name: String
    public var account: String
    public var region: String
    public var created: Date
    /// Whether `policy` replaces the world's policy (nil then means deleted).
    public var policyOverridden: Bool
    public var policy: String?
    public var tags: [String: String]?
    /// Configuration documents (ACL, CORS, lifecycle, logging, notification) by subresource, and a
    /// legacy location constraint ("EU") under `location`.
    public var configurations: [String: String]?
    /// S3 versioning: nil for a bucket never versioned, else `Enabled` or `Suspended`.
    public var versioning: String?
    public init(name: String, account: String, region: String, created: Date, policyOverridden: Bool = true, policy: String? = nil, tags: [String: String]? = nil) {
        self.name = name
        self.account = account
        self.region = region
        self.created = created
        self.policyOverridden = policyOverridden
        self.policy = policy
        self.tags = tags
    }
}

/// An upload begun with CreateMultipartUpload.
public struct MultipartUpload: Codable, Sendable, Hashable {
    public var uploadId: String
    public var key: String
    public var initiated: Date
    public var initiator: String
    public var attributes: StoredAttributes
    public var checksumAlgorithm: String?
    /// The condition keys of the request that created the upload (its ACL, encryption, storage
    /// class and tags), with which its parts and completion are authorized.
    public var conditionKeys: [String: [String]]? = nil
}

/// `ObjectAttributes` in a Codable form.
public struct StoredAttributes: Codable, Sendable, Hashable {
    public var contentType: String
    public var contentEncoding: String?
    public var contentDisposition: String?
    public var cacheControl: String?
    public var expires: String?
    public var metadata: [String: String]
    public var tags: [String: String]?
    /// The owner and ACL the completed object gets.
    public var owner: String?
    public var acl: String?
    public var encryption: ObjectEncryption?
    public init(_ a: ObjectAttributes) {
        contentType = a.contentType; contentEncoding = a.contentEncoding; contentDisposition = a.contentDisposition
        cacheControl = a.cacheControl; expires = a.expires; metadata = a.metadata; tags = a.tags
        owner = a.owner; acl = a.acl; encryption = a.encryption
    }
    public var attributes: ObjectAttributes {
        var a = ObjectAttributes(contentType: contentType, contentEncoding: contentEncoding, contentDisposition: contentDisposition,
                                 cacheControl: cacheControl, expires: expires, metadata: metadata)
        a.tags = tags
        a.owner = owner
        a.acl = acl
        a.encryption = encryption
        return a
    }
}

/// One uploaded part.
public struct PartRecord: Codable, Sendable, Hashable {
    public var partNumber: Int
    public var size: Int
    /// Quoted MD5 hex.
    public var etag: String
    public var lastModified: Date
    public var checksums: [String: String]
    public var blob: String
}

/// S3 objects on disk. An object is a blob file plus a JSON record; the blob is written and
/// synced first, then the record replaces the old one with an atomic rename, so a crash
/// leaves either the old object or the new one, never a torn one. Renames and the in-memory
/// index change together under one lock, so concurrent writers of one key end with the last
/// renamed record on disk and in memory alike.
///
/// Layout: `ROOT/BUCKET/blobs/<uuid>`, `ROOT/BUCKET/records/<sha256(key)>.json` (keys never
/// become paths; the object of a bucket never versioned, or the `null` version of a key),
/// `ROOT/BUCKET/versions/<sha256(key)>.<versionId>.json` (the other versions of a versioned
/// bucket, each written once), `ROOT/BUCKET/bucket.json` (runtime bucket facts) and
/// `ROOT/BUCKET/uploads/<uploadId>/` (multipart uploads in progress).
///
/// Every version of a key is one record file, so a write or a delete marker is one rename: the
/// new version's record, whose `sequence` is the highest of its key, makes it the latest.
public final class ObjectStore: ObjectStoring {
    public let root: URL
    /// Every version of every key, the latest first.
    private let index: Mutex<[String: [String: [ObjectRecord]]]>
    private let buckets: Mutex<[String: BucketInfo]>
    /// Serializes record renames with index updates.
    private let commitLock = Mutex(())
    /// The last `sequence` given to a version.
    private let sequence: Mutex<Int>

    /// The id S3 shows for the version of an object written while versioning was not enabled.
    public static let nullVersionId = "null"
    public static let versioningEnabled = "Enabled"
    public static let versioningSuspended = "Suspended"

    /// Opens (or creates) a store, reading every bucket's records. Leftovers of a crash
    /// (temporary files, blobs no record names) are removed.
    public init(root: URL) throws(ObjectStoreError) {
        self.root = root
        var loaded: [String: [String: [ObjectRecord]]] = [:]
        var infos: [String: BucketInfo] = [:]
        var highest = 0
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: root, withIntermediateDirectories: true)
            for bucket in try fm.contentsOfDirectory(atPath: root.path) {
                let bucketFolder = root.appendingPathComponent(bucket)
                var isDir: ObjCBool = false
                guard fm.fileExists(atPath: bucketFolder.path, isDirectory: &isDir), isDir.boolValue, !bucket.hasPrefix(".") else { continue }
                var records: [String: [ObjectRecord]] = [:]
                for folder in [bucketFolder.appendingPathComponent("records"), bucketFolder.appendingPathComponent("versions")] {
                    for name in (try? fm.contentsOfDirectory(atPath: folder.path)) ?? [] {
                        if name.hasPrefix(".tmp-") { try? fm.removeItem(at: folder.appendingPathComponent(name)); continue }
                        guard name.hasSuffix(".json"), let data = fm.contents(atPath: folder.appendingPathComponent(name).path),
                              let record = try? Self.decoder.decode(ObjectRecord.self, from: data) else { continue }
                        records[record.key, default: []].append(record)
                        highest = max(highest, record.sequence ?? 0)
                    }
                }
                for key in records.keys { records[key]!.sort { ($0.sequence ?? 0) > ($1.sequence ?? 0) } }
                let referenced = Set(records.values.flatMap { $0.map(\.blob) })
                let blobs = bucketFolder.appendingPathComponent("blobs")
                for name in (try? fm.contentsOfDirectory(atPath: blobs.path)) ?? [] where !referenced.contains(name) {
                    try? fm.removeItem(at: blobs.appendingPathComponent(name))
                }
                if let data = fm.contents(atPath: bucketFolder.appendingPathComponent("bucket.json").path),
                   let info = try? Self.decoder.decode(BucketInfo.self, from: data) {
                    infos[bucket] = info
                }
                loaded[bucket] = records
            }
        } catch {
            throw ObjectStoreError(description: "cannot open the object store at \(root.path): \(error.localizedDescription)")
        }
        index = Mutex(loaded)
        buckets = Mutex(infos)
        sequence = Mutex(highest)
        clearStaging()
    }

    func folder(_ bucket: String) -> URL { root.appendingPathComponent(bucket) }
    func blobURL(_ bucket: String, _ blob: String) -> URL { folder(bucket).appendingPathComponent("blobs").appendingPathComponent(blob) }

    public func createBucket(_ name: String) throws(ObjectStoreError) {
        guard Self.isSafeName(name) else { throw ObjectStoreError(description: "bucket name \(name) cannot be a folder name") }
        let folder = folder(name)
        do {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("blobs"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("records"), withIntermediateDirectories: true)
        } catch {
            throw ObjectStoreError(description: "cannot create bucket folder \(folder.path): \(error.localizedDescription)")
        }
        index.withLock { if $0[name] == nil { $0[name] = [:] } }
    }

    /// A bucket name is used as a folder name: never empty, `.`, `..` or containing `/`.
    static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0") && !name.hasPrefix(".")
    }

    public func hasBucket(_ name: String) -> Bool { index.withLock { $0[name] != nil } }

    /// Every bucket in the store.
    public func bucketNames() -> [String] { index.withLock { Array($0.keys) } }

    /// Runtime facts of a bucket (created at runtime, or changed since the world seeded it).
    public func bucketInfo(_ name: String) -> BucketInfo? { buckets.withLock { $0[name] } }

    /// Creates the bucket if needed and durably records its runtime facts.
    public func setBucketInfo(_ info: BucketInfo) throws(ObjectStoreError) {
        if !hasBucket(info.name) { try createBucket(info.name) }
        let encoded: Data
        do { encoded = try Self.encoder.encode(info) } catch { throw ObjectStoreError(description: "cannot encode bucket \(info.name): \(error)") }
        let temp = try Self.writeTemporary(encoded, in: folder(info.name))
        try commitLock.withLock { _ throws(ObjectStoreError) in
            try Self.rename(temp, to: folder(info.name).appendingPathComponent("bucket.json"))
            buckets.withLock { $0[info.name] = info }
        }
    }

    /// Removes an empty bucket; false when it still holds objects.
    public func deleteBucket(_ name: String) throws(ObjectStoreError) -> Bool {
        let empty = try commitLock.withLock { _ throws(ObjectStoreError) -> Bool in
            guard index.withLock({ $0[name]?.isEmpty ?? true }) else { return false }
            // Rename away first, so a crash never leaves a half-deleted bucket that looks alive.
            let trash = root.appendingPathComponent(".deleted-\(UUID().uuidString)")
            if FileManager.default.fileExists(atPath: folder(name).path) {
                guard Foundation.rename(folder(name).path, trash.path) == 0 else {
                    throw ObjectStoreError(description: "cannot remove bucket folder \(name): errno \(errno)")
                }
            }
            index.withLock { $0[name] = nil }
            buckets.withLock { $0[name] = nil }
            try? FileManager.default.removeItem(at: trash)
            return true
        }
        return empty
    }

    /// The object `key` is now: its latest version, unless that is a delete marker.
    public func record(bucket: String, key: String) -> ObjectRecord? {
        index.withLock { $0[bucket]?[key]?.first }.flatMap { $0.isDeleteMarker ? nil : $0 }
    }

    /// The latest version of `key`, a delete marker too.
    public func latestVersion(bucket: String, key: String) -> ObjectRecord? {
        index.withLock { $0[bucket]?[key]?.first }
    }

    /// One version of `key` (`null` names the null version).
    public func version(bucket: String, key: String, versionId: String) -> ObjectRecord? {
        index.withLock { $0[bucket]?[key] }?.first { versionId == Self.nullVersionId ? $0.isNullVersion : $0.versionId == versionId }
    }

    /// Every version of every key of a bucket: keys in S3's listing order, each key's versions latest first.
    public func listVersions(bucket: String) -> [(key: String, versions: [ObjectRecord])] {
        let all = index.withLock { $0[bucket] ?? [:] }
        return all.map { (key: $0.key, versions: $0.value) }.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
    }

    /// Every object of a bucket, in S3's listing order (UTF-8 binary order of keys).
    public func list(bucket: String) -> [ObjectRecord] {
        let records = index.withLock { ($0[bucket] ?? [:]).values.compactMap { $0.first.flatMap { $0.isDeleteMarker ? nil : $0 } } }
        return records.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
    }

    /// Where the record of a version is kept.
    func recordURL(_ bucket: String, key: String, versionId: String?) -> URL {
        if let versionId, versionId != Self.nullVersionId {
            let name = String(Self.recordName(key).dropLast(".json".count)) + ".\(versionId).json"
            return folder(bucket).appendingPathComponent("versions").appendingPathComponent(name)
        }
        return folder(bucket).appendingPathComponent("records").appendingPathComponent(Self.recordName(key))
    }

    /// A new version id: 32 letters and digits.
    static func newVersionId() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<32).map { _ in alphabet.randomElement()! })
    }

    /// The version id a write to `bucket` gets now: nil when it was never versioned, a new one when
    /// versioning is enabled, `null` when it is suspended.
    func nextVersionId(_ bucket: String) -> String? {
        switch bucketInfo(bucket)?.versioning {
        case Self.versioningEnabled?: return Self.newVersionId()
        case Self.versioningSuspended?: return Self.nullVersionId
        default: return nil
        }
    }

    /// Writes `record` (a new version, or a null version replacing the one before) as the latest
    /// version of its key.
    private func commitVersion(bucket: String, record: ObjectRecord, expecting: CommitPrecondition? = nil) throws(ObjectStoreError) -> ObjectRecord {
        var record = record
        record.sequence = sequence.withLock { $0 += 1; return $0 }
        let url = recordURL(bucket, key: record.key, versionId: record.versionId)
        let encoded: Data
        do { encoded = try Self.encoder.encode(record) } catch {
            throw ObjectStoreError(description: "cannot encode the record of \(record.key): \(error)")
        }
        let folder = url.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: folder.path) {
            do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
                throw ObjectStoreError(description: "cannot create \(folder.path): \(error.localizedDescription)")
            }
        }
        let temp = try Self.writeTemporary(encoded, in: folder)
        let replaced = try commitLock.withLock { _ throws(ObjectStoreError) -> ObjectRecord? in
            guard hasBucket(bucket) else {
                unlink(temp.path)
                throw ObjectStoreError(description: "no bucket \(bucket) in the store")
            }
            if let expecting, !expecting.holds(for: index.withLock({ $0[bucket]?[record.key]?.first })) {
                unlink(temp.path)
                throw ObjectStoreError(description: "\(bucket)/\(record.key) changed after its condition was checked", conflict: true)
            }
            try Self.rename(temp, to: url)
            return index.withLock { index -> ObjectRecord? in
                var versions = index[bucket]?[record.key] ?? []
                // A null version replaces the null version; any other is new.
                let old = record.isNullVersion ? versions.firstIndex(where: \.isNullVersion).map { versions.remove(at: $0) } : nil
                versions.append(record)
                versions.sort { ($0.sequence ?? 0) > ($1.sequence ?? 0) }
                index[bucket, default: [:]][record.key] = versions
                return old
            }
        }
        if let replaced, !replaced.blob.isEmpty, replaced.blob != record.blob { try? FileManager.default.removeItem(at: blobURL(bucket, replaced.blob)) }
        return record
    }

    /// Writes a delete marker as the latest version of `key` (a versioned bucket only): a new
    /// version when versioning is enabled, the null version (replacing the one before) when suspended.
    public func putDeleteMarker(bucket: String, key: String, now: Date) throws(ObjectStoreError) -> ObjectRecord {
        let record = ObjectRecord(key: key, size: 0, etag: "", lastModified: now, contentType: "", metadata: [:], checksums: [:], blob: "",
                                  versionId: nextVersionId(bucket) ?? Self.nullVersionId, deleteMarker: true)
        return try commitVersion(bucket: bucket, record: record)
    }

    /// Permanently removes one version of `key` (`null` names the null version); nil when there was none.
    @discardableResult
    public func deleteVersion(bucket: String, key: String, versionId: String) throws(ObjectStoreError) -> ObjectRecord? {
        let matches: @Sendable (ObjectRecord) -> Bool = { versionId == Self.nullVersionId ? $0.isNullVersion : $0.versionId == versionId }
        let removed = try commitLock.withLock { _ throws(ObjectStoreError) -> ObjectRecord? in
            guard let old = index.withLock({ $0[bucket]?[key]?.first(where: matches) }) else { return nil }
            let url = recordURL(bucket, key: key, versionId: old.versionId)
            guard unlink(url.path) == 0 || errno == ENOENT else {
                throw ObjectStoreError(description: "cannot delete \(bucket)/\(key): errno \(errno)")
            }
            Self.syncFolder(url.deletingLastPathComponent())
            index.withLock { index in
                var versions = index[bucket]?[key] ?? []
                versions.removeAll(where: matches)
                index[bucket]?[key] = versions.isEmpty ? nil : versions
            }
            return old
        }
        if let removed, !removed.blob.isEmpty { try? FileManager.default.removeItem(at: blobURL(bucket, removed.blob)) }
        return removed
    }


    /// Stores an object and returns its record.
    @discardableResult
    public func put(bucket: String, key: String, body: Data, attributes: ObjectAttributes, now: Date) throws(ObjectStoreError) -> ObjectRecord {
        try put(bucket: bucket, key: key, body: body, attributes: attributes, now: now, expecting: nil)
    }

    /// Stores an object if the key is still as `expecting` saw it (a conditional write).
    @discardableResult
    public func put(bucket: String, key: String, body: Data, attributes: ObjectAttributes, now: Date,
                    expecting: CommitPrecondition?) throws(ObjectStoreError) -> ObjectRecord {
        guard hasBucket(bucket) else { throw ObjectStoreError(description: "no bucket \(bucket) in the store") }
        let blobs = folder(bucket).appendingPathComponent("blobs")
        let temp = try Self.writeTemporary(body, in: blobs)
        let blob = UUID().uuidString.lowercased()
        try Self.rename(temp, to: blobs.appendingPathComponent(blob))
        let md5 = Insecure.MD5.hash(data: body).map { String(format: "%02x", $0) }.joined()
        do {
            return try commit(bucket: bucket, key: key, blob: blob, size: body.count, etag: "\"\(md5)\"", attributes: attributes, now: now,
                              expecting: expecting)
        } catch {
            if error.conflict { try? FileManager.default.removeItem(at: blobs.appendingPathComponent(blob)) }
            throw error
        }
    }

    /// Makes a blob already in `blobs/` the object `key`: the record is written, synced and renamed
    /// into place. In a bucket never versioned, or with versioning suspended, it replaces the null
    /// version (whose blob is removed); with versioning enabled it is a new version and the
    /// others are kept.
    @discardableResult
    public func commit(bucket: String, key: String, blob: String, size: Int, etag: String, attributes: ObjectAttributes, now: Date,
                       partsCount: Int? = nil, segments: [Int]? = nil, partSizes: [Int]? = nil,
                       expecting: CommitPrecondition? = nil) throws(ObjectStoreError) -> ObjectRecord {
        var record = ObjectRecord(
            key: key, size: size, etag: etag, lastModified: now,
            contentType: attributes.contentType, contentEncoding: attributes.contentEncoding,
            contentDisposition: attributes.contentDisposition, cacheControl: attributes.cacheControl,
            expires: attributes.expires, metadata: attributes.metadata, checksums: attributes.checksums, blob: blob,
            tags: attributes.tags, acl: attributes.acl, partsCount: partsCount, segments: segments, versionId: nextVersionId(bucket))
        record.partSizes = partSizes
        record.owner = attributes.owner
        record.encryption = attributes.encryption
        return try commitVersion(bucket: bucket, record: record, expecting: expecting)
    }

    /// Replaces the stored facts of an object version (tags) without touching its bytes.
    public func update(bucket: String, record: ObjectRecord) throws(ObjectStoreError) {
        let url = recordURL(bucket, key: record.key, versionId: record.versionId)
        let encoded: Data
        do { encoded = try Self.encoder.encode(record) } catch { throw ObjectStoreError(description: "cannot encode the record of \(record.key): \(error)") }
        let temp = try Self.writeTemporary(encoded, in: url.deletingLastPathComponent())
        let same: (ObjectRecord) -> Bool = { $0.versionId == record.versionId && $0.blob == record.blob }
        try commitLock.withLock { _ throws(ObjectStoreError) in
            guard index.withLock({ $0[bucket]?[record.key]?.contains(where: same) ?? false }) else {
                unlink(temp.path)
                throw ObjectStoreError(description: "\(bucket)/\(record.key) changed meanwhile")
            }
            try Self.rename(temp, to: url)
            index.withLock { index in
                if let i = index[bucket]?[record.key]?.firstIndex(where: same) { index[bucket]?[record.key]?[i] = record }
            }
        }
    }

    /// Removes an object (its null version); false when there was none.
    @discardableResult
    public func delete(bucket: String, key: String) throws(ObjectStoreError) -> Bool {
        try deleteVersion(bucket: bucket, key: key, versionId: Self.nullVersionId) != nil
    }

    /// Reads an object's bytes, or a byte range of them (`range` in bytes, inclusive bounds).
    public func read(bucket: String, record: ObjectRecord, range: ClosedRange<Int>? = nil) throws(ObjectStoreError) -> Data {
        let object = try openObject(bucket: bucket, record: record, range: range)
        var offset = range?.lowerBound ?? 0
        let end = range.map { min($0.upperBound + 1, record.size) } ?? record.size
        var data = Data(count: max(0, end - offset))
        var filled = 0
        while offset < end {
            let n = data.withUnsafeMutableBytes { object.read(into: $0.baseAddress! + filled, count: end - offset, at: offset) }
            if n < 0 { throw ObjectStoreError(description: "cannot read \(bucket)/\(record.key): errno \(errno)") }
            if n == 0 { throw ObjectStoreError(description: "\(bucket)/\(record.key) is shorter than its record says") }
            offset += n
            filled += n
        }
        return data
    }

    static func recordName(_ key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined() + ".json"
    }

    /// Writes `data` to a new temporary file in `folder` and syncs it.
    static func writeTemporary(_ data: Data, in folder: URL) throws(ObjectStoreError) -> URL {
        let temp = folder.appendingPathComponent(".tmp-\(UUID().uuidString)")
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
        guard ok else {
            unlink(temp.path)
            throw ObjectStoreError(description: "cannot write \(temp.path): errno \(errno)")
        }
        return temp
    }

    /// Renames a synced temporary file into place and syncs the folder.
    static func rename(_ temp: URL, to url: URL) throws(ObjectStoreError) {
        guard Foundation.rename(temp.path, url.path) == 0 else {
            unlink(temp.path)
            throw ObjectStoreError(description: "cannot write \(url.path): errno \(errno)")
        }
        syncFolder(url.deletingLastPathComponent())
    }

    static func syncFolder(_ url: URL) {
        let dir = open(url.path, O_RDONLY | O_DIRECTORY)
        if dir >= 0 { fsync(dir); close(dir) }
    }

    /// Writes through a temporary file in the same folder, syncs, then renames into place.
    static func writeDurably(_ data: Data, to url: URL) throws(ObjectStoreError) {
        let temp = try writeTemporary(data, in: url.deletingLastPathComponent())
        try rename(temp, to: url)
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
