import Crypto
import Foundation
import World
import ObjectStore
import SigV4

extension S3Service {
    // MARK: DeleteObject / DeleteObjects

    func deleteObject(_ name: String, _ key: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        let versionId = request.queryItems["versionId"]
        if let denied = authorize(caller, operation: "DeleteObject", action: versionId == nil ? "s3:DeleteObject" : "s3:DeleteObjectVersion",
                                  bucket: bucket, key: key, now: now) { return .failure(denied) }
        do {
            if let headers = try deleteVersioned(name, key, versionId: versionId, now: now) {
                return .success(EndpointResponse(status: 204, headers: headers, body: Data()))
            }
            try configuration.store.delete(bucket: name, key: key)
        } catch { return .failure(Self.internalError(error)) }
        // S3 answers 204 whether or not the key existed.
        return .success(EndpointResponse(status: 204, headers: [], body: Data()))
    }

    func deleteObjects(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        let hasChecksum = request.header("content-md5") != nil || request.headers.contains {
            let n = $0.name.lowercased()
            return n.hasPrefix("x-amz-checksum-") || n == "x-amz-sdk-checksum-algorithm"
        }
        guard hasChecksum else {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidRequest, status: 400, message: "Missing required header for this request: Content-MD5 OR x-amz-checksum-*"))
        }
        let body: Data
        switch decodePayload(request, caller: caller, defaultChecksum: false) { case .failure(let e): return .failure(e); case .success(let p): body = p.data }
        guard let doc = XMLDoc.parse(body), doc.name == "Delete" else { return .failure(Self.malformedXML()) }
        let quiet = doc.child("Quiet")?.text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() == "true"
        let objects = doc.children.filter { $0.name == "Object" }
        guard !objects.isEmpty, objects.count <= 1000 else { return .failure(Self.malformedXML()) }
        var xml = "<DeleteResult xmlns=\"\(Self.namespace)\">"
        for object in objects {
            guard let key = object.child("Key")?.text else { return .failure(Self.malformedXML()) }
            let versionId = object.child("VersionId")?.text
            let versionXML = versionId.map { "<VersionId>\(XML.escape($0))</VersionId>" } ?? ""
            if let denied = authorize(caller, operation: "DeleteObjects", action: versionId == nil ? "s3:DeleteObject" : "s3:DeleteObjectVersion",
                                      bucket: bucket, key: key, now: now) {
                xml += "<Error><Key>\(XML.escape(key))</Key>\(versionXML)<Code>\(denied.code)</Code><Message>\(XML.escape(denied.message))</Message></Error>"
                continue
            }
            var markerXML = ""
            do {
                if let headers = try deleteVersioned(name, key, versionId: versionId, now: now), headers.contains(where: { $0 == ("x-amz-delete-marker", "true") }) {
                    markerXML = "<DeleteMarker>true</DeleteMarker>"
                    if versionId == nil, let id = headers.first(where: { $0.0 == "x-amz-version-id" })?.1 {
                        markerXML += "<DeleteMarkerVersionId>\(XML.escape(id))</DeleteMarkerVersionId>"
                    }
                } else if versionId == nil {
                    try configuration.store.delete(bucket: name, key: key)
                }
            } catch {
                xml += "<Error><Key>\(XML.escape(key))</Key>\(versionXML)<Code>\(ErrorCode.internalError)</Code><Message>We encountered an internal error. Please try again.</Message></Error>"
                continue
            }
            if !quiet { xml += "<Deleted><Key>\(XML.escape(key))</Key>\(versionXML)\(markerXML)</Deleted>" }
        }
        xml += "</DeleteResult>"
        return .success(Self.xmlResponse(xml))
    }

    // MARK: CopyObject

    /// `x-amz-copy-source: [/]bucket/key[?versionId=...]`, percent-encoded.
    static func parseCopySource(_ header: String) -> (bucket: String, key: String)? {
        var text = header
        if let q = text.firstIndex(of: "?") { text = String(text[..<q]) }
        text = text.removingPercentEncoding ?? text
        if text.hasPrefix("/") { text.removeFirst() }
        guard let slash = text.firstIndex(of: "/") else { return nil }
        let bucket = String(text[..<slash]), key = String(text[text.index(after: slash)...])
        guard !bucket.isEmpty, !key.isEmpty else { return nil }
        return (bucket, key)
    }

    /// x-amz-copy-source-if-* checked against the source, as S3 does.
    func checkCopyConditions(_ request: EndpointRequest, record: ObjectRecord) -> AWSServiceError? {
        func failed(_ condition: String) -> AWSServiceError {
            AWSServiceError(code: ErrorCode.S3.preconditionFailed, status: 412, message: "At least one of the pre-conditions you specified did not hold", extraFields: [("Condition", condition)])
        }
        func matches(_ header: String) -> Bool {
            header.split(separator: ",").contains { tag in
                let t = tag.trimmingCharacters(in: .whitespaces)
                return t == "*" || t == record.etag || "\"\(t)\"" == record.etag
            }
        }
        let modified = record.lastModified.timeIntervalSince1970.rounded(.down)
        let ifMatch = request.header("x-amz-copy-source-if-match")
        let ifNoneMatch = request.header("x-amz-copy-source-if-none-match")
        if let ifMatch, !matches(ifMatch) { return failed("x-amz-copy-source-If-Match") }
        if ifMatch == nil, let t = request.header("x-amz-copy-source-if-unmodified-since"), let d = XML.parseHTTPDate(t), modified > d.timeIntervalSince1970 {
            return failed("x-amz-copy-source-If-Unmodified-Since")
        }
        if let ifNoneMatch, matches(ifNoneMatch) { return failed("x-amz-copy-source-If-None-Match") }
        if ifNoneMatch == nil, let t = request.header("x-amz-copy-source-if-modified-since"), let d = XML.parseHTTPDate(t), modified <= d.timeIntervalSince1970 {
            return failed("x-amz-copy-source-If-Modified-Since")
        }
        return nil
    }

    /// Authorizes reading a copy source and returns its record and bytes (a byte range for UploadPartCopy).
    func readCopySource(_ request: EndpointRequest, caller: Caller, now: Date, operation: String, range: Bool)
        -> Result<(S3Bucket, ObjectRecord, ClosedRange<Int>?), AWSServiceError> {
        guard let header = request.header("x-amz-copy-source"), let source = Self.parseCopySource(header) else {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400, message: "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
                                            extraFields: [("ArgumentName", "x-amz-copy-source"), ("ArgumentValue", request.header("x-amz-copy-source") ?? "")]))
        }
        let bucket: S3Bucket
        switch self.bucket(source.bucket) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        let sourceVersion = Self.copySourceVersionId(header)
        if let denied = authorize(caller, operation: operation, action: sourceVersion == nil ? "s3:GetObject" : "s3:GetObjectVersion",
                                  bucket: bucket, key: source.key, versionId: sourceVersion, now: now) { return .failure(denied) }
        if let sourceVersion, let hidden = hiddenByVersioning(source.bucket, source.key, versionId: sourceVersion) { return .failure(hidden) }
        guard let record = sourceVersion.flatMap({ configuration.store.version(bucket: source.bucket, key: source.key, versionId: $0) })
            ?? configuration.store.record(bucket: source.bucket, key: source.key) else {
            if authorize(caller, operation: "ListBucket", action: "s3:ListBucket", bucket: bucket, key: nil, now: now, record: false) != nil {
                return .failure(.accessDenied("Access Denied"))
            }
            return .failure(AWSServiceError(code: ErrorCode.S3.noSuchKey, status: 404, message: "The specified key does not exist.", extraFields: [("Key", source.key)]))
        }
        if let failed = checkCopyConditions(request, record: record) { return .failure(failed) }
        // Reading an SSE-KMS source decrypts it: kms:Decrypt for the caller.
        if let denied = authorizeRead(record, bucket: bucket, key: source.key, caller: caller, now: now) { return .failure(denied) }
        var byteRange: ClosedRange<Int>?
        if range, let text = request.header("x-amz-copy-source-range") {
            let spec = text.hasPrefix("bytes=") ? text.dropFirst(6) : ""
            let bounds = spec.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count == 2, let a = Int(bounds[0]), let b = Int(bounds[1]), a <= b else {
                return .failure(AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400, message: "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
                                                extraFields: [("ArgumentName", "x-amz-copy-source-range"), ("ArgumentValue", text)]))
            }
            guard b < record.size else {
                return .failure(AWSServiceError(code: ErrorCode.S3.invalidRange, status: 416, message: "The requested range is not satisfiable",
                                                extraFields: [("RangeRequested", text), ("ActualObjectSize", String(record.size))]))
            }
            byteRange = a...b
        }
        return .success((bucket, record, byteRange))
    }

    func copyObject(_ name: String, _ key: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        let directive = (request.header("x-amz-metadata-directive") ?? "COPY").uppercased()
        let tagDirective = (request.header("x-amz-tagging-directive") ?? "COPY").uppercased()
        guard directive == "COPY" || directive == "REPLACE" else {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400, message: "Unknown metadata directive.",
                                            extraFields: [("ArgumentName", "x-amz-metadata-directive"), ("ArgumentValue", directive)]))
        }
        guard tagDirective == "COPY" || tagDirective == "REPLACE" else {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400, message: "Unknown tagging directive.",
                                            extraFields: [("ArgumentName", "x-amz-tagging-directive"), ("ArgumentValue", tagDirective)]))
        }
        let source: (S3Bucket, ObjectRecord, ClosedRange<Int>?)
        switch readCopySource(request, caller: caller, now: now, operation: "CopyObject", range: false) { case .failure(let e): return .failure(e); case .success(let s): source = s }
        if let denied = authorize(caller, operation: "CopyObject", action: "s3:PutObject", bucket: bucket, key: key, now: now) { return .failure(denied) }
        let expecting: CommitPrecondition?
        switch writeConditions(request, name, key) {
        case .failure(let failed): return .failure(failed)
        case .success(let precondition): expecting = precondition
        }
        let (sourceBucket, record, _) = source
        if sourceBucket.name == name, record.key == key, directive == "COPY", request.header("x-amz-checksum-algorithm") == nil {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidRequest, status: 400, message: "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes."))
        }
        var attributes = ObjectAttributes(of: record)
        if directive == "REPLACE" {
            switch Self.attributes(from: request) { case .failure(let e): return .failure(e); case .success(let a): attributes = a }
        }
        attributes.tags = record.tags
        if tagDirective == "REPLACE" {
            attributes.tags = nil
            if let tagging = request.header("x-amz-tagging") {
                switch Self.parseTagHeader(tagging) { case .failure(let e): return .failure(e); case .success(let t): attributes.tags = t }
            }
        }
        // A copy is a new object: its owner and ACL come from this request, never from the source.
        switch writtenOwnership(request, bucket: bucket, key: key, caller: caller, action: "s3:PutObject") {
        case .failure(let e): return .failure(e)
        case .success(let written): (attributes.owner, attributes.acl) = written
        }
        // Its encryption too: this request's, or the destination bucket's default.
        switch writeEncryption(request, bucket: bucket, key: key, caller: caller, now: now, operation: "CopyObject") {
        case .failure(let e): return .failure(e)
        case .success(let encryption): attributes.encryption = encryption
        }
        // Bytes go file to file; the checksum to keep is computed on the way when it changes.
        var state: S3Checksum.Accumulator?
        if let wanted = request.header("x-amz-checksum-algorithm").flatMap({ S3Checksum(headerOrAlgorithm: $0) }) {
            state = S3Checksum.Accumulator(wanted)
        } else if record.partsCount != nil || record.checksums.isEmpty {
            state = S3Checksum.Accumulator(.crc64nvme)
        } else {
            attributes.checksums = record.checksums
        }
        do {
            let staged = try configuration.store.stageCopy(bucket: sourceBucket.name, record: record, range: nil) { state?.update($0) }
            if let state { attributes.checksums = [state.algorithm.rawValue: state.finalizeBase64()] }
            let stored = try configuration.store.putStaged(bucket: name, key: key, staged: staged.url, size: staged.size,
                                                           etag: "\"\(staged.md5)\"", attributes: attributes, now: now, expecting: expecting)
            var xml = "<CopyObjectResult xmlns=\"\(Self.namespace)\"><ETag>\(XML.escape(stored.etag))</ETag><LastModified>\(XML.timestamp(stored.lastModified))</LastModified>"
            for (algorithm, value) in stored.checksums.sorted(by: { $0.key < $1.key }) { xml += "<Checksum\(algorithm)>\(value)</Checksum\(algorithm)>" }
            xml += "</CopyObjectResult>"
            var response = Self.xmlResponse(xml)
            response.headers.append(("x-amz-copy-source-version-id", record.versionId ?? ObjectStore.nullVersionId))
            response.headers += versionIdHeader(name, stored)
            response.headers += Self.encryptionHeaders(stored.encryption)
            return .success(response)
        } catch { return .failure(Self.internalError(error)) }
    }

    // MARK: Object tagging

    func existingRecord(_ bucket: S3Bucket, _ key: String, versionId: String? = nil, caller: Caller, now: Date) -> Result<ObjectRecord, AWSServiceError> {
        if let hidden = hiddenByVersioning(bucket.name, key, versionId: versionId) { return .failure(hidden) }
        guard let record = versionId.flatMap({ configuration.store.version(bucket: bucket.name, key: key, versionId: $0) })
            ?? configuration.store.record(bucket: bucket.name, key: key) else {
            return .failure(AWSServiceError(code: ErrorCode.S3.noSuchKey, status: 404, message: "The specified key does not exist.", extraFields: [("Key", key)]))
        }
        return .success(record)
    }

    func getObjectTagging(_ name: String, _ key: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        let versionId = request.queryItems["versionId"]
        if let denied = authorize(caller, operation: "GetObjectTagging", action: versionId == nil ? "s3:GetObjectTagging" : "s3:GetObjectVersionTagging", bucket: bucket, key: key, versionId: versionId, now: now) { return .failure(denied) }
        switch existingRecord(bucket, key, versionId: versionId, caller: caller, now: now) {
        case .failure(let e): return .failure(e)
        case .success(let record):
            var response = Self.xmlResponse(Self.tagsXML(record.tags ?? [:]))
            response.headers += versionIdHeader(name, record)
            return .success(response)
        }
    }

    func putObjectTagging(_ name: String, _ key: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        let versionId = request.queryItems["versionId"]
        if let denied = authorize(caller, operation: "PutObjectTagging", action: versionId == nil ? "s3:PutObjectTagging" : "s3:PutObjectVersionTagging", bucket: bucket, key: key, versionId: versionId, now: now) { return .failure(denied) }
        var record: ObjectRecord
        switch existingRecord(bucket, key, versionId: versionId, caller: caller, now: now) { case .failure(let e): return .failure(e); case .success(let r): record = r }
        let body: Data
        switch decodePayload(request, caller: caller, defaultChecksum: false) { case .failure(let e): return .failure(e); case .success(let p): body = p.data }
        switch Self.parseTagging(body, maxTags: 10) {
        case .failure(let e): return .failure(e)
        case .success(let tags): record.tags = tags
        }
        do { try configuration.store.update(bucket: name, record: record) } catch { return .failure(Self.internalError(error)) }
        return .success(EndpointResponse(status: 200, headers: versionIdHeader(name, record), body: Data()))
    }

    func deleteObjectTagging(_ name: String, _ key: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        let versionId = request.queryItems["versionId"]
        if let denied = authorize(caller, operation: "DeleteObjectTagging", action: versionId == nil ? "s3:DeleteObjectTagging" : "s3:DeleteObjectVersionTagging", bucket: bucket, key: key, versionId: versionId, now: now) { return .failure(denied) }
        var record: ObjectRecord
        switch existingRecord(bucket, key, versionId: versionId, caller: caller, now: now) { case .failure(let e): return .failure(e); case .success(let r): record = r }
        record.tags = nil
        do { try configuration.store.update(bucket: name, record: record) } catch { return .failure(Self.internalError(error)) }
        return .success(EndpointResponse(status: 204, headers: versionIdHeader(name, record), body: Data()))
    }
}
