import Foundation
import SigV4

/// 2026-01-15T10:30:00Z, the clock of most glueshim SigV4 tests.
let testNow = AmzDate.parse("20260115T103000Z")!

let testCredentials = AWSCredentials(accessKeyId: "AKIDGLUESHIMTEST", secretAccessKey: "glueshim-test-secret/with+chars")

/// A request signed by `SigV4Signer` and shaped as the server receives it.
func signedRequest(
    service: String = "s3", region: String = "us-east-1", credentials: AWSCredentials = testCredentials,
    method: String = "GET", path: String = "/bucket/key.txt", query: String = "",
    headers: [(name: String, value: String)] = [("Host", "localhost:4566")],
    payloadHash: String = SigV4.emptyPayloadHash, date: Date = testNow
) -> SigV4Request {
    let signer = SigV4Signer(credentials: credentials, region: region, service: service)
    let added = signer.signedHeaders(method: method, path: path, query: query, headers: headers, payloadHash: payloadHash, date: date)
    return SigV4Request(method: method, path: path, query: query, headers: headers + added, payloadHash: payloadHash)
}

/// Reads and verifies `request`, returning the error if any.
func verifyError(_ request: SigV4Request, secret: String = testCredentials.secretAccessKey, now: Date = testNow) -> SigV4Error? {
    do {
        guard let auth = try SigV4Verifier.authorization(of: request) else {
            return SigV4Error(code: "NotSigned", message: "", httpStatus: 0)
        }
        try SigV4Verifier.verify(request, authorization: auth, secretAccessKey: secret, now: now)
        return nil
    } catch {
        return error
    }
}

extension SigV4Request {
    /// A copy with header `name` (any case) set to `value`, or removed when `value` is nil.
    func settingHeader(_ name: String, _ value: String?) -> SigV4Request {
        var copy = self
        let lower = name.lowercased()
        if let value {
            if let i = copy.headers.firstIndex(where: { $0.name.lowercased() == lower }) {
                copy.headers[i].value = value
            } else {
                copy.headers.append((name, value))
            }
        } else {
            copy.headers.removeAll { $0.name.lowercased() == lower }
        }
        return copy
    }

    /// A copy whose Authorization header has `old` replaced with `new`.
    func editingAuthorization(_ old: String, _ new: String) -> SigV4Request {
        settingHeader("Authorization", header("Authorization")!.replacingOccurrences(of: old, with: new))
    }
}
