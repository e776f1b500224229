import Foundation
import SigV4
import Testing

/// URI encoding, dates, and the canonical query, header and path forms.
@Suite struct PrimitivesTests {
    @Test(arguments: [
        ("abcXYZ019-_.~", true, "abcXYZ019-_.~"),
        ("a b", true, "a%20b"),
        ("a/b", true, "a%2Fb"),
        ("a/b", false, "a/b"),
        ("+=&?#%*", true, "%2B%3D%26%3F%23%25%2A"),
        ("é", true, "%C3%A9"),
        ("日本", false, "%E6%97%A5%E6%9C%AC"),
        ("", true, ""),
    ])
    func uriEncode(input: String, encodeSlash: Bool, expected: String) {
        #expect(SigV4.uriEncode(input, encodeSlash: encodeSlash) == expected)
    }

    @Test func percentDecode() {
        #expect(SigV4.percentDecode("a%20b%2Fc+d") == Array("a b/c+d".utf8))
        #expect(SigV4.percentDecode("100%") == Array("100%".utf8))
        #expect(SigV4.percentDecode("%zz%e2%82%ac") == Array("%zz€".utf8))
    }

    @Test func hexSHA256() {
        #expect(SigV4.hexSHA256(Data()) == SigV4.emptyPayloadHash)
        #expect(SigV4.hexSHA256(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func constantTimeEquals() {
        #expect(SigV4.constantTimeEquals("abc", "abc"))
        #expect(!SigV4.constantTimeEquals("abc", "abd"))
        #expect(!SigV4.constantTimeEquals("abc", "abcd"))
        #expect(!SigV4.constantTimeEquals("", "a"))
    }

    @Test(arguments: [
        ("20130524T000000Z", 1_369_353_600.0),
        ("20260115T103000Z", 1_768_473_000.0),
        ("20240229T235959Z", 1_709_251_199.0),
        ("19700101T000000Z", 0.0),
    ])
    func amzDate(text: String, epoch: TimeInterval) {
        #expect(AmzDate.parse(text) == Date(timeIntervalSince1970: epoch))
        #expect(AmzDate.format(Date(timeIntervalSince1970: epoch)) == text)
    }

    @Test(arguments: ["", "20130524", "20130524T000000", "20130231T000000Z", "2013052XT000000Z", "20131324T000000Z", "20130524T250000Z"])
    func invalidAmzDate(text: String) {
        #expect(AmzDate.parse(text) == nil)
    }

    @Test func httpDate() {
        #expect(AmzDate.parseHTTPDate("Fri, 24 May 2013 00:00:00 GMT") == AmzDate.parse("20130524T000000Z"))
        #expect(AmzDate.parseHTTPDate("24 May 2013 00:00:00 GMT") == AmzDate.parse("20130524T000000Z"))
        #expect(AmzDate.parseHTTPDate("Fri, 24 Foo 2013 00:00:00 GMT") == nil)
        #expect(AmzDate.parseHTTPDate("yesterday") == nil)
    }

    /// Years an HTTP date can carry but no day count fits: nil, not an overflow trap (found by the
    /// SigV4 fuzz target through the Date header of a request with an Authorization header).
    @Test(arguments: ["-0132222222222222222", "9223372036854775807", "-9223372036854775808", "10000", "-1", "99999999999"])
    func httpDateYearOutOfRange(year: String) throws {
        #expect(AmzDate.parseHTTPDate("Fri, 24 May \(year) 00:00:00 GMT") == nil)
        let request = SigV4Request(
            method: "POST", path: "/", query: "",
            headers: [("Host", "sts.amazonaws.com"), ("Date", "Fri, 24 May \(year) 00:00:00 GMT"),
                      ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20130524/us-east-1/sts/aws4_request, SignedHeaders=date;host, Signature=00")],
            payloadHash: SigV4.emptyPayloadHash)
        let authorization = try #require(try SigV4Verifier.authorization(of: request))
        #expect(authorization.requestDate == nil)
        #expect(throws: SigV4Error.self) {
            try SigV4Verifier.verify(request, authorization: authorization, secretAccessKey: "secret", now: Date())
        }
    }

    @Test func httpDateFourDigitYearsAtTheEdges() {
        #expect(AmzDate.parseHTTPDate("Fri, 31 Dec 9999 23:59:59 GMT") == Date(timeIntervalSince1970: 253_402_300_799))
        #expect(AmzDate.parseHTTPDate("Sat, 01 Jan 0000 00:00:00 GMT") == Date(timeIntervalSince1970: -62_167_219_200))
    }

    @Test(arguments: [
        ("", ""),
        ("b=2&a=1", "a=1&b=2"),
        ("a=2&a=1&a=10", "a=1&a=10&a=2"),
        ("acl", "acl="),
        ("prefix=a%2Fb&delimiter=/", "delimiter=%2F&prefix=a%2Fb"),
        ("k=a+b&j=%7e&s=a%20b", "j=~&k=a%2Bb&s=a%20b"),
        ("Z=1&a=1&_=1", "Z=1&_=1&a=1"),
        ("x=%E2%82%AC&&y=", "x=%E2%82%AC&y="),
    ])
    func canonicalQuery(query: String, expected: String) {
        #expect(CanonicalRequest.query(query) == expected)
    }

    @Test func canonicalQueryExcludesSignature() {
        #expect(CanonicalRequest.query("X-Amz-Signature=abc&b=1", excluding: ["X-Amz-Signature"]) == "b=1")
    }

    @Test(arguments: [
        ("s3", "/bucket/a%20b/../c//d", "/bucket/a%20b/../c//d"),
        ("s3", "/bucket/a b", "/bucket/a%20b"),
        ("s3", "/bucket/%7Euser/%2a", "/bucket/~user/%2A"),
        ("s3", "", "/"),
        ("sts", "", "/"),
        ("sts", "/", "/"),
        ("execute-api", "/a/./b/../c//d/", "/a/c/d/"),
        ("execute-api", "/a%20b", "/a%2520b"),
        ("execute-api", "/..", "/"),
    ])
    func canonicalURI(service: String, path: String, expected: String) {
        #expect(CanonicalRequest.uri(path: path, service: service) == expected)
    }

    @Test func canonicalHeaders() {
        let headers: [(name: String, value: String)] = [
            ("Host", "example.com"), ("My-Header1", "   value1  "), ("my-header1", "a   b   c"), ("X-Unsigned", "no"),
        ]
        #expect(CanonicalRequest.headers(headers, signedHeaders: ["host", "my-header1", "x-missing"])
                == "host:example.com\nmy-header1:value1,a b c\nx-missing:\n")
    }
}

@Suite struct TextHelperTests {
    @Test func trimOWSRemovesSpacesAndTabsOnly() {
        #expect(SigV4.trimOWS("  \tAWS4-HMAC-SHA256 Credential=x \t ") == "AWS4-HMAC-SHA256 Credential=x")
        #expect(SigV4.trimOWS("") == "")
        #expect(SigV4.trimOWS(" \t ") == "")
        #expect(SigV4.trimOWS("\nx\n") == "\nx\n")
        #expect(SigV4.trimOWS("a,b".split(separator: ",")[1]) == "b")
        #expect(SigV4.trimOWS(" é ") == "é")
    }

    @Test func headerNamesCompareWithoutCase() {
        #expect(SigV4.equalsIgnoringCase("X-Amz-Date", "x-amz-date"))
        #expect(!SigV4.equalsIgnoringCase("x-amz-date", "x-amz-dat"))
        #expect(!SigV4.equalsIgnoringCase("@", "`"))
        #expect(!SigV4.equalsIgnoringCase("[", "{"))
    }
}
