/// A policy prepared for evaluation, built once when the `Policy` value is made or
/// changed: actions indexed by service prefix, resource ARNs split into their segments,
/// wildcard patterns classified, condition values parsed. Deciding with it gives exactly
/// what matching the statements as written gives; anything outside the fast forms (text
/// that is not ASCII, policy variables that need the request) goes to the general matchers.
final class CompiledPolicy: Sendable {
    let statements: [CompiledStatement]
    /// For each service prefix named literally in an Action or NotAction (lowercased), the
    /// statements that can match an action of that service, in document order.
    let byService: [String: [ActionCandidate]]
    /// The statements that can match an action of any other service (or an action without
    /// a service prefix): those with NotAction, a wildcard in the service part, or text
    /// that is not ASCII.
    let otherServices: [ActionCandidate]
    /// Every statement, for requests whose action is not ASCII (general matchers only).
    let all: [ActionCandidate]

    init(statements source: [PolicyStatement], variables: Bool) {
        var compiled: [CompiledStatement] = []
        compiled.reserveCapacity(source.count)
        var names: [[String: [BytePattern]]] = []
        var services: [String] = []
        var seen: Set<String> = []
        for (i, s) in source.enumerated() {
            let (c, n) = CompiledStatement.make(s, index: i, variables: variables)
            compiled.append(c)
            names.append(n)
            for key in n.keys.sorted() where seen.insert(key).inserted { services.append(key) }
        }
        statements = compiled
        var index: [String: [ActionCandidate]] = [:]
        for service in services {
            index[service] = compiled.indices.compactMap { i in
                let own = names[i][service]
                guard own != nil || compiled[i].matchesAnyService else { return nil }
                return ActionCandidate(statement: i, names: own ?? [])
            }
        }
        byService = index
        otherServices = compiled.indices.filter { compiled[$0].matchesAnyService }.map { ActionCandidate(statement: $0, names: []) }
        all = compiled.indices.map { ActionCandidate(statement: $0, names: []) }
    }

    func candidates(for request: PreparedRequest) -> [ActionCandidate] {
        guard request.actionIsASCII else { return all }
        guard let service = request.service else { return otherServices }
        return byService[service] ?? otherServices
    }
}

/// A statement that may match the request's action, with its Action/NotAction patterns
/// for the request's service (the part after `service:`, lowercased).
struct ActionCandidate: Sendable {
    let statement: Int
    let names: [BytePattern]
}

/// One statement, prepared (a class, so that reading it during evaluation copies nothing).
final class CompiledStatement: Sendable {
    let source: PolicyStatement
    let effect: Effect
    let sid: String?
    /// NotAction rather than Action.
    let negatedActions: Bool
    /// No Action nor NotAction: the statement matches no action.
    let hasActions: Bool
    /// Patterns whose service part holds a wildcard (or that have no `:`), matched
    /// against the whole lowercased action.
    let fullActions: [BytePattern]
    /// Some action pattern is not ASCII: the general matcher decides the action.
    let generalActions: Bool
    /// nil when the statement has neither Resource nor NotResource (trust policies).
    let resources: [ResourcePattern]?
    let negatedResources: Bool
    let conditions: [CompiledCondition]
    /// Policy variables are substituted (2012-10-17 documents).
    let variables: Bool

    init(source: PolicyStatement, effect: Effect, sid: String?, negatedActions: Bool, hasActions: Bool, fullActions: [BytePattern],
         generalActions: Bool, resources: [ResourcePattern]?, negatedResources: Bool, conditions: [CompiledCondition], variables: Bool) {
        self.source = source
        self.effect = effect
        self.sid = sid
        self.negatedActions = negatedActions
        self.hasActions = hasActions
        self.fullActions = fullActions
        self.generalActions = generalActions
        self.resources = resources
        self.negatedResources = negatedResources
        self.conditions = conditions
        self.variables = variables
    }

    /// Statements with NotAction, service wildcards or general patterns are candidates
    /// whatever the request's service.
    var matchesAnyService: Bool { hasActions && (negatedActions || !fullActions.isEmpty || generalActions) }

    static func make(_ s: PolicyStatement, index: Int, variables: Bool) -> (CompiledStatement, [String: [BytePattern]]) {
        let patterns = s.action ?? s.notAction
        var byService: [String: [BytePattern]] = [:]
        var full: [BytePattern] = []
        var general = false
        for p in patterns ?? [] {
            guard p.utf8.allSatisfy({ $0 < 0x80 }) else { general = true; continue }
            let lower = p.utf8.map(ASCIIGlob.fold)
            if let colon = lower.firstIndex(of: UInt8(ascii: ":")),
               !lower[..<colon].contains(where: { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") }) {
                // `svc:name` with a literal service matches exactly the actions `svc:X` whose X matches `name`.
                byService[String(decoding: lower[..<colon], as: UTF8.self), default: []].append(BytePattern(lower[(colon + 1)...]))
            } else {
                full.append(BytePattern(lower[...]))
            }
        }
        if general {
            // The general matcher decides every pattern of this statement.
            byService = [:]
            full = []
        }
        let resourceTexts = s.resource ?? s.notResource
        let c = CompiledStatement(
            source: s, effect: s.effect, sid: s.sid,
            negatedActions: s.action == nil && s.notAction != nil,
            hasActions: patterns != nil,
            fullActions: full, generalActions: general,
            resources: resourceTexts.map { $0.map { ResourcePattern($0, variables: variables) } },
            negatedResources: s.resource == nil && s.notResource != nil,
            conditions: s.conditions.map { CompiledCondition($0, variables: variables) },
            variables: variables)
        return (c, byService)
    }

    /// Action/NotAction, as `StatementMatcher.matchesAction`.
    @inline(__always)
    func matchesAction(_ candidate: ActionCandidate, _ request: PreparedRequest) -> Bool {
        guard hasActions else { return false }
        if generalActions || !request.actionIsASCII {
            let patterns = source.action ?? source.notAction ?? []
            let hit = patterns.contains { Wildcard.matches($0, request.action, caseInsensitive: true) }
            return hit != negatedActions
        }
        let hit = request.actionBytes.withUnsafeBufferPointer { a -> Bool in
            if !candidate.names.isEmpty, let start = request.nameStart {
                let name = a[start...]
                for p in candidate.names where p.matches(name) { return true }
            }
            for p in fullActions where p.matches(a[...]) { return true }
            return false
        }
        return hit != negatedActions
    }

    /// Resource/NotResource, as `StatementMatcher.matchesResource`.
    @inline(__always)
    func matchesResource(_ request: PreparedRequest, _ context: RequestContext) -> Bool {
        guard let resources else { return true }
        var hit = false
        for r in resources where r.matches(request, context, variables: variables) {
            hit = true
            break
        }
        return hit != negatedResources
    }
}

/// One Resource or NotResource entry.
enum ResourcePattern: Sendable {
    case any
    /// An ASCII pattern with at least five colons: its six ARN segments.
    case arn(String, [BytePattern])
    /// Anything else without variables: the general ARN matcher.
    case text(String)
    /// Holds `${...}`, substituted per request. The text before the first `${`, when it
    /// holds no wildcard and is ASCII, is a prefix every matching resource starts with
    /// (its characters line up with the resource's, segment separators included).
    case variable(String, literalPrefix: [UInt8]?)

    init(_ text: String, variables: Bool) {
        if variables, text.hasVariable {
            let bytes = Array(text.utf8)
            var end = 0
            while end + 1 < bytes.count, !(bytes[end] == UInt8(ascii: "$") && bytes[end + 1] == UInt8(ascii: "{")) { end += 1 }
            let head = bytes[..<end]
            let usable = head.allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: "*") && $0 != UInt8(ascii: "?") }
            self = .variable(text, literalPrefix: usable && !head.isEmpty ? Array(head) : nil)
            return
        }
        if text == "*" { self = .any; return }
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 }), let cuts = ARNCuts(bytes) else { self = .text(text); return }
        self = .arn(text, cuts.segments(of: bytes).map(BytePattern.init))
    }

    @inline(__always)
    func matches(_ request: PreparedRequest, _ context: RequestContext, variables: Bool) -> Bool {
        switch self {
        case .any:
            return true
        case .arn(let text, let segments):
            guard let cuts = request.resourceCuts else { return Wildcard.matchesARN(text, request.resource) }
            return request.resourceBytes.withUnsafeBufferPointer { v in
                for k in 0..<6 where !segments[k].matches(cuts.segment(k, of: v)) { return false }
                return true
            }
        case .text(let text):
            return Wildcard.matchesARN(text, request.resource)
        case .variable(let pattern, let prefix):
            if let prefix, !request.resourceBytes.starts(with: prefix) { return false }
            if let resolved = PolicyVariables.resolveText(pattern, context: context) {
                guard let text = resolved else { return false }
                return Wildcard.matchesARN(text, request.resource)
            }
            guard let p = PolicyVariables.resolve(pattern, context: context, enabled: variables) else { return false }
            return Wildcard.matchARN(p, request.resource)
        }
    }
}

/// Where the first five colons of an ASCII ARN are.
struct ARNCuts: Sendable {
    var c0, c1, c2, c3, c4: Int

    init?(_ bytes: [UInt8]) {
        var found: [Int] = []
        found.reserveCapacity(5)
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: ":") {
            found.append(i)
            if found.count == 5 { break }
        }
        guard found.count == 5 else { return nil }
        (c0, c1, c2, c3, c4) = (found[0], found[1], found[2], found[3], found[4])
    }

    func segments(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        [bytes[..<c0], bytes[(c0 + 1)..<c1], bytes[(c1 + 1)..<c2], bytes[(c2 + 1)..<c3], bytes[(c3 + 1)..<c4], bytes[(c4 + 1)...]]
    }

    @inline(__always)
    func segment(_ k: Int, of v: UnsafeBufferPointer<UInt8>) -> Slice<UnsafeBufferPointer<UInt8>> {
        switch k {
        case 0: v[..<c0]
        case 1: v[(c0 + 1)..<c1]
        case 2: v[(c1 + 1)..<c2]
        case 3: v[(c2 + 1)..<c3]
        case 4: v[(c3 + 1)..<c4]
        default: v[(c4 + 1)...]
        }
    }
}

/// An ASCII wildcard pattern classified once: most policy patterns are literal, a
/// prefix (`abc*`), a suffix (`*abc`) or `*`; the rest use the general glob.
struct BytePattern: Sendable {
    enum Kind: Sendable { case any, literal, prefix, suffix, general }
    let kind: Kind
    /// literal: the text; prefix/suffix: the text without the `*`; general: the pattern.
    let bytes: [UInt8]

    init<C: Collection>(_ pattern: C) where C.Element == UInt8 {
        let b = Array(pattern)
        let star = UInt8(ascii: "*")
        var stars = 0, questions = 0
        for c in b {
            if c == star { stars += 1 } else if c == UInt8(ascii: "?") { questions += 1 }
        }
        if questions == 0, stars == 0 {
            kind = .literal
            bytes = b
        } else if questions == 0, stars == b.count {
            kind = .any
            bytes = []
        } else if questions == 0, stars == 1, b.last == star {
            kind = .prefix
            bytes = Array(b.dropLast())
        } else if questions == 0, stars == 1, b.first == star {
            kind = .suffix
            bytes = Array(b.dropFirst())
        } else {
            kind = .general
            bytes = b
        }
    }

    @inline(__always)
    func matches(_ v: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        switch kind {
        case .any: return true
        case .literal: return v.count == bytes.count && same(at: v.startIndex, in: v)
        case .prefix: return v.count >= bytes.count && same(at: v.startIndex, in: v)
        case .suffix: return v.count >= bytes.count && same(at: v.endIndex - bytes.count, in: v)
        case .general: return bytes.withUnsafeBufferPointer { ASCIIGlob.glob($0[...], v, fold: false) }
        }
    }

    @inline(__always)
    private func same(at start: Int, in v: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        bytes.withUnsafeBufferPointer { p in
            var i = 0
            while i < p.count {
                if p[i] != v[start + i] { return false }
                i += 1
            }
            return true
        }
    }
}

/// The request's action and resource taken apart once per evaluation.
struct PreparedRequest {
    let action: String
    let resource: String
    let actionIsASCII: Bool
    /// The action lowercased (ASCII).
    let actionBytes: [UInt8]
    /// The lowercased service prefix, nil when the action has no `:`.
    let service: String?
    /// Where the part after `service:` starts in `actionBytes`.
    let nameStart: Int?
    let resourceBytes: [UInt8]
    /// nil when the resource is not an ASCII ARN (the general matcher decides).
    let resourceCuts: ARNCuts?

    init(action: String, resource: String) {
        self.action = action
        self.resource = resource
        actionIsASCII = action.utf8.allSatisfy { $0 < 0x80 }
        actionBytes = actionIsASCII ? action.utf8.map(ASCIIGlob.fold) : []
        if let colon = actionBytes.firstIndex(of: UInt8(ascii: ":")) {
            service = String(decoding: actionBytes[..<colon], as: UTF8.self)
            nameStart = colon + 1
        } else {
            service = nil
            nameStart = nil
        }
        let r = Array(resource.utf8)
        resourceBytes = r
        resourceCuts = r.allSatisfy({ $0 < 0x80 }) ? ARNCuts(r) : nil
    }
}
