import Foundation
import ObjectStore
import Testing

/// The object store on its own: crash leftovers, concurrent writers, opaque keys.
@Suite struct S3StoreTests {
    /// An empty store with bucket `b`, in a new temporary folder.
    static func freshStore() throws -> (ObjectStore, URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-store-\(UUID().uuidString)")
        let store = try ObjectStore(root: root)
        try store.createBucket("b")
        return (store, root)
    }

    @Test func concurrentWritersOfOneKeyLeaveOneWholeVersion() async throws {
        let (store, root) = try Self.freshStore()
        defer { try? FileManager.default.removeItem(at: root) }
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<16 {
                group.addTask {
                    let body = Data(repeating: UInt8(writer), count: 256 * 1024)
                    _ = try? store.put(bucket: "b", key: "same", body: body, attributes: ObjectAttributes(), now: Date())
                }
            }
        }
        let record = try #require(store.record(bucket: "b", key: "same"))
        let bytes = try store.read(bucket: "b", record: record)
        #expect(bytes.count == 256 * 1024 && Set(bytes).count == 1)
        // Reopened from disk, the same version, and exactly one blob left.
        let reopened = try ObjectStore(root: root)
        #expect(reopened.record(bucket: "b", key: "same")?.blob == record.blob)
        let blobs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("b/blobs").path)
        #expect(blobs == [record.blob])
    }

    @Test func crashLeftoversAreSweptAndNeverVisible() throws {
        let (store, root) = try Self.freshStore()
        defer { try? FileManager.default.removeItem(at: root) }
        try store.put(bucket: "b", key: "kept", body: Data("kept".utf8), attributes: ObjectAttributes(), now: Date())
        // What a kill -9 can leave: a temporary blob, a blob no record names, a temporary record.
        try Data("partial".utf8).write(to: root.appendingPathComponent("b/blobs/.tmp-1"))
        try Data("orphan".utf8).write(to: root.appendingPathComponent("b/blobs/orphan"))
        try Data("{".utf8).write(to: root.appendingPathComponent("b/records/.tmp-2"))
        let reopened = try ObjectStore(root: root)
        #expect(reopened.list(bucket: "b").map(\.key) == ["kept"])
        let blobs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("b/blobs").path)
        #expect(blobs.count == 1)
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("b/records/.tmp-2").path))
    }

    @Test(arguments: ["../../../etc/passwd", "/abs", "a//b/", "..", "\u{0}nul", String(repeating: "é", count: 512)])
    func keysNeverBecomePaths(_ key: String) throws {
        let (store, root) = try Self.freshStore()
        defer { try? FileManager.default.removeItem(at: root) }
        try store.put(bucket: "b", key: key, body: Data(key.utf8), attributes: ObjectAttributes(), now: Date())
        let record = try #require(store.record(bucket: "b", key: key))
        #expect(try store.read(bucket: "b", record: record) == Data(key.utf8))
        let records = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("b/records").path)
        #expect(records.count == 1 && records[0].count == 69)  // sha256 hex + ".json"
        #expect(try ObjectStore(root: root).record(bucket: "b", key: key)?.key == key)
    }

    @Test func bucketsWithObjectsAreNotDeletedAndRuntimeFactsPersist() throws {
        let (store, root) = try Self.freshStore()
        defer { try? FileManager.default.removeItem(at: root) }
        try store.setBucketInfo(BucketInfo(name: "rt", account: "222222222222", region: "us-east-1", created: Date(), policy: "{}", tags: ["a": "b"]))
        try store.put(bucket: "rt", key: "k", body: Data(), attributes: ObjectAttributes(), now: Date())
        #expect(try store.deleteBucket("rt") == false)
        let reopened = try ObjectStore(root: root)
        #expect(reopened.bucketInfo("rt")?.tags == ["a": "b"])
        try reopened.delete(bucket: "rt", key: "k")
        #expect(try reopened.deleteBucket("rt") == true)
        #expect(try !ObjectStore(root: root).hasBucket("rt"))
    }
}
