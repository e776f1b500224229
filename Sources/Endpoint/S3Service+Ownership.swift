import Foundation
import IAMPolicy
import ObjectStore
import World

/// S3 Object Ownership and what ACLs mean in authorization, from the S3 User Guide ("Controlling
/// ownership of objects and disabling ACLs", "Access control list (ACL) overview", "How Amazon
/// S3 authorizes a request"), and Block Public Access ("Blocking public access to your Amazon
/// S3 storage").
extension S3Service {
    /// Where a bucket's runtime record keeps its ownership controls ("" once deleted) and its
    /// Block Public Access settings ("" once deleted).
    static let ownershipControlsKey = "ownershipControls"
    static let publicAccessBlockKey = "publicAccessBlock"

    // MARK: Ownership

    /// The account that owns an object version: always the bucket owner while ACLs are disabled.
    func owner(of record: ObjectRecord, in bucket: S3Bucket) -> String {
        bucket.ownership.aclsEnabled ? record.owner ?? bucket.account : bucket.account
    }

    static func aclNotSupported() -> AWSServiceError {
        AWSServiceError(code: ErrorCode.S3.accessControlListNotSupported, status: 400, message: "The bucket does not allow ACLs")
    }

    /// The owner's full control alone: the only ACL a bucket with ACLs disabled takes.
    static func ownerFullControl(_ account: String) -> [Grant] {
        [Grant(grantee: .user(id: canonicalUserId(account)), permission: "FULL_CONTROL")]
    }

    static func isPublicGrant(_ grant: Grant) -> Bool {
        if case .group(let uri) = grant.grantee { return uri == allUsers || uri == authenticatedUsers }
        return false
    }

    /// Whether a request carries an ACL in headers (a canned ACL or grant headers).
    static func hasACLHeaders(_ request: EndpointRequest) -> Bool {
        request.header("x-amz-acl") != nil || grantHeaders.contains { request.header($0.header) != nil }
    }

    /// Block Public Access's refusal of a public ACL (BlockPublicAcls).
    static func publicACLBlocked(_ caller: Caller, action: String, resource: String) -> AWSServiceError {
        .accessDenied("User: \(caller.principal.arn) is not authorized to perform: \(action) on resource: \"\(resource)\" because public ACLs are prevented by the BlockPublicAcls setting in S3 Block Public Access.")
    }

    /// The owner and ACL of an object a PutObject, CopyObject or CreateMultipartUpload writes:
    /// the writer's account owns it where ACLs are enabled (ObjectWriter), the bucket owner under
    /// BucketOwnerPreferred when the writer gives `bucket-owner-full-control`, and always under
    /// BucketOwnerEnforced, where any other ACL fails with AccessControlListNotSupported.
    func writtenOwnership(_ request: EndpointRequest, bucket: S3Bucket, key: String, caller: Caller, action: String) -> Result<(owner: String?, acl: String?), AWSServiceError> {
        let writer = caller.principal.account ?? bucket.account
        let hasACL = Self.hasACLHeaders(request)
        let owner: String
        switch bucket.ownership {
        case .bucketOwnerEnforced:
            guard hasACL else { return .success((nil, nil)) }
            switch requestedGrants(request, body: Data(), owner: bucket.account, bucketOwner: bucket.account) {
            case .failure(let e): return .failure(e)
            case .success(let grants):
                guard Set(grants) == Set(Self.ownerFullControl(bucket.account)) else { return .failure(Self.aclNotSupported()) }
                return .success((nil, nil))
            }
        case .bucketOwnerPreferred: owner = request.header("x-amz-acl") == "bucket-owner-full-control" ? bucket.account : writer
        case .objectWriter: owner = writer
        }
        var acl: String?
        if hasACL {
            switch requestedGrants(request, body: Data(), owner: owner, bucketOwner: bucket.account) {
            case .failure(let e): return .failure(e)
            case .success(let grants):
                if bucket.blockPublicAccess.blockPublicAcls, grants.contains(where: Self.isPublicGrant) {
                    return .failure(Self.publicACLBlocked(caller, action: action, resource: "arn:aws:s3:::\(bucket.name)/\(key)"))
                }
                acl = Self.encodeGrants(grants)
            }
        }
        return .success((owner == bucket.account ? nil : owner, acl))
    }

    // MARK: The resource side of authorization

    /// Actions decided in the object's context ("How Amazon S3 authorizes a request for an object
    /// operation"): the object's owner and ACL count. Writes, deletes and restores are decided in
    /// the bucket's: the bucket owner may delete, archive or restore any object, whoever owns it.
    static let objectContextActions: Set<String> = [
        "s3:getobject", "s3:getobjectversion", "s3:getobjectacl", "s3:getobjectversionacl", "s3:putobjectacl", "s3:putobjectversionacl",
        "s3:getobjecttagging", "s3:getobjectversiontagging", "s3:putobjecttagging", "s3:putobjectversiontagging",
        "s3:deleteobjecttagging", "s3:deleteobjectversiontagging", "s3:getobjectattributes", "s3:getobjectversionattributes",
        "s3:getobjecttorrent",
    ]

    /// The actions each ACL permission grants (S3 User Guide, "Mapping of ACL permissions and
    /// access policy permissions").
    static func aclActions(_ permission: String, onObject: Bool) -> [String] {
        if onObject {
            switch permission {
            case "READ": return ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTorrent"]
            case "READ_ACP": return ["s3:GetObjectAcl", "s3:GetObjectVersionAcl"]
            case "WRITE_ACP": return ["s3:PutObjectAcl", "s3:PutObjectVersionAcl"]
            case "FULL_CONTROL": return ["READ", "READ_ACP", "WRITE_ACP"].flatMap { aclActions($0, onObject: true) }
            default: return []
            }
        }
        switch permission {
        case "READ": return ["s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"]
        case "WRITE": return ["s3:PutObject", "s3:DeleteObject"]
        case "READ_ACP": return ["s3:GetBucketAcl"]
        case "WRITE_ACP": return ["s3:PutBucketAcl"]
        case "FULL_CONTROL": return ["READ", "WRITE", "READ_ACP", "WRITE_ACP"].flatMap { aclActions($0, onObject: false) }
        default: return []
        }
    }

    /// The resource side of one S3 authorization: the bucket's owner and policy, RestrictPublicBuckets,
    /// and where ACLs are enabled the applying ACL as resource-policy statements; for an object
    /// another account owns, that owner.
    func resourceTarget(_ caller: Caller, action: String, bucket: S3Bucket, key: String?, versionId: String?) -> ResourceTarget {
        var target = ResourceTarget(account: bucket.account, policy: bucket.policy)
        let block = bucket.blockPublicAccess
        target.restrictPublicBuckets = block.restrictPublicBuckets
        guard bucket.ownership.aclsEnabled else { return target }
        var grants: [Grant]
        let name: String, resources: [String], owner: String
        let onObject = key != nil && Self.objectContextActions.contains(action.lowercased())
        if let key, onObject {
            let store = configuration.store
            guard let record = versionId.flatMap({ store.version(bucket: bucket.name, key: key, versionId: $0) }) ?? store.record(bucket: bucket.name, key: key) else {
                return target
            }
            owner = self.owner(of: record, in: bucket)
            if owner != bucket.account { target.objectOwner = owner }
            grants = record.acl.map(Self.decodeGrants) ?? Self.ownerFullControl(owner)
            name = "ACL of object \(bucket.name)/\(key)"
            resources = ["arn:aws:s3:::\(bucket.name)/\(key)"]
        } else {
            owner = bucket.account
            grants = bucketGrants(bucket)
            name = "ACL of bucket \(bucket.name)"
            resources = [bucket.arn, bucket.arn + "/*"]
        }
        if block.ignorePublicAcls { grants.removeAll(where: Self.isPublicGrant) }
        var statements: [PolicyStatement] = []
        for grant in grants {
            let principal: PolicyPrincipal, who: String
            switch grant.grantee {
            case .user(let id):
                // The owner's own grant adds nothing to what its account's policies give it.
                guard let account = account(ofCanonicalId: id), account != owner else { continue }
                (principal, who) = (PolicyPrincipal(aws: ["arn:aws:iam::\(account):root"]), "account \(account)")
            case .group(let uri) where uri == Self.allUsers:
                (principal, who) = (.wildcard, "AllUsers")
            case .group(let uri) where uri == Self.authenticatedUsers:
                guard caller.principal.kind != .anonymous else { continue }
                (principal, who) = (.wildcard, "AuthenticatedUsers")
            case .group:
                continue
            }
            let actions = Self.aclActions(grant.permission, onObject: onObject)
            guard !actions.isEmpty else { continue }
            statements.append(PolicyStatement(sid: "ACL grant \(grant.permission) to \(who)", effect: .allow, principal: principal,
                                              action: actions, resource: resources))
        }
        if !statements.isEmpty { target.accessControlList = NamedPolicy(name: name, policy: Policy(statements: statements)) }
        return target
    }

    // MARK: Ownership controls

    func getBucketOwnershipControls(_ name: String, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "GetBucketOwnershipControls", action: "s3:GetBucketOwnershipControls", bucket: bucket, key: nil, now: now) {
            return .failure(denied)
        }
        guard let ownership = bucket.ownershipControls else {
            return .failure(AWSServiceError(code: ErrorCode.S3.ownershipControlsNotFoundError, status: 404,
                                            message: "The bucket ownership controls were not found", extraFields: [("BucketName", name)]))
        }
        return .success(Self.xmlResponse("<OwnershipControls xmlns=\"\(Self.namespace)\"><Rule><ObjectOwnership>\(ownership.rawValue)</ObjectOwnership></Rule></OwnershipControls>"))
    }

    func putBucketOwnershipControls(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "PutBucketOwnershipControls", action: "s3:PutBucketOwnershipControls", bucket: bucket, key: nil, now: now) {
            return .failure(denied)
        }
        guard let doc = XMLDoc.parse(request.body), doc.name == "OwnershipControls" else { return .failure(Self.malformedXML()) }
        let rules = doc.children.filter { $0.name == "Rule" }
        guard rules.count == 1, let text = rules[0].child("ObjectOwnership")?.text, let ownership = ObjectOwnership(rawValue: text) else {
            return .failure(Self.malformedXML())
        }
        // Disabling ACLs needs a bucket ACL that grants no one but the owner.
        if ownership == .bucketOwnerEnforced, Set(bucketGrants(bucket)) != Set(Self.ownerFullControl(bucket.account)) {
            return .failure(Self.bucketAclWithEnforced())
        }
        if let e = saveConfiguration(bucket, Self.ownershipControlsKey, ownership.rawValue) { return .failure(e) }
        return .success(EndpointResponse(status: 200, headers: [], body: Data()))
    }

    func deleteBucketOwnershipControls(_ name: String, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        // The Service Authorization Reference: deleting is authorized as s3:PutBucketOwnershipControls.
        if let denied = authorize(caller, operation: "DeleteBucketOwnershipControls", action: "s3:PutBucketOwnershipControls", bucket: bucket, key: nil, now: now) {
            return .failure(denied)
        }
        if let e = saveConfiguration(bucket, Self.ownershipControlsKey, "") { return .failure(e) }
        return .success(EndpointResponse(status: 204, headers: [], body: Data()))
    }

    static func bucketAclWithEnforced() -> AWSServiceError {
        AWSServiceError(code: ErrorCode.S3.invalidBucketAclWithObjectOwnership, status: 400,
                        message: "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
    }

    /// CreateBucket's `x-amz-object-ownership` (nil: S3's default, BucketOwnerEnforced).
    static func requestedOwnership(_ request: EndpointRequest) -> Result<ObjectOwnership?, AWSServiceError> {
        guard let text = request.header("x-amz-object-ownership") else { return .success(nil) }
        guard let ownership = ObjectOwnership(rawValue: text) else {
            return .failure(invalidArgument("Invalid x-amz-object-ownership header: \(text)", [("ArgumentName", "x-amz-object-ownership"), ("ArgumentValue", text)]))
        }
        return .success(ownership)
    }

    /// Saves (or, with nil, removes) one configuration entry of a bucket's runtime record.
    func saveConfiguration(_ bucket: S3Bucket, _ key: String, _ text: String?) -> AWSServiceError? {
        var info = configuration.store.bucketInfo(bucket.name)
            ?? BucketInfo(name: bucket.name, account: bucket.account, region: bucket.region, created: bucket.created,
                          policyOverridden: false, policy: nil, tags: nil)
        var documents = info.configurations ?? [:]
        documents[key] = text
        info.configurations = documents.isEmpty ? nil : documents
        do { try configuration.store.setBucketInfo(info) } catch { return Self.internalError(error) }
        return nil
    }

    // MARK: Block Public Access

    /// Settings as stored: the names of those that are on, comma-separated.
    static func encodeBlock(_ block: PublicAccessBlock) -> String {
        PublicAccessBlock.names.filter { block[$0] }.joined(separator: ",")
    }

    /// nil for "" (deleted).
    static func decodeBlock(_ text: String) -> PublicAccessBlock? {
        guard !text.isEmpty else { return nil }
        var block = PublicAccessBlock()
        for name in text.split(separator: ",") { block[String(name)] = true }
        return block
    }

    func getPublicAccessBlock(_ name: String, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "GetPublicAccessBlock", action: "s3:GetBucketPublicAccessBlock", bucket: bucket, key: nil, now: now) {
            return .failure(denied)
        }
        guard let block = bucket.publicAccessBlock else {
            return .failure(AWSServiceError(code: ErrorCode.S3.noSuchPublicAccessBlockConfiguration, status: 404,
                                            message: "The public access block configuration was not found", extraFields: [("BucketName", name)]))
        }
        var xml = "<PublicAccessBlockConfiguration xmlns=\"\(Self.namespace)\">"
        for setting in PublicAccessBlock.names { xml += "<\(setting)>\(block[setting])</\(setting)>" }
        return .success(Self.xmlResponse(xml + "</PublicAccessBlockConfiguration>"))
    }

    func putPublicAccessBlock(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "PutPublicAccessBlock", action: "s3:PutBucketPublicAccessBlock", bucket: bucket, key: nil, now: now) {
            return .failure(denied)
        }
        guard let doc = XMLDoc.parse(request.body), doc.name == "PublicAccessBlockConfiguration" else { return .failure(Self.malformedXML()) }
        var block = PublicAccessBlock()
        for child in doc.children {
            guard PublicAccessBlock.names.contains(child.name), let value = Bool(child.text.lowercased()) else { return .failure(Self.malformedXML()) }
            block[child.name] = value
        }
        if let e = saveConfiguration(bucket, Self.publicAccessBlockKey, Self.encodeBlock(block)) { return .failure(e) }
        return .success(EndpointResponse(status: 200, headers: [], body: Data()))
    }

    func deletePublicAccessBlock(_ name: String, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "DeletePublicAccessBlock", action: "s3:PutBucketPublicAccessBlock", bucket: bucket, key: nil, now: now) {
            return .failure(denied)
        }
        if let e = saveConfiguration(bucket, Self.publicAccessBlockKey, "") { return .failure(e) }
        return .success(EndpointResponse(status: 204, headers: [], body: Data()))
    }

    /// GetBucketPolicyStatus: whether the bucket's policy is public, as Block Public Access defines it.
    func getBucketPolicyStatus(_ name: String, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "GetBucketPolicyStatus", action: "s3:GetBucketPolicyStatus", bucket: bucket, key: nil, now: now) {
            return .failure(denied)
        }
        guard let policy = bucket.policy else {
            return .failure(AWSServiceError(code: ErrorCode.S3.noSuchBucketPolicy, status: 404, message: "The bucket policy does not exist", extraFields: [("BucketName", name)]))
        }
        let isPublic = PublicPolicy.isPublic(policy.policy)
        return .success(Self.xmlResponse("<PolicyStatus xmlns=\"\(Self.namespace)\"><IsPublic>\(isPublic)</IsPublic></PolicyStatus>"))
    }

    /// BlockPublicPolicy's refusal of a public bucket policy.
    static func publicPolicyBlocked(_ caller: Caller, bucket: S3Bucket) -> AWSServiceError {
        .accessDenied("User: \(caller.principal.arn) is not authorized to perform: s3:PutBucketPolicy on resource: \"\(bucket.arn)\" because public policies are blocked by the BlockPublicPolicy block public access setting.")
    }
}
