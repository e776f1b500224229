import Foundation
import FuzzMain
import SigV4

// Input: one selector byte, then newline-separated fields:
//   method, path, query, Authorization, X-Amz-Date, Date, X-Amz-Content-SHA256, then any
//   number of extra "name:value" header lines. An empty field leaves that header out.
// selector & 3 picks the endpoint service the errors are worded for (none, s3, sts, iam).
//
// The request is read as the endpoint reads it (Authorization header, else presigned query),
// its scope checked and its signature verified at the request's own time. Then the same
// method, path, query and extra headers are signed with SigV4Signer and must verify: the
// signer and the verifier must agree on every request they can both express.

private let secret = "fuzz-secret-access-key-0000000000000000"
private let credentials = AWSCredentials(accessKeyId: "AKIAFUZZEXAMPLE00001", secretAccessKey: secret)
private let fixedNow = Date(timeIntervalSince1970: 1_767_225_600)
private let services: [String?] = [nil, "s3", "sts", "iam"]
/// Headers the signer sets or skips itself; extra headers with these names are not carried into the round trip.
private let reserved: Set<String> = ["authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "date", "host"]

/// A header name as HTTP allows it (RFC 9110 token); servers refuse other names before SigV4 sees them.
private func isToken(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.allSatisfy { c in
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || "!#$%&'*+-.^_`|~".utf8.contains(c)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSigV4(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let selector = data[0]
    let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
    var fields = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    while fields.count < 7 { fields.append("") }
    let (method, path, query) = (fields[0], fields[1], fields[2])
    var headers: [(name: String, value: String)] = [("host", "127.0.0.1:9000")]
    for (name, value) in [("Authorization", fields[3]), ("X-Amz-Date", fields[4]), ("Date", fields[5]), ("X-Amz-Content-SHA256", fields[6])]
    where !value.isEmpty {
        headers.append((name, value))
    }
    var extra: [(name: String, value: String)] = []
    for line in fields.dropFirst(7) {
        guard let colon = line.firstIndex(of: ":") else { continue }
        extra.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
    }
    headers += extra

    _ = AmzDate.parse(fields[4]).map(AmzDate.format)
    _ = AmzDate.parseHTTPDate(fields[5])
    _ = CanonicalRequest.queryParameters(query)
    _ = CanonicalRequest.uri(path: path, service: "s3")
    _ = CanonicalRequest.uri(path: path, service: "sts")

    let payloadHash = fields[6].isEmpty ? SigV4.emptyPayloadHash : fields[6]
    let request = SigV4Request(method: method, path: path, query: query, headers: headers, payloadHash: payloadHash)
    let service = services[Int(selector & 3)]
    let parsed = service.map { try? SigV4Verifier.authorization(of: request, endpointService: $0) } ?? (try? SigV4Verifier.authorization(of: request))
    if let authorization = parsed ?? nil {
        _ = authorization.expiresAt
        try? SigV4Verifier.checkScope(authorization, region: "us-east-1", service: authorization.service)
        try? SigV4Verifier.verify(request, authorization: authorization, secretAccessKey: secret,
                                  now: authorization.requestDate ?? fixedNow)
    }

    // Round trip: what the signer signs, the verifier accepts.
    let signService = service ?? "sts"
    let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: signService)
    let kept = [("host", "127.0.0.1:9000")] + extra.filter { isToken($0.name) && !reserved.contains($0.name.lowercased()) }
    let signedHash = signService == "s3" ? SigV4.unsignedPayload : SigV4.emptyPayloadHash
    let signed = kept + signer.signedHeaders(method: method, path: path, query: query, headers: kept, payloadHash: signedHash, date: fixedNow)
    let roundTrip = SigV4Request(method: method, path: path, query: query, headers: signed, payloadHash: signedHash)
    do {
        guard let authorization = try SigV4Verifier.authorization(of: roundTrip) else {
            fatalError("signed request not recognized as SigV4")
        }
        try SigV4Verifier.checkScope(authorization, region: "us-east-1", service: signService)
        try SigV4Verifier.verify(roundTrip, authorization: authorization, secretAccessKey: secret, now: fixedNow)
    } catch {
        fatalError("signer and verifier disagree: \(error) for \(method) \(path)?\(query) \(kept)")
    }
    return 0
}

@_cdecl("FuzzSigV4_main")
public func fuzzSigV4Main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzzSigV4)
}
