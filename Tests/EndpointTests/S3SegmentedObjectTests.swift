import Foundation
import ObjectStore
import Testing

/// Completed multipart uploads kept as their part files, linked in order rather than copied.
@Suite struct S3SegmentedObjectTests {
    static func randomData(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Uploads `sizes` as parts 1...n plus one part never completed; completes with the first n.
    func completed(_ store: ObjectStore, sizes: [Int]) throws -> (ObjectRecord, Data, MultipartUpload) {
        let upload = try store.createUpload(bucket: "b", key: "big", attributes: ObjectAttributes(), checksumAlgorithm: nil, initiator: "me", now: Date())
        var parts: [PartRecord] = []
        var whole = Data()
        for (i, size) in sizes.enumerated() {
            let data = Self.randomData(size)
            whole.append(data)
            parts.append(try store.putPart(bucket: "b", uploadId: upload.uploadId, partNumber: i + 1, body: data, checksums: [:], now: Date()))
        }
        try store.putPart(bucket: "b", uploadId: upload.uploadId, partNumber: sizes.count + 1, body: Data("left out".utf8), checksums: [:], now: Date())
        let record = try store.completeUpload(bucket: "b", upload: upload, parts: parts, etag: "\"x-\(parts.count)\"", checksums: [:], now: Date())
        return (record, whole, upload)
    }

    @Test func partsAreLinkedInOrderAndReadAcrossTheirBoundaries() throws {
        let (store, root) = try S3StoreTests.freshStore()
        defer { try? FileManager.default.removeItem(at: root) }
        let sizes = [5000, 7001, 3]
        let (record, whole, upload) = try completed(store, sizes: sizes)
        #expect(record.segments == sizes)
        #expect(record.size == whole.count)
        #expect(try store.read(bucket: "b", record: record) == whole)
        // Every range starting or ending next to a boundary.
        let edges = [0, 1, 4999, 5000, 5001, 12000, 12001, 12002, 12003]
        for start in edges where start < whole.count {
            for end in edges where end >= start && end < whole.count {
                #expect(try store.read(bucket: "b", record: record, range: start...end) == whole[start...end], "\(start)-\(end)")
            }
        }
        var scanned = Data()
        try store.scan(bucket: "b", record: record) { scanned.append(contentsOf: $0) }
        #expect(scanned == whole)
        // Opened for a range, only the segments it touches are opened.
        let second = try store.openObject(bucket: "b", record: record, range: 5001...5100)
        var buffer = [UInt8](repeating: 0, count: 100)
        #expect(buffer.withUnsafeMutableBytes { second.read(into: $0.baseAddress!, count: 100, at: 5001) } == 100)
        #expect(Data(buffer) == whole[5001...5100])
        #expect(buffer.withUnsafeMutableBytes { second.read(into: $0.baseAddress!, count: 100, at: 0) } == -1)
        // A copy (CopyObject, UploadPartCopy) of a range across the first boundary.
        var observed = Data()
        let copy = try store.stageCopy(bucket: "b", record: record, range: 4990...5010) { observed.append(contentsOf: $0) }
        defer { unlink(copy.url.path) }
        #expect(copy.size == 21 && observed == whole[4990...5010])
        #expect(try Data(contentsOf: copy.url) == whole[4990...5010])
        // The folder holds the parts as 0, 1, 2; the upload (and its part left out) is gone.
        let folder = root.appendingPathComponent("b/blobs/\(record.blob)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["0", "1", "2"])
        #expect(store.upload(bucket: "b", uploadId: upload.uploadId) == nil)
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("b/uploads/\(upload.uploadId)").path))
        // Reopened from disk: the same object.
        let reopened = try ObjectStore(root: root)
        let again = try #require(reopened.record(bucket: "b", key: "big"))
        #expect(again.blob == record.blob && again.segments == record.segments && again.size == record.size && again.partsCount == 3)
        #expect(try reopened.read(bucket: "b", record: again) == whole)
    }

    @Test func emptyPartsAndSinglePartsReadCorrectly() throws {
        let (store, root) = try S3StoreTests.freshStore()
        defer { try? FileManager.default.removeItem(at: root) }
        for sizes in [[0], [10], [10, 0], [0, 10], [3, 0, 4]] {
            let (record, whole, _) = try completed(store, sizes: sizes)
            #expect(try store.read(bucket: "b", record: record) == whole, "\(sizes)")
            let object = try store.openObject(bucket: "b", record: record)
            #expect(object.size == whole.count)
            var buffer = [UInt8](repeating: 0, count: 64)
            #expect(buffer.withUnsafeMutableBytes { object.read(into: $0.baseAddress!, count: 64, at: whole.count) } == 0)
        }
    }

    @Test func replacingOrDeletingRemovesTheFolderButOpenReadersKeepTheBytes() throws {
        let (store, root) = try S3StoreTests.freshStore()
        defer { try? FileManager.default.removeItem(at: root) }
        let (record, whole, _) = try completed(store, sizes: [4096, 4096])
        let folder = root.appendingPathComponent("b/blobs/\(record.blob)")
        let reader = try store.openObject(bucket: "b", record: record)
        try store.put(bucket: "b", key: "big", body: Data("new".utf8), attributes: ObjectAttributes(), now: Date())
        #expect(!FileManager.default.fileExists(atPath: folder.path))
        var buffer = [UInt8](repeating: 0, count: 8192)
        var offset = 0
        while offset < whole.count {
            let n = buffer.withUnsafeMutableBytes { reader.read(into: $0.baseAddress! + offset, count: 8192 - offset, at: offset) }
            #expect(n > 0)
            if n <= 0 { break }
            offset += n
        }
        #expect(Data(buffer) == whole)
        let (second, _, _) = try completed(store, sizes: [100, 1])
        #expect(try store.delete(bucket: "b", key: "big"))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("b/blobs/\(second.blob)").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("b/blobs").path).isEmpty)
    }

    /// A crash between linking and committing leaves a temporary folder: swept on open, the upload untouched.
    @Test func aCrashBeforeTheCommitLeavesTheUploadWhole() throws {
        let (store, root) = try S3StoreTests.freshStore()
        defer { try? FileManager.default.removeItem(at: root) }
        let upload = try store.createUpload(bucket: "b", key: "k", attributes: ObjectAttributes(), checksumAlgorithm: nil, initiator: "me", now: Date())
        let part = try store.putPart(bucket: "b", uploadId: upload.uploadId, partNumber: 1, body: Data("part one".utf8), checksums: [:], now: Date())
        let leftover = root.appendingPathComponent("b/blobs/.tmp-crash")
        try FileManager.default.createDirectory(at: leftover, withIntermediateDirectories: true)
        let partFile = try #require(store.partURL(bucket: "b", uploadId: upload.uploadId, part: part))
        #expect(link(partFile.path, leftover.appendingPathComponent("0").path) == 0)
        let reopened = try ObjectStore(root: root)
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
        #expect(reopened.list(bucket: "b").isEmpty)
        #expect(reopened.parts(bucket: "b", uploadId: upload.uploadId).map(\.blob) == [part.blob])
        let record = try reopened.completeUpload(bucket: "b", upload: upload, parts: [part], etag: "\"e-1\"", checksums: [:], now: Date())
        #expect(try reopened.read(bucket: "b", record: record) == Data("part one".utf8))
    }
}
