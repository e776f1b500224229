import Crypto
import Foundation
import ObjectStore
import World

extension S3Service {
    // MARK: ListObjectsV2

    func listObjectsV2(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "ListObjectsV2", action: "s3:ListBucket", bucket: bucket, key: nil, now: now) { return .failure(denied) }
        let q = request.queryItems
        let listing: ListingParameters
        switch ListingParameters.parse(q) { case .failure(let e): return .failure(e); case .success(let l): listing = l }
        let (prefix, delimiter, encodeURL, maxKeys) = (listing.prefix, listing.delimiter, listing.encodeURL, listing.maxKeys)
        var after: String? = q["start-after"]
        if let token = q["continuation-token"] {
            guard let data = Data(base64Encoded: token), let key = String(data: data, encoding: .utf8) else {
                return .failure(AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400, message: "The continuation token provided is incorrect",
                                                extraFields: [("ArgumentName", "continuation-token")]))
            }
            after = key
        }
        let enc: (String) -> String = { encodeURL ? Self.urlEncodeKey($0) : $0 }
        let (contents, prefixes, truncated, lastReturned) = listPage(name, prefix: prefix, delimiter: delimiter, after: after, maxKeys: maxKeys)
        var xml = "<ListBucketResult xmlns=\"\(Self.namespace)\"><Name>\(XML.escape(name))</Name><Prefix>\(XML.escape(enc(prefix)))</Prefix>"
        if let token = q["continuation-token"] { xml += XML.element("ContinuationToken", token) }
        if let startAfter = q["start-after"] { xml += XML.element("StartAfter", enc(startAfter)) }
        xml += "<KeyCount>\(contents.count + prefixes.count)</KeyCount><MaxKeys>\(maxKeys)</MaxKeys>"
        if let delimiter { xml += XML.element("Delimiter", enc(delimiter)) }
        if encodeURL { xml += "<EncodingType>url</EncodingType>" }
        xml += "<IsTruncated>\(truncated)</IsTruncated>"
        if truncated, let lastReturned { xml += XML.element("NextContinuationToken", Data(lastReturned.utf8).base64EncodedString()) }
        for record in contents {
            xml += "<Contents><Key>\(XML.escape(enc(record.key)))</Key><LastModified>\(XML.timestamp(record.lastModified))</LastModified>"
            xml += "<ETag>\(XML.escape(record.etag))</ETag>"
            if let algorithm = record.checksums.keys.sorted().first { xml += "<ChecksumAlgorithm>\(algorithm)</ChecksumAlgorithm>" }
            xml += "<Size>\(record.size)</Size>"
            if q["fetch-owner"] == "true" { xml += ownerXML(owner(of: record, in: bucket)) }
            xml += "<StorageClass>STANDARD</StorageClass></Contents>"
        }
        for p in prefixes { xml += "<CommonPrefixes><Prefix>\(XML.escape(enc(p)))</Prefix></CommonPrefixes>" }
        xml += "</ListBucketResult>"
        return .success(Self.xmlResponse(xml))
    }

    /// One page of a listing: keys after `after` under `prefix`, rolled up at `delimiter`.
    func listPage(_ name: String, prefix: String, delimiter: String?, after: String?, maxKeys: Int)
        -> (contents: [ObjectRecord], prefixes: [String], truncated: Bool, last: String?) {
        var contents: [ObjectRecord] = []
        var prefixes: [String] = []
        var truncated = false
        var lastReturned: String?
        // max-keys=0 asks for no keys: an empty page that is not truncated, as S3 answers.
        guard maxKeys > 0 else { return (contents, prefixes, truncated, lastReturned) }
        let afterBytes = after.map { Array($0.utf8) }
        for record in configuration.store.list(bucket: name) {
            if let afterBytes, !afterBytes.lexicographicallyPrecedes(Array(record.key.utf8)) { continue }
            guard record.key.hasPrefix(prefix) else { continue }
            var commonPrefix: String?
            if let delimiter, let range = record.key.dropFirst(prefix.count).range(of: delimiter) {
                commonPrefix = String(record.key[..<range.upperBound])
            }
            if let cp = commonPrefix, prefixes.last == cp { continue }
            if contents.count + prefixes.count >= maxKeys { truncated = true; break }
            if let cp = commonPrefix {
                prefixes.append(cp)
                // Resume after every key of this prefix.
                lastReturned = cp + "\u{10FFFF}"
            } else {
                contents.append(record)
                lastReturned = record.key
            }
        }
        return (contents, prefixes, truncated, lastReturned)
    }

    // MARK: ListObjects (v1)

    func listObjectsV1(_ name: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "ListObjects", action: "s3:ListBucket", bucket: bucket, key: nil, now: now) { return .failure(denied) }
        let q = request.queryItems
        let listing: ListingParameters
        switch ListingParameters.parse(q) { case .failure(let e): return .failure(e); case .success(let l): listing = l }
        let (prefix, delimiter, encodeURL, maxKeys) = (listing.prefix, listing.delimiter, listing.encodeURL, listing.maxKeys)
        let marker = q["marker"].flatMap { $0.isEmpty ? nil : $0 }
        let enc: (String) -> String = { encodeURL ? Self.urlEncodeKey($0) : $0 }
        var after = marker
        // A marker that is a common prefix resumes after every key under it.
        if let marker, let delimiter, marker.hasPrefix(prefix), marker.dropFirst(prefix.count).hasSuffix(delimiter) { after = marker + "\u{10FFFF}" }
        let page = listPage(name, prefix: prefix, delimiter: delimiter, after: after, maxKeys: maxKeys)
        var xml = "<ListBucketResult xmlns=\"\(Self.namespace)\"><Name>\(XML.escape(name))</Name><Prefix>\(XML.escape(enc(prefix)))</Prefix>"
        xml += "<Marker>\(XML.escape(enc(marker ?? "")))</Marker><MaxKeys>\(maxKeys)</MaxKeys>"
        if let delimiter { xml += XML.element("Delimiter", enc(delimiter)) }
        if encodeURL { xml += "<EncodingType>url</EncodingType>" }
        xml += "<IsTruncated>\(page.truncated)</IsTruncated>"
        // NextMarker only comes with a delimiter; without one clients resume after the last key.
        if page.truncated, delimiter != nil {
            let next = page.prefixes.last.flatMap { p in page.contents.last.map { Array($0.key.utf8).lexicographicallyPrecedes(Array(p.utf8)) ? p : $0.key } ?? p } ?? page.contents.last?.key
            if let next { xml += XML.element("NextMarker", enc(next)) }
        }
        for record in page.contents {
            xml += "<Contents><Key>\(XML.escape(enc(record.key)))</Key><LastModified>\(XML.timestamp(record.lastModified))</LastModified>"
            xml += "<ETag>\(XML.escape(record.etag))</ETag><Size>\(record.size)</Size>\(ownerXML(owner(of: record, in: bucket)))<StorageClass>STANDARD</StorageClass></Contents>"
        }
        for p in page.prefixes { xml += "<CommonPrefixes><Prefix>\(XML.escape(enc(p)))</Prefix></CommonPrefixes>" }
        xml += "</ListBucketResult>"
        return .success(Self.xmlResponse(xml))
    }

    /// `encoding-type=url`: keys percent-encoded as S3 does (form-style, spaces as `+`, slashes kept).
    static func urlEncodeKey(_ key: String) -> String {
        var out = ""
        for byte in key.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "/"), UInt8(ascii: "*"):
                out.append(Character(Unicode.Scalar(byte)))
            case UInt8(ascii: " "): out += "+"
            default: out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    // MARK: PutObject

    static let checksumHeaders = ["crc32": "CRC32", "crc32c": "CRC32C", "sha1": "SHA1", "sha256": "SHA256", "crc64nvme": "CRC64NVME"]

    func putObject(_ name: String, _ key: String, _ request: EndpointRequest, caller: Caller, now: Date) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        if let denied = authorize(caller, operation: "PutObject", action: "s3:PutObject", bucket: bucket, key: key, now: now) { return .failure(denied) }
        guard key.utf8.count <= 1024 else {
            return .failure(AWSServiceError(code: ErrorCode.S3.keyTooLongError, status: 400, message: "Your key is too long"))
        }
        let payload: Payload
        switch decodePayload(request, caller: caller) { case .failure(let e): return .failure(e); case .success(let p): payload = p }
        var attributes: ObjectAttributes
        switch Self.attributes(from: request) { case .failure(let e): return .failure(e); case .success(let a): attributes = a }
        attributes.checksums = payload.checksums
        if let tagging = request.header("x-amz-tagging") {
            switch Self.parseTagHeader(tagging) { case .failure(let e): return .failure(e); case .success(let t): attributes.tags = t }
        }
        switch writtenOwnership(request, bucket: bucket, key: key, caller: caller, action: "s3:PutObject") {
        case .failure(let e): return .failure(e)
        case .success(let written): (attributes.owner, attributes.acl) = written
        }
        switch writeEncryption(request, bucket: bucket, key: key, caller: caller, now: now, operation: "PutObject") {
        case .failure(let e): return .failure(e)
        case .success(let encryption): attributes.encryption = encryption
        }
        let expecting: CommitPrecondition?
        switch writeConditions(request, name, key) {
        case .failure(let failed): return .failure(failed)
        case .success(let precondition): expecting = precondition
        }
        do {
            let record: ObjectRecord
            if let staged = payload.staged {
                record = try configuration.store.putStaged(bucket: name, key: key, staged: staged.take(), size: staged.size,
                                                           etag: "\"\(staged.md5Hex)\"", attributes: attributes, now: now, expecting: expecting)
            } else {
                record = try configuration.store.put(bucket: name, key: key, body: payload.data, attributes: attributes, now: now, expecting: expecting)
            }
            var headers: [(String, String)] = [("ETag", record.etag)] + versionIdHeader(name, record)
            for (algorithm, value) in record.checksums.sorted(by: { $0.key < $1.key }) { headers.append(("x-amz-checksum-\(algorithm.lowercased())", value)) }
            if !record.checksums.isEmpty { headers.append(("x-amz-checksum-type", "FULL_OBJECT")) }
            headers += Self.encryptionHeaders(record.encryption)
            return .success(EndpointResponse(status: 200, headers: headers, body: Data()))
        } catch {
            return .failure(Self.internalError(error))
        }
    }

    /// Content-Type, Content-Encoding (without aws-chunked), Cache-Control, Content-Disposition, Expires, x-amz-meta-*;
    /// MetadataTooLarge past S3's 2 KB of user-defined metadata (the UTF-8 bytes of every name and value).
    static func attributes(from request: EndpointRequest) -> Result<ObjectAttributes, AWSServiceError> {
        var attributes = ObjectAttributes(contentType: request.header("content-type") ?? "binary/octet-stream")
        if let encoding = request.header("content-encoding") {
            let kept = encoding.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0 != "aws-chunked" && !$0.isEmpty }
            attributes.contentEncoding = kept.isEmpty ? nil : kept.joined(separator: ",")
        }
        attributes.contentDisposition = request.header("content-disposition")
        attributes.cacheControl = request.header("cache-control")
        attributes.expires = request.header("expires")
        for (name, value) in request.headers {
            let lower = name.lowercased()
            if lower.hasPrefix("x-amz-meta-") { attributes.metadata[String(lower.dropFirst("x-amz-meta-".count))] = value }
        }
        let metadataSize = attributes.metadata.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        guard metadataSize <= 2048 else {
            return .failure(AWSServiceError(code: ErrorCode.S3.metadataTooLarge, status: 400, message: "Your metadata headers exceed the maximum allowed metadata size."))
        }
        return .success(attributes)
    }

    /// `x-amz-tagging: k1=v1&k2=v2`.
    static func parseTagHeader(_ text: String) -> Result<[String: String], AWSServiceError> {
        var tags: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let k = EndpointRequest.decode(String(kv[0])), v = kv.count > 1 ? EndpointRequest.decode(String(kv[1])) : ""
            if tags[k] != nil {
                return .failure(AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400, message: "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates."))
            }
            tags[k] = v
        }
        if tags.count > 10 { return .failure(AWSServiceError(code: ErrorCode.S3.badRequest, status: 400, message: "Object tags cannot be greater than 10")) }
        return .success(tags)
    }

    // MARK: GetObject / HeadObject

    func getObject(_ name: String, _ key: String, _ request: EndpointRequest, caller: Caller, now: Date, head: Bool) -> Result<EndpointResponse, AWSServiceError> {
        let bucket: S3Bucket
        switch self.bucket(name) { case .failure(let e): return .failure(e); case .success(let b): bucket = b }
        // HeadObject is authorized as s3:GetObject (s3:GetObjectVersion for one version), as S3 does.
        let versionId = request.queryItems["versionId"]
        if let denied = authorize(caller, operation: head ? "HeadObject" : "GetObject", action: versionId == nil ? "s3:GetObject" : "s3:GetObjectVersion",
                                  bucket: bucket, key: key, versionId: versionId, now: now) { return .failure(denied) }
        if let hidden = hiddenByVersioning(name, key, versionId: versionId) { return .failure(hidden) }
        guard let record = versionId.flatMap({ configuration.store.version(bucket: name, key: key, versionId: $0) })
            ?? configuration.store.record(bucket: name, key: key) else {
            // S3 admits that a key is missing only to callers allowed to list the bucket.
            if authorize(caller, operation: "ListBucket", action: "s3:ListBucket", bucket: bucket, key: nil, now: now, record: false) != nil {
                return .failure(.accessDenied("Access Denied"))
            }
            return .failure(AWSServiceError(code: ErrorCode.S3.noSuchKey, status: 404, message: "The specified key does not exist.", extraFields: [("Key", key)]))
        }
        if let failed = checkConditions(request, record: record) {
            // 304 Not Modified is no error document: it carries the object's validators.
            guard failed.status == 304 else { return .failure(failed) }
            return .success(EndpointResponse(status: 304, headers: [("ETag", record.etag), ("Last-Modified", XML.httpDate(record.lastModified))], body: Data()))
        }

        // Reading an SSE-KMS object's bytes decrypts them: kms:Decrypt for the caller (HEAD reads none).
        if !head, let denied = authorizeRead(record, bucket: bucket, key: key, caller: caller, now: now) { return .failure(denied) }
        var part: (number: Int, range: ClosedRange<Int>?, count: Int)?
        if request.queryItems["partNumber"] != nil {
            switch objectPart(record, request) { case .failure(let e): return .failure(e); case .success(let p): part = p }
        }
        var status = 200
        var range: ClosedRange<Int>?
        var headers: [(String, String)] = [
            ("Accept-Ranges", "bytes"),
            ("Last-Modified", XML.httpDate(record.lastModified)),
            ("ETag", record.etag),
            ("Content-Type", request.queryItems["response-content-type"] ?? record.contentType),
        ] + versionIdHeader(name, record)
        if let rangeHeader = request.header("range") {
            switch Self.parseRange(rangeHeader, size: record.size) {
            case .none: break
            case .unsatisfiable:
                return .failure(AWSServiceError(code: ErrorCode.S3.invalidRange, status: 416, message: "The requested range is not satisfiable",
                                                extraFields: [("RangeRequested", rangeHeader), ("ActualObjectSize", String(record.size))]))
            case .range(let r):
                range = r
                status = 206
                headers.append(("Content-Range", "bytes \(r.lowerBound)-\(r.upperBound)/\(record.size)"))
            }
        }
        if let part {
            range = part.range
            if let r = part.range {
                status = 206
                headers.append(("Content-Range", "bytes \(r.lowerBound)-\(r.upperBound)/\(record.size)"))
            }
            if record.partsCount != nil { headers.append(("x-amz-mp-parts-count", String(part.count))) }
        }
        let overrides = ["response-content-encoding": "Content-Encoding", "response-content-disposition": "Content-Disposition",
                         "response-cache-control": "Cache-Control", "response-expires": "Expires", "response-content-language": "Content-Language"]
        let stored: [String: String?] = ["Content-Encoding": record.contentEncoding, "Content-Disposition": record.contentDisposition,
                                         "Cache-Control": record.cacheControl, "Expires": record.expires]
        let q = request.queryItems
        for header in ["Content-Encoding", "Content-Disposition", "Cache-Control", "Expires", "Content-Language"] {
            let override = overrides.first { $0.value == header }.flatMap { q[$0.key] }
            if let value = override ?? stored[header] ?? nil { headers.append((header, value)) }
        }
        for (k, v) in record.metadata.sorted(by: { $0.key < $1.key }) { headers.append(("x-amz-meta-\(k)", v)) }
        if let tags = record.tags, !tags.isEmpty { headers.append(("x-amz-tagging-count", String(tags.count))) }
        if range == nil, part == nil, request.header("x-amz-checksum-mode")?.uppercased() == "ENABLED" {
            for (algorithm, value) in record.checksums {
                headers.append(("x-amz-checksum-\(algorithm.lowercased())", value))
                headers.append(("x-amz-checksum-type", value.contains("-") ? "COMPOSITE" : "FULL_OBJECT"))
            }
        }
        headers += Self.encryptionHeaders(record.encryption)
        let length = range?.count ?? record.size
        if head {
            return .success(EndpointResponse(status: status, headers: headers, body: Data(), headContentLength: length))
        }
        do {
            // The bytes are sent from the file in pieces; the open descriptor keeps them even if the key is overwritten meanwhile.
            let object = try configuration.store.openObject(bucket: name, record: record, range: range)
            let file = FileBody(object: object, offset: range?.lowerBound ?? 0, length: length)
            return .success(EndpointResponse(status: status, headers: headers, body: Data(), file: file))
        } catch {
            return .failure(AWSServiceError(code: ErrorCode.internalError, status: 500, message: "We encountered an internal error. Please try again. (\(error.description))"))
        }
    }

    /// If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since, with S3's precedence.
    func checkConditions(_ request: EndpointRequest, record: ObjectRecord) -> AWSServiceError? {
        let etag = record.etag
        func matches(_ header: String) -> Bool {
            header.split(separator: ",").contains { tag in
                let t = tag.trimmingCharacters(in: .whitespaces)
                return t == "*" || t == etag || "\"\(t)\"" == etag
            }
        }
        let modified = record.lastModified.timeIntervalSince1970.rounded(.down)
        let ifMatch = request.header("if-match")
        let ifNoneMatch = request.header("if-none-match")
        if let ifMatch, !matches(ifMatch) {
            return AWSServiceError(code: ErrorCode.S3.preconditionFailed, status: 412, message: "At least one of the pre-conditions you specified did not hold", extraFields: [("Condition", "If-Match")])
        }
        if ifMatch == nil, let text = request.header("if-unmodified-since"), let date = XML.parseHTTPDate(text), modified > date.timeIntervalSince1970 {
            return AWSServiceError(code: ErrorCode.S3.preconditionFailed, status: 412, message: "At least one of the pre-conditions you specified did not hold", extraFields: [("Condition", "If-Unmodified-Since")])
        }
        if let ifNoneMatch, matches(ifNoneMatch) {
            var e = AWSServiceError(code: ErrorCode.S3.notModified, status: 304, message: "Not Modified")
            e.bareStatus = true
            return e
        }
        if ifNoneMatch == nil, let text = request.header("if-modified-since"), let date = XML.parseHTTPDate(text), modified <= date.timeIntervalSince1970 {
            var e = AWSServiceError(code: ErrorCode.S3.notModified, status: 304, message: "Not Modified")
            e.bareStatus = true
            return e
        }
        return nil
    }

    /// The bytes of part `partNumber` of an object (a multipart object's parts as completed; any other object is one part),
    /// and its part count; nil range for an empty part.
    func objectPart(_ record: ObjectRecord, _ request: EndpointRequest) -> Result<(number: Int, range: ClosedRange<Int>?, count: Int), AWSServiceError> {
        let number: Int
        switch partNumber(request) { case .failure(let e): return .failure(e); case .success(let n): number = n }
        if request.header("range") != nil {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidRequest, status: 400, message: "Cannot specify both Range header and partNumber query parameter"))
        }
        let sizes: [Int]
        if let count = record.partsCount {
            // The part sizes: the segments of parts linked in place, or those kept for parts joined into one file
            // (objects joined before part sizes were kept have only their count).
            guard let parts = record.segments ?? record.partSizes, parts.count == count else { return .failure(.s3NotImplemented) }
            sizes = parts
        } else {
            sizes = [record.size]
        }
        guard number <= sizes.count else {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidPartNumber, status: 416, message: "The requested partnumber is not satisfiable",
                                            extraFields: [("PartNumberRequested", String(number)), ("ActualPartCount", String(sizes.count))]))
        }
        let start = sizes.prefix(number - 1).reduce(0, +)
        let size = sizes[number - 1]
        return .success((number, size > 0 ? start...(start + size - 1) : nil, sizes.count))
    }

    /// Conditional writes (PutObject, CompleteMultipartUpload): `If-None-Match: *` fails when the key
    /// exists; `If-Match: <etag>` fails when it differs, and answers NoSuchKey when there is no object.
    /// On success, what the write must still find when it commits (nil for an unconditional write):
    /// a write that lost a race to another answers 409 ConditionalRequestConflict.
    func writeConditions(_ request: EndpointRequest, _ name: String, _ key: String) -> Result<CommitPrecondition?, AWSServiceError> {
        if let failed = checkWriteConditions(request, name, key) { return .failure(failed) }
        guard request.header("if-match") != nil || request.header("if-none-match") != nil else { return .success(nil) }
        return .success(CommitPrecondition(seen: configuration.store.record(bucket: name, key: key)))
    }

    func checkWriteConditions(_ request: EndpointRequest, _ name: String, _ key: String) -> AWSServiceError? {
        let ifMatch = request.header("if-match"), ifNoneMatch = request.header("if-none-match")
        guard ifMatch != nil || ifNoneMatch != nil else { return nil }
        if let ifNoneMatch, ifNoneMatch.trimmingCharacters(in: .whitespaces) != "*" {
            // S3 takes only `*` here.
            var error = AWSServiceError.s3NotImplemented
            error.extraFields = [("Header", "If-None-Match")]
            return error
        }
        let record = configuration.store.record(bucket: name, key: key)
        func failed(_ condition: String) -> AWSServiceError {
            AWSServiceError(code: ErrorCode.S3.preconditionFailed, status: 412, message: "At least one of the pre-conditions you specified did not hold",
                            extraFields: [("Condition", condition)])
        }
        if let ifMatch {
            guard let record else {
                return AWSServiceError(code: ErrorCode.S3.noSuchKey, status: 404, message: "The specified key does not exist.", extraFields: [("Key", key)])
            }
            let matches = ifMatch.split(separator: ",").contains { tag in
                let t = tag.trimmingCharacters(in: .whitespaces)
                return t == "*" || t == record.etag || "\"\(t)\"" == record.etag
            }
            if !matches { return failed("If-Match") }
        }
        if ifNoneMatch != nil, record != nil { return failed("If-None-Match") }
        return nil
    }

    enum RangeResult { case none, unsatisfiable, range(ClosedRange<Int>) }

    /// `bytes=a-b`, `bytes=a-`, `bytes=-n`; anything else (several ranges, bad syntax) is ignored as S3 does.
    static func parseRange(_ header: String, size: Int) -> RangeResult {
        guard header.hasPrefix("bytes=") else { return .none }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .none }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            // A negative suffix length ("bytes=--2") is bad syntax, ignored like the rest.
            guard let n = Int(last), n >= 0 else { return .none }
            if n == 0 || size == 0 { return .unsatisfiable }
            return .range(max(0, size - n)...(size - 1))
        }
        guard let start = Int(first) else { return .none }
        if start >= size { return .unsatisfiable }
        if last.isEmpty { return .range(start...(size - 1)) }
        guard let end = Int(last), end >= start else { return .none }
        return .range(start...min(end, size - 1))
    }
}

/// The listing parameters ListObjects and ListObjectsV2 share, checked as S3 checks them.
struct ListingParameters {
    var prefix: String
    var delimiter: String?
    var encodeURL: Bool
    var maxKeys: Int

    static func parse(_ q: [String: String]) -> Result<ListingParameters, AWSServiceError> {
        if let encoding = q["encoding-type"], encoding != "url" {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400, message: "Invalid Encoding Method specified in Request",
                                            extraFields: [("ArgumentName", "encoding-type"), ("ArgumentValue", encoding)]))
        }
        var maxKeys = 1000
        if let text = q["max-keys"] {
            guard let value = Int(text), value >= 0 else {
                return .failure(AWSServiceError(code: ErrorCode.S3.invalidArgument, status: 400, message: "Provided max-keys not an integer or within integer range",
                                                extraFields: [("ArgumentName", "max-keys"), ("ArgumentValue", text)]))
            }
            maxKeys = min(value, 1000)
        }
        return .success(ListingParameters(prefix: q["prefix"] ?? "", delimiter: q["delimiter"].flatMap { $0.isEmpty ? nil : $0 },
                                          encodeURL: q["encoding-type"] == "url", maxKeys: maxKeys))
    }
}
