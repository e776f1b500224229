/// The pieces of a SigV4 canonical request, built the same way by the signer and the verifier.
public enum CanonicalRequest {
    /// The canonical URI. For "s3" the wire path is decoded and AWS-encoded once, slashes kept, with no
    /// dot-segment normalization; for other services the path is normalized (dot segments and empty segments
    /// removed) and the wire form is encoded again, so each segment ends up encoded twice.
    public static func uri(path: String, service: String) -> String {
        let raw = path.isEmpty ? "/" : path
        if service == "s3" {
            return SigV4.uriEncode(bytes: SigV4.percentDecode(raw), encodeSlash: false)
        }
        return SigV4.uriEncode(normalizedPath(raw), encodeSlash: false)
    }

    /// RFC 3986 dot-segment removal, also collapsing repeated slashes as AWS services do.
    public static func normalizedPath(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        var out: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." {
                if !out.isEmpty { out.removeLast() }
                continue
            }
            out.append(segment)
        }
        let first = path.hasPrefix("/") ? "/" : ""
        let last = path.hasSuffix("/") && !out.isEmpty ? "/" : ""
        return first + out.joined(separator: "/") + last
    }

    /// The query parameters of a raw query string, decoded, in the order given. A name without '=' has an empty value.
    public static func queryParameters(_ query: String) -> [(name: String, value: String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(decoding: SigV4.percentDecode(String(pieces[0])), as: UTF8.self)
            let value = pieces.count > 1 ? String(decoding: SigV4.percentDecode(String(pieces[1])), as: UTF8.self) : ""
            return (name, value)
        }
    }

    /// The canonical query string: each name and value decoded then AWS-encoded, sorted by name then value.
    /// Parameters named in `excluding` (exact, case-sensitive) are left out.
    public static func query(_ query: String, excluding: Set<String> = []) -> String {
        var pairs: [(String, String)] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let nameBytes = SigV4.percentDecode(String(pieces[0]))
            if !excluding.isEmpty, excluding.contains(String(decoding: nameBytes, as: UTF8.self)) { continue }
            let valueBytes = pieces.count > 1 ? SigV4.percentDecode(String(pieces[1])) : []
            pairs.append((SigV4.uriEncode(bytes: nameBytes, encodeSlash: true),
                          SigV4.uriEncode(bytes: valueBytes, encodeSlash: true)))
        }
        pairs.sort { a, b in
            a.0 != b.0 ? Array(a.0.utf8).lexicographicallyPrecedes(Array(b.0.utf8))
                : Array(a.1.utf8).lexicographicallyPrecedes(Array(b.1.utf8))
        }
        return pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// The query string as the client wrote it: parameters sorted but not re-encoded (some signers,
    /// botocore among them, canonicalize a query they built that way). Used by the verifier as a second chance.
    public static func queryAsSent(_ query: String, excluding: Set<String> = []) -> String {
        var pairs: [(String, String)] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pieces[0])
            if !excluding.isEmpty, excluding.contains(String(decoding: SigV4.percentDecode(name), as: UTF8.self)) { continue }
            pairs.append((name, pieces.count > 1 ? String(pieces[1]) : ""))
        }
        pairs.sort { a, b in
            a.0 != b.0 ? Array(a.0.utf8).lexicographicallyPrecedes(Array(b.0.utf8))
                : Array(a.1.utf8).lexicographicallyPrecedes(Array(b.1.utf8))
        }
        return pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// A header value as it goes in the canonical headers: trimmed, inner runs of whitespace collapsed to one space.
    public static func canonicalHeaderValue(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }).joined(separator: " ")
    }

    /// The canonical headers block (each line ending in "\n") for `signedHeaders` (lowercase, sorted).
    /// Repeated headers are joined with ','; a signed header the request lacks gets an empty value.
    public static func headers(_ headers: [(name: String, value: String)], signedHeaders: [String]) -> String {
        var values: [String: [String]] = [:]
        let wanted = Set(signedHeaders)
        for (name, value) in headers {
            let lower = name.lowercased()
            if wanted.contains(lower) { values[lower, default: []].append(canonicalHeaderValue(value)) }
        }
        var out = ""
        for name in signedHeaders {
            out += name + ":" + (values[name] ?? []).joined(separator: ",") + "\n"
        }
        return out
    }

    /// The whole canonical request. With `asSent`, the query (and an S3 path) are taken as the client wrote them
    /// instead of being decoded and re-encoded.
    public static func build(
        method: String, path: String, query: String, headers: [(name: String, value: String)],
        signedHeaders: [String], payloadHash: String, service: String, excludingQuery: Set<String> = [],
        asSent: Bool = false
    ) -> String {
        [
            method.uppercased(),
            asSent && service == "s3" ? (path.isEmpty ? "/" : path) : uri(path: path, service: service),
            asSent ? queryAsSent(query, excluding: excludingQuery) : CanonicalRequest.query(query, excluding: excludingQuery),
            CanonicalRequest.headers(headers, signedHeaders: signedHeaders),
            signedHeaders.joined(separator: ";"),
            payloadHash,
        ].joined(separator: "\n")
    }
}
