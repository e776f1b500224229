/// Substitution of `${...}` policy variables in Resource and Condition values.
enum PolicyVariables {
    /// The value as a pattern: the policy's own `*` and `?` stay wildcards, while text
    /// produced by a variable (including `${*}`, `${?}`, `${$}`) is literal. nil when a
    /// variable has no value in the request and no default, which makes the value match
    /// nothing. Documents older than 2012-10-17 get no substitution at all.
    static func resolve(_ text: String, context: RequestContext, enabled: Bool) -> GlobPattern? {
        guard enabled, text.hasVariable else { return GlobPattern(wildcards: text) }
        var result = GlobPattern(tokens: [])
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            result = result + GlobPattern(wildcards: String(rest[..<open.lowerBound]))
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstIndex(of: "}") else {
                // No closing brace: not a variable, keep the text as written.
                result = result + GlobPattern(wildcards: String(rest[open.lowerBound...]))
                return result
            }
            guard let value = lookup(String(afterOpen[..<close]), context: context) else { return nil }
            result = result + GlobPattern(literal: value)
            rest = afterOpen[afterOpen.index(after: close)...]
        }
        return result + GlobPattern(wildcards: String(rest))
    }

    /// The hot path of `resolve`: the value as a wildcard pattern string, when no
    /// substituted text holds `*` or `?` (so reading the result's wildcards is exact).
    /// `.some(nil)` when a variable has no value; nil when the general path must decide.
    static func resolveText(_ text: String, context: RequestContext) -> String?? {
        var out = ""
        var bytes = Array(text.utf8)[...]
        let dollar = UInt8(ascii: "$"), open = UInt8(ascii: "{"), close = UInt8(ascii: "}")
        while let i = bytes.firstIndex(of: dollar) {
            guard i + 1 < bytes.endIndex, bytes[i + 1] == open else {
                out += String(decoding: bytes[bytes.startIndex...i], as: UTF8.self)
                bytes = bytes[(i + 1)...]
                continue
            }
            out += String(decoding: bytes[bytes.startIndex..<i], as: UTF8.self)
            guard let j = bytes[(i + 2)...].firstIndex(of: close) else { return nil }
            guard let value = lookup(String(decoding: bytes[(i + 2)..<j], as: UTF8.self), context: context) else { return .some(nil) }
            if value.utf8.contains(where: { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") }) { return nil }
            out += value
            bytes = bytes[(j + 1)...]
        }
        out += String(decoding: bytes, as: UTF8.self)
        return .some(out)
    }

    /// Resolves the inside of `${...}`: a special character, a context key, or
    /// `key, 'default'`.
    static func lookup(_ body: String, context: RequestContext) -> String? {
        switch body {
        case "*", "?", "$": return body
        default: break
        }
        var name = body
        var fallback: String?
        if let comma = body.firstIndex(of: ",") {
            name = String(body[..<comma])
            let tail = body[body.index(after: comma)...].trimmingWhitespace()
            if tail.count >= 2, tail.first == "'", tail.last == "'" {
                fallback = String(tail.dropFirst().dropLast())
            } else {
                return nil
            }
        }
        name = String(Substring(name).trimmingWhitespace())
        if let values = context.values(for: name) {
            // A multivalued key has no single value to substitute.
            return values.count == 1 ? values[0] : nil
        }
        return fallback
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var s = self
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return s
    }
}

extension String {
    /// Whether the text holds a `${` (a policy variable), found over its UTF-8 bytes.
    var hasVariable: Bool {
        var found = false
        var previousDollar = false
        for b in utf8 {
            if previousDollar, b == UInt8(ascii: "{") { found = true; break }
            previousDollar = b == UInt8(ascii: "$")
        }
        return found
    }
}
