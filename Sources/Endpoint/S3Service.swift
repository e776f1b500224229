import Crypto
import Foundation
import NIOPosix
import IAMPolicy
import ObjectStore
import World

/// S3 on the REST-XML protocol, path-style and virtual-hosted addressing.
struct S3Service: Sendable {
    let configuration: EndpointConfiguration
    let access: AccessControl
    /// KMS keys, for SSE-KMS objects.
    let keyring: KMSKeyring
    let policies = BucketPolicyCache()
    let completedUploads = CompletedUploads()
    static let namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

    /// Bucket and key a request addresses.
    struct Address {
        var bucket: String?
        var key: String?
    }

    func address(of request: EndpointRequest) -> Address {
        var path = request.rawPath
        if path.hasPrefix("/") { path.removeFirst() }
        if let bucket = Self.virtualHostBucket(request.header("host")) {
            return Address(bucket: bucket, key: path.isEmpty ? nil : Self.decodePath(path))
        }
        if path.isEmpty { return Address(bucket: nil, key: nil) }
        guard let slash = path.firstIndex(of: "/") else { return Address(bucket: Self.decodePath(path), key: nil) }
        let bucket = Self.decodePath(String(path[..<slash]))
        let key = String(path[path.index(after: slash)...])
        return Address(bucket: bucket, key: key.isEmpty ? nil : Self.decodePath(key))
    }

    /// The bucket a virtual-hosted request names in its host: BUCKET.localhost[:port] (also
    /// BUCKET.s3.localhost); nil for path-style requests.
    static func virtualHostBucket(_ hostHeader: String?) -> String? {
        guard let host = hostHeader?.split(separator: ":").first.map(String.init), host.hasSuffix(".localhost") else { return nil }
        var bucket = String(host.dropLast(".localhost".count))
        if bucket.hasSuffix(".s3") { bucket = String(bucket.dropLast(3)) }
        return bucket.isEmpty || bucket == "s3" ? nil : bucket
    }

    static func decodePath(_ s: String) -> String { s.removingPercentEncoding ?? s }

    func handle(_ request: EndpointRequest, caller: Caller, now: Date) async -> EndpointResponse {
        let address = address(of: request)
        // A browser's CORS preflight is never signed: the bucket's CORS rules answer it.
        if request.method == "OPTIONS" { return preflight(request, address: address) }
        // Presigned requests carry their signature in the query: not part of the operation.
        let allQuery = request.queryItems
        var query = allQuery.filter { !$0.key.hasPrefix("X-Amz-") && !$0.key.hasPrefix("x-amz-") }
        if query["Signature"] != nil, query["AWSAccessKeyId"] != nil {
            // Signature Version 2's presigned parameters.
            for name in ["AWSAccessKeyId", "Signature", "Expires"] { query[name] = nil }
        }
        let result: Result<EndpointResponse, AWSServiceError>
        if let name = address.bucket, let wrong = wrongRegion(name, key: address.key, request, query: query) {
            return wrong.response(.restXML, requestId: request.requestId)
        }
        // S3's own table names the operation; a shape it names no served operation for changes nothing.
        let level: S3Level = address.bucket == nil ? .service : (address.key == nil ? .bucket : .object)
        let resolution = S3Routes.resolve(method: request.method, level: level, query: query, header: request.header)
        if case .route(let route) = resolution, let handler = route.handler {
            // The request's condition keys are read once; each authorization keeps its action's.
            var caller = caller
            caller.requestKeys = S3ConditionKeys.read(request, query: allQuery, now: now)
            result = await dispatch(handler, address, request, caller: caller, now: now)
        } else {
            let error = AWSServiceError.s3NotImplemented
            recordUnsupported(caller, resolution, method: request.method, address: address, now: now, error: error)
            result = .failure(error)
        }
        switch result {
        case .success(var response):
            response.headers.append(("x-amz-request-id", request.requestId))
            response.headers.append(("x-amz-id-2", XML.hostId(request.requestId)))
            response.headers += corsHeaders(request, address: address)
            return response
        case .failure(var error):
            if request.method == "HEAD" { error.bareStatus = true }
            // A browser reads an error only with the CORS headers of the rule its origin matches.
            var response = error.response(.restXML, requestId: request.requestId)
            response.headers += corsHeaders(request, address: address)
            return response
        }
    }

    /// Runs an operation that waits on the disk (fsyncs, renames, copies of objects) on NIO's
    /// pool for blocking work, so Swift's cooperative threads (as many as there are cores) stay
    /// free to hash other uploads and answer other requests meanwhile.
    func onBlockingPool(_ operation: @escaping @Sendable () -> Result<EndpointResponse, AWSServiceError>) async -> Result<EndpointResponse, AWSServiceError> {
        do { return try await NIOThreadPool.singleton.runIfActive(operation) } catch { return operation() }
    }

    // MARK: Authorization

    /// Authorizes an S3 action on a bucket or object and records the call. The resource side
    /// holds the bucket policy and, where ACLs are enabled, the bucket's or the object's ACL
    /// (`versionId` names the version an object operation addresses). The condition keys are the
    /// request's that `action` supports plus the bucket's and object's (`S3ConditionKeys`);
    /// `requestKeys` replaces the caller's (a multipart upload's parts are authorized with the
    /// keys of the request that created it).
    func authorize(_ caller: Caller, operation: String, action: String, bucket: S3Bucket, key: String?, versionId: String? = nil,
                   now: Date, record: Bool = true, requestKeys: [String: [String]]? = nil) -> AWSServiceError? {
        let resource = key.map { "arn:aws:s3:::\(bucket.name)/\($0)" } ?? bucket.arn
        let context = S3ConditionKeys.context(action: action, requestKeys: requestKeys ?? caller.requestKeys, bucket: bucket, key: key) {
            guard let key else { return nil }
            if let version = versionId ?? caller.requestKeys["s3:versionid"]?.first {
                return configuration.store.version(bucket: bucket.name, key: key, versionId: version)?.tags
            }
            return configuration.store.record(bucket: bucket.name, key: key)?.tags
        }
        let access = AccessRequest(caller: caller, action: action, resource: resource,
                                   target: resourceTarget(caller, action: action, bucket: bucket, key: key, versionId: versionId),
                                   requestContext: context)
        return self.access.check(access, service: "s3", operation: operation, shape: .s3, now: now, record: record).error
    }

    static func canonicalUserId(_ account: String) -> String {
        SHA256.hash(data: Data("glueshim-canonical-user:\(account)".utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func xmlResponse(_ body: String) -> EndpointResponse {
        EndpointResponse(status: 200, headers: [("Content-Type", "application/xml")],
                         body: Data((#"<?xml version="1.0" encoding="UTF-8"?>"# + "\n" + body).utf8))
    }

    // MARK: Buckets

    func listBuckets(_ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        guard let account = caller.principal.account, caller.principal.kind != .anonymous else {
            return .failure(.accessDenied("Access Denied"))
        }
        let access = AccessRequest(caller: caller, action: "s3:ListAllMyBuckets", resource: "*", target: ResourceTarget(account: account, policy: nil))
        if let denied = self.access.check(access, service: "s3", operation: "ListBuckets", shape: .s3, shownResource: .some(nil), now: now).error {
            return .failure(denied)
        }
        let page: BucketPage
        switch BucketPage.parse(request.queryItems) { case .failure(let e): return .failure(e); case .success(let p): page = p }
        let owned = allBuckets().filter { $0.account == account && page.includes($0) }.sorted { $0.name < $1.name }
        let shown = owned.prefix(page.maxBuckets)
        var xml = "<ListAllMyBucketsResult xmlns=\"\(Self.namespace)\"><Owner><ID>\(Self.canonicalUserId(account))</ID>"
        xml += XML.element("DisplayName", configuration.world.accounts[account]?.alias ?? account) + "</Owner><Buckets>"
        for bucket in shown {
            xml += "<Bucket><Name>\(XML.escape(bucket.name))</Name><CreationDate>\(XML.timestamp(bucket.created))</CreationDate><BucketRegion>\(bucket.region)</BucketRegion></Bucket>"
        }
        xml += "</Buckets>"
        if shown.count < owned.count, let last = shown.last { xml += XML.element("ContinuationToken", BucketPage.token(after: last.name)) }
        xml += XML.element("Prefix", page.prefix) + "</ListAllMyBucketsResult>"
        return .success(Self.xmlResponse(xml))
    }

    /// World buckets exist from before any run; S3 needs some creation date to show.
    static let creationDate = Date(timeIntervalSince1970: 1_719_568_800)

    func headBucket(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        switch bucket(name) {
        case .failure(let e): return .failure(e)
        case .success(let bucket):
            if let denied = authorize(caller, operation: "HeadBucket", action: "s3:ListBucket", bucket: bucket, key: nil, now: now) { return .failure(denied) }
            return .success(EndpointResponse(status: 200, headers: [("x-amz-bucket-region", bucket.region)], body: Data(), headContentLength: 0))
        }
    }

    func getBucketLocation(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        switch bucket(name) {
        case .failure(let e): return .failure(e)
        case .success(let bucket):
            if let denied = authorize(caller, operation: "GetBucketLocation", action: "s3:GetBucketLocation", bucket: bucket, key: nil, now: now) { return .failure(denied) }
            // us-east-1 is reported as an empty LocationConstraint.
            let region = configuration.store.bucketInfo(name)?.configurations?[Self.legacyLocationKey] ?? (bucket.region == "us-east-1" ? "" : bucket.region)
            return .success(Self.xmlResponse("<LocationConstraint xmlns=\"\(Self.namespace)\">\(region)</LocationConstraint>"))
        }
    }
}

/// ListBuckets' paging: max-buckets, continuation-token, prefix and bucket-region, checked as S3 checks them.
struct BucketPage {
    var maxBuckets: Int
    var after: String?
    var prefix: String?
    var region: String?

    /// Without max-buckets, a paged request (any of the other three) gets S3's default page of 10,000; otherwise every bucket.
    static let defaultPage = 10_000

    static func parse(_ q: [String: String]) -> Result<BucketPage, AWSServiceError> {
        var page = BucketPage(maxBuckets: .max, after: nil, prefix: q["prefix"], region: q["bucket-region"])
        if q["continuation-token"] != nil || page.prefix != nil || page.region != nil { page.maxBuckets = defaultPage }
        if let text = q["max-buckets"] {
            guard let value = Int(text), (1...defaultPage).contains(value) else {
                return .failure(AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400, message: "Argument max-buckets must be an integer between 1 and \(defaultPage)",
                                                extraFields: [("ArgumentName", "max-buckets"), ("ArgumentValue", text)]))
            }
            page.maxBuckets = value
        }
        if let token = q["continuation-token"] {
            guard let data = Data(base64Encoded: token), let name = String(data: data, encoding: .utf8), !name.isEmpty else {
                return .failure(AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400, message: "The continuation token provided is incorrect",
                                                extraFields: [("ArgumentName", "continuation-token")]))
            }
            page.after = name
        }
        return .success(page)
    }

    /// The token that resumes after the bucket `name`.
    static func token(after name: String) -> String { Data(name.utf8).base64EncodedString() }

    func includes(_ bucket: S3Bucket) -> Bool {
        if let after, bucket.name <= after { return false }
        if let prefix, !bucket.name.hasPrefix(prefix) { return false }
        if let region, bucket.region != region { return false }
        return true
    }
}
