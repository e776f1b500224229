import Foundation
import IAMPolicy
import ObjectStore
import Synchronization
import World

/// A bucket as S3 sees it now: from the world, or created at runtime, with its current policy.
struct S3Bucket: Sendable {
    var name: String
    var account: String
    var region: String
    var policy: NamedPolicy?
    var created: Date
    var tags: [String: String]
    var fromWorld: Bool
    /// Object Ownership; nil after DeleteBucketOwnershipControls (objects then belong to their writers).
    var ownershipControls: ObjectOwnership? = .bucketOwnerEnforced
    /// The bucket's own Block Public Access settings, and its owner account's.
    var publicAccessBlock: PublicAccessBlock?
    var accountPublicAccessBlock: PublicAccessBlock?
    var arn: String { "arn:aws:s3:::\(name)" }
    var ownership: ObjectOwnership { ownershipControls ?? .objectWriter }
    /// The most restrictive combination of the bucket's and the account's settings.
    var blockPublicAccess: PublicAccessBlock { (publicAccessBlock ?? PublicAccessBlock()).union(accountPublicAccessBlock) }
}

/// Parsed runtime bucket policies, by their JSON text.
final class BucketPolicyCache: Sendable {
    private let cache = Mutex<[String: NamedPolicy]>([:])
    func policy(bucket: String, json: String) -> NamedPolicy? {
        if let hit = cache.withLock({ $0[json] }) { return hit }
        guard let parsed = try? Policy.parse(json, as: .resource) else { return nil }
        let named = NamedPolicy(name: "bucket policy of \(bucket)", policy: parsed)
        cache.withLock { $0[json] = named }
        return named
    }
}

extension S3Service {
    /// The bucket named `name`, if the store holds it: world facts, overridden by runtime ones.
    func lookupBucket(_ name: String) -> S3Bucket? {
        guard configuration.store.hasBucket(name) else { return nil }
        let world = configuration.world.bucket(named: name)
        let info = configuration.store.bucketInfo(name)
        guard world != nil || info != nil else { return nil }
        var bucket = S3Bucket(name: name, account: info?.account ?? world!.account, region: info?.region ?? world!.region,
                              policy: world?.policy, created: info?.created ?? Self.creationDate,
                              tags: info?.tags ?? world?.tags ?? [:], fromWorld: world != nil)
        if let info, info.policyOverridden || world == nil {
            bucket.policy = info.policy.flatMap { policies.policy(bucket: name, json: $0) }
        }
        bucket.ownershipControls = world?.objectOwnership ?? .bucketOwnerEnforced
        if let stored = info?.configurations?[Self.ownershipControlsKey] { bucket.ownershipControls = ObjectOwnership(rawValue: stored) }
        bucket.publicAccessBlock = world?.publicAccessBlock
        if let stored = info?.configurations?[Self.publicAccessBlockKey] { bucket.publicAccessBlock = Self.decodeBlock(stored) }
        bucket.accountPublicAccessBlock = configuration.world.accounts[bucket.account]?.publicAccessBlock
        return bucket
    }

    /// A bucket's region: its runtime record's, else the world's; nil for no such bucket.
    func bucketRegion(_ name: String) -> String? {
        guard configuration.store.hasBucket(name) else { return nil }
        return configuration.store.bucketInfo(name)?.region ?? configuration.world.bucket(named: name)?.region
    }

    func bucket(_ name: String) -> Result<S3Bucket, AWSServiceError> {
        guard let bucket = lookupBucket(name) else { return .failure(Self.noSuchBucket(name)) }
        return .success(bucket)
    }

    static func noSuchBucket(_ name: String) -> AWSServiceError {
        AWSServiceError(code: ErrorCode.S3.noSuchBucket, status: 404, message: "The specified bucket does not exist", extraFields: [("BucketName", name)])
    }

    func allBuckets() -> [S3Bucket] {
        configuration.store.bucketNames().compactMap { lookupBucket($0) }
    }

    /// Saves runtime facts of a bucket (policy, tags), keeping the rest.
    func saveBucket(_ bucket: S3Bucket, policyJSON: String??, tags: [String: String]?? = .none) -> AWSServiceError? {
        var info = configuration.store.bucketInfo(bucket.name)
            ?? BucketInfo(name: bucket.name, account: bucket.account, region: bucket.region, created: bucket.created,
                          policyOverridden: false, policy: nil, tags: nil)
        if let policyJSON { info.policy = policyJSON; info.policyOverridden = true }
        if let tags { info.tags = tags }
        do { try configuration.store.setBucketInfo(info) } catch { return Self.internalError(error) }
        return nil
    }

    /// The store's failure as S3 answers it: a conditional write that lost a race is 409
    /// ConditionalRequestConflict; anything else is an internal error.
    static func internalError(_ error: ObjectStoreError) -> AWSServiceError {
        if error.conflict {
            return AWSServiceError(code: ErrorCode.S3.conditionalRequestConflict, status: 409,
                                   message: "A conflicting operation occurred. If using PutObject you can retry the request. If using multipart upload you should initiate another CreateMultipartUpload request and re-upload each part.")
        }
        return AWSServiceError(code: ErrorCode.internalError, status: 500, message: "We encountered an internal error. Please try again. (\(error.description))")
    }

    static func malformedXML() -> AWSServiceError {
        AWSServiceError(code: ErrorCode.S3.malformedXML, status: 400, message: "The XML you provided was not well-formed or did not validate against our published schema")
    }

    /// The region the request was signed for (credential scope), or the world's.
    func signedRegion(_ request: EndpointRequest) -> String {
        let credential = request.header("authorization").flatMap { auth -> String? in
            guard let range = auth.range(of: "Credential=") else { return nil }
            return String(auth[range.upperBound...].prefix { $0 != "," && $0 != " " })
        } ?? request.queryItems["X-Amz-Credential"]
        let parts = credential?.split(separator: "/") ?? []
        return parts.count >= 3 ? String(parts[2]) : configuration.world.region
    }

    /// A signed request for an existing bucket must be signed for the bucket's region, as S3 requires
    /// (botocore reads `<Region>` and retries there). CreateBucket and GetBucketLocation may be sent from any region.
    func wrongRegion(_ name: String, key: String?, _ request: EndpointRequest, query: [String: String]) -> AWSServiceError? {
        let signed = request.header("authorization") != nil || request.queryItems["X-Amz-Credential"] != nil
        guard signed, query["location"] == nil, !(request.method == "PUT" && key == nil && query.isEmpty),
              let bucketRegion = bucketRegion(name) else { return nil }
        let region = signedRegion(request)
        guard region != bucketRegion else { return nil }
        let detail = "the region '\(region)' is wrong; expecting '\(bucketRegion)'"
        var error = request.header("authorization") != nil
            ? AWSServiceError(code: ErrorCode.S3.authorizationHeaderMalformed, status: 400, message: "The authorization header is malformed; " + detail,
                              extraFields: [("Region", bucketRegion)])
            : AWSServiceError(code: ErrorCode.S3.authorizationQueryParametersError, status: 400, message: "Error parsing the X-Amz-Credential parameter; " + detail,
                              extraFields: [("Region", bucketRegion)])
        error.bareStatus = request.method == "HEAD"
        return error
    }

    // MARK: CreateBucket / DeleteBucket

    /// S3's general purpose bucket naming rules.
    static func isValidBucketName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count) else { return false }
        func ok(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x2D }
        func alnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        guard bytes.allSatisfy(ok), alnum(bytes.first!), alnum(bytes.last!) else { return false }
        if name.contains("..") { return false }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) { return false }
        for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] where name.hasPrefix(prefix) { return false }
        for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] where name.hasSuffix(suffix) { return false }
        return true
    }

    func createBucket(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        guard caller.principal.kind != .anonymous, let account = caller.principal.account else { return .failure(.accessDenied("Access Denied")) }
        guard Self.isValidBucketName(name) else {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidBucketName, status: 400, message: "The specified bucket is not valid.", extraFields: [("BucketName", name)]))
        }
        let endpointRegion = signedRegion(request)
        var constraint: String?
        if !request.body.isEmpty {
            guard let doc = XMLDoc.parse(request.body), doc.name == "CreateBucketConfiguration" else { return .failure(Self.malformedXML()) }
            constraint = doc.child("LocationConstraint")?.text
            if constraint?.isEmpty == true { constraint = nil }
        }
        // "EU" is S3's legacy constraint for eu-west-1, and GetBucketLocation answers it as given.
        let legacyEU = constraint == "EU"
        if legacyEU { constraint = "eu-west-1" }
        if constraint == "us-east-1" {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidLocationConstraint, status: 400, message: "The specified location-constraint is not valid",
                                            extraFields: [("LocationConstraint", "us-east-1")]))
        }
        if let constraint, constraint != endpointRegion {
            return .failure(AWSServiceError(code: ErrorCode.S3.illegalLocationConstraintException, status: 400,
                                            message: "The \(constraint) location constraint is incompatible for the region specific endpoint this request was sent to."))
        }
        if constraint == nil, endpointRegion != "us-east-1" {
            return .failure(AWSServiceError(code: ErrorCode.S3.illegalLocationConstraintException, status: 400,
                                            message: "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to."))
        }
        let region = constraint ?? "us-east-1"
        let target = S3Bucket(name: name, account: account, region: region, policy: nil, created: now, tags: [:], fromWorld: false)
        // CreateBucket is authorized by the caller's identity policies alone; setting Object
        // Ownership on it needs s3:PutBucketOwnershipControls too.
        let ownership: ObjectOwnership?
        switch Self.requestedOwnership(request) { case .failure(let e): return .failure(e); case .success(let o): ownership = o }
        if let denied = authorize(caller, operation: "CreateBucket", action: "s3:CreateBucket", bucket: target, key: nil, now: now) { return .failure(denied) }
        if ownership != nil,
           let denied = authorize(caller, operation: "CreateBucket", action: "s3:PutBucketOwnershipControls", bucket: target, key: nil, now: now) {
            return .failure(denied)
        }
        // A canned ACL or grants at creation: none but the owner's while ACLs are disabled.
        var bucketACL: String?
        if Self.hasACLHeaders(request) {
            switch requestedGrants(request, body: Data(), owner: account, bucketOwner: account) {
            case .failure(let e): return .failure(e)
            case .success(let grants):
                if (ownership ?? .bucketOwnerEnforced) == .bucketOwnerEnforced, Set(grants) != Set(Self.ownerFullControl(account)) {
                    return .failure(Self.bucketAclWithEnforced())
                }
                if configuration.world.accounts[account]?.publicAccessBlock?.blockPublicAcls == true, grants.contains(where: Self.isPublicGrant) {
                    return .failure(Self.publicACLBlocked(caller, action: "s3:PutBucketAcl", resource: target.arn))
                }
                if Set(grants) != Set(Self.ownerFullControl(account)) { bucketACL = Self.encodeGrants(grants) }
            }
        }
        if let existing = lookupBucket(name) {
            if existing.account == account {
                // us-east-1 keeps S3's legacy answer: success for a bucket the caller already owns.
                if existing.region == "us-east-1" && region == "us-east-1" {
                    return .success(EndpointResponse(status: 200, headers: [("Location", "/\(name)")], body: Data()))
                }
                return .failure(AWSServiceError(code: ErrorCode.S3.bucketAlreadyOwnedByYou, status: 409,
                                                message: "Your previous request to create the named bucket succeeded and you already own it.", extraFields: [("BucketName", name)]))
            }
            return .failure(AWSServiceError(code: ErrorCode.S3.bucketAlreadyExists, status: 409,
                                            message: "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
                                            extraFields: [("BucketName", name)]))
        }
        if configuration.world.bucket(named: name) != nil, configuration.world.bucket(named: name)?.account != account {
            return .failure(AWSServiceError(code: ErrorCode.S3.bucketAlreadyExists, status: 409,
                                            message: "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
                                            extraFields: [("BucketName", name)]))
        }
        do {
            var info = BucketInfo(name: name, account: account, region: region, created: now, policyOverridden: true, policy: nil, tags: nil)
            var documents = [Self.ownershipControlsKey: (ownership ?? .bucketOwnerEnforced).rawValue]
            if legacyEU { documents[Self.legacyLocationKey] = "EU" }
            if let bucketACL { documents[BucketDocument.acl.rawValue] = bucketACL }
            info.configurations = documents
            try configuration.store.setBucketInfo(info)
        } catch { return .failure(Self.internalError(error)) }
        return .success(EndpointResponse(status: 200, headers: [("Location", "/\(name)")], body: Data()))
    }

    func deleteBucket(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "DeleteBucket", action: "s3:DeleteBucket", bucket: bucket, key: nil, now: now) { return .failure(denied) }
        do {
            guard try configuration.store.deleteBucket(name) else {
                return .failure(AWSServiceError(code: ErrorCode.S3.bucketNotEmpty, status: 409, message: "The bucket you tried to delete is not empty", extraFields: [("BucketName", name)]))
            }
        } catch { return .failure(Self.internalError(error)) }
        return .success(EndpointResponse(status: 204, headers: [], body: Data()))
    }

    // MARK: Bucket policy

    /// Only the bucket owner's account may read or change a bucket's policy (others get 405, as S3 answers).
    func ownerOnly(_ caller: Caller, _ bucket: S3Bucket) -> AWSServiceError? {
        guard caller.principal.account == bucket.account else {
            return AWSServiceError(code: ErrorCode.S3.methodNotAllowed, status: 405, message: "The specified method is not allowed against this resource.",
                                   extraFields: [("Method", "PUT"), ("ResourceType", "BUCKETPOLICY")])
        }
        return nil
    }

    func getBucketPolicy(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "GetBucketPolicy", action: "s3:GetBucketPolicy", bucket: bucket, key: nil, now: now) { return .failure(denied) }
        if var e = ownerOnly(caller, bucket) { e.extraFields[0].1 = "GET"; return .failure(e) }
        let info = configuration.store.bucketInfo(name)
        let json: String?
        if let info, info.policyOverridden || !bucket.fromWorld { json = info.policy } else { json = bucket.policy.map { configuration.world.document(of: $0) } }
        guard let json else {
            return .failure(AWSServiceError(code: ErrorCode.S3.noSuchBucketPolicy, status: 404, message: "The bucket policy does not exist", extraFields: [("BucketName", name)]))
        }
        return .success(EndpointResponse(status: 200, headers: [("Content-Type", "application/json")], body: Data(json.utf8)))
    }

    func putBucketPolicy(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "PutBucketPolicy", action: "s3:PutBucketPolicy", bucket: bucket, key: nil, now: now) { return .failure(denied) }
        if let e = ownerOnly(caller, bucket) { return .failure(e) }
        let text = String(decoding: request.body, as: UTF8.self)
        guard request.body.count <= 20 * 1024 else {
            return .failure(AWSServiceError(code: ErrorCode.S3.policyTooLarge, status: 400, message: "Policy exceeds the maximum allowed document size."))
        }
        let policy: Policy
        do { policy = try Policy.parse(text, as: .resource) } catch {
            return .failure(AWSServiceError(code: ErrorCode.S3.malformedPolicy, status: 400, message: error.message))
        }
        // Every resource must be this bucket or something in it.
        for statement in policy.statements {
            for resource in (statement.resource ?? []) + (statement.notResource ?? []) {
                guard resource == bucket.arn || resource.hasPrefix(bucket.arn + "/") || resource == "*" ||
                        (resource.hasPrefix("arn:aws:s3:::") && Wildcard.matches(resource.split(separator: "/", maxSplits: 1).first.map(String.init) ?? resource, bucket.arn, caseInsensitive: false)) else {
                    return .failure(AWSServiceError(code: ErrorCode.S3.malformedPolicy, status: 400, message: "Policy has invalid resource"))
                }
            }
        }
        if bucket.blockPublicAccess.blockPublicPolicy, PublicPolicy.isPublic(policy) {
            return .failure(Self.publicPolicyBlocked(caller, bucket: bucket))
        }
        if let e = saveBucket(bucket, policyJSON: .some(text)) { return .failure(e) }
        return .success(EndpointResponse(status: 204, headers: [], body: Data()))
    }

    func deleteBucketPolicy(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "DeleteBucketPolicy", action: "s3:DeleteBucketPolicy", bucket: bucket, key: nil, now: now) { return .failure(denied) }
        if var e = ownerOnly(caller, bucket) { e.extraFields[0].1 = "DELETE"; return .failure(e) }
        if let e = saveBucket(bucket, policyJSON: .some(nil)) { return .failure(e) }
        return .success(EndpointResponse(status: 204, headers: [], body: Data()))
    }

    // MARK: ACL and tagging

    func ownerXML(_ account: String) -> String {
        "<Owner><ID>\(Self.canonicalUserId(account))</ID><DisplayName>\(XML.escape(configuration.world.accounts[account]?.alias ?? account))</DisplayName></Owner>"
    }

    func getBucketAcl(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "GetBucketAcl", action: "s3:GetBucketAcl", bucket: bucket, key: nil, now: now) { return .failure(denied) }
        return .success(Self.xmlResponse(aclXML(owner: bucket.account, grants: shownBucketGrants(bucket))))
    }

    static func tagsXML(_ tags: [String: String]) -> String {
        var xml = "<Tagging xmlns=\"\(namespace)\"><TagSet>"
        for (k, v) in tags.sorted(by: { $0.key < $1.key }) { xml += "<Tag><Key>\(XML.escape(k))</Key><Value>\(XML.escape(v))</Value></Tag>" }
        return xml + "</TagSet></Tagging>"
    }

    /// Reads `<Tagging><TagSet><Tag><Key/><Value/></Tag>...`, with S3's limits.
    static func parseTagging(_ body: Data, maxTags: Int) -> Result<[String: String], AWSServiceError> {
        guard let doc = XMLDoc.parse(body), doc.name == "Tagging", let set = doc.child("TagSet") else { return .failure(malformedXML()) }
        var tags: [String: String] = [:]
        for tag in set.children where tag.name == "Tag" {
            guard let key = tag.child("Key")?.text else { return .failure(malformedXML()) }
            let value = tag.child("Value")?.text ?? ""
            if tags[key] != nil {
                return .failure(AWSServiceError(code: ErrorCode.S3.invalidTag, status: 400, message: "Cannot provide multiple Tags with the same key", extraFields: [("TagKey", key)]))
            }
            if key.isEmpty || key.count > 128 {
                return .failure(AWSServiceError(code: ErrorCode.S3.invalidTag, status: 400, message: "The TagKey you have provided is invalid", extraFields: [("TagKey", key)]))
            }
            if value.count > 256 {
                return .failure(AWSServiceError(code: ErrorCode.S3.invalidTag, status: 400, message: "The TagValue you have provided is invalid", extraFields: [("TagKey", key), ("TagValue", value)]))
            }
            tags[key] = value
        }
        if tags.count > maxTags {
            return .failure(AWSServiceError(code: ErrorCode.S3.badRequest, status: 400, message: maxTags == 10 ? "Object tags cannot be greater than 10" : "Bucket tag count cannot be greater than \(maxTags)"))
        }
        return .success(tags)
    }

    func getBucketTagging(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "GetBucketTagging", action: "s3:GetBucketTagging", bucket: bucket, key: nil, now: now) { return .failure(denied) }
        guard !bucket.tags.isEmpty else {
            return .failure(AWSServiceError(code: ErrorCode.S3.noSuchTagSet, status: 404, message: "The TagSet does not exist", extraFields: [("BucketName", name)]))
        }
        return .success(Self.xmlResponse(Self.tagsXML(bucket.tags)))
    }

    func putBucketTagging(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "PutBucketTagging", action: "s3:PutBucketTagging", bucket: bucket, key: nil, now: now) { return .failure(denied) }
        switch Self.parseTagging(request.body, maxTags: 50) {
        case .failure(let e): return .failure(e)
        case .success(let tags):
            if let e = saveBucket(bucket, policyJSON: .none, tags: .some(tags)) { return .failure(e) }
            return .success(EndpointResponse(status: 204, headers: [], body: Data()))
        }
    }

    func deleteBucketTagging(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        // S3 authorizes DeleteBucketTagging as s3:PutBucketTagging.
        if let denied = authorize(caller, operation: "DeleteBucketTagging", action: "s3:PutBucketTagging", bucket: bucket, key: nil, now: now) { return .failure(denied) }
        if let e = saveBucket(bucket, policyJSON: .none, tags: .some([:])) { return .failure(e) }
        return .success(EndpointResponse(status: 204, headers: [], body: Data()))
    }
}

