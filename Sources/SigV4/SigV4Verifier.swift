import Foundation

/// Reads and checks the SigV4 signature of a request the server received.
public enum SigV4Verifier {
    /// Reads the credential from a request: the Authorization header form, or the presigned query form (X-Amz-Credential...). nil when the request is not SigV4-signed at all (the caller then treats it as anonymous).
    public static func authorization(of request: SigV4Request) throws(SigV4Error) -> SigV4Authorization? {
        try parse(request, endpointService: nil)
    }

    /// Like `authorization(of:)`, but worded as `endpointService` words its errors when the credential itself cannot be read.
    public static func authorization(of request: SigV4Request, endpointService: String) throws(SigV4Error) -> SigV4Authorization? {
        try parse(request, endpointService: endpointService)
    }

    /// Checks the signature with the secret the caller looked up for `authorization.accessKeyId`, the date (X-Amz-Date or Date header; 15 minutes skew allowed; presigned: X-Amz-Expires not past), the scope date matching the request date, and the signed headers including host.
    public static func verify(_ request: SigV4Request, authorization: SigV4Authorization, secretAccessKey: String, now: Date) throws(SigV4Error) {
        let auth = authorization
        let style = SigV4ErrorStyle(service: auth.service)
        guard let requestDate = auth.requestDate, let timestamp = auth.timestamp else {
            throw .missingDate(style, authorizationHeader: request.header("authorization") ?? "")
        }

        if auth.isPresigned {
            if requestDate.timeIntervalSince(now) > SigV4.allowedSkew {
                throw style == .s3
                    ? SigV4Error(code: "AccessDenied", message: "Request is not yet valid", httpStatus: 403)
                    : .timeTooSkewed(style, requestTime: requestDate, now: now)
            }
            let expires = auth.expires ?? Int(SigV4.allowedSkew)
            if now.timeIntervalSince(requestDate) > TimeInterval(expires) {
                throw .presignedExpired(style, requestTime: requestDate, expires: expires, now: now)
            }
        } else if abs(now.timeIntervalSince(requestDate)) > SigV4.allowedSkew {
            throw .timeTooSkewed(style, requestTime: requestDate, now: now)
        }

        let day = String(timestamp.prefix(8))
        if auth.date != day {
            switch (style, auth.isPresigned) {
            case (.s3, false):
                throw .malformedHeader(style, s3Detail: "Invalid credential date. Date is not the same as X-Amz-Date.", other: "")
            case (.s3, true):
                throw SigV4Error(code: "AuthorizationQueryParametersError", message: "Invalid credential date. Date is not the same as X-Amz-Date.", httpStatus: 400)
            default:
                throw .signatureProblem(style, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '\(auth.date)' != '\(day)', from '\(timestamp)'.")
            }
        }

        if !auth.signedHeaders.contains("host") {
            if style == .s3 {
                throw auth.isPresigned
                    ? SigV4Error(code: "AuthorizationQueryParametersError", message: "X-Amz-SignedHeaders must include host.", httpStatus: 400)
                    : .malformedHeader(style, s3Detail: "the SignedHeaders must include host.", other: "")
            }
            throw SigV4Error(code: "IncompleteSignature", message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.", httpStatus: 400)
        }

        if style == .s3 {
            let signed = Set(auth.signedHeaders)
            let unsigned = request.headers.contains { header in
                let lower = header.name.lowercased()
                return lower.hasPrefix("x-amz-") && !signed.contains(lower)
                    && !(auth.isPresigned && lower == "x-amz-content-sha256")
            }
            if unsigned {
                throw SigV4Error(code: "AccessDenied", message: "There were headers present in the request which were not signed", httpStatus: 403)
            }
            if !auth.isPresigned && request.header("x-amz-content-sha256") == nil {
                throw SigV4Error(code: "InvalidRequest", message: "Missing required header for this request: x-amz-content-sha256", httpStatus: 400)
            }
        }

        let payloadHash: String
        if auth.isPresigned && style == .s3 {
            payloadHash = auth.signedHeaders.contains("x-amz-content-sha256")
                ? (request.header("x-amz-content-sha256") ?? SigV4.unsignedPayload) : SigV4.unsignedPayload
        } else {
            payloadHash = request.payloadHash
        }

        let key = SigV4.signingKey(secretAccessKey: secretAccessKey, date: auth.date, region: auth.region, service: auth.service)
        // First the canonical form AWS specifies; then the query (and S3 path) exactly as sent, which is what a
        // client that already encoded them its own way signed.
        var matched = false
        for asSent in [false, true] {
            let canonical = CanonicalRequest.build(
                method: request.method, path: request.path, query: request.query, headers: request.headers,
                signedHeaders: auth.signedHeaders, payloadHash: payloadHash, service: auth.service,
                excludingQuery: auth.isPresigned ? ["X-Amz-Signature"] : [], asSent: asSent)
            let expected = SigV4.hexHMAC(SigV4.stringToSign(timestamp: timestamp, scope: auth.scope, canonicalRequest: canonical), key: key)
            matched = SigV4.constantTimeEquals(expected, auth.signature) || matched
        }
        guard matched else {
            throw .signatureDoesNotMatch(style)
        }
    }

    /// Checks that the credential scope names the region and service of the endpoint that received the request,
    /// worded as that service words it. Call it before `verify`.
    public static func checkScope(_ authorization: SigV4Authorization, region: String, service: String) throws(SigV4Error) {
        let style = SigV4ErrorStyle(service: service)
        if authorization.service != service {
            if style == .s3 {
                let detail = "incorrect service \"\(authorization.service)\". This endpoint belongs to \"\(service)\"."
                throw authorization.isPresigned
                    ? SigV4Error(code: "AuthorizationQueryParametersError", message: "Error parsing the X-Amz-Credential parameter; " + detail, httpStatus: 400)
                    : .malformedHeader(style, s3Detail: detail, other: "")
            }
            throw .signatureProblem(style, "Credential should be scoped to correct service: '\(service)'. ")
        }
        if authorization.region != region {
            if style == .s3 {
                let detail = "the region '\(authorization.region)' is wrong; expecting '\(region)'"
                throw authorization.isPresigned
                    ? SigV4Error(code: "AuthorizationQueryParametersError", message: "Error parsing the X-Amz-Credential parameter; " + detail, httpStatus: 400)
                    : .malformedHeader(style, s3Detail: detail, other: "")
            }
            throw .signatureProblem(style, "Credential should be scoped to a valid region. ")
        }
    }

    // MARK: - Parsing

    static func parse(_ request: SigV4Request, endpointService: String?) throws(SigV4Error) -> SigV4Authorization? {
        if let header = request.header("authorization") {
            return try parseHeader(header, request: request, endpointService: endpointService)
        }
        let params = CanonicalRequest.queryParameters(request.query)
        if params.contains(where: { $0.name == "X-Amz-Algorithm" || $0.name == "X-Amz-Credential" || $0.name == "X-Amz-Signature" }) {
            return try parsePresigned(params, request: request, endpointService: endpointService)
        }
        return nil
    }

    /// The style for errors found while reading the credential: the credential's own service when it can be read.
    static func style(credential: String?, request: SigV4Request, endpointService: String?) -> SigV4ErrorStyle {
        if let endpointService { return SigV4ErrorStyle(service: endpointService) }
        if let credential {
            let parts = credential.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count >= 4 { return SigV4ErrorStyle(service: String(parts[3])) }
        }
        return request.header("x-amz-content-sha256") != nil ? .s3 : .query
    }

    struct Credential {
        var accessKeyId: String, date: String, region: String, service: String
    }

    static func parseCredential(_ value: String, style: SigV4ErrorStyle, presigned: Bool) throws(SigV4Error) -> Credential {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        func malformed() -> SigV4Error {
            let s3 = "the Credential is mal-formed; expecting \(SigV4Error.credentialFormat)."
            return presigned
                ? .malformedQuery(style, s3Message: "Error parsing the X-Amz-Credential parameter; " + s3, other: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '\(value)'")
                : .malformedHeader(style, s3Detail: s3, other: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '\(value)'")
        }
        guard parts.count == 5 else { throw malformed() }
        if parts[0].isEmpty {
            if style == .s3 {
                let detail = "a non-empty Access Key (AKID) must be provided in the credential."
                throw presigned
                    ? SigV4Error(code: "AuthorizationQueryParametersError", message: "Error parsing the X-Amz-Credential parameter; " + detail, httpStatus: 400)
                    : .malformedHeader(style, s3Detail: detail, other: "")
            }
            throw malformed()
        }
        if parts[4] != "aws4_request" {
            if style == .s3 { throw malformed() }
            throw .signatureProblem(style, "Credential should be scoped with a valid terminator: 'aws4_request', not '\(parts[4])'. ")
        }
        return Credential(accessKeyId: parts[0], date: parts[1], region: parts[2], service: parts[3])
    }

    static func parseHeader(_ header: String, request: SigV4Request, endpointService: String?) throws(SigV4Error) -> SigV4Authorization? {
        let trimmed = SigV4.trimOWS(header)
        let algorithm = String(trimmed.prefix { $0 != " " })
        guard algorithm == SigV4.algorithm else {
            if algorithm.hasPrefix("AWS") {
                let style = style(credential: nil, request: request, endpointService: endpointService)
                throw .unsupportedAlgorithm(style, presigned: false, algorithm: algorithm)
            }
            return nil  // some other scheme: not SigV4
        }
        var fields: [String: String] = [:]
        var badComponent: String?
        for component in trimmed.dropFirst(algorithm.count).split(separator: ",") {
            let item = SigV4.trimOWS(component)
            if item.isEmpty { continue }
            guard let eq = item.firstIndex(of: "=") else {
                badComponent = badComponent ?? item
                continue
            }
            let key = String(item[..<eq])
            if fields[key] == nil { fields[key] = String(item[item.index(after: eq)...]) }
        }
        let style = style(credential: fields["Credential"], request: request, endpointService: endpointService)
        if let badComponent {
            throw .malformedHeader(style, s3Detail: "the authorization component \"\(badComponent)\" is malformed.",
                                   other: "'\(badComponent)' not a valid key=value pair (missing equal-sign) in Authorization header: '\(trimmed)'.")
        }
        let missing = ["Credential", "Signature", "SignedHeaders"].filter { fields[$0] == nil }
        guard let credentialValue = fields["Credential"], let signedValue = fields["SignedHeaders"], let signature = fields["Signature"] else {
            throw .malformedHeader(style, s3Detail: "the authorization header requires three components: Credential, SignedHeaders, and Signature.",
                                   other: missing.map { "Authorization header requires '\($0)' parameter." }.joined(separator: " ") + " Authorization=\(trimmed)")
        }
        let credential = try parseCredential(credentialValue, style: style, presigned: false)

        var requestDate: Date?
        if let amzDate = request.header("x-amz-date") {
            requestDate = AmzDate.parse(SigV4.trimOWS(amzDate))
        } else if let httpDate = request.header("date") {
            requestDate = AmzDate.parseHTTPDate(SigV4.trimOWS(httpDate))
        }
        return SigV4Authorization(
            accessKeyId: credential.accessKeyId, date: credential.date, region: credential.region, service: credential.service,
            signedHeaders: signedValue.split(separator: ";").map(String.init), signature: signature,
            isPresigned: false, requestDate: requestDate, securityToken: request.header("x-amz-security-token"))
    }

    static let presignedRequired = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"]

    static func parsePresigned(_ params: [(name: String, value: String)], request: SigV4Request, endpointService: String?) throws(SigV4Error) -> SigV4Authorization? {
        var fields: [String: String] = [:]
        for (name, value) in params where name.hasPrefix("X-Amz-") && fields[name] == nil { fields[name] = value }
        let style = style(credential: fields["X-Amz-Credential"], request: request, endpointService: endpointService)
        let required = style == .s3 ? presignedRequired : presignedRequired.filter { $0 != "X-Amz-Expires" }
        let missing = required.filter { fields[$0] == nil }
        if !missing.isEmpty {
            throw .malformedQuery(style,
                s3Message: "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
                other: missing.map { "AWS query-string parameters must include '\($0)'." }.joined(separator: " ") + " Re-examine the query-string parameters.")
        }
        let algorithm = fields["X-Amz-Algorithm"]!
        guard algorithm == SigV4.algorithm else { throw .unsupportedAlgorithm(style, presigned: true, algorithm: algorithm) }
        let credential = try parseCredential(fields["X-Amz-Credential"]!, style: style, presigned: true)
        let amzDate = fields["X-Amz-Date"]!
        guard let requestDate = AmzDate.parse(amzDate) else {
            throw .malformedQuery(style, s3Message: "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
                                  other: "Date must be in ISO-8601 'basic format'. Got '\(amzDate)'. See http://en.wikipedia.org/wiki/ISO_8601")
        }
        var expires: Int?
        if let raw = fields["X-Amz-Expires"] {
            guard let value = Int(raw) else {
                throw .malformedQuery(style, s3Message: "X-Amz-Expires should be a number", other: "X-Amz-Expires should be a number")
            }
            if value < 0 {
                throw .malformedQuery(style, s3Message: "X-Amz-Expires must be non-negative", other: "X-Amz-Expires must be non-negative")
            }
            if value > SigV4.maxPresignedExpires {
                throw .malformedQuery(style, s3Message: "X-Amz-Expires must be less than a week (in seconds) that is 604800",
                                      other: "X-Amz-Expires must be less than a week (in seconds) that is 604800")
            }
            expires = value
        }
        return SigV4Authorization(
            accessKeyId: credential.accessKeyId, date: credential.date, region: credential.region, service: credential.service,
            signedHeaders: fields["X-Amz-SignedHeaders"]!.split(separator: ";").map(String.init), signature: fields["X-Amz-Signature"]!,
            isPresigned: true, requestDate: requestDate, timestamp: amzDate, expires: expires,
            securityToken: fields["X-Amz-Security-Token"])
    }
}
