import Foundation
import SigV4
import Testing

/// Every part of a signed request tampered with after signing: each must be rejected, with AWS's code.
@Suite struct NegativeSigV4Tests {
    static let base = signedRequest(
        method: "PUT", path: "/bucket/key.txt", query: "tagging=&x-id=PutObject",
        headers: [("Host", "localhost:4566"), ("Content-Type", "text/plain"), ("x-amz-meta-owner", "alice")],
        payloadHash: SigV4.hexSHA256("hello"))

    static func with(_ change: (inout SigV4Request) -> Void) -> SigV4Request {
        var copy = base
        change(&copy)
        return copy
    }

    static var tampered: [(String, SigV4Request)] {
        var cases: [(String, SigV4Request)] = [
            ("method", with { $0.method = "DELETE" }),
            ("path", with { $0.path = "/bucket/other.txt" }),
            ("path traversal", with { $0.path = "/bucket/../key.txt" }),
            ("query value", with { $0.query = "tagging=&x-id=GetObject" }),
            ("query added", with { $0.query += "&versionId=1" }),
            ("query removed", with { $0.query = "tagging=" }),
            ("payload hash", with { $0.payloadHash = SigV4.hexSHA256("hellO") }),
        ]
        for name in ["Host", "Content-Type", "x-amz-meta-owner", "x-amz-content-sha256", "X-Amz-Date"] {
            cases.append(("header \(name) changed", base.settingHeader(name, name == "X-Amz-Date" ? "20260115T103001Z" : "tampered")))
            cases.append(("header \(name) removed", base.settingHeader(name, nil)))
        }
        return cases
    }

    @Test func everyTamperedPartIsRejectedWithSignatureDoesNotMatch() {
        #expect(verifyError(Self.base) == nil, "the untampered request must verify")
        var tried = 0, rejected = 0
        for (name, request) in Self.tampered {
            tried += 1
            let error = verifyError(request)
            if error != nil { rejected += 1 }
            // A removed x-amz-content-sha256 is InvalidRequest and a removed date AccessDenied in S3, as in AWS.
            #expect(["SignatureDoesNotMatch", "AccessDenied", "InvalidRequest"].contains(error?.code ?? ""), "\(name): \(String(describing: error))")
        }
        #expect(tried == rejected && tried == 17, "tried \(tried), rejected \(rejected)")
    }

    @Test func wrongSecretIsRejected() {
        #expect(verifyError(Self.base, secret: "another-secret")?.code == "SignatureDoesNotMatch")
        #expect(verifyError(Self.base, secret: testCredentials.secretAccessKey + " ")?.code == "SignatureDoesNotMatch")
    }

    @Test(arguments: [-3600.0, -901, 901, 3600, 86400])
    func datesBeyondFifteenMinutesAreTooSkewed(_ offset: Double) {
        #expect(verifyError(Self.base, now: testNow.addingTimeInterval(-offset))?.code == "RequestTimeTooSkewed")
    }

    @Test func datesWithinFifteenMinutesVerify() {
        #expect(verifyError(Self.base, now: testNow.addingTimeInterval(899)) == nil)
        #expect(verifyError(Self.base, now: testNow.addingTimeInterval(-899)) == nil)
    }

    @Test func scopeForAnotherRegionOrServiceIsRejected() throws {
        let auth = try #require(try SigV4Verifier.authorization(of: Self.base))
        var tried = 0, rejected = 0
        for (region, service) in [("eu-west-1", "s3"), ("us-east-1", "sts"), ("us-east-1", "iam"), ("us-west-2", "glue")] {
            tried += 1
            do {
                try SigV4Verifier.checkScope(auth, region: region, service: service)
            } catch {
                rejected += 1
            }
        }
        #expect(tried == rejected, "tried \(tried), rejected \(rejected)")
        #expect(throws: Never.self) { try SigV4Verifier.checkScope(auth, region: "us-east-1", service: "s3") }
    }

    @Test func signedWithAnotherRegionOrServiceFailsTheSignatureToo() {
        // The scope in the header rewritten to the server's region: the signature no longer matches.
        let other = signedRequest(region: "eu-west-1")
        let authorization = other.header("Authorization")!.replacingOccurrences(of: "/eu-west-1/", with: "/us-east-1/")
        #expect(verifyError(other.settingHeader("Authorization", authorization))?.code == "SignatureDoesNotMatch")
        let sts = signedRequest(service: "sts")
        let asS3 = sts.header("Authorization")!.replacingOccurrences(of: "/sts/", with: "/s3/")
        // (S3 then also misses its x-amz-content-sha256 header: InvalidRequest; rejected either way.)
        #expect(["SignatureDoesNotMatch", "InvalidRequest"].contains(verifyError(sts.settingHeader("Authorization", asS3))?.code))
    }

    @Test func signatureComparisonIsConstantTime() throws {
        #expect(SigV4.constantTimeEquals("abc", "abc"))
        #expect(!SigV4.constantTimeEquals("abc", "abd"))
        #expect(!SigV4.constantTimeEquals("abc", "abcd"))
        #expect(!SigV4.constantTimeEquals("", "a"))
        // The verifier and the chunk decoder compare signatures only through constantTimeEquals.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for file in ["Sources/SigV4/SigV4Verifier.swift", "Sources/SigV4/AWSChunkedDecoder.swift"] {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            #expect(text.contains("SigV4.constantTimeEquals("), "\(file)")
            #expect(!text.contains("== auth.signature") && !text.contains("expected == signature") && !text.contains("signature == expected"), "\(file)")
        }
    }
}
