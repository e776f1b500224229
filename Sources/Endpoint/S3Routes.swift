import Foundation
import World

/// What a request's path names: the service itself, a bucket, or an object in a bucket.
enum S3Level: String, Sendable, CaseIterable {
    case service, bucket, object
}

/// One request shape of the S3 API: a method on a level with a set of subresource keys (and,
/// where S3 tells two operations apart by a parameter or a header, that too) names exactly one
/// operation of the API reference and the one IAM action that authorizes it.
struct S3Route: Sendable, CustomStringConvertible {
    /// The handler that serves an operation; operations without one answer 501.
    enum Handler: Sendable, CaseIterable {
        case listBuckets
        case createBucket, deleteBucket, headBucket, getBucketLocation
        case listObjects, listObjectsV2, listMultipartUploads, deleteObjects
        case getBucketPolicy, putBucketPolicy, deleteBucketPolicy, getBucketAcl
        case getBucketTagging, putBucketTagging, deleteBucketTagging
        case putObject, copyObject, getObject, headObject, deleteObject
        case getObjectTagging, putObjectTagging, deleteObjectTagging
        case createMultipartUpload, uploadPart, completeMultipartUpload, abortMultipartUpload, listParts
        case putBucketAcl, getObjectAcl, putObjectAcl, getBucketCors, putBucketCors, deleteBucketCors, getBucketLifecycle, putBucketLifecycle,
             deleteBucketLifecycle, getBucketLogging, putBucketLogging, getBucketNotification, putBucketNotification,
             getBucketVersioning, putBucketVersioning, listObjectVersions
        case getBucketOwnershipControls, putBucketOwnershipControls, deleteBucketOwnershipControls
        case getPublicAccessBlock, putPublicAccessBlock, deletePublicAccessBlock, getBucketPolicyStatus
        case getBucketEncryption, putBucketEncryption, deleteBucketEncryption
    }

    /// What tells apart operations that share a method, a level and subresources.
    enum Variant: Sendable, Hashable {
        case always
        case parameter(String, equals: String)
        case parameterPresent(String)
        case parameterAbsent(String)
        case headerPresent(String)
        case headerAbsent(String)
    }

    let method: String
    let level: S3Level
    let subresources: Set<String>
    let variant: Variant
    /// The operation's name in the S3 API reference.
    let operation: String
    /// The IAM action that authorizes it (Service Authorization Reference).
    let action: String
    /// Ordinary query parameters the operation takes besides its subresources.
    let parameters: Set<String>
    let handler: Handler?

    var served: Bool { handler != nil }

    var description: String {
        let query = subresources.sorted().joined(separator: "&")
        return "\(method) \(level)\(query.isEmpty ? "" : "?" + query) -> \(operation) (\(action))"
    }
}

/// How S3 names the operation of a request: found in `S3Routes.table`, or a shape S3 does not know.
enum S3Resolution: Sendable {
    case route(S3Route)
    /// No operation of S3 has this shape; `keys` are the query keys that did not fit.
    case unknown(keys: [String])
}

/// S3's request routing, from the Amazon S3 API reference (each operation's request syntax) and the
/// Service Authorization Reference (the action each operation is authorized as).
enum S3Routes {
    // Ordinary parameters, per operation, as the API reference lists them.
    static let responseOverrides: Set<String> = ["response-cache-control", "response-content-disposition", "response-content-encoding",
                                                 "response-content-language", "response-content-type", "response-expires"]
    static let getObjectParameters: Set<String> = responseOverrides.union(["versionId", "partNumber"])
    static let listBucketsParameters: Set<String> = ["max-buckets", "continuation-token", "prefix", "bucket-region"]
    static let listObjectsParameters: Set<String> = ["delimiter", "encoding-type", "marker", "max-keys", "prefix"]
    static let listObjectsV2Parameters: Set<String> = ["list-type", "delimiter", "encoding-type", "max-keys", "prefix",
                                                       "continuation-token", "fetch-owner", "start-after"]
    static let listUploadsParameters: Set<String> = ["delimiter", "encoding-type", "key-marker", "max-uploads", "prefix", "upload-id-marker"]
    static let listVersionsParameters: Set<String> = ["delimiter", "encoding-type", "key-marker", "max-keys", "prefix", "version-id-marker"]
    static let listPartsParameters: Set<String> = ["max-parts", "part-number-marker"]

    /// A parameter any request may carry: newer SDKs name the operation in the URI (`?x-id=PutObject`)
    /// as a hint only, so it never decides the operation.
    static let operationHint = "x-id"

    static let copySource = "x-amz-copy-source"

    static let table: [S3Route] = {
        func r(_ method: String, _ level: S3Level, _ subresources: Set<String>, _ operation: String, _ action: String,
               _ handler: S3Route.Handler? = nil, parameters: Set<String> = [], when variant: S3Route.Variant = .always) -> S3Route {
            S3Route(method: method, level: level, subresources: subresources, variant: variant, operation: operation, action: action,
                    parameters: parameters, handler: handler)
        }
        // Configurations a bucket holds several of, by id: GET without an id lists them.
        func configurations(_ key: String, _ name: String, read: String, write: String) -> [S3Route] {
            [r("GET", .bucket, [key], "GetBucket\(name)Configuration", read, parameters: ["id"], when: .parameterPresent("id")),
             r("GET", .bucket, [key], "ListBucket\(name)Configurations", read, parameters: ["continuation-token"], when: .parameterAbsent("id")),
             r("PUT", .bucket, [key], "PutBucket\(name)Configuration", write, parameters: ["id"]),
             r("DELETE", .bucket, [key], "DeleteBucket\(name)Configuration", write, parameters: ["id"])]
        }
        var routes: [S3Route] = [
            r("GET", .service, [], "ListBuckets", "s3:ListAllMyBuckets", .listBuckets, parameters: listBucketsParameters),

            // Buckets.
            r("PUT", .bucket, [], "CreateBucket", "s3:CreateBucket", .createBucket),
            r("DELETE", .bucket, [], "DeleteBucket", "s3:DeleteBucket", .deleteBucket),
            r("HEAD", .bucket, [], "HeadBucket", "s3:ListBucket", .headBucket),
            r("GET", .bucket, [], "ListObjectsV2", "s3:ListBucket", .listObjectsV2, parameters: listObjectsV2Parameters,
              when: .parameter("list-type", equals: "2")),
            r("GET", .bucket, [], "ListObjects", "s3:ListBucket", .listObjects, parameters: listObjectsParameters, when: .parameterAbsent("list-type")),
            // A browser's HTML form upload.
            r("POST", .bucket, [], "PostObject", "s3:PutObject"),
            r("GET", .bucket, ["location"], "GetBucketLocation", "s3:GetBucketLocation", .getBucketLocation),
            r("GET", .bucket, ["uploads"], "ListMultipartUploads", "s3:ListBucketMultipartUploads", .listMultipartUploads,
              parameters: listUploadsParameters),
            r("POST", .bucket, ["delete"], "DeleteObjects", "s3:DeleteObject", .deleteObjects),
            r("GET", .bucket, ["versions"], "ListObjectVersions", "s3:ListBucketVersions", .listObjectVersions, parameters: listVersionsParameters),
            r("GET", .bucket, ["policy"], "GetBucketPolicy", "s3:GetBucketPolicy", .getBucketPolicy),
            r("PUT", .bucket, ["policy"], "PutBucketPolicy", "s3:PutBucketPolicy", .putBucketPolicy),
            r("DELETE", .bucket, ["policy"], "DeleteBucketPolicy", "s3:DeleteBucketPolicy", .deleteBucketPolicy),
            r("GET", .bucket, ["policyStatus"], "GetBucketPolicyStatus", "s3:GetBucketPolicyStatus", .getBucketPolicyStatus),
            r("GET", .bucket, ["acl"], "GetBucketAcl", "s3:GetBucketAcl", .getBucketAcl),
            r("PUT", .bucket, ["acl"], "PutBucketAcl", "s3:PutBucketAcl", .putBucketAcl),
            r("GET", .bucket, ["tagging"], "GetBucketTagging", "s3:GetBucketTagging", .getBucketTagging),
            r("PUT", .bucket, ["tagging"], "PutBucketTagging", "s3:PutBucketTagging", .putBucketTagging),
            r("DELETE", .bucket, ["tagging"], "DeleteBucketTagging", "s3:PutBucketTagging", .deleteBucketTagging),
            r("GET", .bucket, ["abac"], "GetBucketAbac", "s3:GetBucketABAC"),
            r("PUT", .bucket, ["abac"], "PutBucketAbac", "s3:PutBucketABAC"),
            r("GET", .bucket, ["accelerate"], "GetBucketAccelerateConfiguration", "s3:GetAccelerateConfiguration"),
            r("PUT", .bucket, ["accelerate"], "PutBucketAccelerateConfiguration", "s3:PutAccelerateConfiguration"),
            r("GET", .bucket, ["cors"], "GetBucketCors", "s3:GetBucketCORS", .getBucketCors),
            r("PUT", .bucket, ["cors"], "PutBucketCors", "s3:PutBucketCORS", .putBucketCors),
            r("DELETE", .bucket, ["cors"], "DeleteBucketCors", "s3:PutBucketCORS", .deleteBucketCors),
            r("GET", .bucket, ["encryption"], "GetBucketEncryption", "s3:GetEncryptionConfiguration", .getBucketEncryption),
            r("PUT", .bucket, ["encryption"], "PutBucketEncryption", "s3:PutEncryptionConfiguration", .putBucketEncryption),
            r("DELETE", .bucket, ["encryption"], "DeleteBucketEncryption", "s3:PutEncryptionConfiguration", .deleteBucketEncryption),
            r("GET", .bucket, ["lifecycle"], "GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration", .getBucketLifecycle),
            r("PUT", .bucket, ["lifecycle"], "PutBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration", .putBucketLifecycle),
            r("DELETE", .bucket, ["lifecycle"], "DeleteBucketLifecycle", "s3:PutLifecycleConfiguration", .deleteBucketLifecycle),
            r("GET", .bucket, ["logging"], "GetBucketLogging", "s3:GetBucketLogging", .getBucketLogging),
            r("PUT", .bucket, ["logging"], "PutBucketLogging", "s3:PutBucketLogging", .putBucketLogging),
            r("GET", .bucket, ["metadataTable"], "GetBucketMetadataTableConfiguration", "s3:GetBucketMetadataTableConfiguration"),
            r("POST", .bucket, ["metadataTable"], "CreateBucketMetadataTableConfiguration", "s3:CreateBucketMetadataTableConfiguration"),
            r("DELETE", .bucket, ["metadataTable"], "DeleteBucketMetadataTableConfiguration", "s3:DeleteBucketMetadataTableConfiguration"),
            // S3 Metadata V2 is authorized by the V1 (metadata table) actions.
            r("GET", .bucket, ["metadataConfiguration"], "GetBucketMetadataConfiguration", "s3:GetBucketMetadataTableConfiguration"),
            r("POST", .bucket, ["metadataConfiguration"], "CreateBucketMetadataConfiguration", "s3:CreateBucketMetadataTableConfiguration"),
            r("DELETE", .bucket, ["metadataConfiguration"], "DeleteBucketMetadataConfiguration", "s3:DeleteBucketMetadataTableConfiguration"),
            r("PUT", .bucket, ["metadataInventoryTable"], "UpdateBucketMetadataInventoryTableConfiguration",
              "s3:UpdateBucketMetadataInventoryTableConfiguration"),
            r("PUT", .bucket, ["metadataJournalTable"], "UpdateBucketMetadataJournalTableConfiguration",
              "s3:UpdateBucketMetadataJournalTableConfiguration"),
            r("GET", .bucket, ["notification"], "GetBucketNotificationConfiguration", "s3:GetBucketNotification", .getBucketNotification),
            r("PUT", .bucket, ["notification"], "PutBucketNotificationConfiguration", "s3:PutBucketNotification", .putBucketNotification),
            r("GET", .bucket, ["object-lock"], "GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration"),
            r("PUT", .bucket, ["object-lock"], "PutObjectLockConfiguration", "s3:PutBucketObjectLockConfiguration"),
            r("GET", .bucket, ["ownershipControls"], "GetBucketOwnershipControls", "s3:GetBucketOwnershipControls", .getBucketOwnershipControls),
            r("PUT", .bucket, ["ownershipControls"], "PutBucketOwnershipControls", "s3:PutBucketOwnershipControls", .putBucketOwnershipControls),
            r("DELETE", .bucket, ["ownershipControls"], "DeleteBucketOwnershipControls", "s3:PutBucketOwnershipControls", .deleteBucketOwnershipControls),
            r("GET", .bucket, ["publicAccessBlock"], "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock", .getPublicAccessBlock),
            r("PUT", .bucket, ["publicAccessBlock"], "PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock", .putPublicAccessBlock),
            r("DELETE", .bucket, ["publicAccessBlock"], "DeletePublicAccessBlock", "s3:PutBucketPublicAccessBlock", .deletePublicAccessBlock),
            r("GET", .bucket, ["replication"], "GetBucketReplication", "s3:GetReplicationConfiguration"),
            r("PUT", .bucket, ["replication"], "PutBucketReplication", "s3:PutReplicationConfiguration"),
            r("DELETE", .bucket, ["replication"], "DeleteBucketReplication", "s3:PutReplicationConfiguration"),
            r("GET", .bucket, ["requestPayment"], "GetBucketRequestPayment", "s3:GetBucketRequestPayment"),
            r("PUT", .bucket, ["requestPayment"], "PutBucketRequestPayment", "s3:PutBucketRequestPayment"),
            // Directory buckets only.
            r("GET", .bucket, ["session"], "CreateSession", "s3express:CreateSession"),
            r("GET", .bucket, ["versioning"], "GetBucketVersioning", "s3:GetBucketVersioning", .getBucketVersioning),
            r("PUT", .bucket, ["versioning"], "PutBucketVersioning", "s3:PutBucketVersioning", .putBucketVersioning),
            r("GET", .bucket, ["website"], "GetBucketWebsite", "s3:GetBucketWebsite"),
            r("PUT", .bucket, ["website"], "PutBucketWebsite", "s3:PutBucketWebsite"),
            r("DELETE", .bucket, ["website"], "DeleteBucketWebsite", "s3:DeleteBucketWebsite"),

            // Objects.
            r("PUT", .object, [], "PutObject", "s3:PutObject", .putObject, when: .headerAbsent(copySource)),
            r("PUT", .object, [], "CopyObject", "s3:PutObject", .copyObject, when: .headerPresent(copySource)),
            r("GET", .object, [], "GetObject", "s3:GetObject", .getObject, parameters: getObjectParameters),
            r("HEAD", .object, [], "HeadObject", "s3:GetObject", .headObject, parameters: getObjectParameters),
            r("DELETE", .object, [], "DeleteObject", "s3:DeleteObject", .deleteObject, parameters: ["versionId"]),
            r("GET", .object, ["tagging"], "GetObjectTagging", "s3:GetObjectTagging", .getObjectTagging, parameters: ["versionId"]),
            r("PUT", .object, ["tagging"], "PutObjectTagging", "s3:PutObjectTagging", .putObjectTagging, parameters: ["versionId"]),
            r("DELETE", .object, ["tagging"], "DeleteObjectTagging", "s3:DeleteObjectTagging", .deleteObjectTagging, parameters: ["versionId"]),
            r("POST", .object, ["uploads"], "CreateMultipartUpload", "s3:PutObject", .createMultipartUpload),
            r("PUT", .object, ["uploadId"], "UploadPart", "s3:PutObject", .uploadPart, parameters: ["partNumber"], when: .headerAbsent(copySource)),
            r("PUT", .object, ["uploadId"], "UploadPartCopy", "s3:PutObject", .uploadPart, parameters: ["partNumber"], when: .headerPresent(copySource)),
            r("POST", .object, ["uploadId"], "CompleteMultipartUpload", "s3:PutObject", .completeMultipartUpload),
            r("DELETE", .object, ["uploadId"], "AbortMultipartUpload", "s3:AbortMultipartUpload", .abortMultipartUpload),
            r("GET", .object, ["uploadId"], "ListParts", "s3:ListMultipartUploadParts", .listParts, parameters: listPartsParameters),
            r("GET", .object, ["acl"], "GetObjectAcl", "s3:GetObjectAcl", .getObjectAcl, parameters: ["versionId"]),
            r("PUT", .object, ["acl"], "PutObjectAcl", "s3:PutObjectAcl", .putObjectAcl, parameters: ["versionId"]),
            r("GET", .object, ["attributes"], "GetObjectAttributes", "s3:GetObjectAttributes", parameters: ["versionId"]),
            r("PUT", .object, ["encryption"], "UpdateObjectEncryption", "s3:UpdateObjectEncryption", parameters: ["versionId"]),
            r("GET", .object, ["legal-hold"], "GetObjectLegalHold", "s3:GetObjectLegalHold", parameters: ["versionId"]),
            r("PUT", .object, ["legal-hold"], "PutObjectLegalHold", "s3:PutObjectLegalHold", parameters: ["versionId"]),
            r("GET", .object, ["retention"], "GetObjectRetention", "s3:GetObjectRetention", parameters: ["versionId"]),
            r("PUT", .object, ["retention"], "PutObjectRetention", "s3:PutObjectRetention", parameters: ["versionId"]),
            r("POST", .object, ["restore"], "RestoreObject", "s3:RestoreObject", parameters: ["versionId"]),
            r("POST", .object, ["select"], "SelectObjectContent", "s3:GetObject", parameters: ["select-type"]),
            r("GET", .object, ["torrent"], "GetObjectTorrent", "s3:GetObjectTorrent"),
            // Directory buckets only.
            r("PUT", .object, ["renameObject"], "RenameObject", "s3express:CreateSession"),
        ]
        routes += configurations("analytics", "Analytics", read: "s3:GetAnalyticsConfiguration", write: "s3:PutAnalyticsConfiguration")
        routes += configurations("intelligent-tiering", "IntelligentTiering",
                                 read: "s3:GetIntelligentTieringConfiguration", write: "s3:PutIntelligentTieringConfiguration")
        routes += configurations("inventory", "Inventory", read: "s3:GetInventoryConfiguration", write: "s3:PutInventoryConfiguration")
        routes += configurations("metrics", "Metrics", read: "s3:GetMetricsConfiguration", write: "s3:PutMetricsConfiguration")
        return routes
    }()

    /// Every subresource key the table knows.
    static let subresourceKeys: Set<String> = table.reduce(into: []) { $0.formUnion($1.subresources) }
    /// Every ordinary parameter the table knows; any other query key is taken as a subresource.
    static let ordinaryParameters: Set<String> = table.reduce(into: [operationHint]) { $0.formUnion($1.parameters) }

    /// The operation a request names. `query` holds the request's query parameters without the
    /// presigned-URL ones (`X-Amz-*`).
    static func resolve(method: String, level: S3Level, query: [String: String], header: (String) -> String?) -> S3Resolution {
        var subresources = Set<String>()
        var parameters = Set<String>()
        for key in query.keys where key != operationHint {
            if ordinaryParameters.contains(key) { parameters.insert(key) } else { subresources.insert(key) }
        }
        for route in table where route.method == method && route.level == level && route.subresources == subresources {
            guard parameters.isSubset(of: route.parameters) else { continue }
            let matches: Bool
            switch route.variant {
            case .always: matches = true
            case .parameter(let name, let value): matches = query[name] == value
            case .parameterPresent(let name): matches = query[name] != nil
            case .parameterAbsent(let name): matches = query[name] == nil
            case .headerPresent(let name): matches = header(name) != nil
            case .headerAbsent(let name): matches = header(name) == nil
            }
            if matches { return .route(route) }
        }
        return .unknown(keys: query.keys.filter { $0 != operationHint }.sorted())
    }
}

extension AWSServiceError {
    /// S3's answer to a request for functionality it does not serve.
    static var s3NotImplemented: AWSServiceError {
        AWSServiceError(code: ErrorCode.notImplemented, status: 501,
                        message: "A header you provided implies functionality that is not implemented")
    }
}

extension S3Service {
    /// Records a request glueshim does not serve: it was neither authorized nor carried out.
    func recordUnsupported(_ caller: Caller, _ resolution: S3Resolution, method: String, address: Address, now: Date, error: AWSServiceError) {
        var resource = "*"
        if let bucket = address.bucket { resource = address.key.map { "arn:aws:s3:::\(bucket)/\($0)" } ?? "arn:aws:s3:::\(bucket)" }
        let operation: String, action: String, reason: String
        switch resolution {
        case .route(let route):
            (operation, action) = (route.operation, route.action)
            reason = "glueshim does not serve \(route.operation)"
        case .unknown(let keys):
            (operation, action) = ("", "")
            reason = "no S3 operation is \(method) on \(address.key != nil ? "an object" : address.bucket != nil ? "a bucket" : "the service")"
                + (keys.isEmpty ? "" : " with ?" + keys.joined(separator: "&"))
        }
        access.record(AccessRequest(caller: caller, action: action, resource: resource), service: "s3", operation: operation,
                      decision: "unsupported", reason: reason, error: error, now: now)
    }

    /// Runs the handler of a served operation.
    func dispatch(_ handler: S3Route.Handler, _ address: Address, _ request: EndpointRequest, caller: Caller, now: Date) async
        -> Result<EndpointResponse, AWSServiceError> {
        // The table names object handlers only for object addresses and bucket handlers only for bucket ones.
        let bucket = address.bucket ?? ""
        let key = address.key ?? ""
        switch handler {
        case .listBuckets: return listBuckets(request, caller: caller, now: now)
        case .createBucket: return createBucket(bucket, request, caller: caller, now: now)
        case .deleteBucket: return deleteBucket(bucket, request, caller: caller, now: now)
        case .headBucket: return headBucket(bucket, request, caller: caller, now: now)
        case .getBucketLocation: return getBucketLocation(bucket, request, caller: caller, now: now)
        case .listObjects: return listObjectsV1(bucket, request, caller: caller, now: now)
        case .listObjectsV2: return listObjectsV2(bucket, request, caller: caller, now: now)
        case .listMultipartUploads: return listMultipartUploads(bucket, request, caller: caller, now: now)
        case .deleteObjects: return deleteObjects(bucket, request, caller: caller, now: now)
        case .getBucketPolicy: return getBucketPolicy(bucket, request, caller: caller, now: now)
        case .putBucketPolicy: return putBucketPolicy(bucket, request, caller: caller, now: now)
        case .deleteBucketPolicy: return deleteBucketPolicy(bucket, request, caller: caller, now: now)
        case .getBucketAcl: return getBucketAcl(bucket, request, caller: caller, now: now)
        case .getBucketTagging: return getBucketTagging(bucket, request, caller: caller, now: now)
        case .putBucketTagging: return putBucketTagging(bucket, request, caller: caller, now: now)
        case .deleteBucketTagging: return deleteBucketTagging(bucket, request, caller: caller, now: now)
        case .putObject: return await onBlockingPool { putObject(bucket, key, request, caller: caller, now: now) }
        case .copyObject: return await onBlockingPool { copyObject(bucket, key, request, caller: caller, now: now) }
        case .getObject: return getObject(bucket, key, request, caller: caller, now: now, head: false)
        case .headObject: return getObject(bucket, key, request, caller: caller, now: now, head: true)
        case .deleteObject: return deleteObject(bucket, key, request, caller: caller, now: now)
        case .getObjectTagging: return getObjectTagging(bucket, key, request, caller: caller, now: now)
        case .putObjectTagging: return putObjectTagging(bucket, key, request, caller: caller, now: now)
        case .deleteObjectTagging: return deleteObjectTagging(bucket, key, request, caller: caller, now: now)
        case .createMultipartUpload: return createMultipartUpload(bucket, key, request, caller: caller, now: now)
        case .uploadPart: return await onBlockingPool { uploadPart(bucket, key, request, caller: caller, now: now) }
        case .completeMultipartUpload: return await onBlockingPool { completeMultipartUpload(bucket, key, request, caller: caller, now: now) }
        case .abortMultipartUpload: return abortMultipartUpload(bucket, key, request, caller: caller, now: now)
        case .listParts: return listParts(bucket, key, request, caller: caller, now: now)
        case .putBucketAcl, .getObjectAcl, .putObjectAcl, .getBucketCors, .putBucketCors, .deleteBucketCors, .getBucketLifecycle, .putBucketLifecycle,
             .deleteBucketLifecycle, .getBucketLogging, .putBucketLogging, .getBucketNotification, .putBucketNotification:
            return dispatchConfiguration(handler, bucket: bucket, key: key, request, caller: caller, now: now)
        case .getBucketVersioning: return getBucketVersioning(bucket, request, caller: caller, now: now)
        case .putBucketVersioning: return putBucketVersioning(bucket, request, caller: caller, now: now)
        case .listObjectVersions: return listObjectVersions(bucket, request, caller: caller, now: now)
        case .getBucketOwnershipControls: return getBucketOwnershipControls(bucket, caller: caller, now: now)
        case .putBucketOwnershipControls: return putBucketOwnershipControls(bucket, request, caller: caller, now: now)
        case .deleteBucketOwnershipControls: return deleteBucketOwnershipControls(bucket, caller: caller, now: now)
        case .getPublicAccessBlock: return getPublicAccessBlock(bucket, caller: caller, now: now)
        case .putPublicAccessBlock: return putPublicAccessBlock(bucket, request, caller: caller, now: now)
        case .deletePublicAccessBlock: return deletePublicAccessBlock(bucket, caller: caller, now: now)
        case .getBucketPolicyStatus: return getBucketPolicyStatus(bucket, caller: caller, now: now)
        case .getBucketEncryption: return getBucketEncryption(bucket, caller: caller, now: now)
        case .putBucketEncryption: return putBucketEncryption(bucket, request, caller: caller, now: now)
        case .deleteBucketEncryption: return deleteBucketEncryption(bucket, caller: caller, now: now)
        }
    }
}
