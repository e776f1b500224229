import Foundation
import SigV4
import Testing

/// Malformed credentials, missing dates and scope problems, with the codes and texts AWS uses.
@Suite struct VerifierErrorTests {
    static func request(authorization: String?, headers: [(name: String, value: String)] = [("Host", "localhost"), ("X-Amz-Date", "20260115T103000Z")], query: String = "") -> SigV4Request {
        SigV4Request(method: "GET", path: "/", query: query,
                     headers: headers + (authorization.map { [("Authorization", $0)] } ?? []), payloadHash: SigV4.emptyPayloadHash)
    }

    static func parseError(_ request: SigV4Request) -> SigV4Error? {
        do {
            _ = try SigV4Verifier.authorization(of: request)
            return nil
        } catch {
            return error
        }
    }

    @Test func unsignedRequestIsAnonymous() throws {
        #expect(try SigV4Verifier.authorization(of: Self.request(authorization: nil)) == nil)
        #expect(try SigV4Verifier.authorization(of: Self.request(authorization: nil, query: "prefix=a&list-type=2")) == nil)
        #expect(try SigV4Verifier.authorization(of: Self.request(authorization: "Bearer abc")) == nil)
    }

    struct Malformed: Sendable, CustomTestStringConvertible {
        var authorization: String
        var code: String
        var status: Int
        var message: String
        var testDescription: String { authorization }
    }

    static let s3Sha: [(name: String, value: String)] = [("Host", "h"), ("X-Amz-Date", "20260115T103000Z"), ("x-amz-content-sha256", SigV4.emptyPayloadHash)]

    static let malformed: [Malformed] = [
        Malformed(authorization: "AWS4-HMAC-SHA256 Credential=AKID/20260115/us-east-1/s3/aws4_request, SignedHeaders=host",
                  code: "AuthorizationHeaderMalformed", status: 400,
                  message: "The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature."),
        Malformed(authorization: "AWS4-HMAC-SHA256 Credential=AKID/20260115/us-east-1/s3, SignedHeaders=host, Signature=abc",
                  code: "AuthorizationHeaderMalformed", status: 400,
                  message: "The authorization header is malformed; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."),
        Malformed(authorization: "AWS4-HMAC-SHA256 Credential=/20260115/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc",
                  code: "AuthorizationHeaderMalformed", status: 400,
                  message: "The authorization header is malformed; a non-empty Access Key (AKID) must be provided in the credential."),
        Malformed(authorization: "AWS4-HMAC-SHA256 Credential=AKID/20260115/us-east-1/s3/aws4_request, SignedHeaders, Signature=abc",
                  code: "AuthorizationHeaderMalformed", status: 400,
                  message: "The authorization header is malformed; the authorization component \"SignedHeaders\" is malformed."),
        Malformed(authorization: "AWS AKID:c2lnbmF0dXJl", code: "InvalidRequest", status: 400,
                  message: "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."),
    ]

    @Test(arguments: malformed)
    func malformedS3Header(_ m: Malformed) {
        let error = Self.parseError(Self.request(authorization: m.authorization, headers: Self.s3Sha))
        #expect(error == SigV4Error(code: m.code, message: m.message, httpStatus: m.status))
    }

    @Test func malformedHeaderForQueryServices() {
        let missing = "AWS4-HMAC-SHA256 Credential=AKID/20260115/us-east-1/sts/aws4_request"
        #expect(Self.parseError(Self.request(authorization: missing)) == SigV4Error(
            code: "IncompleteSignature",
            message: "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=\(missing)",
            httpStatus: 400))
        let shortCredential = "AWS4-HMAC-SHA256 Credential=AKID/20260115/us-east-1, SignedHeaders=host, Signature=abc"
        #expect(Self.parseError(Self.request(authorization: shortCredential))?.message
                == "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKID/20260115/us-east-1'")
        let badTerminator = "AWS4-HMAC-SHA256 Credential=AKID/20260115/us-east-1/sts/aws5_request, SignedHeaders=host, Signature=abc"
        #expect(Self.parseError(Self.request(authorization: badTerminator)) == SigV4Error(
            code: "SignatureDoesNotMatch", message: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ", httpStatus: 403))
        let glue = "AWS4-HMAC-SHA256 Credential=AKID/20260115/us-east-1/glue/aws5_request, SignedHeaders=host, Signature=abc"
        #expect(Self.parseError(Self.request(authorization: glue))?.code == "InvalidSignatureException")
        // When the credential cannot be read, the endpoint's service decides the wording.
        let garbage = "AWS4-HMAC-SHA256 Credential=x, SignedHeaders=host, Signature=abc"
        do {
            _ = try SigV4Verifier.authorization(of: Self.request(authorization: garbage), endpointService: "s3")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == "AuthorizationHeaderMalformed")
        }
    }

    @Test func missingDate() throws {
        let s3 = signedRequest(service: "s3").settingHeader("X-Amz-Date", nil)
        #expect(verifyError(s3) == SigV4Error(code: "AccessDenied", message: "AWS authentication requires a valid Date or x-amz-date header", httpStatus: 403))
        let badDate = signedRequest(service: "s3").settingHeader("X-Amz-Date", "2026-01-15T10:30:00Z")
        #expect(verifyError(badDate)?.code == "AccessDenied")
        let sts = signedRequest(service: "sts").settingHeader("X-Amz-Date", nil)
        let error = verifyError(sts)
        #expect(error?.code == "IncompleteSignature")
        #expect(error?.httpStatus == 400)
        #expect(error?.message.hasPrefix("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=") == true)
    }

    @Test func scopeDateMustMatchRequestDate() {
        // Signed on 2026-01-15 23:59:50, the scope then claims the next day.
        let date = AmzDate.parse("20260115T235950Z")!
        let s3 = signedRequest(service: "s3", date: date).editingAuthorization("/20260115/", "/20260116/")
        #expect(verifyError(s3, now: date) == SigV4Error(
            code: "AuthorizationHeaderMalformed", message: "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.", httpStatus: 400))
        let sts = signedRequest(service: "sts", date: date).editingAuthorization("/20260115/", "/20260116/")
        #expect(verifyError(sts, now: date) == SigV4Error(
            code: "SignatureDoesNotMatch",
            message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260116' != '20260115', from '20260115T235950Z'.",
            httpStatus: 403))
    }

    @Test func hostMustBeSigned() {
        let sts = Self.request(authorization: "AWS4-HMAC-SHA256 Credential=AKID/20260115/us-east-1/sts/aws4_request, SignedHeaders=x-amz-date, Signature=abc")
        #expect(verifyError(sts, secret: "s") == SigV4Error(code: "IncompleteSignature", message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.", httpStatus: 400))
        let s3 = Self.request(authorization: "AWS4-HMAC-SHA256 Credential=AKID/20260115/us-east-1/s3/aws4_request, SignedHeaders=x-amz-content-sha256;x-amz-date, Signature=abc", headers: Self.s3Sha)
        #expect(verifyError(s3, secret: "s")?.code == "AuthorizationHeaderMalformed")
    }

    @Test func s3RequiresAllAmzHeadersSignedAndTheContentHash() {
        let request = signedRequest(service: "s3")
        #expect(verifyError(request.settingHeader("x-amz-acl", "public-read")) == SigV4Error(
            code: "AccessDenied", message: "There were headers present in the request which were not signed", httpStatus: 403))
        // Other services ignore unsigned x-amz- headers.
        #expect(verifyError(signedRequest(service: "sts").settingHeader("x-amz-user-agent", "x")) == nil)
        let noHash = Self.request(authorization: "AWS4-HMAC-SHA256 Credential=AKID/20260115/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc")
        #expect(verifyError(noHash, secret: "s") == SigV4Error(code: "InvalidRequest", message: "Missing required header for this request: x-amz-content-sha256", httpStatus: 400))
    }

    @Test func checkScope() throws {
        let s3 = try #require(try SigV4Verifier.authorization(of: signedRequest(service: "s3", region: "eu-west-1")))
        try SigV4Verifier.checkScope(s3, region: "eu-west-1", service: "s3")
        #expect(throws: SigV4Error(code: "AuthorizationHeaderMalformed", message: "The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'", httpStatus: 400)) {
            try SigV4Verifier.checkScope(s3, region: "us-east-1", service: "s3")
        }
        let sts = try #require(try SigV4Verifier.authorization(of: signedRequest(service: "iam")))
        #expect(throws: SigV4Error(code: "SignatureDoesNotMatch", message: "Credential should be scoped to correct service: 'sts'. ", httpStatus: 403)) {
            try SigV4Verifier.checkScope(sts, region: "us-east-1", service: "sts")
        }
        let glue = try #require(try SigV4Verifier.authorization(of: signedRequest(service: "glue", region: "us-west-2")))
        #expect(throws: SigV4Error(code: "InvalidSignatureException", message: "Credential should be scoped to a valid region. ", httpStatus: 400)) {
            try SigV4Verifier.checkScope(glue, region: "us-east-1", service: "glue")
        }
    }

    struct BadPresigned: Sendable, CustomTestStringConvertible {
        var query: String
        var message: String
        var testDescription: String { query }
    }

    static let goodPresigned = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260115%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260115T103000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=abc"

    static let badPresigned: [BadPresigned] = [
        BadPresigned(query: goodPresigned.replacingOccurrences(of: "&X-Amz-Expires=60", with: ""),
                     message: "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."),
        BadPresigned(query: goodPresigned.replacingOccurrences(of: "X-Amz-Expires=60", with: "X-Amz-Expires=604801"),
                     message: "X-Amz-Expires must be less than a week (in seconds) that is 604800"),
        BadPresigned(query: goodPresigned.replacingOccurrences(of: "X-Amz-Expires=60", with: "X-Amz-Expires=-1"),
                     message: "X-Amz-Expires must be non-negative"),
        BadPresigned(query: goodPresigned.replacingOccurrences(of: "20260115T103000Z", with: "2026-01-15"),
                     message: "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""),
        BadPresigned(query: goodPresigned.replacingOccurrences(of: "AWS4-HMAC-SHA256", with: "AWS4-HMAC-SHA512"),
                     message: "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""),
        BadPresigned(query: goodPresigned.replacingOccurrences(of: "%2Fs3%2Faws4_request", with: "%2Fs3"),
                     message: "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."),
    ]

    @Test(arguments: badPresigned)
    func malformedPresignedS3(_ bad: BadPresigned) {
        let error = Self.parseError(Self.request(authorization: nil, headers: [("Host", "h")], query: bad.query))
        #expect(error == SigV4Error(code: "AuthorizationQueryParametersError", message: bad.message, httpStatus: 400))
    }

    @Test func malformedPresignedQueryService() {
        let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260115%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Signature=abc"
        #expect(Self.parseError(Self.request(authorization: nil, headers: [("Host", "h")], query: query)) == SigV4Error(
            code: "IncompleteSignature",
            message: "AWS query-string parameters must include 'X-Amz-Date'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
            httpStatus: 400))
    }

    @Test func errorDescription() {
        #expect(SigV4Error.signatureDoesNotMatch(.s3).description.hasPrefix("SignatureDoesNotMatch (403): The request signature"))
    }
}
