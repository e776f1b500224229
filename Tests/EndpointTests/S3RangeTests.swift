import Foundation
import Testing
@testable import Endpoint

/// GetObject's Range header: what S3 cannot read is ignored (the whole object, 200), never a crash.
@Suite struct S3RangeTests {
    static func bounds(_ result: S3Service.RangeResult) -> String {
        switch result {
        case .none: "none"
        case .unsatisfiable: "unsatisfiable"
        case .range(let r): "\(r.lowerBound)-\(r.upperBound)"
        }
    }

    @Test(arguments: [
        ("bytes=0-4", "0-4"), ("bytes=6-", "6-10"), ("bytes=-3", "8-10"), ("bytes=-30", "0-10"), ("bytes=3-300", "3-10"),
        ("bytes=-0", "unsatisfiable"), ("bytes=11-", "unsatisfiable"),
        ("bytes=5-2", "none"), ("bytes=0-1,3-4", "none"), ("bytes=x-1", "none"), ("items=0-1", "none"),
    ])
    func ranges(header: String, expected: String) {
        #expect(Self.bounds(S3Service.parseRange(header, size: 11)) == expected)
    }

    /// A negative suffix length made an inverted range and trapped (found by the endpoint fuzz
    /// target, "Range: bytes=--2"); the minimum Int overflowed `size - n` as well.
    @Test(arguments: ["bytes=--2", "bytes=--1", "bytes=--9223372036854775808", "bytes=- -5"])
    func negativeSuffixIsIgnored(header: String) {
        #expect(Self.bounds(S3Service.parseRange(header, size: 11)) == "none")
        #expect(Self.bounds(S3Service.parseRange(header, size: 0)) == "none")
    }

    @Test func negativeSuffixOnTheWireReturnsTheWholeObject() async throws {
        try await Harness.with { h in
            let job = try await h.jobRole()
            let assets = "aws-glue-assets-111111111111-us-east-1"
            _ = try await job.send(service: "s3", method: "PUT", path: "/\(assets)/range.txt", query: "", body: Data("hello world".utf8), headers: [])
            let (body, response) = try await job.send(service: "s3", method: "GET", path: "/\(assets)/range.txt", query: "", body: Data(),
                                                      headers: [("range", "bytes=--2")])
            #expect(response.statusCode == 200)
            #expect(String(decoding: body, as: UTF8.self) == "hello world")
        }
    }
}
