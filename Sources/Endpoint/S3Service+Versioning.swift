import Foundation
import ObjectStore
import World

/// S3 versioning: a bucket's versioning state, the versions kept of each key, delete markers,
/// and requests that name one version.
extension S3Service {
    // MARK: State

    /// `Enabled` or `Suspended`; nil for a bucket never versioned.
    func versioningStatus(_ name: String) -> String? {
        configuration.store.bucketInfo(name)?.versioning
    }

    /// The `x-amz-version-id` S3 answers for a version: its id; `null` for the null version of a
    /// bucket that has been versioned; none in a bucket never versioned.
    func versionIdHeader(_ name: String, _ record: ObjectRecord) -> [(String, String)] {
        if let id = record.versionId { return [("x-amz-version-id", id)] }
        return versioningStatus(name) == nil ? [] : [("x-amz-version-id", ObjectStore.nullVersionId)]
    }

    static func noSuchVersion(_ key: String, _ versionId: String) -> AWSServiceError {
        AWSServiceError(code: ErrorCode.S3.noSuchVersion, status: 404, message: "The specified version does not exist.",
                        extraFields: [("Key", key), ("VersionId", versionId)])
    }

    /// What S3 answers instead of an object when versioning hides it: the version asked for does not
    /// exist (NoSuchVersion) or is a delete marker (405 MethodNotAllowed), or the latest version is
    /// a delete marker (404 NoSuchKey). Nil when the request reaches an object or no key at all.
    func hiddenByVersioning(_ name: String, _ key: String, versionId: String?) -> AWSServiceError? {
        if let versionId {
            guard let record = configuration.store.version(bucket: name, key: key, versionId: versionId) else { return Self.noSuchVersion(key, versionId) }
            guard record.isDeleteMarker else { return nil }
            var error = AWSServiceError(code: ErrorCode.S3.methodNotAllowed, status: 405, message: "The specified method is not allowed against this resource.",
                                        extraFields: [("Method", "GET"), ("ResourceType", "DeleteMarker")])
            error.headers = [("x-amz-delete-marker", "true"), ("Last-Modified", XML.httpDate(record.lastModified))] + versionIdHeader(name, record)
            return error
        }
        guard let latest = configuration.store.latestVersion(bucket: name, key: key), latest.isDeleteMarker else { return nil }
        var error = AWSServiceError(code: ErrorCode.S3.noSuchKey, status: 404, message: "The specified key does not exist.", extraFields: [("Key", key)])
        error.headers = [("x-amz-delete-marker", "true")] + versionIdHeader(name, latest)
        return error
    }

    /// The `versionId` of `x-amz-copy-source: bucket/key?versionId=ID`, nil when it names no version.
    static func copySourceVersionId(_ header: String) -> String? {
        guard let q = header.firstIndex(of: "?") else { return nil }
        for pair in header[header.index(after: q)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2, parts[0] == "versionId" { return EndpointRequest.decode(String(parts[1])) }
        }
        return nil
    }

    // MARK: DeleteObject on a versioned bucket

    /// DeleteObject of a bucket that has been versioned, or of one version: the response headers,
    /// nil when the bucket was never versioned and no version was named (the delete of an object).
    func deleteVersioned(_ name: String, _ key: String, versionId: String?, now: Date) throws(ObjectStoreError) -> [(String, String)]? {
        if let versionId {
            // S3 answers the same whether or not the version existed.
            var headers = [("x-amz-version-id", versionId)]
            if let removed = try configuration.store.deleteVersion(bucket: name, key: key, versionId: versionId), removed.isDeleteMarker {
                headers.append(("x-amz-delete-marker", "true"))
            }
            return headers
        }
        guard versioningStatus(name) != nil else { return nil }
        let marker = try configuration.store.putDeleteMarker(bucket: name, key: key, now: now)
        return [("x-amz-delete-marker", "true"), ("x-amz-version-id", marker.versionId ?? ObjectStore.nullVersionId)]
    }

    // MARK: GetBucketVersioning / PutBucketVersioning

    func getBucketVersioning(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "GetBucketVersioning", action: "s3:GetBucketVersioning", bucket: bucket, key: nil, now: now) {
            return .failure(denied)
        }
        // A bucket never versioned answers an empty configuration.
        guard let status = versioningStatus(name) else { return .success(Self.xmlResponse("<VersioningConfiguration xmlns=\"\(Self.namespace)\"/>")) }
        return .success(Self.xmlResponse("<VersioningConfiguration xmlns=\"\(Self.namespace)\"><Status>\(status)</Status></VersioningConfiguration>"))
    }

    func putBucketVersioning(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "PutBucketVersioning", action: "s3:PutBucketVersioning", bucket: bucket, key: nil, now: now) {
            return .failure(denied)
        }
        let body: Data
        switch decodePayload(request, caller: caller, defaultChecksum: false) { case .failure(let e): return .failure(e); case .success(let p): body = p.data }
        guard let doc = XMLDoc.parse(body), doc.name == "VersioningConfiguration" else { return .failure(Self.malformedXML()) }
        let status = doc.child("Status")?.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == ObjectStore.versioningEnabled || status == ObjectStore.versioningSuspended else { return .failure(Self.malformedXML()) }
        if let mfa = doc.child("MfaDelete")?.text.trimmingCharacters(in: .whitespacesAndNewlines), mfa != "Disabled" {
            guard mfa == "Enabled" else { return .failure(Self.malformedXML()) }
            // MFA delete needs a device glueshim does not have.
            return .failure(.s3NotImplemented)
        }
        var info = configuration.store.bucketInfo(name)
            ?? BucketInfo(name: name, account: bucket.account, region: bucket.region, created: bucket.created, policyOverridden: false)
        info.versioning = status
        do { try configuration.store.setBucketInfo(info) } catch { return .failure(Self.internalError(error)) }
        return .success(EndpointResponse(status: 200, headers: [], body: Data()))
    }

    // MARK: ListObjectVersions

    func listObjectVersions(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "ListObjectVersions", action: "s3:ListBucketVersions", bucket: bucket, key: nil, now: now) {
            return .failure(denied)
        }
        let q = request.queryItems
        let listing: ListingParameters
        switch ListingParameters.parse(q) { case .failure(let e): return .failure(e); case .success(let l): listing = l }
        let (prefix, delimiter, encodeURL, maxKeys) = (listing.prefix, listing.delimiter, listing.encodeURL, listing.maxKeys)
        let keyMarker = q["key-marker"].flatMap { $0.isEmpty ? nil : $0 }
        let versionIdMarker = q["version-id-marker"].flatMap { $0.isEmpty ? nil : $0 }
        if versionIdMarker != nil, keyMarker == nil {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400, message: "A version-id marker cannot be specified without a key marker.",
                                            extraFields: [("ArgumentName", "version-id-marker"), ("ArgumentValue", versionIdMarker!)]))
        }
        let enc: (String) -> String = { encodeURL ? Self.urlEncodeKey($0) : $0 }
        let markerBytes = keyMarker.map { Array($0.utf8) }

        var entries: [(record: ObjectRecord, isLatest: Bool)] = []
        var prefixes: [String] = []
        var truncated = false
        var next: (key: String, versionId: String?)?
        scan: for (key, versions) in configuration.store.listVersions(bucket: name) where key.hasPrefix(prefix) {
            var commonPrefix: String?
            if let delimiter, let range = key.dropFirst(prefix.count).range(of: delimiter) { commonPrefix = String(key[..<range.upperBound]) }
            if let cp = commonPrefix {
                // A common prefix is one entry; a key marker at or past it has returned it already.
                if let markerBytes, !markerBytes.lexicographicallyPrecedes(Array(cp.utf8)) { continue }
                if prefixes.last == cp { continue }
                if entries.count + prefixes.count >= maxKeys { truncated = true; break }
                prefixes.append(cp)
                next = (cp, nil)
                continue
            }
            var remaining = versions[...]
            if let markerBytes {
                let keyBytes = Array(key.utf8)
                if keyBytes.lexicographicallyPrecedes(markerBytes) { continue }
                if keyBytes == markerBytes {
                    // Without a version-id marker every version of the marker key has been returned.
                    guard let versionIdMarker,
                          let position = versions.firstIndex(where: { ($0.versionId ?? ObjectStore.nullVersionId) == versionIdMarker }) else { continue }
                    remaining = versions[(position + 1)...]
                }
            }
            for record in remaining {
                if entries.count + prefixes.count >= maxKeys { truncated = true; break scan }
                entries.append((record, record.sequence == versions.first?.sequence))
                next = (key, record.versionId ?? ObjectStore.nullVersionId)
            }
        }

        var xml = "<ListVersionsResult xmlns=\"\(Self.namespace)\"><Name>\(XML.escape(name))</Name><Prefix>\(XML.escape(enc(prefix)))</Prefix>"
        xml += "<KeyMarker>\(XML.escape(enc(keyMarker ?? "")))</KeyMarker><VersionIdMarker>\(XML.escape(versionIdMarker ?? ""))</VersionIdMarker>"
        if truncated, let next {
            xml += XML.element("NextKeyMarker", enc(next.key))
            if let id = next.versionId { xml += XML.element("NextVersionIdMarker", id) }
        }
        xml += "<MaxKeys>\(maxKeys)</MaxKeys>"
        if let delimiter { xml += XML.element("Delimiter", enc(delimiter)) }
        if encodeURL { xml += "<EncodingType>url</EncodingType>" }
        xml += "<IsTruncated>\(truncated)</IsTruncated>"
        for (record, isLatest) in entries {
            let owner = ownerXML(self.owner(of: record, in: bucket))
            let id = XML.escape(record.versionId ?? ObjectStore.nullVersionId)
            let common = "<Key>\(XML.escape(enc(record.key)))</Key><VersionId>\(id)</VersionId><IsLatest>\(isLatest)</IsLatest>"
                + "<LastModified>\(XML.timestamp(record.lastModified))</LastModified>"
            if record.isDeleteMarker {
                xml += "<DeleteMarker>\(common)\(owner)</DeleteMarker>"
            } else {
                xml += "<Version>\(common)<ETag>\(XML.escape(record.etag))</ETag><Size>\(record.size)</Size>"
                xml += "<StorageClass>STANDARD</StorageClass>\(owner)</Version>"
            }
        }
        for p in prefixes { xml += "<CommonPrefixes><Prefix>\(XML.escape(enc(p)))</Prefix></CommonPrefixes>" }
        xml += "</ListVersionsResult>"
        return .success(Self.xmlResponse(xml))
    }
}
