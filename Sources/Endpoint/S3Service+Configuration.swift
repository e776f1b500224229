import Foundation
import ObjectStore
import World

/// Bucket and object configuration as the S3 API reference describes it: access control lists
/// (bucket and object), CORS (with browsers' preflight requests), lifecycle, logging and event
/// notification. Each bucket document is stored, in S3's own XML, with the bucket's runtime facts.
extension S3Service {
    // MARK: Dispatch

    func dispatchConfiguration(_ handler: S3Route.Handler, bucket: String, key: String, _ request: EndpointRequest, caller: Caller, now: Date)
        -> Result<EndpointResponse, AWSServiceError> {
        switch handler {
        case .putBucketAcl: return putBucketAcl(bucket, request, caller: caller, now: now)
        case .getObjectAcl: return getObjectAcl(bucket, key, request, caller: caller, now: now)
        case .putObjectAcl: return putObjectAcl(bucket, key, request, caller: caller, now: now)
        case .getBucketCors: return getBucketDocument(bucket, .cors, caller: caller, now: now)
        case .putBucketCors: return putBucketDocument(bucket, .cors, request, caller: caller, now: now)
        case .deleteBucketCors: return deleteBucketDocument(bucket, .cors, caller: caller, now: now)
        case .getBucketLifecycle: return getBucketDocument(bucket, .lifecycle, caller: caller, now: now)
        case .putBucketLifecycle: return putBucketDocument(bucket, .lifecycle, request, caller: caller, now: now)
        case .deleteBucketLifecycle: return deleteBucketDocument(bucket, .lifecycle, caller: caller, now: now)
        case .getBucketLogging: return getBucketDocument(bucket, .logging, caller: caller, now: now)
        case .putBucketLogging: return putBucketDocument(bucket, .logging, request, caller: caller, now: now)
        case .getBucketNotification: return getBucketDocument(bucket, .notification, caller: caller, now: now)
        case .putBucketNotification: return putBucketDocument(bucket, .notification, request, caller: caller, now: now)
        default: return .failure(.s3NotImplemented)
        }
    }

    // MARK: Stored documents

    /// The documents a bucket keeps, by the subresource that reads and writes them.
    enum BucketDocument: String, Sendable {
        case acl, cors, lifecycle, logging, notification

        var getOperation: String {
            switch self {
            case .acl: "GetBucketAcl"
            case .cors: "GetBucketCors"
            case .lifecycle: "GetBucketLifecycleConfiguration"
            case .logging: "GetBucketLogging"
            case .notification: "GetBucketNotificationConfiguration"
            }
        }
        var putOperation: String {
            switch self {
            case .acl: "PutBucketAcl"
            case .cors: "PutBucketCors"
            case .lifecycle: "PutBucketLifecycleConfiguration"
            case .logging: "PutBucketLogging"
            case .notification: "PutBucketNotificationConfiguration"
            }
        }
        var deleteOperation: String {
            switch self {
            case .cors: "DeleteBucketCors"
            case .lifecycle: "DeleteBucketLifecycle"
            default: putOperation
            }
        }
        /// Service Authorization Reference: deleting CORS and lifecycle is authorized as putting them.
        var readAction: String {
            switch self {
            case .acl: "s3:GetBucketAcl"
            case .cors: "s3:GetBucketCORS"
            case .lifecycle: "s3:GetLifecycleConfiguration"
            case .logging: "s3:GetBucketLogging"
            case .notification: "s3:GetBucketNotification"
            }
        }
        var writeAction: String {
            switch self {
            case .acl: "s3:PutBucketAcl"
            case .cors: "s3:PutBucketCORS"
            case .lifecycle: "s3:PutLifecycleConfiguration"
            case .logging: "s3:PutBucketLogging"
            case .notification: "s3:PutBucketNotification"
            }
        }
    }

    func storedDocument(_ bucket: String, _ document: BucketDocument) -> String? {
        configuration.store.bucketInfo(bucket)?.configurations?[document.rawValue]
    }

    /// Saves (or, with nil, removes) one stored document of a bucket, keeping its other facts.
    func saveDocument(_ bucket: S3Bucket, _ document: BucketDocument, _ text: String?) -> AWSServiceError? {
        saveStoredConfiguration(bucket, document.rawValue, text)
    }

    func getBucketDocument(_ name: String, _ document: BucketDocument, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: document.getOperation, action: document.readAction, bucket: bucket, key: nil, now: now) {
            return .failure(denied)
        }
        let stored = storedDocument(name, document)
        switch document {
        case .cors:
            guard let stored else {
                return .failure(AWSServiceError(code: ErrorCode.S3.noSuchCORSConfiguration, status: 404, message: "The CORS configuration does not exist",
                                                extraFields: [("BucketName", name)]))
            }
            return .success(Self.xmlResponse(stored))
        case .lifecycle:
            guard let stored else {
                return .failure(AWSServiceError(code: ErrorCode.S3.noSuchLifecycleConfiguration, status: 404, message: "The lifecycle configuration does not exist",
                                                extraFields: [("BucketName", name)]))
            }
            var response = Self.xmlResponse(stored)
            response.headers.append((Self.transitionMinimumSizeHeader, Self.transitionMinimumSizeDefault))
            return .success(response)
        case .logging:
            return .success(Self.xmlResponse(stored ?? "<BucketLoggingStatus xmlns=\"\(Self.namespace)\"></BucketLoggingStatus>"))
        case .notification:
            return .success(Self.xmlResponse(stored ?? "<NotificationConfiguration xmlns=\"\(Self.namespace)\"></NotificationConfiguration>"))
        case .acl:
            return .success(Self.xmlResponse(aclXML(owner: bucket.account, grants: shownBucketGrants(bucket))))
        }
    }

    func putBucketDocument(_ name: String, _ document: BucketDocument, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: document.putOperation, action: document.writeAction, bucket: bucket, key: nil, now: now) {
            return .failure(denied)
        }
        let text: String?
        switch document {
        case .cors: switch Self.validateCORS(request.body) { case .failure(let e): return .failure(e); case .success(let t): text = t }
        case .lifecycle: switch Self.validateLifecycle(request.body) { case .failure(let e): return .failure(e); case .success(let t): text = t }
        case .logging: switch validateLogging(request.body, bucket: bucket) { case .failure(let e): return .failure(e); case .success(let t): text = t }
        case .notification: switch Self.validateNotification(request.body) { case .failure(let e): return .failure(e); case .success(let t): text = t }
        case .acl: return .failure(.s3NotImplemented)
        }
        if let e = saveDocument(bucket, document, text) { return .failure(e) }
        var response = EndpointResponse(status: 200, headers: [], body: Data())
        if document == .lifecycle { response.headers.append((Self.transitionMinimumSizeHeader, Self.transitionMinimumSizeDefault)) }
        return .success(response)
    }

    func deleteBucketDocument(_ name: String, _ document: BucketDocument, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: document.deleteOperation, action: document.writeAction, bucket: bucket, key: nil, now: now) {
            return .failure(denied)
        }
        if let e = saveDocument(bucket, document, nil) { return .failure(e) }
        return .success(EndpointResponse(status: 204, headers: [], body: Data()))
    }

    /// Where a bucket created with a legacy location constraint ("EU") keeps it, for GetBucketLocation.
    static let legacyLocationKey = "location"

    static let transitionMinimumSizeHeader = "x-amz-transition-default-minimum-object-size"
    static let transitionMinimumSizeDefault = "all_storage_classes_128K"

    /// An element tree in S3's XML: the namespace on the root, leaf text escaped.
    static func render(_ node: XMLDoc, namespace: String? = nil) -> String {
        let open = namespace.map { "<\(node.name) xmlns=\"\($0)\">" } ?? "<\(node.name)>"
        if node.children.isEmpty { return open + XML.escape(node.text) + "</\(node.name)>" }
        return open + node.children.map { render($0) }.joined() + "</\(node.name)>"
    }

    static func leaf(_ name: String, _ text: String) -> XMLDoc {
        let node = XMLDoc(name: name)
        node.text = text
        return node
    }

    static func invalidArgument(_ message: String, _ fields: [(String, String)] = []) -> AWSServiceError {
        AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400, message: message, extraFields: fields)
    }

    static func invalidRequest(_ message: String) -> AWSServiceError {
        AWSServiceError(code: ErrorCode.S3.invalidRequest, status: 400, message: message)
    }

    // MARK: Access control lists

    static let allUsers = "http://acs.amazonaws.com/groups/global/AllUsers"
    static let authenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
    static let logDelivery = "http://acs.amazonaws.com/groups/s3/LogDelivery"
    static let groupURIs: Set<String> = [allUsers, authenticatedUsers, logDelivery]
    static let permissions: Set<String> = ["FULL_CONTROL", "WRITE", "WRITE_ACP", "READ", "READ_ACP"]
    static let grantHeaders: [(header: String, permission: String)] = [
        ("x-amz-grant-full-control", "FULL_CONTROL"), ("x-amz-grant-read", "READ"), ("x-amz-grant-read-acp", "READ_ACP"),
        ("x-amz-grant-write", "WRITE"), ("x-amz-grant-write-acp", "WRITE_ACP"),
    ]

    /// One grant of an access control list.
    struct Grant: Hashable, Sendable {
        enum Grantee: Hashable, Sendable {
            case user(id: String)
            case group(uri: String)
        }
        var grantee: Grantee
        var permission: String
    }

    /// Grants as stored: one a line, `CanonicalUser` or `Group`, the id or URI, the permission, tab-separated.
    static func encodeGrants(_ grants: [Grant]) -> String {
        grants.map { grant in
            switch grant.grantee {
            case .user(let id): "CanonicalUser\t\(id)\t\(grant.permission)"
            case .group(let uri): "Group\t\(uri)\t\(grant.permission)"
            }
        }.joined(separator: "\n")
    }

    static func decodeGrants(_ text: String) -> [Grant] {
        text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 else { return nil }
            return Grant(grantee: parts[0] == "Group" ? .group(uri: parts[1]) : .user(id: parts[1]), permission: parts[2])
        }
    }

    /// A canned ACL's grants (S3 User Guide, "Canned ACL"); nil for a name S3 does not have.
    static func cannedGrants(_ name: String, owner: String, bucketOwner: String) -> [Grant]? {
        let ownerGrant = Grant(grantee: .user(id: canonicalUserId(owner)), permission: "FULL_CONTROL")
        switch name {
        case "private", "aws-exec-read": return [ownerGrant]
        case "public-read": return [ownerGrant, Grant(grantee: .group(uri: allUsers), permission: "READ")]
        case "public-read-write":
            return [ownerGrant, Grant(grantee: .group(uri: allUsers), permission: "READ"), Grant(grantee: .group(uri: allUsers), permission: "WRITE")]
        case "authenticated-read": return [ownerGrant, Grant(grantee: .group(uri: authenticatedUsers), permission: "READ")]
        case "bucket-owner-read":
            return owner == bucketOwner ? [ownerGrant] : [ownerGrant, Grant(grantee: .user(id: canonicalUserId(bucketOwner)), permission: "READ")]
        case "bucket-owner-full-control":
            return owner == bucketOwner ? [ownerGrant] : [ownerGrant, Grant(grantee: .user(id: canonicalUserId(bucketOwner)), permission: "FULL_CONTROL")]
        case "log-delivery-write":
            return [ownerGrant, Grant(grantee: .group(uri: logDelivery), permission: "WRITE"), Grant(grantee: .group(uri: logDelivery), permission: "READ_ACP")]
        default: return nil
        }
    }

    /// The account whose canonical user id this is, among the world's accounts.
    func account(ofCanonicalId id: String) -> String? {
        configuration.world.accounts.keys.first { Self.canonicalUserId($0) == id.lowercased() }
    }

    /// The bucket's ACL as GetBucketAcl shows it: the owner's full control alone while ACLs are disabled.
    func shownBucketGrants(_ bucket: S3Bucket) -> [Grant] {
        bucket.ownership.aclsEnabled ? bucketGrants(bucket) : Self.ownerFullControl(bucket.account)
    }

    /// The bucket's ACL: the one stored, else `private` (the owner's full control).
    func bucketGrants(_ bucket: S3Bucket) -> [Grant] {
        storedDocument(bucket.name, .acl).map(Self.decodeGrants) ?? Self.cannedGrants("private", owner: bucket.account, bucketOwner: bucket.account) ?? []
    }

    func displayName(_ account: String) -> String { configuration.world.accounts[account]?.alias ?? account }

    func aclXML(owner: String, grants: [Grant]) -> String {
        var xml = "<AccessControlPolicy xmlns=\"\(Self.namespace)\">\(ownerXML(owner))<AccessControlList>"
        for grant in grants {
            switch grant.grantee {
            case .user(let id):
                xml += "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\"><ID>\(XML.escape(id))</ID>"
                if let account = account(ofCanonicalId: id) { xml += "<DisplayName>\(XML.escape(displayName(account)))</DisplayName>" }
                xml += "</Grantee>"
            case .group(let uri):
                xml += "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Group\"><URI>\(XML.escape(uri))</URI></Grantee>"
            }
            xml += "<Permission>\(grant.permission)</Permission></Grant>"
        }
        return xml + "</AccessControlList></AccessControlPolicy>"
    }

    static func malformedACL() -> AWSServiceError {
        AWSServiceError(code: ErrorCode.S3.malformedACLError, status: 400,
                        message: "The XML you provided was not well-formed or did not validate against our published schema")
    }

    /// The ACL a PutBucketAcl or PutObjectAcl request sets: a canned ACL (`x-amz-acl`), grant
    /// headers (`x-amz-grant-*`), or an AccessControlPolicy document, exactly one of them.
    func requestedGrants(_ request: EndpointRequest, body: Data, owner: String, bucketOwner: String) -> Result<[Grant], AWSServiceError> {
        let canned = request.header("x-amz-acl")
        let headerGrants = Self.grantHeaders.filter { request.header($0.header) != nil }
        if canned != nil && !headerGrants.isEmpty {
            return .failure(Self.invalidRequest("Specifying both Canned ACLs and Header Grants is not allowed"))
        }
        if canned != nil || !headerGrants.isEmpty {
            guard body.isEmpty else {
                return .failure(AWSServiceError(code: ErrorCode.S3.unexpectedContent, status: 400, message: "This request does not support content"))
            }
        }
        if let canned {
            guard let grants = Self.cannedGrants(canned, owner: owner, bucketOwner: bucketOwner) else {
                return .failure(Self.invalidArgument("", [("ArgumentName", "x-amz-acl"), ("ArgumentValue", canned)]))
            }
            return .success(grants)
        }
        if !headerGrants.isEmpty {
            var grants: [Grant] = []
            for (header, permission) in headerGrants {
                for item in (request.header(header) ?? "").split(separator: ",") {
                    let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard pair.count == 2 else { return .failure(Self.invalidArgument("Invalid grant header", [("ArgumentName", header)])) }
                    let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                    switch pair[0].lowercased() {
                    case "id": switch userGrantee(value) { case .failure(let e): return .failure(e); case .success(let g): grants.append(Grant(grantee: g, permission: permission)) }
                    case "uri": switch Self.groupGrantee(value) { case .failure(let e): return .failure(e); case .success(let g): grants.append(Grant(grantee: g, permission: permission)) }
                    case "emailaddress": return .failure(Self.unresolvableEmail(value))
                    default: return .failure(Self.invalidArgument("Argument format not recognized", [("ArgumentName", header), ("ArgumentValue", String(item))]))
                    }
                }
            }
            return .success(grants)
        }
        guard let doc = XMLDoc.parse(body), doc.name == "AccessControlPolicy",
              let ownerId = doc.child("Owner")?.child("ID")?.text, let list = doc.child("AccessControlList") else { return .failure(Self.malformedACL()) }
        guard ownerId.lowercased() == Self.canonicalUserId(owner) else { return .failure(.accessDenied(AccessControl.plainS3Denial)) }
        var grants: [Grant] = []
        for node in list.children {
            guard node.name == "Grant", let grantee = node.child("Grantee"), let permission = node.child("Permission")?.text,
                  Self.permissions.contains(permission) else { return .failure(Self.malformedACL()) }
            if let id = grantee.child("ID")?.text {
                switch userGrantee(id) { case .failure(let e): return .failure(e); case .success(let g): grants.append(Grant(grantee: g, permission: permission)) }
            } else if let uri = grantee.child("URI")?.text {
                switch Self.groupGrantee(uri) { case .failure(let e): return .failure(e); case .success(let g): grants.append(Grant(grantee: g, permission: permission)) }
            } else if let email = grantee.child("EmailAddress")?.text {
                return .failure(Self.unresolvableEmail(email))
            } else {
                return .failure(Self.malformedACL())
            }
        }
        if grants.count > 100 { return .failure(Self.malformedACL()) }
        return .success(grants)
    }

    func userGrantee(_ id: String) -> Result<Grant.Grantee, AWSServiceError> {
        guard let account = account(ofCanonicalId: id) else {
            return .failure(Self.invalidArgument("Invalid id", [("ArgumentName", "CanonicalUser/ID"), ("ArgumentValue", id)]))
        }
        return .success(.user(id: Self.canonicalUserId(account)))
    }

    static func groupGrantee(_ uri: String) -> Result<Grant.Grantee, AWSServiceError> {
        guard groupURIs.contains(uri) else { return .failure(invalidArgument("Invalid group uri", [("ArgumentName", "Group/URI"), ("ArgumentValue", uri)])) }
        return .success(.group(uri: uri))
    }

    static func unresolvableEmail(_ email: String) -> AWSServiceError {
        AWSServiceError(code: ErrorCode.S3.unresolvableGrantByEmailAddress, status: 400,
                        message: "The e-mail address you provided does not match any account on record.", extraFields: [("EmailAddress", email)])
    }

    func putBucketAcl(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "PutBucketAcl", action: "s3:PutBucketAcl", bucket: bucket, key: nil, now: now) { return .failure(denied) }
        switch requestedGrants(request, body: request.body, owner: bucket.account, bucketOwner: bucket.account) {
        case .failure(let e): return .failure(e)
        case .success(let grants):
            // With ACLs disabled only the owner's full control is taken (and changes nothing).
            if !bucket.ownership.aclsEnabled {
                guard Set(grants) == Set(Self.ownerFullControl(bucket.account)) else { return .failure(Self.aclNotSupported()) }
                return .success(EndpointResponse(status: 200, headers: [], body: Data()))
            }
            if bucket.blockPublicAccess.blockPublicAcls, grants.contains(where: Self.isPublicGrant) {
                return .failure(Self.publicACLBlocked(caller, action: "s3:PutBucketAcl", resource: bucket.arn))
            }
            if let e = saveDocument(bucket, .acl, Self.encodeGrants(grants)) { return .failure(e) }
            return .success(EndpointResponse(status: 200, headers: [], body: Data()))
        }
    }

    func getObjectAcl(_ name: String, _ key: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        let versionId = request.queryItems["versionId"]
        if let denied = authorize(caller, operation: "GetObjectAcl", action: versionId == nil ? "s3:GetObjectAcl" : "s3:GetObjectVersionAcl",
                                  bucket: bucket, key: key, versionId: versionId, now: now) { return .failure(denied) }
        let record: ObjectRecord
        switch existingRecord(bucket, key, versionId: versionId, caller: caller, now: now) { case .failure(let e): return .failure(e); case .success(let r): record = r }
        let owner = owner(of: record, in: bucket)
        let grants = bucket.ownership.aclsEnabled ? record.acl.map(Self.decodeGrants) ?? Self.ownerFullControl(owner) : Self.ownerFullControl(owner)
        return .success(Self.xmlResponse(aclXML(owner: owner, grants: grants)))
    }

    /// Changes only the object's record: its bytes, and every other fact of it, stay as they are.
    func putObjectAcl(_ name: String, _ key: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        let versionId = request.queryItems["versionId"]
        // A version's ACL is its own action (Service Authorization Reference).
        let action = versionId == nil ? "s3:PutObjectAcl" : "s3:PutObjectVersionAcl"
        if let denied = authorize(caller, operation: "PutObjectAcl", action: action, bucket: bucket, key: key, versionId: versionId, now: now) {
            return .failure(denied)
        }
        var record: ObjectRecord
        switch existingRecord(bucket, key, versionId: versionId, caller: caller, now: now) { case .failure(let e): return .failure(e); case .success(let r): record = r }
        let body: Data
        switch decodePayload(request, caller: caller, defaultChecksum: false) { case .failure(let e): return .failure(e); case .success(let p): body = p.data }
        let owner = owner(of: record, in: bucket)
        switch requestedGrants(request, body: body, owner: owner, bucketOwner: bucket.account) {
        case .failure(let e): return .failure(e)
        case .success(let grants):
            // With ACLs disabled only the owner's full control is taken (and changes nothing).
            if !bucket.ownership.aclsEnabled {
                guard Set(grants) == Set(Self.ownerFullControl(owner)) else { return .failure(Self.aclNotSupported()) }
                return .success(EndpointResponse(status: 200, headers: [], body: Data()))
            }
            if bucket.blockPublicAccess.blockPublicAcls, grants.contains(where: Self.isPublicGrant) {
                return .failure(Self.publicACLBlocked(caller, action: action, resource: "arn:aws:s3:::\(bucket.name)/\(key)"))
            }
            record.acl = Self.encodeGrants(grants)
        }
        do { try configuration.store.update(bucket: name, record: record) } catch { return .failure(Self.internalError(error)) }
        return .success(EndpointResponse(status: 200, headers: [], body: Data()))
    }

    // MARK: CORS

    static let corsMethods: Set<String> = ["GET", "PUT", "HEAD", "POST", "DELETE"]

    /// A CORSConfiguration as S3 takes it: 1 to 100 rules, each with origins and methods S3 knows.
    static func validateCORS(_ body: Data) -> Result<String, AWSServiceError> {
        guard let doc = XMLDoc.parse(body), doc.name == "CORSConfiguration" else { return .failure(malformedXML()) }
        let rules = doc.children.filter { $0.name == "CORSRule" }
        guard !rules.isEmpty, rules.count == doc.children.count else { return .failure(malformedXML()) }
        guard rules.count <= 100 else { return .failure(malformedXML()) }
        let known: Set<String> = ["ID", "AllowedOrigin", "AllowedMethod", "AllowedHeader", "ExposeHeader", "MaxAgeSeconds"]
        for rule in rules {
            guard rule.children.allSatisfy({ known.contains($0.name) }) else { return .failure(malformedXML()) }
            let origins = rule.children.filter { $0.name == "AllowedOrigin" }
            let methods = rule.children.filter { $0.name == "AllowedMethod" }
            guard !origins.isEmpty, !methods.isEmpty else { return .failure(malformedXML()) }
            for method in methods where !corsMethods.contains(method.text) {
                return .failure(invalidRequest("Found unsupported HTTP method in CORS config. Unsupported method is \(method.text)"))
            }
            for origin in origins where origin.text.filter({ $0 == "*" }).count > 1 {
                return .failure(invalidRequest("AllowedOrigin \"\(origin.text)\" can not have more than one wildcard."))
            }
            for header in rule.children where header.name == "AllowedHeader" && header.text.filter({ $0 == "*" }).count > 1 {
                return .failure(invalidRequest("AllowedHeader \"\(header.text)\" can not have more than one wildcard."))
            }
            if let age = rule.child("MaxAgeSeconds"), Int(age.text) == nil { return .failure(malformedXML()) }
            if let id = rule.child("ID"), id.text.count > 255 { return .failure(invalidArgument("ID length should not exceed allowed limit of 255")) }
        }
        return .success(render(doc, namespace: namespace))
    }

    /// A pattern with at most one `*`, as CORS rules write origins and headers.
    static func wildcardMatches(_ pattern: String, _ value: String, caseInsensitive: Bool) -> Bool {
        let (p, v) = caseInsensitive ? (pattern.lowercased(), value.lowercased()) : (pattern, value)
        guard let star = p.firstIndex(of: "*") else { return p == v }
        let prefix = String(p[..<star]), suffix = String(p[p.index(after: star)...])
        return v.count >= prefix.count + suffix.count && v.hasPrefix(prefix) && v.hasSuffix(suffix)
    }

    /// A CORS rule a request matched, and the headers S3 answers with for it.
    struct CORSMatch {
        var origins: [String]
        var methods: [String]
        var exposeHeaders: [String]
        var maxAge: String?

        func headers(origin: String, requestedHeaders: String?, preflight: Bool) -> [(String, String)] {
            var headers: [(String, String)] = []
            let any = origins.contains("*")
            headers.append(("Access-Control-Allow-Origin", any ? "*" : origin))
            headers.append(("Access-Control-Allow-Methods", methods.joined(separator: ", ")))
            if preflight, let requestedHeaders, !requestedHeaders.isEmpty {
                headers.append(("Access-Control-Allow-Headers", requestedHeaders))
            }
            if !exposeHeaders.isEmpty { headers.append(("Access-Control-Expose-Headers", exposeHeaders.joined(separator: ", "))) }
            if let maxAge { headers.append(("Access-Control-Max-Age", maxAge)) }
            if !any { headers.append(("Access-Control-Allow-Credentials", "true")) }
            headers.append(("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"))
            return headers
        }
    }

    /// The first rule of the bucket's CORS configuration that allows `origin`, `method` and every requested header.
    func corsRule(bucket: String, origin: String, method: String, requestedHeaders: [String]) -> CORSMatch? {
        guard let stored = storedDocument(bucket, .cors), let doc = XMLDoc.parse(Data(stored.utf8)) else { return nil }
        for rule in doc.children where rule.name == "CORSRule" {
            let values = { (name: String) in rule.children.filter { $0.name == name }.map(\.text) }
            let origins = values("AllowedOrigin"), methods = values("AllowedMethod"), allowedHeaders = values("AllowedHeader")
            guard origins.contains(where: { Self.wildcardMatches($0, origin, caseInsensitive: false) }), methods.contains(method) else { continue }
            guard requestedHeaders.allSatisfy({ header in allowedHeaders.contains { Self.wildcardMatches($0, header, caseInsensitive: true) } }) else { continue }
            return CORSMatch(origins: origins, methods: methods, exposeHeaders: values("ExposeHeader"), maxAge: rule.child("MaxAgeSeconds")?.text)
        }
        return nil
    }

    static func corsRefusal(_ message: String, method: String, level: String) -> AWSServiceError {
        AWSServiceError(code: ErrorCode.S3.accessForbidden, status: 403, message: "CORSResponse: \(message)",
                        extraFields: [("Method", method), ("ResourceType", level)])
    }

    /// A browser's preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`):
    /// unsigned, answered from the bucket's CORS rules without any authorization.
    func preflight(_ request: EndpointRequest, address: Address) -> EndpointResponse {
        let result: Result<EndpointResponse, AWSServiceError> = {
            guard let name = address.bucket else {
                return .failure(AWSServiceError(code: ErrorCode.S3.badRequest, status: 400, message: "Insufficient information. Bucket name needed."))
            }
            guard let origin = request.header("origin") else {
                return .failure(AWSServiceError(code: ErrorCode.S3.badRequest, status: 400, message: "Insufficient information. Origin request header needed."))
            }
            guard let method = request.header("access-control-request-method"), Self.corsMethods.contains(method) else {
                return .failure(AWSServiceError(code: ErrorCode.S3.badRequest, status: 400,
                                                message: "Invalid Access-Control-Request-Method: \(request.header("access-control-request-method") ?? "null")"))
            }
            guard lookupBucket(name) != nil else { return .failure(Self.noSuchBucket(name)) }
            let level = address.key == nil ? "BUCKET" : "OBJECT"
            guard storedDocument(name, .cors) != nil else {
                return .failure(Self.corsRefusal("CORS is not enabled for this bucket.", method: method, level: level))
            }
            let requested = request.header("access-control-request-headers")
            let headers = (requested ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
            guard let match = corsRule(bucket: name, origin: origin, method: method, requestedHeaders: headers) else {
                return .failure(Self.corsRefusal("This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
                                                 method: method, level: level))
            }
            return .success(EndpointResponse(status: 200, headers: match.headers(origin: origin, requestedHeaders: headers.joined(separator: ", "), preflight: true),
                                             body: Data()))
        }()
        switch result {
        case .success(var response):
            response.headers.append(("x-amz-request-id", request.requestId))
            response.headers.append(("x-amz-id-2", XML.hostId(request.requestId)))
            return response
        case .failure(let error):
            return error.response(.restXML, requestId: request.requestId)
        }
    }

    /// The CORS headers of an actual (not preflight) request that carries `Origin`.
    func corsHeaders(_ request: EndpointRequest, address: Address) -> [(String, String)] {
        guard let origin = request.header("origin"), let name = address.bucket,
              let match = corsRule(bucket: name, origin: origin, method: request.method, requestedHeaders: []) else { return [] }
        return match.headers(origin: origin, requestedHeaders: nil, preflight: false)
    }

    // MARK: Lifecycle

    static let lifecycleActions: Set<String> = ["Expiration", "Transition", "NoncurrentVersionExpiration", "NoncurrentVersionTransition",
                                                "AbortIncompleteMultipartUpload"]

    /// A LifecycleConfiguration: 1 to 1,000 rules with unique IDs (S3 names those without one),
    /// a status, and at least one action.
    static func validateLifecycle(_ body: Data) -> Result<String, AWSServiceError> {
        guard let doc = XMLDoc.parse(body), doc.name == "LifecycleConfiguration" else { return .failure(malformedXML()) }
        let rules = doc.children.filter { $0.name == "Rule" }
        guard !rules.isEmpty, rules.count == doc.children.count, rules.count <= 1000 else { return .failure(malformedXML()) }
        var ids = Set<String>()
        for rule in rules {
            guard let status = rule.child("Status")?.text, status == "Enabled" || status == "Disabled" else { return .failure(malformedXML()) }
            if let id = rule.child("ID") {
                guard id.text.count <= 255 else { return .failure(invalidArgument("ID length should not exceed allowed limit of 255")) }
            } else {
                rule.children.insert(leaf("ID", UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()), at: 0)
            }
            let id = rule.child("ID")?.text ?? ""
            guard ids.insert(id).inserted else { return .failure(invalidArgument("Rule ID must be unique. Found same ID for more than one rule")) }
            guard rule.children.contains(where: { lifecycleActions.contains($0.name) }) else {
                return .failure(invalidRequest("At least one action needs to be specified in a rule"))
            }
            if let days = rule.child("Expiration")?.child("Days")?.text, (Int(days) ?? 0) <= 0 {
                return .failure(invalidArgument("'Days' for Expiration action must be a positive integer"))
            }
            if let date = rule.child("Expiration")?.child("Date")?.text, lifecycleDate(date) == nil {
                return .failure(invalidArgument("'Date' must be at midnight GMT"))
            }
        }
        return .success(render(doc, namespace: namespace))
    }

    /// A lifecycle date: ISO 8601 at midnight UTC.
    static func lifecycleDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
        guard let date, Int(date.timeIntervalSince1970) % 86_400 == 0 else { return nil }
        return date
    }

    // MARK: Logging and notification

    /// BucketLoggingStatus: empty to disable logging, or LoggingEnabled with a target bucket of
    /// the same owner.
    func validateLogging(_ body: Data, bucket: S3Bucket) -> Result<String?, AWSServiceError> {
        guard let doc = XMLDoc.parse(body), doc.name == "BucketLoggingStatus" else { return .failure(Self.malformedXML()) }
        guard let enabled = doc.child("LoggingEnabled") else {
            guard doc.children.isEmpty else { return .failure(Self.malformedXML()) }
            return .success(nil)
        }
        guard let target = enabled.child("TargetBucket")?.text, enabled.child("TargetPrefix") != nil else { return .failure(Self.malformedXML()) }
        guard let targetBucket = lookupBucket(target) else {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidTargetBucketForLogging, status: 400, message: "The target bucket for logging does not exist",
                                            extraFields: [("TargetBucket", target)]))
        }
        guard targetBucket.account == bucket.account else {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidTargetBucketForLogging, status: 400,
                                            message: "The owner for the bucket to be logged and the target bucket must be the same.",
                                            extraFields: [("TargetBucket", target)]))
        }
        return .success(Self.render(doc, namespace: Self.namespace))
    }

    static let notificationKinds: [String: String?] = ["TopicConfiguration": "Topic", "QueueConfiguration": "Queue",
                                                       "CloudFunctionConfiguration": "CloudFunction", "EventBridgeConfiguration": nil]

    /// NotificationConfiguration: topic, queue and function destinations with their events, or
    /// EventBridge. Empty removes every notification.
    static func validateNotification(_ body: Data) -> Result<String?, AWSServiceError> {
        guard let doc = XMLDoc.parse(body), doc.name == "NotificationConfiguration" else { return .failure(malformedXML()) }
        var ids = Set<String>()
        for configuration in doc.children {
            guard let entry = notificationKinds[configuration.name] else { return .failure(malformedXML()) }
            guard let destination = entry else { continue }
            guard let arn = configuration.child(destination)?.text, arn.hasPrefix("arn:") else {
                return .failure(invalidArgument("Unable to validate the following destination configurations"))
            }
            let events = configuration.children.filter { $0.name == "Event" }
            guard !events.isEmpty, events.allSatisfy({ $0.text.hasPrefix("s3:") }) else {
                return .failure(invalidArgument("The event is not supported for notifications", [("ArgumentName", "Event")]))
            }
            if configuration.child("Id") == nil {
                configuration.children.insert(leaf("Id", UUID().uuidString.lowercased()), at: 0)
            }
            guard ids.insert(configuration.child("Id")?.text ?? "").inserted else {
                return .failure(invalidArgument("Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type."))
            }
        }
        return .success(doc.children.isEmpty ? nil : render(doc, namespace: namespace))
    }
}

extension ObjectStore {
    /// Carries out the enabled Expiration and AbortIncompleteMultipartUpload actions of every
    /// bucket's lifecycle configuration as of `now`, as S3 does: an object expires at the first
    /// midnight UTC at least the rule's days after it was written, or on the rule's date.
    /// Returns how many objects and uploads it removed.
    @discardableResult
    public func applyLifecycleExpiration(now: Date) -> Int {
        var removed = 0
        for bucket in bucketNames() {
            guard let stored = bucketInfo(bucket)?.configurations?[S3Service.BucketDocument.lifecycle.rawValue],
                  let doc = XMLDoc.parse(Data(stored.utf8)) else { continue }
            for rule in doc.children where rule.name == "Rule" && rule.child("Status")?.text == "Enabled" {
                let filter = LifecycleFilter(rule)
                if let expiration = rule.child("Expiration") {
                    let days = expiration.child("Days").flatMap { Int($0.text) }
                    let date = expiration.child("Date").flatMap { S3Service.lifecycleDate($0.text) }
                    for record in list(bucket: bucket) where filter.matches(record) {
                        let due = days.map { Self.midnightAfter(record.lastModified, days: $0) } ?? date
                        guard let due, due <= now else { continue }
                        if (try? delete(bucket: bucket, key: record.key)) == true { removed += 1 }
                    }
                }
                if let days = rule.child("AbortIncompleteMultipartUpload")?.child("DaysAfterInitiation").flatMap({ Int($0.text) }) {
                    for upload in uploads(bucket: bucket) where filter.prefix.map({ upload.key.hasPrefix($0) }) ?? true {
                        guard Self.midnightAfter(upload.initiated, days: days) <= now else { continue }
                        if abortUpload(bucket: bucket, uploadId: upload.uploadId) { removed += 1 }
                    }
                }
            }
        }
        return removed
    }

    /// `days` after `date`, rounded up to the next midnight UTC.
    static func midnightAfter(_ date: Date, days: Int) -> Date {
        let seconds = date.timeIntervalSince1970 + Double(days) * 86_400
        return Date(timeIntervalSince1970: (seconds / 86_400).rounded(.up) * 86_400)
    }
}

/// Which objects a lifecycle rule applies to: its prefix (the rule's own, or its filter's), tags
/// and size bounds.
struct LifecycleFilter {
    var prefix: String?
    var tags: [(String, String)] = []
    var greaterThan: Int?
    var lessThan: Int?

    init(_ rule: XMLDoc) {
        prefix = rule.child("Prefix")?.text
        guard let filter = rule.child("Filter") else { return }
        let parts = filter.child("And") ?? filter
        if let p = parts.child("Prefix")?.text { prefix = p }
        for tag in parts.children where tag.name == "Tag" {
            tags.append((tag.child("Key")?.text ?? "", tag.child("Value")?.text ?? ""))
        }
        greaterThan = parts.child("ObjectSizeGreaterThan").flatMap { Int($0.text) }
        lessThan = parts.child("ObjectSizeLessThan").flatMap { Int($0.text) }
    }

    func matches(_ record: ObjectRecord) -> Bool {
        if let prefix, !record.key.hasPrefix(prefix) { return false }
        for (key, value) in tags where record.tags?[key] != value { return false }
        if let greaterThan, record.size <= greaterThan { return false }
        if let lessThan, record.size >= lessThan { return false }
        return true
    }
}
