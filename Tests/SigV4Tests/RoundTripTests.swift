import Foundation
import SigV4
import Testing

/// Sign with `SigV4Signer`, verify with `SigV4Verifier`, and tamper with every signed part.
@Suite struct RoundTripTests {
    @Test(arguments: ["s3", "sts", "iam", "glue"])
    func signedRequestVerifies(service: String) throws {
        let request = signedRequest(service: service, method: "POST", path: "/", query: "b=2&a=1",
                                    headers: [("Host", "localhost:4566"), ("Content-Type", "application/x-www-form-urlencoded")],
                                    payloadHash: SigV4.hexSHA256("Action=GetCallerIdentity&Version=2011-06-15"))
        #expect(verifyError(request) == nil)
        let auth = try #require(try SigV4Verifier.authorization(of: request))
        #expect(auth.accessKeyId == testCredentials.accessKeyId)
        #expect(auth.date == "20260115")
        #expect(auth.region == "us-east-1")
        #expect(auth.service == service)
        #expect(auth.requestDate == testNow)
        #expect(!auth.isPresigned)
        #expect(auth.signedHeaders.contains("host"))
        #expect(auth.signedHeaders.contains("x-amz-content-sha256") == (service == "s3"))
    }

    @Test func s3KeyWithUnicodeAndReservedCharacters() {
        let key = "dir/my file ~ é+&=?.csv"
        let path = "/bucket/" + SigV4.uriEncode(key, encodeSlash: false)
        #expect(path == "/bucket/dir/my%20file%20~%20%C3%A9%2B%26%3D%3F.csv")
        #expect(verifyError(signedRequest(path: path)) == nil)
    }

    @Test func sessionTokenIsSignedAndReported() throws {
        let creds = AWSCredentials(accessKeyId: "ASIATEMP", secretAccessKey: "temp-secret", sessionToken: "token/with+stuff==")
        let request = signedRequest(credentials: creds)
        #expect(request.header("X-Amz-Security-Token") == "token/with+stuff==")
        let auth = try #require(try SigV4Verifier.authorization(of: request))
        #expect(auth.securityToken == "token/with+stuff==")
        #expect(auth.signedHeaders.contains("x-amz-security-token"))
        #expect(verifyError(request, secret: "temp-secret") == nil)
        #expect(verifyError(request.settingHeader("X-Amz-Security-Token", "other"), secret: "temp-secret")?.code == "SignatureDoesNotMatch")
    }

    @Test func unsignedHeadersMayChange() {
        let request = signedRequest(service: "sts", headers: [("Host", "localhost"), ("User-Agent", "Boto3/1.40")])
        #expect(verifyError(request.settingHeader("User-Agent", "curl/8")) == nil)
        #expect(verifyError(request.settingHeader("Content-Length", "12")) == nil)
    }

    @Test func headerNamesAnyCaseAndRepeatedValues() {
        let request = signedRequest(service: "sts", headers: [("HOST", "localhost"), ("X-Custom", "a"), ("x-custom", "  b   c ")])
        #expect(verifyError(request) == nil)
        // The values and the order of repeats matter, their spacing does not.
        #expect(verifyError(request.settingHeader("X-Custom", "z")) != nil)
        var swapped = request
        swapped.headers = swapped.headers.map { $0.name == "X-Custom" ? ($0.name, "b c") : $0.name == "x-custom" ? ($0.name, "a") : $0 }
        #expect(verifyError(swapped) != nil)
        #expect(verifyError(request.settingHeader("X-Custom", " a ")) == nil)
        var respaced = request
        respaced.headers = respaced.headers.map { $0.name == "x-custom" ? ($0.name, "b c") : $0 }
        #expect(verifyError(respaced) == nil)
    }

    struct Tamper: Sendable, CustomTestStringConvertible {
        var name: String
        var service: String
        var change: @Sendable (SigV4Request) -> SigV4Request
        var secret: String = testCredentials.secretAccessKey
        var code: String
        var testDescription: String { "\(service): \(name)" }
    }

    static let tampers: [Tamper] = ["s3", "sts", "glue"].flatMap { service -> [Tamper] in
        let mismatch = SigV4Error.signatureDoesNotMatch(SigV4ErrorStyle(service: service)).code
        return [
            Tamper(name: "method", service: service, change: { var r = $0; r.method = "DELETE"; return r }, code: mismatch),
            Tamper(name: "path", service: service, change: { var r = $0; r.path += "x"; return r }, code: mismatch),
            Tamper(name: "query value", service: service, change: { var r = $0; r.query = "a=1&b=3"; return r }, code: mismatch),
            Tamper(name: "query added", service: service, change: { var r = $0; r.query += "&c=3"; return r }, code: mismatch),
            Tamper(name: "signed header", service: service, change: { $0.settingHeader("X-Amz-Meta-Owner", "mallory") }, code: mismatch),
            Tamper(name: "host", service: service, change: { $0.settingHeader("Host", "evil:4566") }, code: mismatch),
            Tamper(name: "payload hash", service: service, change: { var r = $0; r.payloadHash = SigV4.hexSHA256("other"); return r }, code: mismatch),
            Tamper(name: "date within skew", service: service, change: { $0.settingHeader("X-Amz-Date", "20260115T103100Z") }, code: mismatch),
            Tamper(name: "region in scope", service: service, change: { $0.editingAuthorization("/us-east-1/", "/eu-west-1/") }, code: mismatch),
            Tamper(name: "service in scope", service: service, change: { $0.editingAuthorization("/\(service)/", "/iam/") }, code: "SignatureDoesNotMatch"),
            Tamper(name: "access key", service: service, change: { $0.editingAuthorization("AKIDGLUESHIMTEST", "AKIDOTHER") }, code: "NONE"),
            Tamper(name: "signature", service: service, change: { $0.editingAuthorization("Signature=", "Signature=0") }, code: mismatch),
            Tamper(name: "secret", service: service, change: { $0 }, secret: "wrong-secret", code: mismatch),
        ]
    }

    @Test(arguments: tampers)
    func tamperedRequestIsRejected(_ tamper: Tamper) {
        let original = signedRequest(service: tamper.service, query: "b=2&a=1",
                                     headers: [("Host", "localhost:4566"), ("X-Amz-Meta-Owner", "alice")],
                                     payloadHash: SigV4.hexSHA256("body"))
        var request = tamper.change(original)
        if tamper.service == "s3", tamper.name == "payload hash" {
            request = request.settingHeader("X-Amz-Content-SHA256", request.payloadHash)
        }
        let error = verifyError(request, secret: tamper.secret)
        if tamper.code == "NONE" {
            // The access key is not part of the signature; the caller looks the secret up by it.
            #expect(error == nil)
        } else {
            #expect(error?.code == tamper.code)
        }
    }

    static let skews: [(TimeInterval, Bool)] = [
        (-900, true), (900, true), (-901, false), (901, false), (-3600, false), (86_400, false),
    ]

    @Test(arguments: skews)
    func clockSkew(offset: TimeInterval, accepted: Bool) {
        for service in ["s3", "sts", "glue"] {
            let request = signedRequest(service: service, date: testNow.addingTimeInterval(offset))
            let error = verifyError(request)
            if accepted {
                #expect(error == nil)
            } else {
                #expect(error?.code == (service == "s3" ? "RequestTimeTooSkewed" : service == "glue" ? "InvalidSignatureException" : "SignatureDoesNotMatch"))
                #expect(error?.httpStatus == (service == "glue" ? 400 : 403))
            }
        }
    }

    @Test func skewMessagesForQueryServices() {
        let past = verifyError(signedRequest(service: "sts", date: AmzDate.parse("20260115T100000Z")!))
        #expect(past?.message == "Signature expired: 20260115T100000Z is now earlier than 20260115T101500Z (20260115T103000Z - 15 min.)")
        let future = verifyError(signedRequest(service: "sts", date: AmzDate.parse("20260115T110000Z")!))
        #expect(future?.message == "Signature not yet current: 20260115T110000Z is still later than 20260115T104500Z (20260115T103000Z + 15 min.)")
        let s3 = verifyError(signedRequest(service: "s3", date: AmzDate.parse("20260115T100000Z")!))
        #expect(s3 == SigV4Error(code: "RequestTimeTooSkewed", message: "The difference between the request time and the current time is too large.", httpStatus: 403))
    }

    @Test func dateHeaderInsteadOfXAmzDate() {
        // A client may sign with a Date header instead of X-Amz-Date; the string to sign still uses the ISO form.
        let headers: [(name: String, value: String)] = [("Host", "localhost"), ("Date", "Thu, 15 Jan 2026 10:30:00 GMT")]
        let canonical = CanonicalRequest.build(method: "GET", path: "/", query: "", headers: headers, signedHeaders: ["date", "host"],
                                               payloadHash: SigV4.emptyPayloadHash, service: "sts")
        let signer = SigV4Signer(credentials: testCredentials, region: "us-east-1", service: "sts")
        let signature = signer.sign(canonicalRequest: canonical, timestamp: "20260115T103000Z")
        let request = SigV4Request(method: "GET", path: "/", query: "", headers: headers + [
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDGLUESHIMTEST/20260115/us-east-1/sts/aws4_request, SignedHeaders=date;host, Signature=\(signature)"),
        ], payloadHash: SigV4.emptyPayloadHash)
        #expect(verifyError(request) == nil)
        #expect(verifyError(request, now: testNow.addingTimeInterval(3600))?.code == "SignatureDoesNotMatch")
    }

    // MARK: Presigned URLs

    static func presigned(service: String = "s3", query: String = "", expires: Int = 600, credentials: AWSCredentials = testCredentials, date: Date = testNow) -> SigV4Request {
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: service)
        let q = signer.presignedQuery(method: "GET", path: "/bucket/some%20key", query: query, host: "localhost:4566", expires: expires, date: date)
        return SigV4Request(method: "GET", path: "/bucket/some%20key", query: q, headers: [("Host", "localhost:4566")],
                            payloadHash: service == "s3" ? SigV4.unsignedPayload : SigV4.emptyPayloadHash)
    }

    @Test func presignedRoundTrip() throws {
        let request = Self.presigned(query: "versionId=abc&response-content-type=text%2Fplain")
        let auth = try #require(try SigV4Verifier.authorization(of: request))
        #expect(auth.isPresigned)
        #expect(auth.expires == 600)
        #expect(auth.expiresAt == testNow.addingTimeInterval(600))
        #expect(auth.signedHeaders == ["host"])
        #expect(verifyError(request) == nil)
        #expect(verifyError(request, now: testNow.addingTimeInterval(600)) == nil)
        #expect(verifyError(Self.presigned(service: "sts")) == nil)
        let token = AWSCredentials(accessKeyId: "ASIA1", secretAccessKey: "s", sessionToken: "tok")
        let withToken = Self.presigned(credentials: token)
        #expect(try SigV4Verifier.authorization(of: withToken)?.securityToken == "tok")
        #expect(verifyError(withToken, secret: "s") == nil)
    }

    @Test func presignedExpiry() {
        let request = Self.presigned(expires: 600)
        #expect(verifyError(request, now: testNow.addingTimeInterval(601)) == SigV4Error(code: "AccessDenied", message: "Request has expired", httpStatus: 403))
        // Long-lived URLs are not subject to the 15 minute skew.
        #expect(verifyError(Self.presigned(expires: 604_800), now: testNow.addingTimeInterval(7 * 86_400 - 1)) == nil)
        #expect(verifyError(Self.presigned(service: "sts", expires: 60), now: testNow.addingTimeInterval(61))?.code == "SignatureDoesNotMatch")
        #expect(verifyError(Self.presigned(date: testNow.addingTimeInterval(3600)))?.code == "AccessDenied")
    }

    @Test func presignedTampering() {
        let request = Self.presigned(query: "versionId=abc")
        var changed = request
        changed.query = request.query.replacingOccurrences(of: "versionId=abc", with: "versionId=abd")
        #expect(verifyError(changed)?.code == "SignatureDoesNotMatch")
        changed = request
        changed.query = request.query.replacingOccurrences(of: "X-Amz-Expires=600", with: "X-Amz-Expires=6000")
        #expect(verifyError(changed)?.code == "SignatureDoesNotMatch")
        changed = request
        changed.method = "PUT"
        #expect(verifyError(changed)?.code == "SignatureDoesNotMatch")
        #expect(verifyError(request.settingHeader("Host", "other"))?.code == "SignatureDoesNotMatch")
    }
}
