import Crypto
import Foundation
import World
import ObjectStore
import SigV4
import Synchronization

extension S3Service {
    static let minimumPartSize = 5 * 1024 * 1024

    static func noSuchUpload(_ id: String) -> AWSServiceError {
        AWSServiceError(code: ErrorCode.S3.noSuchUpload, status: 404,
                        message: "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
                        extraFields: [("UploadId", id)])
    }

    func findUpload(_ name: String, _ key: String, _ request: EndpointRequest) -> Result<MultipartUpload, AWSServiceError> {
        let id = request.queryItems["uploadId"] ?? ""
        guard let upload = configuration.store.upload(bucket: name, uploadId: id), upload.key == key else { return .failure(Self.noSuchUpload(id)) }
        return .success(upload)
    }

    func createMultipartUpload(_ name: String, _ key: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "CreateMultipartUpload", action: "s3:PutObject", bucket: bucket, key: key, now: now) { return .failure(denied) }
        guard key.utf8.count <= 1024 else { return .failure(AWSServiceError(code: ErrorCode.S3.keyTooLongError, status: 400, message: "Your key is too long")) }
        var attributes: ObjectAttributes
        switch Self.attributes(from: request) { case .failure(let e): return .failure(e); case .success(let a): attributes = a }
        if let tagging = request.header("x-amz-tagging") {
            switch Self.parseTagHeader(tagging) { case .failure(let e): return .failure(e); case .success(let t): attributes.tags = t }
        }
        // The owner and ACL are chosen now and given to the object at completion.
        switch writtenOwnership(request, bucket: bucket, key: key, caller: caller, action: "s3:PutObject") {
        case .failure(let e): return .failure(e)
        case .success(let written): (attributes.owner, attributes.acl) = written
        }
        switch writeEncryption(request, bucket: bucket, key: key, caller: caller, now: now, operation: "CreateMultipartUpload") {
        case .failure(let e): return .failure(e)
        case .success(let encryption): attributes.encryption = encryption
        }
        var algorithm: String?
        if let text = request.header("x-amz-checksum-algorithm") {
            guard let a = S3Checksum(headerOrAlgorithm: text) else {
                return .failure(AWSServiceError(code: ErrorCode.S3.invalidRequest, status: 400, message: "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"))
            }
            algorithm = a.rawValue
        }
        let upload: MultipartUpload
        do {
            upload = try configuration.store.createUpload(bucket: name, key: key, attributes: attributes, checksumAlgorithm: algorithm,
                                                          initiator: caller.principal.arn, now: now,
                                                          conditionKeys: caller.requestKeys.filter { S3ConditionKeys.isCreationKey($0.key) })
        } catch { return .failure(Self.internalError(error)) }
        var xml = "<InitiateMultipartUploadResult xmlns=\"\(Self.namespace)\"><Bucket>\(XML.escape(name))</Bucket><Key>\(XML.escape(key))</Key><UploadId>\(upload.uploadId)</UploadId></InitiateMultipartUploadResult>"
        xml = xml + ""
        var response = Self.xmlResponse(xml)
        response.headers += Self.encryptionHeaders(attributes.encryption)
        if let algorithm {
            response.headers.append(("x-amz-checksum-algorithm", algorithm))
            response.headers.append(("x-amz-checksum-type", algorithm == "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE"))
        }
        return .success(response)
    }

    /// The condition keys a part or a completion is authorized with: the request's own, with what
    /// the object is created with (ACL, encryption, storage class, tags) taken from the request
    /// that created the upload, which is what S3 holds the upload to.
    func uploadKeys(_ caller: Caller, bucket: String, key: String, _ request: EndpointRequest) -> [String: [String]] {
        var keys = caller.requestKeys.filter { !S3ConditionKeys.isCreationKey($0.key) }
        if let id = request.queryItems["uploadId"], let upload = configuration.store.upload(bucket: bucket, uploadId: id), upload.key == key {
            for (name, values) in upload.conditionKeys ?? [:] { keys[name] = values }
        }
        return keys
    }

    func partNumber(_ request: EndpointRequest) -> Result<Int, AWSServiceError> {
        let text = request.queryItems["partNumber"] ?? ""
        guard let n = Int(text), (1...10000).contains(n) else {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400, message: "Part number must be an integer between 1 and 10000, inclusive",
                                            extraFields: [("ArgumentName", "partNumber"), ("ArgumentValue", text)]))
        }
        return .success(n)
    }

    func uploadPart(_ name: String, _ key: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        let copy = request.header("x-amz-copy-source") != nil
        // Parts are authorized as s3:PutObject on the object, as S3 does.
        if let denied = authorize(caller, operation: copy ? "UploadPartCopy" : "UploadPart", action: "s3:PutObject", bucket: bucket, key: key, now: now,
                                  requestKeys: uploadKeys(caller, bucket: name, key: key, request)) { return .failure(denied) }
        let number: Int
        switch partNumber(request) { case .failure(let e): return .failure(e); case .success(let n): number = n }
        let upload: MultipartUpload
        switch findUpload(name, key, request) { case .failure(let e): return .failure(e); case .success(let u): upload = u }
        var checksums: [String: String] = [:]
        let part: PartRecord
        if copy {
            let source: (S3Bucket, ObjectRecord, ClosedRange<Int>?)
            switch readCopySource(request, caller: caller, now: now, operation: "UploadPartCopy", range: true) {
            case .failure(let e): return .failure(e)
            case .success(let s): source = s
            }
            let algorithm = upload.checksumAlgorithm.flatMap({ S3Checksum(rawValue: $0) })
            var state = algorithm.map { S3Checksum.Accumulator($0) }
            do {
                let staged = try configuration.store.stageCopy(bucket: source.0.name, record: source.1, range: source.2) { state?.update($0) }
                if let state { checksums[state.algorithm.rawValue] = state.finalizeBase64() }
                part = try configuration.store.putPartStaged(bucket: name, uploadId: upload.uploadId, partNumber: number, staged: staged.url,
                                                             size: staged.size, etag: "\"\(staged.md5)\"", checksums: checksums, now: now)
            } catch { return .failure(Self.internalError(error)) }
        } else {
            let payload: Payload
            switch decodePayload(request, caller: caller, defaultChecksum: false) {
            case .failure(let e): return .failure(e)
            case .success(let p): payload = p; checksums = p.checksums
            }
            if let algorithm = upload.checksumAlgorithm {
                if checksums.isEmpty, let a = S3Checksum(rawValue: algorithm) { checksums[algorithm] = payload.checksum(a) }
                if checksums[algorithm] == nil {
                    return .failure(AWSServiceError(code: ErrorCode.S3.invalidRequest, status: 400,
                                                    message: "Checksum Type mismatch occurred, expected checksum Type: \(algorithm.lowercased()), actual checksum Type: \(checksums.keys.first?.lowercased() ?? "null")"))
                }
            }
            do {
                if let staged = payload.staged {
                    part = try configuration.store.putPartStaged(bucket: name, uploadId: upload.uploadId, partNumber: number, staged: staged.take(),
                                                                 size: staged.size, etag: "\"\(staged.md5Hex)\"", checksums: checksums, now: now)
                } else {
                    part = try configuration.store.putPart(bucket: name, uploadId: upload.uploadId, partNumber: number, body: payload.data, checksums: checksums, now: now)
                }
            } catch { return .failure(Self.internalError(error)) }
        }
        if copy {
            var xml = "<CopyPartResult xmlns=\"\(Self.namespace)\"><LastModified>\(XML.timestamp(part.lastModified))</LastModified><ETag>\(XML.escape(part.etag))</ETag>"
            for (a, v) in part.checksums.sorted(by: { $0.key < $1.key }) { xml += "<Checksum\(a)>\(v)</Checksum\(a)>" }
            return .success(Self.xmlResponse(xml + "</CopyPartResult>"))
        }
        var headers: [(String, String)] = [("ETag", part.etag)]
        for (a, v) in part.checksums.sorted(by: { $0.key < $1.key }) { headers.append(("x-amz-checksum-\(a.lowercased())", v)) }
        return .success(EndpointResponse(status: 200, headers: headers, body: Data()))
    }

    static func unquote(_ etag: String) -> String {
        etag.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    func completeMultipartUpload(_ name: String, _ key: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "CompleteMultipartUpload", action: "s3:PutObject", bucket: bucket, key: key, now: now,
                                  requestKeys: uploadKeys(caller, bucket: name, key: key, request)) { return .failure(denied) }
        let upload: MultipartUpload
        let found = findUpload(name, key, request)
        let body: Data
        switch decodePayload(request, caller: caller, defaultChecksum: false) { case .failure(let e): return .failure(e); case .success(let p): body = p.data }
        let parsed = XMLDoc.parse(body)
        let listed = parsed?.children.filter { $0.name == "Part" } ?? []
        switch found {
        case .success(let u): upload = u
        case .failure(let e):
            // A retry of an upload just completed, with the same parts, while its object is still the one it made: the same answer.
            if let id = request.queryItems["uploadId"], let done = completedUploads.result(of: id, bucket: name, key: key),
               done.parts == Self.listedParts(listed), let current = configuration.store.record(bucket: name, key: key),
               current.etag == done.etag, current.lastModified == done.lastModified {
                return .success(Self.xmlResponse(done.xml))
            }
            return .failure(e)
        }
        guard parsed?.name == "CompleteMultipartUpload" else { return .failure(Self.malformedXML()) }
        guard !listed.isEmpty else {
            return .failure(AWSServiceError(code: ErrorCode.S3.malformedXML, status: 400, message: "The XML you provided was not well-formed or did not validate against our published schema"))
        }
        let stored = Dictionary(configuration.store.parts(bucket: name, uploadId: upload.uploadId).map { ($0.partNumber, $0) }, uniquingKeysWith: { a, _ in a })
        var chosen: [PartRecord] = []
        var previous = 0
        for entry in listed {
            guard let text = entry.child("PartNumber")?.text.trimmingCharacters(in: .whitespacesAndNewlines), let number = Int(text) else { return .failure(Self.malformedXML()) }
            let etag = entry.child("ETag")?.text ?? ""
            guard number > previous else {
                return .failure(AWSServiceError(code: ErrorCode.S3.invalidPartOrder, status: 400,
                                                message: "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
                                                extraFields: [("UploadId", upload.uploadId)]))
            }
            previous = number
            let invalid = AWSServiceError(code: ErrorCode.S3.invalidPart, status: 400,
                                          message: "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.",
                                          extraFields: [("UploadId", upload.uploadId), ("PartNumber", String(number)), ("ETag", Self.unquote(etag))])
            guard let part = stored[number], Self.unquote(part.etag) == Self.unquote(etag) else { return .failure(invalid) }
            for (algorithm, value) in part.checksums {
                if let given = entry.child("Checksum\(algorithm)")?.text, given.trimmingCharacters(in: .whitespacesAndNewlines) != value { return .failure(invalid) }
            }
            chosen.append(part)
        }
        for part in chosen.dropLast() where part.size < Self.minimumPartSize {
            return .failure(AWSServiceError(code: ErrorCode.S3.entityTooSmall, status: 400, message: "Your proposed upload is smaller than the minimum allowed size",
                                            extraFields: [("ProposedSize", String(part.size)), ("MinSizeAllowed", String(Self.minimumPartSize)),
                                                          ("PartNumber", String(part.partNumber)), ("ETag", Self.unquote(part.etag))]))
        }
        // The multipart ETag: MD5 of the parts' binary MD5s, then "-" and the part count.
        var md5s = Data()
        for part in chosen { md5s.append(Self.hexBytes(Self.unquote(part.etag))) }
        let etag = "\"" + Insecure.MD5.hash(data: md5s).map { String(format: "%02x", $0) }.joined() + "-\(chosen.count)\""
        var checksums: [String: String] = [:]
        var checksumType: String?
        if let name = upload.checksumAlgorithm, let algorithm = S3Checksum(rawValue: name), chosen.allSatisfy({ $0.checksums[name] != nil }) {
            if algorithm == .crc64nvme {
                checksumType = "FULL_OBJECT"
            } else {
                // COMPOSITE: the checksum of the parts' checksums, then "-N".
                var joined = Data()
                for part in chosen { joined.append(Data(base64Encoded: part.checksums[name]!) ?? Data()) }
                checksums[name] = algorithm.base64(of: joined) + "-\(chosen.count)"
                checksumType = "COMPOSITE"
            }
        }
        let expecting: CommitPrecondition?
        switch writeConditions(request, name, key) {
        case .failure(let failed): return .failure(failed)
        case .success(let precondition): expecting = precondition
        }
        let record: ObjectRecord
        do {
            record = try configuration.store.completeUpload(bucket: name, upload: upload, parts: chosen, etag: etag, checksums: checksums, now: now,
                                                            expecting: expecting)
        } catch { return .failure(Self.internalError(error)) }
        var whole = S3Checksum.Accumulator(.crc64nvme)
        if checksumType == "FULL_OBJECT", (try? configuration.store.scan(bucket: name, record: record, observe: { whole.update($0) })) != nil {
            var updated = record
            updated.checksums = ["CRC64NVME": whole.finalizeBase64()]
            try? configuration.store.update(bucket: name, record: updated)
            checksums = updated.checksums
        }
        let host = request.header("host") ?? "127.0.0.1"
        var xml = "<CompleteMultipartUploadResult xmlns=\"\(Self.namespace)\"><Location>http://\(XML.escape(host))/\(XML.escape(name))/\(XML.escape(Self.urlEncodeKey(key)))</Location>"
        xml += "<Bucket>\(XML.escape(name))</Bucket><Key>\(XML.escape(key))</Key><ETag>\(XML.escape(record.etag))</ETag>"
        for (a, v) in checksums.sorted(by: { $0.key < $1.key }) { xml += "<Checksum\(a)>\(v)</Checksum\(a)>" }
        if let checksumType { xml += "<ChecksumType>\(checksumType)</ChecksumType>" }
        xml += "</CompleteMultipartUploadResult>"
        completedUploads.remember(upload.uploadId, CompletedUploads.Result(bucket: name, key: key, parts: Self.listedParts(listed),
                                                                           etag: record.etag, lastModified: record.lastModified, xml: xml))
        var response = Self.xmlResponse(xml)
        response.headers += versionIdHeader(name, record)
        response.headers += Self.encryptionHeaders(record.encryption)
        return .success(response)
    }

    /// A CompleteMultipartUpload body's parts as numbers and unquoted ETags.
    static func listedParts(_ listed: [XMLDoc]) -> [String] {
        listed.map { "\($0.child("PartNumber")?.text.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") \(unquote($0.child("ETag")?.text ?? ""))" }
    }

    static func hexBytes(_ hex: String) -> Data {
        var out = Data()
        var chars = Array(hex.utf8)[...]
        while chars.count >= 2 {
            let pair = String(decoding: chars.prefix(2), as: UTF8.self)
            out.append(UInt8(pair, radix: 16) ?? 0)
            chars = chars.dropFirst(2)
        }
        return out
    }

    func abortMultipartUpload(_ name: String, _ key: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "AbortMultipartUpload", action: "s3:AbortMultipartUpload", bucket: bucket, key: key, now: now) { return .failure(denied) }
        let upload: MultipartUpload
        switch findUpload(name, key, request) { case .failure(let e): return .failure(e); case .success(let u): upload = u }
        configuration.store.abortUpload(bucket: name, uploadId: upload.uploadId)
        return .success(EndpointResponse(status: 204, headers: [], body: Data()))
    }

    func initiatorXML(_ arn: String) -> String {
        "<Initiator><ID>\(XML.escape(arn))</ID><DisplayName>\(XML.escape(arn.split(separator: "/").last.map(String.init) ?? arn))</DisplayName></Initiator>"
    }

    func listParts(_ name: String, _ key: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "ListParts", action: "s3:ListMultipartUploadParts", bucket: bucket, key: key, now: now) { return .failure(denied) }
        let upload: MultipartUpload
        switch findUpload(name, key, request) { case .failure(let e): return .failure(e); case .success(let u): upload = u }
        let q = request.queryItems
        var maxParts = 1000, marker = 0
        if let text = q["max-parts"] {
            guard let value = Int(text), value >= 0 else {
                return .failure(AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400, message: "Provided max-parts not an integer or within integer range",
                                                extraFields: [("ArgumentName", "max-parts"), ("ArgumentValue", text)]))
            }
            maxParts = min(value, 1000)
        }
        if let text = q["part-number-marker"] {
            guard let value = Int(text), value >= 0 else {
                return .failure(AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400, message: "Provided part-number-marker not an integer or within integer range",
                                                extraFields: [("ArgumentName", "part-number-marker"), ("ArgumentValue", text)]))
            }
            marker = value
        }
        let all = configuration.store.parts(bucket: name, uploadId: upload.uploadId).filter { $0.partNumber > marker }
        let page = Array(all.prefix(maxParts))
        let truncated = all.count > page.count
        var xml = "<ListPartsResult xmlns=\"\(Self.namespace)\"><Bucket>\(XML.escape(name))</Bucket><Key>\(XML.escape(key))</Key><UploadId>\(upload.uploadId)</UploadId>"
        xml += "<PartNumberMarker>\(marker)</PartNumberMarker><NextPartNumberMarker>\(page.last?.partNumber ?? 0)</NextPartNumberMarker><MaxParts>\(maxParts)</MaxParts><IsTruncated>\(truncated)</IsTruncated>"
        for part in page {
            xml += "<Part><PartNumber>\(part.partNumber)</PartNumber><LastModified>\(XML.timestamp(part.lastModified))</LastModified><ETag>\(XML.escape(part.etag))</ETag><Size>\(part.size)</Size>"
            for (a, v) in part.checksums.sorted(by: { $0.key < $1.key }) { xml += "<Checksum\(a)>\(v)</Checksum\(a)>" }
            xml += "</Part>"
        }
        xml += initiatorXML(upload.initiator) + ownerXML(bucket.account) + "<StorageClass>STANDARD</StorageClass>"
        if let a = upload.checksumAlgorithm { xml += "<ChecksumAlgorithm>\(a)</ChecksumAlgorithm><ChecksumType>\(a == "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE")</ChecksumType>" }
        xml += "</ListPartsResult>"
        return .success(Self.xmlResponse(xml))
    }

    func listMultipartUploads(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "ListMultipartUploads", action: "s3:ListBucketMultipartUploads", bucket: bucket, key: nil, now: now) { return .failure(denied) }
        let q = request.queryItems
        let prefix = q["prefix"] ?? ""
        let maxUploads = min(1000, max(0, Int(q["max-uploads"] ?? "") ?? 1000))
        let all = configuration.store.uploads(bucket: name).filter { $0.key.hasPrefix(prefix) }
        let page = Array(all.prefix(maxUploads))
        var xml = "<ListMultipartUploadsResult xmlns=\"\(Self.namespace)\"><Bucket>\(XML.escape(name))</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>"
        if all.count > page.count, let last = page.last { xml += "<NextKeyMarker>\(XML.escape(last.key))</NextKeyMarker><NextUploadIdMarker>\(last.uploadId)</NextUploadIdMarker>" }
        xml += "<Prefix>\(XML.escape(prefix))</Prefix><MaxUploads>\(maxUploads)</MaxUploads><IsTruncated>\(all.count > page.count)</IsTruncated>"
        for upload in page {
            xml += "<Upload><Key>\(XML.escape(upload.key))</Key><UploadId>\(upload.uploadId)</UploadId>\(initiatorXML(upload.initiator))\(ownerXML(bucket.account))"
            xml += "<StorageClass>STANDARD</StorageClass><Initiated>\(XML.timestamp(upload.initiated))</Initiated>"
            if let a = upload.checksumAlgorithm { xml += "<ChecksumAlgorithm>\(a)</ChecksumAlgorithm>" }
            xml += "</Upload>"
        }
        xml += "</ListMultipartUploadsResult>"
        return .success(Self.xmlResponse(xml))
    }
}

/// Uploads this endpoint completed, by upload id, so that a retried CompleteMultipartUpload gets the
/// answer the first one got; the most recent ones only.
final class CompletedUploads: Sendable {
    struct Result: Sendable {
        var bucket: String
        var key: String
        var parts: [String]
        var etag: String
        var lastModified: Date
        var xml: String
    }

    static let kept = 1000
    private let state = Mutex<(results: [String: Result], order: [String])>(([:], []))

    func remember(_ uploadId: String, _ result: Result) {
        state.withLock { state in
            if state.results.updateValue(result, forKey: uploadId) == nil { state.order.append(uploadId) }
            if state.order.count > Self.kept { state.results[state.order.removeFirst()] = nil }
        }
    }

    func result(of uploadId: String, bucket: String, key: String) -> Result? {
        state.withLock { $0.results[uploadId] }.flatMap { $0.bucket == bucket && $0.key == key ? $0 : nil }
    }
}
