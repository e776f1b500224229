import Foundation
import ObjectStore
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import Endpoint

/// A conditional write commits only if its key is still as it was when the condition was checked;
/// one that lost a race is S3's 409 ConditionalRequestConflict and leaves the winner in place.
@Suite struct ConditionalConflictTests {
    @Test func aConditionalWriteThatLostItsRaceIsAConflictAndKeepsTheWinner() throws {
        let (store, root) = try S3StoreTests.freshStore()
        defer { try? FileManager.default.removeItem(at: root) }
        // If-None-Match: * checked while the key was absent...
        let sawNothing = CommitPrecondition(seen: store.record(bucket: "b", key: "k"))
        // ...then another write lands first.
        let winner = try store.put(bucket: "b", key: "k", body: Data("winner".utf8), attributes: ObjectAttributes(), now: Date())
        var conflict: ObjectStoreError?
        do {
            _ = try store.put(bucket: "b", key: "k", body: Data("loser".utf8), attributes: ObjectAttributes(), now: Date(), expecting: sawNothing)
        } catch { conflict = error }
        #expect(conflict?.conflict == true)
        let kept = try #require(store.record(bucket: "b", key: "k"))
        #expect(kept.etag == winner.etag)
        #expect(try store.read(bucket: "b", record: kept) == Data("winner".utf8))
        let answer = S3Service.internalError(try #require(conflict))
        #expect(answer.code == "ConditionalRequestConflict" && answer.status == 409)

        // If-Match checked against the winner, and nothing changed since: the write commits.
        let sawWinner = CommitPrecondition(seen: kept)
        let next = try store.put(bucket: "b", key: "k", body: Data("next".utf8), attributes: ObjectAttributes(), now: Date(), expecting: sawWinner)
        #expect(store.record(bucket: "b", key: "k")?.etag == next.etag)
        // The same precondition no longer holds once the key has moved on.
        #expect(throws: ObjectStoreError.self) {
            try store.put(bucket: "b", key: "k", body: Data("stale".utf8), attributes: ObjectAttributes(), now: Date(), expecting: sawWinner)
        }
        // No blob of a lost write stays behind: one record, one blob.
        let blobs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("b/blobs").path).filter { !$0.hasPrefix(".") }
        #expect(blobs.count == 1, "\(blobs)")
    }
}

/// A multipart object whose parts were joined into one file (where hard links fail) keeps its part
/// sizes, so GetObject's `partNumber` serves each part as for parts linked in place.
@Suite struct JoinedPartsTests {
    @Test func partNumberOfAJoinedMultipartObject() async throws {
        try await Harness.with { h in
            let store = h.endpoint.configuration.store
            let whole = try store.put(bucket: dataBucket, key: "joined.bin", body: Data("aaaaabbb".utf8), attributes: ObjectAttributes(), now: Date())
            _ = try store.commit(bucket: dataBucket, key: "joined.bin", blob: whole.blob, size: 8, etag: "\"joined-2\"",
                                 attributes: ObjectAttributes(), now: Date(), partsCount: 2, partSizes: [5, 3])
            let role = try await h.dataRole()
            let (second, response) = try await role.send(service: "s3", method: "GET", path: "/\(dataBucket)/joined.bin", query: "partNumber=2",
                                                         body: Data(), headers: [])
            #expect(String(decoding: second, as: UTF8.self) == "bbb")
            #expect(response.value(forHTTPHeaderField: "x-amz-mp-parts-count") == "2")
            let (first, _) = try await role.send(service: "s3", method: "GET", path: "/\(dataBucket)/joined.bin", query: "partNumber=1",
                                                 body: Data(), headers: [])
            #expect(String(decoding: first, as: UTF8.self) == "aaaaa")
        }
    }
}
