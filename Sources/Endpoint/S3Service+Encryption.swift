import Foundation
import IAMPolicy
import ObjectStore
import World

/// S3's server-side encryption: SSE-S3 (`AES256`, every object's default) and SSE-KMS
/// (`aws:kms`) with a customer managed key or the account's AWS managed key `aws/s3`. Writing
/// with a KMS key needs `kms:GenerateDataKey` and reading `kms:Decrypt`, each authorized for
/// the caller through the one access-control step, with `kms:ViaService` and S3's encryption
/// context, and recorded as KMS calls.
extension S3Service {
    static let kmsAlgorithms: Set<String> = ["aws:kms", "aws:kms:dsse"]

    /// The encryption a new object gets: the request's headers, else the bucket's default
    /// encryption, else SSE-S3. A KMS key is resolved, `aws/s3` created on first use, and the
    /// caller authorized for `kms:GenerateDataKey` on it.
    func writeEncryption(_ request: EndpointRequest, bucket: S3Bucket, key: String, caller: Caller, now: Date, operation: String)
        -> Result<ObjectEncryption?, AWSServiceError> {
        let requested = request.header("x-amz-server-side-encryption")
        let keyHeader = request.header("x-amz-server-side-encryption-aws-kms-key-id")
        let bucketKeyHeader = request.header("x-amz-server-side-encryption-bucket-key-enabled").map { $0.lowercased() == "true" }
        if let requested, requested != "AES256", !Self.kmsAlgorithms.contains(requested) {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400, message: "The encryption method specified is not supported",
                                            extraFields: [("ArgumentName", "x-amz-server-side-encryption"), ("ArgumentValue", requested)]))
        }
        if keyHeader != nil, !Self.kmsAlgorithms.contains(requested ?? "") {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400,
                                            message: "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms",
                                            extraFields: [("ArgumentName", "x-amz-server-side-encryption"), ("ArgumentValue", "null")]))
        }
        var algorithm = requested
        var keyId = keyHeader
        var bucketKey = bucketKeyHeader
        if algorithm == nil, let rule = defaultEncryption(bucket.name) {
            algorithm = rule.algorithm
            keyId = rule.keyId
            bucketKey = bucketKey ?? rule.bucketKey
        }
        guard let algorithm, Self.kmsAlgorithms.contains(algorithm) else { return .success(nil) }
        let kmsKey: KMSKey
        switch kmsKeyFor(keyId, caller: caller) { case .failure(let e): return .failure(e); case .success(let k): kmsKey = k }
        if let denied = authorizeKMS(caller, action: "GenerateDataKey", key: kmsKey, bucket: bucket, objectKey: key, bucketKey: bucketKey == true, now: now) {
            return .failure(denied)
        }
        return .success(ObjectEncryption(algorithm: algorithm, kmsKeyArn: kmsKey.arn, bucketKeyEnabled: bucketKey,
                                         context: request.header("x-amz-server-side-encryption-context")))
    }

    /// The KMS key a request names (key id, key ARN, alias name or alias ARN; ids and alias
    /// names in the caller's account), or the caller's account's `aws/s3`.
    func kmsKeyFor(_ text: String?, caller: Caller) -> Result<KMSKey, AWSServiceError> {
        let account = caller.principal.account ?? ""
        guard let text, !text.isEmpty else {
            return .success(keyring.managedKey(account: account, service: "s3", region: configuration.world.region))
        }
        if let key = keyring.resolve(text, account: account, region: configuration.world.region) { return .success(key) }
        return .failure(AWSServiceError(code: "KMS.NotFoundException", status: 400, message: "Invalid keyId '\(text)'"))
    }

    /// Authorizes S3's call to KMS on the caller's behalf, recorded as the KMS call it is. A
    /// refusal is S3's AccessDenied with KMS's words.
    func authorizeKMS(_ caller: Caller, action: String, key: KMSKey, bucket: S3Bucket, objectKey: String, bucketKey: Bool, now: Date) -> AWSServiceError? {
        let region = configuration.world.region
        // S3's encryption context: the object's ARN, or the bucket's with an S3 Bucket Key.
        let contextArn = bucketKey ? bucket.arn : "arn:aws:s3:::\(bucket.name)/\(objectKey)"
        var context: [String: [String]] = [
            "kms:ViaService": ["s3.\(region).amazonaws.com"],
            "kms:CallerAccount": [caller.principal.account ?? ""],
            "kms:EncryptionContext:aws:s3:arn": [contextArn],
            "kms:EncryptionContextKeys": ["aws:s3:arn"],
            "kms:KeySpec": ["SYMMETRIC_DEFAULT"], "kms:KeyUsage": ["ENCRYPT_DECRYPT"], "kms:KeyOrigin": ["AWS_KMS"],
        ]
        if !key.aliases.isEmpty { context["kms:ResourceAliases"] = key.aliases }
        for (tag, value) in key.tags { context["aws:ResourceTag/\(tag)"] = [value] }
        let request = AccessRequest(caller: caller, action: "kms:\(action)", resource: key.arn,
                                    target: ResourceTarget(account: key.account, policy: keyring.authorizingPolicy(key), policyRequired: true),
                                    requestContext: context)
        if let denied = access.check(request, service: "kms", operation: action, shape: .json, now: now).error {
            return .accessDenied(denied.message)
        }
        if key.deletionDate != nil {
            return AWSServiceError(code: "KMS.KMSInvalidStateException", status: 400, message: "\(key.arn) is pending deletion.")
        }
        if !key.enabled { return AWSServiceError(code: "KMS.DisabledException", status: 400, message: "\(key.arn) is disabled.") }
        return nil
    }

    /// Reading an SSE-KMS object: `kms:Decrypt` on its key.
    func authorizeRead(_ record: ObjectRecord, bucket: S3Bucket, key: String, caller: Caller, now: Date) -> AWSServiceError? {
        guard let encryption = record.encryption, Self.kmsAlgorithms.contains(encryption.algorithm), let arn = encryption.kmsKeyArn else { return nil }
        guard let kmsKey = keyring.resolve(arn, account: caller.principal.account ?? "", region: configuration.world.region) else {
            return AWSServiceError(code: "KMS.NotFoundException", status: 400, message: "Key '\(arn)' does not exist")
        }
        return authorizeKMS(caller, action: "Decrypt", key: kmsKey, bucket: bucket, objectKey: key, bucketKey: encryption.bucketKeyEnabled == true, now: now)
    }

    /// The headers S3 answers about an object's encryption.
    static func encryptionHeaders(_ encryption: ObjectEncryption?) -> [(String, String)] {
        guard let encryption else { return [("x-amz-server-side-encryption", "AES256")] }
        var headers: [(String, String)] = [("x-amz-server-side-encryption", encryption.algorithm)]
        if let arn = encryption.kmsKeyArn { headers.append(("x-amz-server-side-encryption-aws-kms-key-id", arn)) }
        if encryption.bucketKeyEnabled == true { headers.append(("x-amz-server-side-encryption-bucket-key-enabled", "true")) }
        return headers
    }

    // MARK: Bucket default encryption

    struct DefaultEncryption {
        var algorithm: String
        var keyId: String?
        var bucketKey: Bool?
    }

    /// The bucket's default encryption rule, from its stored configuration; nil: SSE-S3.
    func defaultEncryption(_ bucket: String) -> DefaultEncryption? {
        guard let text = configuration.store.bucketInfo(bucket)?.configurations?[Self.encryptionDocument],
              let doc = XMLDoc.parse(Data(text.utf8)), let rule = doc.child("Rule"),
              let apply = rule.child("ApplyServerSideEncryptionByDefault"), let algorithm = apply.child("SSEAlgorithm")?.text else { return nil }
        return DefaultEncryption(algorithm: algorithm, keyId: apply.child("KMSMasterKeyID")?.text,
                                 bucketKey: rule.child("BucketKeyEnabled").map { $0.text == "true" })
    }

    static let encryptionDocument = "encryption"

    func getBucketEncryption(_ name: String, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "GetBucketEncryption", action: "s3:GetEncryptionConfiguration", bucket: bucket, key: nil, now: now) {
            return .failure(denied)
        }
        // Every bucket has default encryption: SSE-S3 unless set otherwise.
        let stored = configuration.store.bucketInfo(name)?.configurations?[Self.encryptionDocument]
        let body = stored ?? "<ServerSideEncryptionConfiguration xmlns=\"\(Self.namespace)\"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>"
        return .success(Self.xmlResponse(body))
    }

    func putBucketEncryption(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "PutBucketEncryption", action: "s3:PutEncryptionConfiguration", bucket: bucket, key: nil, now: now) {
            return .failure(denied)
        }
        guard let doc = XMLDoc.parse(request.body), doc.name == "ServerSideEncryptionConfiguration",
              let apply = doc.child("Rule")?.child("ApplyServerSideEncryptionByDefault"),
              let algorithm = apply.child("SSEAlgorithm")?.text else { return .failure(Self.malformedXML()) }
        guard algorithm == "AES256" || Self.kmsAlgorithms.contains(algorithm) else {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400, message: "The encryption method specified is not supported",
                                            extraFields: [("ArgumentName", "SSEAlgorithm"), ("ArgumentValue", algorithm)]))
        }
        if apply.child("KMSMasterKeyID") != nil, algorithm == "AES256" {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400,
                                            message: "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse"))
        }
        if let e = saveStoredConfiguration(bucket, Self.encryptionDocument, String(decoding: request.body, as: UTF8.self)) { return .failure(e) }
        return .success(EndpointResponse(status: 200, headers: [], body: Data()))
    }

    func deleteBucketEncryption(_ name: String, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "DeleteBucketEncryption", action: "s3:PutEncryptionConfiguration", bucket: bucket, key: nil, now: now) {
            return .failure(denied)
        }
        if let e = saveStoredConfiguration(bucket, Self.encryptionDocument, nil) { return .failure(e) }
        return .success(EndpointResponse(status: 204, headers: [], body: Data()))
    }

    /// Saves (or, with nil, removes) one stored configuration of a bucket, keeping its other facts.
    func saveStoredConfiguration(_ bucket: S3Bucket, _ name: String, _ text: String?) -> AWSServiceError? {
        var info = configuration.store.bucketInfo(bucket.name)
            ?? BucketInfo(name: bucket.name, account: bucket.account, region: bucket.region, created: bucket.created,
                          policyOverridden: false, policy: nil, tags: nil)
        var documents = info.configurations ?? [:]
        documents[name] = text
        info.configurations = documents.isEmpty ? nil : documents
        do { try configuration.store.setBucketInfo(info) } catch { return Self.internalError(error) }
        return nil
    }
}
