import Foundation

/// An error with the AWS code, HTTP status and message the service in the credential scope returns.
public struct SigV4Error: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var httpStatus: Int

    public init(code: String, message: String, httpStatus: Int) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
    }

    public var description: String { "\(code) (\(httpStatus)): \(message)" }
}

/// How a service words its authentication errors.
public enum SigV4ErrorStyle: Sendable, Hashable {
    /// Amazon S3 (XML errors, its own codes).
    case s3
    /// Query-protocol services such as STS and IAM (`SignatureDoesNotMatch`).
    case query
    /// JSON-protocol services such as Glue (`InvalidSignatureException`).
    case json

    static let jsonServices: Set<String> = [
        "glue", "logs", "kms", "secretsmanager", "ssm", "events", "dynamodb", "states", "athena", "lakeformation",
    ]

    /// The style of the service with signing name `service`.
    public init(service: String) {
        if service == "s3" {
            self = .s3
        } else if Self.jsonServices.contains(service) {
            self = .json
        } else {
            self = .query
        }
    }
}

extension SigV4Error {
    static let credentialFormat = "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\""

    /// The signature does not match the one the server computed.
    public static func signatureDoesNotMatch(_ style: SigV4ErrorStyle) -> SigV4Error {
        switch style {
        case .s3:
            SigV4Error(code: "SignatureDoesNotMatch", message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.", httpStatus: 403)
        case .query, .json:
            signatureProblem(style, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
        }
    }

    /// A signature-related refusal of a non-S3 service: `SignatureDoesNotMatch` 403 (query) or `InvalidSignatureException` 400 (JSON).
    static func signatureProblem(_ style: SigV4ErrorStyle, _ message: String) -> SigV4Error {
        style == .json
            ? SigV4Error(code: "InvalidSignatureException", message: message, httpStatus: 400)
            : SigV4Error(code: "SignatureDoesNotMatch", message: message, httpStatus: 403)
    }

    /// The request time is more than 15 minutes from the server's clock.
    static func timeTooSkewed(_ style: SigV4ErrorStyle, requestTime: Date, now: Date) -> SigV4Error {
        switch style {
        case .s3:
            return SigV4Error(code: "RequestTimeTooSkewed", message: "The difference between the request time and the current time is too large.", httpStatus: 403)
        case .query, .json:
            let request = AmzDate.format(requestTime), current = AmzDate.format(now)
            if requestTime < now {
                let earliest = AmzDate.format(now.addingTimeInterval(-SigV4.allowedSkew))
                return signatureProblem(style, "Signature expired: \(request) is now earlier than \(earliest) (\(current) - 15 min.)")
            }
            let latest = AmzDate.format(now.addingTimeInterval(SigV4.allowedSkew))
            return signatureProblem(style, "Signature not yet current: \(request) is still later than \(latest) (\(current) + 15 min.)")
        }
    }

    /// A malformed Authorization header: S3 `AuthorizationHeaderMalformed` 400 ("The authorization header is malformed; " + `s3Detail`), others `IncompleteSignature` 400.
    static func malformedHeader(_ style: SigV4ErrorStyle, s3Detail: String, other: String) -> SigV4Error {
        style == .s3
            ? SigV4Error(code: "AuthorizationHeaderMalformed", message: "The authorization header is malformed; " + s3Detail, httpStatus: 400)
            : SigV4Error(code: "IncompleteSignature", message: other, httpStatus: 400)
    }

    /// Malformed presigned query parameters: S3 `AuthorizationQueryParametersError` 400, others `IncompleteSignature` 400.
    static func malformedQuery(_ style: SigV4ErrorStyle, s3Message: String, other: String) -> SigV4Error {
        style == .s3
            ? SigV4Error(code: "AuthorizationQueryParametersError", message: s3Message, httpStatus: 400)
            : SigV4Error(code: "IncompleteSignature", message: other, httpStatus: 400)
    }

    /// Neither X-Amz-Date nor Date.
    static func missingDate(_ style: SigV4ErrorStyle, authorizationHeader: String) -> SigV4Error {
        style == .s3
            ? SigV4Error(code: "AccessDenied", message: "AWS authentication requires a valid Date or x-amz-date header", httpStatus: 403)
            : SigV4Error(code: "IncompleteSignature", message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=\(authorizationHeader)", httpStatus: 400)
    }

    /// A presigned URL past its X-Amz-Expires.
    static func presignedExpired(_ style: SigV4ErrorStyle, requestTime: Date, expires: Int, now: Date) -> SigV4Error {
        if style == .s3 {
            return SigV4Error(code: "AccessDenied", message: "Request has expired", httpStatus: 403)
        }
        let earliest = AmzDate.format(now.addingTimeInterval(-TimeInterval(expires)))
        return signatureProblem(style, "Signature expired: \(AmzDate.format(requestTime)) is now earlier than \(earliest) (\(AmzDate.format(now)) - \(expires) sec.)")
    }

    /// An authorization scheme other than AWS4-HMAC-SHA256.
    static func unsupportedAlgorithm(_ style: SigV4ErrorStyle, presigned: Bool, algorithm: String) -> SigV4Error {
        switch (style, presigned) {
        case (.s3, false):
            SigV4Error(code: "InvalidRequest", message: "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.", httpStatus: 400)
        case (.s3, true):
            SigV4Error(code: "AuthorizationQueryParametersError", message: "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"", httpStatus: 400)
        default:
            SigV4Error(code: "IncompleteSignature", message: "Unsupported AWS 'algorithm': '\(algorithm)'", httpStatus: 400)
        }
    }
}
