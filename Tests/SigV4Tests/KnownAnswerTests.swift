import Foundation
import SigV4
import Testing

/// Examples published in AWS's documentation, checked through both the signer and the verifier.
@Suite struct KnownAnswerTests {
    // AWS General Reference, "Signature Version 4 signing process" / "Create a signed AWS API request"
    // (the IAM ListUsers example, 2015-08-30, secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY).
    static let iamSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let iamHeaders: [(name: String, value: String)] = [
        ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
        ("Host", "iam.amazonaws.com"),
        ("X-Amz-Date", "20150830T123600Z"),
    ]

    @Test func iamListUsersCanonicalRequestAndSigningKey() {
        let canonical = CanonicalRequest.build(
            method: "GET", path: "/", query: "Action=ListUsers&Version=2010-05-08", headers: Self.iamHeaders,
            signedHeaders: ["content-type", "host", "x-amz-date"], payloadHash: SigV4.emptyPayloadHash, service: "iam")
        #expect(canonical == """
            GET
            /
            Action=ListUsers&Version=2010-05-08
            content-type:application/x-www-form-urlencoded; charset=utf-8
            host:iam.amazonaws.com
            x-amz-date:20150830T123600Z

            content-type;host;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(SigV4.hexSHA256(canonical) == "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59")
        let key = SigV4.signingKey(secretAccessKey: Self.iamSecret, date: "20150830", region: "us-east-1", service: "iam")
        #expect(key.withUnsafeBytes { Array($0) }.map { String(format: "%02x", $0) }.joined() == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
    }

    @Test func iamListUsersSignature() throws {
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: Self.iamSecret), region: "us-east-1", service: "iam")
        let headers = signer.signedHeaders(
            method: "GET", path: "/", query: "Action=ListUsers&Version=2010-05-08",
            headers: Self.iamHeaders.filter { $0.name != "X-Amz-Date" }, payloadHash: SigV4.emptyPayloadHash,
            date: AmzDate.parse("20150830T123600Z")!)
        let authorization = try #require(headers.first { $0.name == "Authorization" }?.value)
        #expect(authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")

        let request = SigV4Request(method: "GET", path: "/", query: "Action=ListUsers&Version=2010-05-08",
                                   headers: Self.iamHeaders + [("Authorization", authorization)], payloadHash: SigV4.emptyPayloadHash)
        #expect(verifyError(request, secret: Self.iamSecret, now: AmzDate.parse("20150830T123600Z")!) == nil)
    }

    // AWS's SigV4 test suite (aws-sig-v4-test-suite, referenced from the General Reference):
    // get-vanilla and get-vanilla-query-order-key-case, service "service", region us-east-1.
    @Test(arguments: [
        ("", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ("Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
    ])
    func sigV4TestSuite(query: String, signature: String) {
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: Self.iamSecret), region: "us-east-1", service: "service")
        let headers = signer.signedHeaders(method: "GET", path: "/", query: query, headers: [("Host", "example.amazonaws.com")],
                                           payloadHash: SigV4.emptyPayloadHash, date: AmzDate.parse("20150830T123600Z")!)
        #expect(headers.first { $0.name == "Authorization" }?.value.hasSuffix("Signature=" + signature) == true)
    }

    // Amazon S3 API Reference, "Signature Calculations for the Authorization Header: Transferring Payload in a
    // Single Chunk (AWS Signature Version 4)", section "Examples: Signature Calculations"
    // (AKIAIOSFODNN7EXAMPLE, secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, 2013-05-24, bucket examplebucket).
    struct S3Example: Sendable, CustomTestStringConvertible {
        var name: String
        var method: String
        var path: String
        var query: String
        var extraHeaders: [(name: String, value: String)]
        var payloadHash: String
        var signedHeaders: String
        var signature: String
        var testDescription: String { name }
    }

    static let s3Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let s3Date = AmzDate.parse("20130524T000000Z")!

    static let s3Examples: [S3Example] = [
        S3Example(name: "GET Object", method: "GET", path: "/test.txt", query: "", extraHeaders: [("Range", "bytes=0-9")],
                  payloadHash: SigV4.emptyPayloadHash, signedHeaders: "host;range;x-amz-content-sha256;x-amz-date",
                  signature: "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
        S3Example(name: "PUT Object", method: "PUT", path: "/test%24file.text", query: "",
                  extraHeaders: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
                  payloadHash: SigV4.hexSHA256("Welcome to Amazon S3."),
                  signedHeaders: "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                  signature: "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"),
        S3Example(name: "GET Bucket Lifecycle", method: "GET", path: "/", query: "lifecycle", extraHeaders: [],
                  payloadHash: SigV4.emptyPayloadHash, signedHeaders: "host;x-amz-content-sha256;x-amz-date",
                  signature: "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
        S3Example(name: "Get Bucket (List Objects)", method: "GET", path: "/", query: "max-keys=2&prefix=J", extraHeaders: [],
                  payloadHash: SigV4.emptyPayloadHash, signedHeaders: "host;x-amz-content-sha256;x-amz-date",
                  signature: "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
    ]

    @Test(arguments: s3Examples)
    func s3SingleChunkExamples(_ example: S3Example) throws {
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: Self.s3Secret), region: "us-east-1", service: "s3")
        let headers = [(name: "Host", value: "examplebucket.s3.amazonaws.com")] + example.extraHeaders
        let added = signer.signedHeaders(method: example.method, path: example.path, query: example.query, headers: headers,
                                         payloadHash: example.payloadHash, date: Self.s3Date)
        let authorization = try #require(added.first { $0.name == "Authorization" }?.value)
        #expect(authorization == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=\(example.signedHeaders), Signature=\(example.signature)")

        let request = SigV4Request(method: example.method, path: example.path, query: example.query, headers: headers + added, payloadHash: example.payloadHash)
        #expect(verifyError(request, secret: Self.s3Secret, now: Self.s3Date) == nil)
    }

    // Amazon S3 API Reference, "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)",
    // the presigned GET of examplebucket/test.txt valid for 86400 seconds.
    static let presignedQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"

    @Test func s3PresignedExample() throws {
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: Self.s3Secret), region: "us-east-1", service: "s3")
        let query = signer.presignedQuery(method: "GET", path: "/test.txt", query: "", host: "examplebucket.s3.amazonaws.com", expires: 86400, date: Self.s3Date)
        #expect(query == Self.presignedQuery)

        let request = SigV4Request(method: "GET", path: "/test.txt", query: Self.presignedQuery,
                                   headers: [("Host", "examplebucket.s3.amazonaws.com")], payloadHash: SigV4.unsignedPayload)
        let auth = try #require(try SigV4Verifier.authorization(of: request))
        #expect(auth.isPresigned)
        #expect(auth.expires == 86400)
        #expect(verifyError(request, secret: Self.s3Secret, now: Self.s3Date.addingTimeInterval(3600)) == nil)
        #expect(verifyError(request, secret: Self.s3Secret, now: Self.s3Date.addingTimeInterval(86401))?.message == "Request has expired")
    }
}
