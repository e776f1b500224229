import Crypto
import Foundation
import World
import SigV4

/// An upload's bytes once decoded and checked, with the checksums to keep.
struct Payload {
    var data: Data
    /// Algorithm (`CRC32`...) to base64 value.
    var checksums: [String: String]
    /// The bytes on disk instead of `data`, for streamed uploads.
    var staged: StagedBody? = nil

    /// The base64 checksum of the bytes, computed on the way in when it could be.
    func checksum(_ algorithm: S3Checksum) -> String {
        guard let staged else { return algorithm.base64(of: data) }
        return staged.checksums[algorithm.rawValue] ?? S3Service.checksum(ofFile: staged.url, algorithm)
    }
}

extension S3Service {
    /// Decodes an aws-chunked body (signed chunks or unsigned with trailers), then checks
    /// Content-MD5 and the flexible checksum (header or trailer) against the bytes received.
    /// Without any checksum S3 computes a CRC64NVME of the object, and so does glueshim.
    func decodePayload(_ request: EndpointRequest, caller: Caller, defaultChecksum: Bool = true) -> Result<Payload, AWSServiceError> {
        if let staged = request.staged { return checkStaged(staged, request, defaultChecksum: defaultChecksum) }
        var data = request.body
        var declared: [String: String] = [:]
        let contentSHA256 = request.header("x-amz-content-sha256") ?? ""
        if AWSChunkedDecoder.isStreaming(contentSHA256) {
            let signed = SigV4Request(method: request.method, path: request.rawPath, query: request.rawQuery,
                                      headers: request.headers, payloadHash: contentSHA256)
            let authorization = try? SigV4Verifier.authorization(of: signed)
            let decodedLength = request.header("x-amz-decoded-content-length").flatMap { Int($0) }
            do {
                let decoded = try AWSChunkedDecoder.decode([UInt8](request.body), contentSHA256: contentSHA256, authorization: authorization,
                                                           secretAccessKey: caller.credential?.credentials.secretAccessKey,
                                                           decodedContentLength: decodedLength, verifyChecksums: false)
                data = Data(decoded.data)
                for (name, value) in decoded.trailers {
                    if name.hasPrefix("x-amz-checksum-"), let algorithm = S3Checksum(headerOrAlgorithm: name) { declared[algorithm.rawValue] = value }
                }
            } catch {
                return .failure(AWSServiceError(code: error.code, status: error.httpStatus, message: error.message))
            }
        }
        for (name, value) in request.headers {
            let lower = name.lowercased()
            guard lower.hasPrefix("x-amz-checksum-"), lower != "x-amz-checksum-type", lower != "x-amz-checksum-algorithm",
                  lower != "x-amz-checksum-mode", let algorithm = S3Checksum(headerOrAlgorithm: lower) else { continue }
            declared[algorithm.rawValue] = value
        }
        if declared.count > 1 {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidRequest, status: 400, message: "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."))
        }
        if let md5 = request.header("content-md5") {
            guard Data(base64Encoded: md5)?.count == 16 else {
                return .failure(AWSServiceError(code: ErrorCode.S3.invalidDigest, status: 400, message: "The Content-MD5 you specified was invalid."))
            }
            if md5 != Data(Insecure.MD5.hash(data: data)).base64EncodedString() {
                return .failure(AWSServiceError(code: ErrorCode.S3.badDigest, status: 400, message: "The Content-MD5 you specified did not match what we received."))
            }
        }
        for (name, value) in declared {
            guard let algorithm = S3Checksum(rawValue: name) else { continue }
            do { try algorithm.verify(data, expectedBase64: value) } catch {
                return .failure(AWSServiceError(code: error.code, status: error.httpStatus, message: error.message))
            }
        }
        if declared.isEmpty {
            let requested = request.header("x-amz-sdk-checksum-algorithm").flatMap { S3Checksum(headerOrAlgorithm: $0) }
            if let algorithm = requested ?? (defaultChecksum ? .crc64nvme : nil) {
                declared[algorithm.rawValue] = algorithm.base64(of: data)
            }
        }
        return .success(Payload(data: data, checksums: declared))
    }
}

extension S3Service {
    /// The checks of `decodePayload` for a body streamed to disk (decoded and hashed on the way).
    func checkStaged(_ staged: StagedBody, _ request: EndpointRequest, defaultChecksum: Bool) -> Result<Payload, AWSServiceError> {
        if let error = staged.error { return .failure(error) }
        var payload = Payload(data: Data(), checksums: [:], staged: staged)
        var declared: [String: String] = [:]
        for (name, value) in staged.trailers {
            if name.hasPrefix("x-amz-checksum-"), let algorithm = S3Checksum(headerOrAlgorithm: name) { declared[algorithm.rawValue] = value }
        }
        for (name, value) in request.headers {
            let lower = name.lowercased()
            guard lower.hasPrefix("x-amz-checksum-"), lower != "x-amz-checksum-type", lower != "x-amz-checksum-algorithm",
                  lower != "x-amz-checksum-mode", let algorithm = S3Checksum(headerOrAlgorithm: lower) else { continue }
            declared[algorithm.rawValue] = value
        }
        if declared.count > 1 {
            return .failure(AWSServiceError(code: ErrorCode.S3.invalidRequest, status: 400, message: "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."))
        }
        if let md5 = request.header("content-md5") {
            guard let digest = Data(base64Encoded: md5), digest.count == 16 else {
                return .failure(AWSServiceError(code: ErrorCode.S3.invalidDigest, status: 400, message: "The Content-MD5 you specified was invalid."))
            }
            if digest.map({ String(format: "%02x", $0) }).joined() != staged.md5Hex {
                return .failure(AWSServiceError(code: ErrorCode.S3.badDigest, status: 400, message: "The Content-MD5 you specified did not match what we received."))
            }
        }
        for (name, value) in declared {
            guard let algorithm = S3Checksum(rawValue: name) else { continue }
            if payload.checksum(algorithm) != value.trimmingCharacters(in: .whitespaces) {
                let error = algorithm.mismatchError()
                return .failure(AWSServiceError(code: error.code, status: error.httpStatus, message: error.message))
            }
        }
        if declared.isEmpty {
            let requested = request.header("x-amz-sdk-checksum-algorithm").flatMap { S3Checksum(headerOrAlgorithm: $0) }
            if let algorithm = requested ?? (defaultChecksum ? .crc64nvme : nil) {
                declared[algorithm.rawValue] = payload.checksum(algorithm)
            }
        }
        payload.checksums = declared
        return .success(payload)
    }

    /// The base64 checksum of a file, read in pieces.
    static func checksum(ofFile url: URL, _ algorithm: S3Checksum) -> String {
        var state = S3Checksum.Accumulator(algorithm)
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return state.finalizeBase64() }
        defer { close(fd) }
        let capacity = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer, capacity)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            state.update(UnsafeRawBufferPointer(start: buffer, count: n))
        }
        return state.finalizeBase64()
    }
}
