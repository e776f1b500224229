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
                    var attributes = ObjectAttributes(contentType: object.contentType ?? "binary/octet-stream", metadata: object.metadata)
                    if let name = object.kmsKey {
                        guard let arn = world.kmsKeyArn(named: name, account: bucket.account) else {
                            throw ObjectStoreError(description: "\(world.source): s3://\(bucket.name)/\(object.key): KMS key '\(name)' is not in the world (declare it under accounts/\(bucket.account)/kmsKeys, or use aws/s3)")
                        }
                        attributes.encryption = ObjectEncryption(algorithm: "aws:kms", kmsKeyArn: arn)
                    }
                    try put(bucket: bucket.name, key: object.key, body: data, attributes: attributes, now: Self.worldObjectDate)
                }
            }
        }
    }
}
