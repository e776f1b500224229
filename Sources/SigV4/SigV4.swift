import Crypto
import Foundation

/// Shared SigV4 primitives: hashing, HMAC, the signing key and AWS URI encoding.
public enum SigV4 {
    /// The algorithm name in Authorization headers, presigned URLs and strings to sign.
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// The payload hash of requests whose body is not signed.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The hex SHA-256 of an empty body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// How far a request's time may be from the server's clock.
    public static let allowedSkew: TimeInterval = 15 * 60
    /// The longest X-Amz-Expires a presigned URL may carry (seven days).
    public static let maxPresignedExpires = 604_800

    /// Lowercase hex SHA-256 of `data`.
    public static func hexSHA256(_ data: some DataProtocol) -> String {
        hex(SHA256.hash(data: data))
    }

    /// Lowercase hex SHA-256 of the UTF-8 bytes of `string`.
    public static func hexSHA256(_ string: String) -> String {
        hexSHA256(Array(string.utf8))
    }

    /// AWS URI encoding (unreserved A-Z a-z 0-9 - _ . ~ kept; space -> %20), `encodeSlash` false for paths.
    public static func uriEncode(_ s: String, encodeSlash: Bool) -> String {
        uriEncode(bytes: Array(s.utf8), encodeSlash: encodeSlash)
    }

    /// AWS URI encoding of raw bytes.
    public static func uriEncode(bytes: [UInt8], encodeSlash: Bool) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 3)
        let hexDigits = Array("0123456789ABCDEF".utf8)
        for b in bytes {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(b)
            case UInt8(ascii: "/") where !encodeSlash:
                out.append(b)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(b >> 4)])
                out.append(hexDigits[Int(b & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Percent-decodes `s` to bytes. A '%' not followed by two hex digits is kept literally; '+' stays '+'.
    public static func percentDecode(_ s: String) -> [UInt8] {
        let bytes = Array(s.utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count,
               let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }

    /// The SigV4 signing key: HMAC("AWS4"+secret, date) -> region -> service -> "aws4_request".
    public static func signingKey(secretAccessKey: String, date: String, region: String, service: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array(("AWS4" + secretAccessKey).utf8))
        for part in [date, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return key
    }

    /// Lowercase hex HMAC-SHA256 of `string` with `key`.
    public static func hexHMAC(_ string: String, key: SymmetricKey) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Array(string.utf8), using: key))
    }

    /// The string to sign for a canonical request.
    public static func stringToSign(timestamp: String, scope: String, canonicalRequest: String) -> String {
        "\(algorithm)\n\(timestamp)\n\(scope)\n\(hexSHA256(canonicalRequest))"
    }

    /// `text` without leading and trailing spaces and tabs (HTTP's optional whitespace); cheaper than
    /// Foundation's `trimmingCharacters`, which request parsing calls many times per request.
    public static func trimOWS(_ text: Substring) -> String {
        let utf8 = text.utf8
        var start = utf8.startIndex, end = utf8.endIndex
        while start < end, utf8[start] == 0x20 || utf8[start] == 0x09 { start = utf8.index(after: start) }
        while end > start {
            let before = utf8.index(before: end)
            guard utf8[before] == 0x20 || utf8[before] == 0x09 else { break }
            end = before
        }
        return String(Substring(utf8[start..<end]))
    }

    public static func trimOWS(_ text: String) -> String { trimOWS(text[...]) }

    /// ASCII case-insensitive equality, for header names (no lowercased copies).
    public static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        for (x, y) in zip(a.utf8, b.utf8) where x != y {
            let lx = x >= 0x41 && x <= 0x5A ? x | 0x20 : x
            let ly = y >= 0x41 && y <= 0x5A ? y | 0x20 : y
            if lx != ly { return false }
        }
        return true
    }

    /// Compares two strings in time independent of where they differ.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        let n = max(x.count, y.count)
        for i in 0..<n {
            let l = i < x.count ? x[i] : 0
            let r = i < y.count ? y[i] : 0
            diff |= l ^ r
        }
        return diff == 0
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

