import Crypto
import Foundation

/// Multipart uploads: each upload is a folder `ROOT/BUCKET/uploads/<uploadId>/` with
/// `upload.json`, one blob and one `part-N.json` per part. Completing links the chosen parts'
/// files, in order, into a new folder in `blobs/` and commits it as an object kept in segments;
/// until then nothing of the upload is visible as an object.
extension ObjectStore {
    func uploadsFolder(_ bucket: String) -> URL { folder(bucket).appendingPathComponent("uploads") }

    func uploadFolder(_ bucket: String, _ uploadId: String) -> URL? {
        // Upload ids are ours (hex); anything else never names a folder.
        guard !uploadId.isEmpty, uploadId.count <= 128, uploadId.allSatisfy({ $0.isHexDigit }) else { return nil }
        return uploadsFolder(bucket).appendingPathComponent(uploadId)
    }

    public func createUpload(bucket: String, key: String, attributes: ObjectAttributes, checksumAlgorithm: String?, initiator: String, now: Date,
                             conditionKeys: [String: [String]]? = nil) throws(ObjectStoreError) -> MultipartUpload {
        guard hasBucket(bucket) else { throw ObjectStoreError(description: "no bucket \(bucket) in the store") }
        let id = (UUID().uuidString + UUID().uuidString).replacingOccurrences(of: "-", with: "").lowercased()
        let upload = MultipartUpload(uploadId: id, key: key, initiated: now, initiator: initiator,
                                     attributes: StoredAttributes(attributes), checksumAlgorithm: checksumAlgorithm,
                                     conditionKeys: conditionKeys)
        let folder = uploadFolder(bucket, id)!
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw ObjectStoreError(description: "cannot create \(folder.path): \(error.localizedDescription)")
        }
        let encoded: Data
        do { encoded = try Self.encoder.encode(upload) } catch { throw ObjectStoreError(description: "cannot encode upload: \(error)") }
        try Self.writeDurably(encoded, to: folder.appendingPathComponent("upload.json"))
        return upload
    }

    public func upload(bucket: String, uploadId: String) -> MultipartUpload? {
        guard let folder = uploadFolder(bucket, uploadId),
              let data = FileManager.default.contents(atPath: folder.appendingPathComponent("upload.json").path) else { return nil }
        return try? Self.decoder.decode(MultipartUpload.self, from: data)
    }

    /// Uploads in progress, by key then initiation time.
    public func uploads(bucket: String) -> [MultipartUpload] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: uploadsFolder(bucket).path)) ?? []
        return names.compactMap { upload(bucket: bucket, uploadId: $0) }.sorted {
            $0.key == $1.key ? $0.initiated < $1.initiated : Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8))
        }
    }

    @discardableResult
    public func putPart(bucket: String, uploadId: String, partNumber: Int, body: Data, checksums: [String: String], now: Date) throws(ObjectStoreError) -> PartRecord {
        guard let folder = uploadFolder(bucket, uploadId), upload(bucket: bucket, uploadId: uploadId) != nil else {
            throw ObjectStoreError(description: "no upload \(uploadId)")
        }
        let temp = try Self.writeTemporary(body, in: folder)
        let blob = "blob-" + UUID().uuidString.lowercased()
        try Self.rename(temp, to: folder.appendingPathComponent(blob))
        let md5 = Insecure.MD5.hash(data: body).map { String(format: "%02x", $0) }.joined()
        return try recordPart(in: folder, partNumber: partNumber, blob: blob, size: body.count, etag: "\"\(md5)\"", checksums: checksums, now: now)
    }

    /// Durably records `blob` (already in the upload's folder) as part `partNumber`, replacing
    /// an earlier upload of the same part number and removing its file.
    func recordPart(in folder: URL, partNumber: Int, blob: String, size: Int, etag: String, checksums: [String: String], now: Date) throws(ObjectStoreError) -> PartRecord {
        let part = PartRecord(partNumber: partNumber, size: size, etag: etag, lastModified: now, checksums: checksums, blob: blob)
        let encoded: Data
        do { encoded = try Self.encoder.encode(part) } catch { throw ObjectStoreError(description: "cannot encode part: \(error)") }
        let partURL = folder.appendingPathComponent("part-\(partNumber).json")
        let old = FileManager.default.contents(atPath: partURL.path).flatMap { try? Self.decoder.decode(PartRecord.self, from: $0) }
        try Self.writeDurably(encoded, to: partURL)
        if let old, old.blob != blob { try? FileManager.default.removeItem(at: folder.appendingPathComponent(old.blob)) }
        return part
    }

    /// The parts uploaded so far, by part number.
    public func parts(bucket: String, uploadId: String) -> [PartRecord] {
        guard let folder = uploadFolder(bucket, uploadId) else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasPrefix("part-") && $0.hasSuffix(".json") }.compactMap {
            FileManager.default.contents(atPath: folder.appendingPathComponent($0).path).flatMap { try? Self.decoder.decode(PartRecord.self, from: $0) }
        }.sorted { $0.partNumber < $1.partNumber }
    }

    /// Removes an upload and its parts; false when there was none.
    @discardableResult
    public func abortUpload(bucket: String, uploadId: String) -> Bool {
        guard let folder = uploadFolder(bucket, uploadId), FileManager.default.fileExists(atPath: folder.path) else { return false }
        let trash = folder.deletingLastPathComponent().appendingPathComponent(".aborted-\(UUID().uuidString)")
        guard Foundation.rename(folder.path, trash.path) == 0 else { return false }
        try? FileManager.default.removeItem(at: trash)
        return true
    }

    /// Makes `parts` (already checked by the caller) the object and ends the upload. The part
    /// files, each synced when it was uploaded, are hard-linked in order into a new folder in
    /// `blobs/`, so no byte is copied; the upload keeps its own links until the record is
    /// committed, so a crash before that leaves the upload whole. Where links cannot be made,
    /// the parts are joined into one file instead.
    public func completeUpload(bucket: String, upload: MultipartUpload, parts: [PartRecord], etag: String, checksums: [String: String], now: Date,
                               expecting: CommitPrecondition? = nil) throws(ObjectStoreError) -> ObjectRecord {
        guard let folder = uploadFolder(bucket, upload.uploadId) else { throw ObjectStoreError(description: "no upload \(upload.uploadId)") }
        let blobs = self.folder(bucket).appendingPathComponent("blobs")
        let blob = UUID().uuidString.lowercased()
        var attributes = upload.attributes.attributes
        attributes.checksums = checksums
        let record: ObjectRecord
        // A conditional completion that loses its race throws before the upload is removed: it can be completed again.
        if let linked = try linkParts(parts, from: folder, in: blobs) {
            try Self.rename(linked, to: blobs.appendingPathComponent(blob))
            do {
                record = try commit(bucket: bucket, key: upload.key, blob: blob, size: parts.reduce(0) { $0 + $1.size }, etag: etag,
                                    attributes: attributes, now: now, partsCount: parts.count, segments: parts.map(\.size), expecting: expecting)
            } catch {
                if error.conflict { try? FileManager.default.removeItem(at: blobs.appendingPathComponent(blob)) }
                throw error
            }
        } else {
            let (joined, size) = try joinParts(parts, from: folder, in: blobs)
            try Self.rename(joined, to: blobs.appendingPathComponent(blob))
            do {
                record = try commit(bucket: bucket, key: upload.key, blob: blob, size: size, etag: etag, attributes: attributes, now: now,
                                    partsCount: parts.count, partSizes: parts.map(\.size), expecting: expecting)
            } catch {
                if error.conflict { try? FileManager.default.removeItem(at: blobs.appendingPathComponent(blob)) }
                throw error
            }
        }
        abortUpload(bucket: bucket, uploadId: upload.uploadId)
        return record
    }

    /// A new temporary folder in `blobs` with the part files hard-linked as `0`, `1`, ... and
    /// synced; nil when the file system refuses hard links.
    func linkParts(_ parts: [PartRecord], from folder: URL, in blobs: URL) throws(ObjectStoreError) -> URL? {
        let temp = blobs.appendingPathComponent(".tmp-\(UUID().uuidString)")
        guard mkdir(temp.path, 0o755) == 0 else { throw ObjectStoreError(description: "cannot create \(temp.path): errno \(errno)") }
        for (index, part) in parts.enumerated() {
            guard link(folder.appendingPathComponent(part.blob).path, temp.appendingPathComponent(String(index)).path) == 0 else {
                let code = errno
                try? FileManager.default.removeItem(at: temp)
                if code == EPERM || code == EOPNOTSUPP || code == EXDEV || code == EMLINK { return nil }
                throw ObjectStoreError(description: "cannot link part \(part.partNumber) of upload \(folder.lastPathComponent): errno \(code)")
            }
        }
        Self.syncFolder(temp)
        return temp
    }

    /// The parts copied one after the other into a new synced temporary file in `blobs`.
    func joinParts(_ parts: [PartRecord], from folder: URL, in blobs: URL) throws(ObjectStoreError) -> (URL, Int) {
        let temp = blobs.appendingPathComponent(".tmp-\(UUID().uuidString)")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ObjectStoreError(description: "cannot create \(temp.path): errno \(errno)") }
        var size = 0
        do throws(ObjectStoreError) {
            for part in parts {
                size += try Self.appendFile(folder.appendingPathComponent(part.blob), to: fd)
            }
            guard fsync(fd) == 0 else { throw ObjectStoreError(description: "fsync failed: errno \(errno)") }
            close(fd)
        } catch {
            close(fd)
            unlink(temp.path)
            throw error
        }
        return (temp, size)
    }

    /// Copies a whole file onto `fd` (in the kernel with sendfile, else in 1 MiB pieces); returns the byte count.
    static func appendFile(_ url: URL, to fd: Int32) throws(ObjectStoreError) -> Int {
        let input = open(url.path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw ObjectStoreError(description: "cannot open \(url.path): errno \(errno)") }
        defer { close(input) }
        var total = 0
        while true {
            let n = sendfile(fd, input, nil, 1 << 30)
            if n > 0 { total += n; continue }
            if n == 0 { return total }
            if errno == EINTR { continue }
            // Not supported between these files: copy through user space from where it stopped.
            break
        }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = Foundation.read(input, buffer, 1 << 20)
            if n < 0 { if errno == EINTR { continue }; throw ObjectStoreError(description: "cannot read \(url.path): errno \(errno)") }
            if n == 0 { break }
            var offset = 0
            while offset < n {
                let w = write(fd, buffer + offset, n - offset)
                if w <= 0 { if errno == EINTR { continue }; throw ObjectStoreError(description: "cannot write: errno \(errno)") }
                offset += w
            }
            total += n
        }
        return total
    }

    /// Reads a part's bytes (for checks such as checksums of the whole object).
    public func partURL(bucket: String, uploadId: String, part: PartRecord) -> URL? {
        uploadFolder(bucket, uploadId)?.appendingPathComponent(part.blob)
    }
}
