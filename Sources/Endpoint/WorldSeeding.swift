import Foundation
import ObjectStore
import World

extension ObjectStore {
    /// Objects from the world file get this modification date, so listings are reproducible.
    public static let worldObjectDate = Date(timeIntervalSince1970: 1_719_568_800)

    /// Creates the world's buckets in this store and puts the objects the world declares.
    public func seed(from world: World) throws(ObjectStoreError) {
        for account in world.accounts.values {
            for bucket in account.buckets.values {
                try createBucket(bucket.name)
                for object in bucket.objects {
                    guard let data = FileManager.default.contents(atPath: object.file.path) else {
                        throw ObjectStoreError(description: "\(world.source): cannot read \(object.file.path) for s3://\(bucket.name)/\(object.key)")
                    }
                    try put(bucket: bucket.name, key: object.key, body: data,
                            attributes: ObjectAttributes(contentType: object.contentType ?? "binary/octet-stream", metadata: object.metadata),
                            now: Self.worldObjectDate)
                }
            }
        }
    }
}
