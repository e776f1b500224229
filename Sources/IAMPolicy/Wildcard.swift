/// IAM wildcard matching (`*`, `?`), ARN matching segment by segment.
public enum Wildcard {
    /// Glob match over the whole string: `*` is any run of characters (including none),
    /// `?` exactly one.
    public static func matches(_ pattern: String, _ value: String, caseInsensitive: Bool) -> Bool {
        if let fast = ASCIIGlob.match(pattern, value, caseInsensitive: caseInsensitive) { return fast }
        return match(GlobPattern(wildcards: pattern), value, caseInsensitive: caseInsensitive)
    }

    /// ARN matching as IAM does for Resource and ArnLike: the five colon-separated
    /// prefix segments are matched one by one (a `*` there never spans a `:`), and the
    /// resource part, which may itself contain colons, is matched as a whole.
    public static func matchesARN(_ pattern: String, _ arn: String) -> Bool {
        if let fast = ASCIIGlob.matchARN(pattern, arn) { return fast }
        return matchARN(GlobPattern(wildcards: pattern), arn)
    }

    static func match(_ pattern: GlobPattern, _ value: String, caseInsensitive: Bool) -> Bool {
        let v: [Character] = caseInsensitive ? Array(value.lowercased()) : Array(value)
        let p = caseInsensitive ? pattern.lowercased().tokens : pattern.tokens
        return globMatch(p, v)
    }

    static func matchARN(_ pattern: GlobPattern, _ arn: String) -> Bool {
        if pattern.tokens == [.star] { return true }
        let patternParts = pattern.splitARN()
        let valueParts = splitARN(arn)
        guard let valueParts else {
            // Not ARN-shaped (e.g. "*" as a request resource): only a whole-string match counts.
            return globMatch(pattern.tokens, Array(arn))
        }
        guard let patternParts else {
            // A short pattern such as "arn:*": its colons still separate segments, and its
            // last part has to cover the rest of the ARN.
            let short = pattern.splitSegments()
            let head = valueParts.prefix(short.count - 1)
            let rest = valueParts.dropFirst(short.count - 1).joined(separator: ":")
            return zip(short, head).allSatisfy { globMatch($0, Array($1)) } && globMatch(short[short.count - 1], Array(rest))
        }
        for (p, v) in zip(patternParts, valueParts) where !globMatch(p, Array(v)) {
            return false
        }
        return true
    }

    /// Splits at the first five colons; nil unless there are at least five.
    static func splitARN(_ arn: String) -> [String]? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        return parts.map(String.init)
    }

    /// Iterative glob with single backtrack point: linear in practice, no recursion.
    static func globMatch(_ p: [GlobPattern.Token], _ v: [Character]) -> Bool {
        var pi = 0, vi = 0
        var starP = -1, starV = 0
        while vi < v.count {
            if pi < p.count {
                switch p[pi] {
                case .star:
                    starP = pi
                    starV = vi
                    pi += 1
                    continue
                case .any:
                    pi += 1
                    vi += 1
                    continue
                case .literal(let c) where c == v[vi]:
                    pi += 1
                    vi += 1
                    continue
                default:
                    break
                }
            }
            guard starP >= 0 else { return false }
            pi = starP + 1
            starV += 1
            vi = starV
        }
        while pi < p.count, p[pi] == .star { pi += 1 }
        return pi == p.count
    }
}

/// A pattern whose wildcard characters are known by position, so that text substituted
/// from `${*}`, `${?}` or a policy variable stays literal.
struct GlobPattern: Hashable, Sendable {
    enum Token: Hashable, Sendable {
        case literal(Character)
        case star
        case any
    }

    var tokens: [Token]

    init(tokens: [Token]) { self.tokens = tokens }

    /// Reads `*` and `?` as wildcards.
    init(wildcards text: String) {
        tokens = text.map { c in
            switch c {
            case "*": .star
            case "?": .any
            default: .literal(c)
            }
        }
    }

    /// Every character literal.
    init(literal text: String) {
        tokens = text.map { .literal($0) }
    }

    static func + (lhs: GlobPattern, rhs: GlobPattern) -> GlobPattern {
        GlobPattern(tokens: lhs.tokens + rhs.tokens)
    }

    var hasWildcards: Bool { tokens.contains { !$0.isLiteral } }

    var literalText: String {
        String(tokens.map { t -> Character in
            switch t {
            case .literal(let c): c
            case .star: "*"
            case .any: "?"
            }
        })
    }

    func lowercased() -> GlobPattern {
        GlobPattern(tokens: tokens.flatMap { t -> [Token] in
            if case .literal(let c) = t { return String(c).lowercased().map { .literal($0) } }
            return [t]
        })
    }

    /// Splits at every literal colon.
    func splitSegments() -> [[Token]] {
        var parts: [[Token]] = [[]]
        for t in tokens {
            if t == .literal(":") { parts.append([]) } else { parts[parts.count - 1].append(t) }
        }
        return parts
    }

    /// Splits at the first five literal colons, like `Wildcard.splitARN`.
    func splitARN() -> [[Token]]? {
        var parts: [[Token]] = [[]]
        for t in tokens {
            if parts.count < 6, t == .literal(":") {
                parts.append([])
            } else {
                parts[parts.count - 1].append(t)
            }
        }
        return parts.count == 6 ? parts : nil
    }
}

extension GlobPattern.Token {
    var isLiteral: Bool {
        if case .literal = self { return true }
        return false
    }
}

/// The hot path of wildcard matching: ASCII patterns and values matched over their UTF-8
/// bytes in place, with no allocation. nil when either side is not ASCII (or not stored
/// contiguously), and the general matcher decides.
enum ASCIIGlob {
    static func match(_ pattern: String, _ value: String, caseInsensitive: Bool) -> Bool? {
        var p = pattern, v = value
        return p.withUTF8 { pb in
            v.withUTF8 { vb in
                guard isASCII(pb), isASCII(vb) else { return nil }
                return glob(pb[...], vb[...], fold: caseInsensitive)
            }
        }
    }

    /// Segment-by-segment ARN matching, as `Wildcard.matchARN`, for ARN-shaped ASCII
    /// patterns and values.
    static func matchARN(_ pattern: String, _ arn: String) -> Bool? {
        if pattern == "*" { return true }
        var p = pattern, v = arn
        return p.withUTF8 { pb in
            v.withUTF8 { vb -> Bool? in
                guard isASCII(pb), isASCII(vb) else { return nil }
                // A value that is not ARN-shaped is matched as a whole string by the general matcher.
                var colonCount = 0
                for c in vb where c == UInt8(ascii: ":") { colonCount += 1 }
                guard colonCount >= 5 else { return nil }
                var pStart = 0, vStart = 0
                for _ in 0..<5 {
                    guard let pCut = nextColon(pb, from: pStart), let vCut = nextColon(vb, from: vStart) else { return nil }
                    if !glob(pb[pStart..<pCut], vb[vStart..<vCut], fold: false) { return false }
                    pStart = pCut + 1
                    vStart = vCut + 1
                }
                return glob(pb[pStart...], vb[vStart...], fold: false)
            }
        }
    }

    @inline(__always)
    static func isASCII(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        for c in b where c >= 0x80 { return false }
        return true
    }

    @inline(__always)
    static func nextColon(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var i = start
        while i < b.count {
            if b[i] == UInt8(ascii: ":") { return i }
            i += 1
        }
        return nil
    }

    @inline(__always)
    static func fold(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c + 32 : c }

    /// Iterative glob with a single backtrack point, as `Wildcard.globMatch`.
    static func glob(_ p: Slice<UnsafeBufferPointer<UInt8>>, _ v: Slice<UnsafeBufferPointer<UInt8>>, fold folding: Bool) -> Bool {
        var pi = p.startIndex, vi = v.startIndex
        var starP = -1, starV = 0
        let star = UInt8(ascii: "*"), any = UInt8(ascii: "?")
        while vi < v.endIndex {
            if pi < p.endIndex {
                let c = p[pi]
                if c == star {
                    starP = pi
                    starV = vi
                    pi += 1
                    continue
                }
                if c == any || c == v[vi] || (folding && fold(c) == fold(v[vi])) {
                    pi += 1
                    vi += 1
                    continue
                }
            }
            guard starP >= 0 else { return false }
            pi = starP + 1
            starV += 1
            vi = starV
        }
        while pi < p.endIndex, p[pi] == star { pi += 1 }
        return pi == p.endIndex
    }
}
