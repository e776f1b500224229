import Foundation
import SigV4
import Testing

/// S3's Signature Version 2 against the examples of the S3 API reference ("Signing and
/// authenticating REST requests"), signed with its example key.
@Suite struct SigV2Tests {
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    @Test func objectGetOfTheReference() {
        let text = SigV2.stringToSign(method: "GET", path: "/photos/puppy.jpg", rawQuery: "",
                                      headers: [("Host", "awsexamplebucket1.us-west-1.s3.amazonaws.com"), ("Date", "Tue, 27 Mar 2007 19:36:42 +0000")],
                                      bucket: "awsexamplebucket1", expires: nil)
        #expect(text == "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg")
        #expect(SigV2.signature(text, secretAccessKey: secret) == "qgk2+6Sv9/oM7G3qLEjTH1a1l1g=")
    }

    @Test func listingKeepsOnlySubresourcesInTheResource() {
        let text = SigV2.stringToSign(method: "GET", path: "/", rawQuery: "prefix=photos&max-keys=50&marker=puppy",
                                      headers: [("User-Agent", "Mozilla/5.0"), ("Date", "Tue, 27 Mar 2007 19:42:41 +0000")],
                                      bucket: "awsexamplebucket1", expires: nil)
        #expect(text == "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/awsexamplebucket1/")
        let versioned = SigV2.stringToSign(method: "GET", path: "/b/k", rawQuery: "versionId=3&tagging&prefix=x", headers: [("x-amz-date", "d")],
                                           bucket: nil, expires: nil)
        // x-amz-date replaces Date (the Date line stays empty); subresources sorted, values kept.
        #expect(versioned == "GET\n\n\n\nx-amz-date:d\n/b/k?tagging&versionId=3")
    }

    @Test func amzHeadersAreLowercasedSortedAndJoined() {
        let text = SigV2.stringToSign(method: "PUT", path: "/db-backup.dat.gz", rawQuery: "",
                                      headers: [("Date", "Tue, 27 Mar 2007 21:06:08 +0000"), ("x-amz-acl", "public-read"),
                                                ("content-type", "application/x-download"), ("Content-MD5", "4gJE4saaMU4BqNR0kLY+lw=="),
                                                ("X-Amz-Meta-ReviewedBy", "joe@example.com"), ("X-Amz-Meta-ReviewedBy", "jane@example.com"),
                                                ("X-Amz-Meta-FileChecksum", "0x02661779"), ("X-Amz-Meta-ChecksumAlgorithm", "crc32")],
                                      bucket: "static.example.com", expires: nil)
        #expect(text == """
            PUT
            4gJE4saaMU4BqNR0kLY+lw==
            application/x-download
            Tue, 27 Mar 2007 21:06:08 +0000
            x-amz-acl:public-read
            x-amz-meta-checksumalgorithm:crc32
            x-amz-meta-filechecksum:0x02661779
            x-amz-meta-reviewedby:joe@example.com,jane@example.com
            /static.example.com/db-backup.dat.gz
            """)
    }

    @Test func verificationRefusesTamperingExpiryAndSkew() throws {
        let now = Date(timeIntervalSince1970: 1_175_022_000)
        let expires = "1175139620"
        let text = SigV2.stringToSign(method: "GET", path: "/b/key.txt", rawQuery: "", headers: [], bucket: nil, expires: expires)
        let good = SigV2.signature(text, secretAccessKey: secret)
        let query = ["AWSAccessKeyId": "AKIAIOSFODNN7EXAMPLE", "Expires": expires, "Signature": good]
        let raw = "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=\(expires)&Signature=\(good.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        let auth = try #require(try SigV2.authorization(headers: [], query: query))
        #expect(auth.form == .query)
        try SigV2.verify(auth, method: "GET", path: "/b/key.txt", rawQuery: raw, headers: [], bucket: nil, secretAccessKey: secret, now: now)
        #expect(throws: SigV4Error.self) {
            try SigV2.verify(auth, method: "GET", path: "/b/other.txt", rawQuery: raw, headers: [], bucket: nil, secretAccessKey: secret, now: now)
        }
        do {
            try SigV2.verify(auth, method: "GET", path: "/b/key.txt", rawQuery: raw, headers: [], bucket: nil, secretAccessKey: secret,
                             now: Date(timeIntervalSince1970: 1_175_139_621))
            Issue.record("an expired URL was accepted")
        } catch {
            #expect(error.code == "AccessDenied" && error.message == "Request has expired")
        }
        let header = try #require(try SigV2.authorization(headers: [("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:\(good)")], query: [:]))
        #expect(header.form == .header)
        do {
            try SigV2.verify(header, method: "GET", path: "/b/key.txt", rawQuery: "", headers: [("Date", "Tue, 27 Mar 2007 19:36:42 +0000")],
                             bucket: nil, secretAccessKey: secret, now: now.addingTimeInterval(86_400))
            Issue.record("a wrong signature was accepted")
        } catch {
            #expect(error.code == "SignatureDoesNotMatch")
        }
        #expect(throws: SigV4Error.self) { try SigV2.authorization(headers: [("Authorization", "AWS nocolon")], query: [:]) }
        #expect(try SigV2.authorization(headers: [("Authorization", "AWS4-HMAC-SHA256 Credential=x")], query: [:]) == nil)
    }
}
