import Crypto
import Foundation
import SigV4

/// An upload's bytes once decoded and checked, with the checksums to keep.
struct Payload {
    var data: Data
    /// Algorithm (`CRC32`...) to base64 value.
    var checksums: [String: String]
}

extension S3Service {
    /// Decodes an aws-chunked body (signed chunks or unsigned with trailers), then checks
    /// Content-MD5 and the flexible checksum (header or trailer) against the bytes received.
    /// Without any checksum S3 computes a CRC64NVME of the object, and so does glueshim.
    func decodePayload(_ request: EndpointRequest, caller: Caller, defaultChecksum: Bool = true) -> Result<Payload, AWSServiceError> {
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
            return .failure(AWSServiceError(code: "InvalidRequest", status: 400, message: "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."))
        }
        if let md5 = request.header("content-md5") {
            guard Data(base64Encoded: md5)?.count == 16 else {
                return .failure(AWSServiceError(code: "InvalidDigest", status: 400, message: "The Content-MD5 you specified was invalid."))
            }
            if md5 != Data(Insecure.MD5.hash(data: data)).base64EncodedString() {
                return .failure(AWSServiceError(code: "BadDigest", status: 400, message: "The Content-MD5 you specified did not match what we received."))
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
