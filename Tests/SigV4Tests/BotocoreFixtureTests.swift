import Foundation
import SigV4
import Testing

/// Requests signed by botocore (see Fixtures/make_botocore_fixtures.py): the verifier must accept each one,
/// and the signer must produce the same Authorization header or presigned signature.
@Suite struct BotocoreFixtureTests {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var service: String
        var region: String
        var accessKeyId: String
        var secretAccessKey: String
        var sessionToken: String?
        var date: String
        var method: String
        var path: String
        var query: String
        var host: String
        var headersBeforeSigning: [[String]]
        var headers: [[String]]
        var payloadHash: String
        var authorization: String?
        var expires: Int?
        var queryBeforeSigning: String?
        var verifyOnly: Bool
        var testDescription: String { name }

        var credentials: AWSCredentials {
            AWSCredentials(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey, sessionToken: sessionToken)
        }
        var requestDate: Date { AmzDate.parse(date)! }
        var request: SigV4Request {
            SigV4Request(method: method, path: path, query: query, headers: headers.map { ($0[0], $0[1]) }, payloadHash: payloadHash)
        }
    }

    struct File: Decodable { var cases: [Case] }

    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/botocore_fixtures.json")
        guard let data = try? Data(contentsOf: url), let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.cases
    }()

    @Test func fixturesLoaded() {
        #expect(Self.cases.count >= 10)
    }

    @Test(arguments: cases)
    func verifierAcceptsBotocoreRequest(_ fixture: Case) throws {
        let request = fixture.request
        let auth = try #require(try SigV4Verifier.authorization(of: request))
        #expect(auth.accessKeyId == fixture.accessKeyId)
        #expect(auth.region == fixture.region)
        #expect(auth.service == fixture.service)
        #expect(auth.isPresigned == (fixture.expires != nil))
        #expect(auth.securityToken == fixture.sessionToken)
        try SigV4Verifier.checkScope(auth, region: fixture.region, service: fixture.service)
        try SigV4Verifier.verify(request, authorization: auth, secretAccessKey: fixture.secretAccessKey, now: fixture.requestDate.addingTimeInterval(60))
        #expect(verifyError(request, secret: fixture.secretAccessKey + "x", now: fixture.requestDate)?.code
                == SigV4Error.signatureDoesNotMatch(SigV4ErrorStyle(service: fixture.service)).code)
    }

    @Test(arguments: cases.filter { !$0.verifyOnly })
    func signerMatchesBotocore(_ fixture: Case) throws {
        let signer = SigV4Signer(credentials: fixture.credentials, region: fixture.region, service: fixture.service)
        if let expires = fixture.expires {
            let query = signer.presignedQuery(method: fixture.method, path: fixture.path, query: fixture.queryBeforeSigning ?? "",
                                              host: fixture.host, expires: expires, date: fixture.requestDate)
            let ours = CanonicalRequest.queryParameters(query)
            let theirs = CanonicalRequest.queryParameters(fixture.query)
            #expect(ours.first { $0.name == "X-Amz-Signature" }?.value == theirs.first { $0.name == "X-Amz-Signature" }?.value)
            #expect(CanonicalRequest.query(query) == CanonicalRequest.query(fixture.query))
        } else {
            let added = signer.signedHeaders(
                method: fixture.method, path: fixture.path, query: fixture.query,
                headers: fixture.headersBeforeSigning.map { ($0[0], $0[1]) }, payloadHash: fixture.payloadHash,
                date: fixture.requestDate)
            #expect(added.first { $0.name == "Authorization" }?.value == fixture.authorization)
            if fixture.service == "s3" {
                #expect(added.first { $0.name == "X-Amz-Content-SHA256" }?.value == fixture.payloadHash)
            }
            #expect(added.first { $0.name == "X-Amz-Security-Token" }?.value == fixture.sessionToken)
        }
    }
}
