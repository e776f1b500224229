import Foundation
import RawHTTP
import SigV4
import TestSupport
import Testing

/// SigV4 at the endpoint: requests signed as botocore signs them, then tampered with on the way,
/// sent byte for byte over a socket. Every one must be refused with AWS's code and status, and no
/// refused upload may leave an object behind.
@Suite(.serialized) struct EndpointSigV4NegativeTests {
    /// A request as it goes on the wire.
    struct WireRequest {
        var method: String
        var path: String
        var query: String
        var headers: [(String, String)]
        var body: [UInt8]

        var target: String { query.isEmpty ? path : "\(path)?\(query)" }

        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }

        func setting(_ name: String, _ value: String?) -> WireRequest {
            var copy = self
            copy.headers.removeAll { $0.0.lowercased() == name.lowercased() }
            if let value { copy.headers.append((name, value)) }
            return copy
        }

        func send(to port: Int) async throws -> RawResponse? {
            let request = self
            return try await offPool { try rawRequest(port: port, method: request.method, target: request.target, headers: request.headers, body: request.body) }
        }
    }

    /// A case: its name, the request, and the code and status AWS answers it with.
    struct Case {
        var name: String
        var request: WireRequest
        var code: String
        var status: Int
    }

    static let bucket = "bucket-kjshadjas-3432-dsadas"

    /// PUT /bucket/key signed with `credentials` at `date` (headers as boto3 sends them; payload hash `payloadHash` or the body's).
    static func signedPut(port: Int, key: String, body: [UInt8], credentials: AWSCredentials, date: Date,
                          region: String = "us-east-1", service: String = "s3",
                          payloadHash: String? = nil, extra: [(String, String)] = []) -> WireRequest {
        let path = "/\(bucket)/\(key)"
        let headers = [("Host", "127.0.0.1:\(port)"), ("Content-Type", "text/plain"), ("x-amz-meta-owner", "alice")] + extra
        let signed = RequestSigner(credentials: credentials, region: region, service: service)
            .sign("PUT", path, headers: headers, body: body, payloadHash: payloadHash, date: date)
        return WireRequest(method: "PUT", path: path, query: "", headers: signed, body: body)
    }

    /// A presigned GET of `key`.
    static func presignedGet(port: Int, key: String, credentials: AWSCredentials, date: Date, expires: Int) -> WireRequest {
        let path = "/\(bucket)/\(key)"
        let query = RequestSigner(credentials: credentials).presignedQuery("GET", path, host: "127.0.0.1:\(port)", expires: expires, date: date)
        return WireRequest(method: "GET", path: path, query: query, headers: [("Host", "127.0.0.1:\(port)")], body: [])
    }

    /// The frames of a signed aws-chunked body: `size;chunk-signature=SIG\r\n` + data (+ `\r\n`), the last one empty.
    static func frames(_ body: [UInt8]) -> [(signature: String, data: [UInt8])] {
        var out: [(signature: String, data: [UInt8])] = []
        var i = 0
        while i < body.count {
            guard let lineEnd = RawConnection.find([13, 10], in: Array(body[i...])) else { break }
            let line = String(decoding: body[i..<(i + lineEnd)], as: UTF8.self)
            guard let semicolon = line.firstIndex(of: ";"), let size = Int(line[..<semicolon], radix: 16) else { break }
            let signature = String(line[line.index(after: semicolon)...].dropFirst("chunk-signature=".count))
            let start = i + lineEnd + 2
            let chunk: [UInt8] = Array(body[start..<(start + size)])
            out.append((signature: signature, data: chunk))
            i = start + size + (size > 0 ? 2 : 0)
            if size == 0 { break }
        }
        return out
    }

    static func assemble(_ frames: [(signature: String, data: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for frame in frames {
            out += Array("\(String(frame.data.count, radix: 16));chunk-signature=\(frame.signature)\r\n".utf8) + frame.data
            if !frame.data.isEmpty { out += [13, 10] }
        }
        return out + [13, 10]
    }

    /// A signed streaming upload of `data` in 8 KiB chunks, with `edit` applied to its frames.
    static func chunkedPut(port: Int, key: String, data: [UInt8], credentials: AWSCredentials, date: Date,
                           edit: (inout [(signature: String, data: [UInt8])]) -> Void) -> WireRequest {
        let mode = AWSChunkedDecoder.signedPayload
        var request = signedPut(port: port, key: key, body: [], credentials: credentials, date: date, payloadHash: mode,
                                extra: [("Content-Encoding", "aws-chunked"), ("x-amz-decoded-content-length", String(data.count))])
        let seed = String(request.header("Authorization")!.split(separator: "=").last!)
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3")
        var parts = frames(AWSChunkedEncoder.signed(data, chunkSize: 8192, signer: signer, date: date, seedSignature: seed))
        edit(&parts)
        request.body = assemble(parts)
        return request
    }

    @Test func everyTamperedRequestIsRefusedAtTheEndpoint() async throws {
        try await Harness.with { h in
            let port = h.endpoint.port
            let role = try await h.dataRole().credentials
            let now = h.clock.read()
            let body = Array("hello from a signed request".utf8)
            let data = [UInt8]((0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })

            // Controls: the untampered forms are accepted, so a refusal below is the tampering's doing.
            let good = Self.signedPut(port: port, key: "neg/control.txt", body: body, credentials: role, date: now)
            #expect(try await good.send(to: port)?.status == 200)
            let goodChunked = Self.chunkedPut(port: port, key: "neg/control-chunked.bin", data: data, credentials: role, date: now) { _ in }
            #expect(try await goodChunked.send(to: port)?.status == 200)
            #expect(try await Self.presignedGet(port: port, key: "neg/control.txt", credentials: role, date: now, expires: 60).send(to: port)?.status == 200)

            var wrongSecret = role
            wrongSecret.secretAccessKey += "x"
            var unknownKey = role
            unknownKey.accessKeyId = "AKIAGLUESHIMUNKNOWN1"
            unknownKey.sessionToken = nil
            var otherToken = role
            otherToken.sessionToken = try await h.jobRole().credentials.sessionToken
            let otherHash = SigV4.hexSHA256("another body")

            var cases: [Case] = [
                Case(name: "method", request: { var r = good; r.method = "POST"; return r }(), code: "SignatureDoesNotMatch", status: 403),
                Case(name: "path", request: { var r = good; r.path = "/\(Self.bucket)/neg/other.txt"; return r }(), code: "SignatureDoesNotMatch", status: 403),
                Case(name: "path with ../", request: { var r = good; r.path = "/\(Self.bucket)/neg/x/../control.txt"; return r }(), code: "SignatureDoesNotMatch", status: 403),
                Case(name: "query added", request: { var r = good; r.query = "x-id=PutObject"; return r }(), code: "SignatureDoesNotMatch", status: 403),
                Case(name: "body", request: { var r = good; r.body[0] ^= 1; return r }(), code: "XAmzContentSHA256Mismatch", status: 400),
                Case(name: "body and payload hash", request: { var r = good.setting("x-amz-content-sha256", otherHash); r.body = Array("another body".utf8); return r }(),
                     code: "SignatureDoesNotMatch", status: 403),
                Case(name: "wrong secret", request: Self.signedPut(port: port, key: "neg/a", body: body, credentials: wrongSecret, date: now), code: "SignatureDoesNotMatch", status: 403),
                Case(name: "unknown access key", request: Self.signedPut(port: port, key: "neg/b", body: body, credentials: unknownKey, date: now), code: "InvalidAccessKeyId", status: 403),
                Case(name: "another session's token", request: Self.signedPut(port: port, key: "neg/c", body: body, credentials: otherToken, date: now), code: "InvalidToken", status: 400),
                Case(name: "date 16 minutes ahead", request: Self.signedPut(port: port, key: "neg/d", body: body, credentials: role, date: now.addingTimeInterval(960)), code: "RequestTimeTooSkewed", status: 403),
                Case(name: "date 16 minutes behind", request: Self.signedPut(port: port, key: "neg/e", body: body, credentials: role, date: now.addingTimeInterval(-960)), code: "RequestTimeTooSkewed", status: 403),
                Case(name: "scope of another region", request: Self.signedPut(port: port, key: "neg/f", body: body, credentials: role, date: now, region: "eu-west-1"), code: "AuthorizationHeaderMalformed", status: 400),
                Case(name: "presigned, tampered signature", request: { var r = Self.presignedGet(port: port, key: "neg/control.txt", credentials: role, date: now, expires: 60); r.query = String(r.query.dropLast()) + (r.query.hasSuffix("0") ? "1" : "0"); return r }(),
                     code: "SignatureDoesNotMatch", status: 403),
                Case(name: "presigned for more than 7 days", request: Self.presignedGet(port: port, key: "neg/control.txt", credentials: role, date: now, expires: 604_801),
                     code: "AuthorizationQueryParametersError", status: 400),
                Case(name: "chunk signature replayed", request: Self.chunkedPut(port: port, key: "neg/replayed", data: data, credentials: role, date: now) { $0[1].signature = $0[0].signature },
                     code: "SignatureDoesNotMatch", status: 403),
                Case(name: "chunks reordered", request: Self.chunkedPut(port: port, key: "neg/reordered", data: data, credentials: role, date: now) { $0.swapAt(0, 1) },
                     code: "SignatureDoesNotMatch", status: 403),
                Case(name: "chunk data changed", request: Self.chunkedPut(port: port, key: "neg/altered", data: data, credentials: role, date: now) { $0[2].data[0] ^= 1 },
                     code: "SignatureDoesNotMatch", status: 403),
                Case(name: "final chunk signature changed", request: Self.chunkedPut(port: port, key: "neg/final", data: data, credentials: role, date: now) { $0[$0.count - 1].signature = String(repeating: "0", count: 64) },
                     code: "SignatureDoesNotMatch", status: 403),
            ]
            for header in ["Host", "Content-Type", "x-amz-meta-owner", "X-Amz-Date"] {
                let changed = header == "X-Amz-Date" ? AmzDate.format(now.addingTimeInterval(1)) : header == "Host" ? "localhost:\(port)" : "tampered"
                cases.append(Case(name: "header \(header) changed", request: good.setting(header, changed), code: "SignatureDoesNotMatch", status: 403))
                cases.append(Case(name: "header \(header) removed", request: good.setting(header, nil),
                                  code: header == "X-Amz-Date" ? "AccessDenied" : "SignatureDoesNotMatch", status: 403))
            }
            cases.append(Case(name: "header x-amz-content-sha256 changed", request: good.setting("x-amz-content-sha256", otherHash), code: "SignatureDoesNotMatch", status: 403))
            cases.append(Case(name: "header x-amz-content-sha256 removed", request: good.setting("x-amz-content-sha256", nil), code: "InvalidRequest", status: 400))
            // The token is a signed header: swapping it breaks the signature (a consistently signed foreign token is InvalidToken, above).
            cases.append(Case(name: "header x-amz-security-token changed", request: good.setting("X-Amz-Security-Token", otherToken.sessionToken), code: "SignatureDoesNotMatch", status: 403))

            var tried = 0, rejected = 0
            for c in cases {
                tried += 1
                let response = try await c.request.send(to: port)
                if let response, !(200..<300).contains(response.status) { rejected += 1 }
                #expect(response?.code == c.code && response?.status == c.status,
                        "\(c.name): \(response.map { "\($0.status) \($0.code ?? $0.text)" } ?? "no response")")
            }

            // Past the clock: a presigned URL past its expiry, and a session past its own.
            let presigned = Self.presignedGet(port: port, key: "neg/control.txt", credentials: role, date: now, expires: 60)
            h.clock.advance(120)
            tried += 1
            let expiredURL = try await presigned.send(to: port)
            if let expiredURL, expiredURL.status >= 300 { rejected += 1 }
            #expect(expiredURL?.code == "AccessDenied" && expiredURL?.status == 403 && expiredURL?.text.contains("Request has expired") == true,
                    "presigned past expiry: \(expiredURL?.text ?? "no response")")
            h.clock.advance(3600)
            tried += 1
            let expiredToken = try await Self.signedPut(port: port, key: "neg/g", body: body, credentials: role, date: h.clock.read()).send(to: port)
            if let expiredToken, expiredToken.status >= 300 { rejected += 1 }
            #expect(expiredToken?.code == "ExpiredToken" && expiredToken?.status == 400, "expired session: \(expiredToken?.text ?? "no response")")

            #expect(tried == rejected && tried == cases.count + 2, "tried \(tried), rejected \(rejected)")
            // No refused upload left an object: only the two controls are under neg/.
            let fresh = try await h.dataRole()
            let (listing, _) = try await fresh.send(service: "s3", method: "GET", path: "/\(Self.bucket)", query: "list-type=2&prefix=neg%2F", body: Data(), headers: [])
            let keys = String(decoding: listing, as: UTF8.self).components(separatedBy: "<Key>").dropFirst().map { String($0.prefix { $0 != "<" }) }
            #expect(keys == ["neg/control-chunked.bin", "neg/control.txt"])
        }
    }

    @Test func stsRefusesTamperedAndUnknownCallers() async throws {
        try await Harness.with { h in
            let port = h.endpoint.port
            let role = try await h.jobRole().credentials
            let now = h.clock.read()
            func call(_ credentials: AWSCredentials, body: String = "Action=GetCallerIdentity&Version=2011-06-15", edit: (inout [UInt8]) -> Void = { _ in }) async throws -> RawResponse? {
                let headers = [("Host", "127.0.0.1:\(port)"), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
                let wire = RequestSigner(credentials: credentials, service: "sts").sign("POST", "/", headers: headers, body: Array(body.utf8), date: now)
                var bytes = Array(body.utf8)
                edit(&bytes)
                let payload = bytes
                return try await offPool { try rawRequest(port: port, method: "POST", target: "/", headers: wire, body: payload) }
            }
            #expect(try await call(role)?.status == 200)
            var wrongSecret = role
            wrongSecret.secretAccessKey = "not-the-secret"
            var unknown = role
            unknown.accessKeyId = "ASIAGLUESHIMUNKNOWN1"
            let results: [(String, RawResponse?, String, Int)] = [
                ("wrong secret", try await call(wrongSecret), "SignatureDoesNotMatch", 403),
                ("unknown key", try await call(unknown), "InvalidClientTokenId", 403),
                ("body changed", try await call(role) { $0[$0.count - 1] = UInt8(ascii: "6") }, "SignatureDoesNotMatch", 403),
            ]
            for (name, response, code, status) in results {
                #expect(response?.code == code && response?.status == status, "\(name): \(response?.text ?? "no response")")
            }
        }
    }
}
