import Foundation

/// A condition operator name taken apart: set qualifier, base test, IfExists.
struct ConditionOperator: Hashable, Sendable {
    enum Qualifier: Hashable, Sendable { case none, forAllValues, forAnyValue }

    /// The positive form of each test; negated operators are recorded in `isNegated`.
    enum Test: Hashable, Sendable {
        case stringEquals, stringEqualsIgnoreCase, stringLike
        case numericEquals, numericLessThan, numericLessThanEquals, numericGreaterThan, numericGreaterThanEquals
        case dateEquals, dateLessThan, dateLessThanEquals, dateGreaterThan, dateGreaterThanEquals
        case bool, binaryEquals, ipAddress, arnEquals, arnLike, null
    }

    var qualifier: Qualifier
    var test: Test
    var isNegated: Bool
    var ifExists: Bool

    private static let tests: [String: (Test, Bool)] = [
        "stringequals": (.stringEquals, false), "stringnotequals": (.stringEquals, true),
        "stringequalsignorecase": (.stringEqualsIgnoreCase, false), "stringnotequalsignorecase": (.stringEqualsIgnoreCase, true),
        "stringlike": (.stringLike, false), "stringnotlike": (.stringLike, true),
        "numericequals": (.numericEquals, false), "numericnotequals": (.numericEquals, true),
        "numericlessthan": (.numericLessThan, false), "numericlessthanequals": (.numericLessThanEquals, false),
        "numericgreaterthan": (.numericGreaterThan, false), "numericgreaterthanequals": (.numericGreaterThanEquals, false),
        "dateequals": (.dateEquals, false), "datenotequals": (.dateEquals, true),
        "datelessthan": (.dateLessThan, false), "datelessthanequals": (.dateLessThanEquals, false),
        "dategreaterthan": (.dateGreaterThan, false), "dategreaterthanequals": (.dateGreaterThanEquals, false),
        "bool": (.bool, false), "binaryequals": (.binaryEquals, false),
        "ipaddress": (.ipAddress, false), "notipaddress": (.ipAddress, true),
        "arnequals": (.arnEquals, false), "arnnotequals": (.arnEquals, true),
        "arnlike": (.arnLike, false), "arnnotlike": (.arnLike, true),
        "null": (.null, false),
    ]

    /// nil for names IAM does not know.
    init?(_ name: String) {
        var rest = Substring(name.lowercased())
        qualifier = .none
        if rest.hasPrefix("forallvalues:") {
            qualifier = .forAllValues
            rest = rest.dropFirst("forallvalues:".count)
        } else if rest.hasPrefix("foranyvalue:") {
            qualifier = .forAnyValue
            rest = rest.dropFirst("foranyvalue:".count)
        }
        ifExists = false
        if rest.hasSuffix("ifexists") {
            ifExists = true
            rest = rest.dropLast("ifexists".count)
        }
        guard let (t, neg) = Self.tests[String(rest)] else { return nil }
        // Null tests presence itself, so it takes neither IfExists nor a set qualifier.
        if t == .null, ifExists || qualifier != .none { return nil }
        test = t
        isNegated = neg
    }
}

/// Decides Condition blocks against a request context.
enum ConditionEvaluator {
    /// All conditions must hold (operators and keys are ANDed; values within one key ORed).
    static func allHold(_ conditions: [PolicyCondition], context: RequestContext, variables: Bool) -> Bool {
        conditions.allSatisfy { holds($0, context: context, variables: variables) }
    }

    static func holds(_ condition: PolicyCondition, context: RequestContext, variables: Bool) -> Bool {
        // Unknown operators never hold; validation reports them.
        guard let op = condition.parsedOperator else { return false }
        if condition.key.isEmpty { return true }
        let requestValues = context.values(for: condition.key)

        if op.test == .null {
            let present = requestValues != nil
            return condition.values.contains { v in
                switch v.lowercased() {
                case "true": !present
                case "false": present
                default: false
                }
            }
        }

        // Values without variables are compared as written, without building patterns;
        // values whose variables substitute no wildcard characters, once substituted.
        var plain: [String]? = nil
        if !variables || !condition.values.contains(where: \.hasVariable) {
            plain = condition.values
        } else {
            var resolved: [String] = []
            var exact = true
            for v in condition.values {
                guard let r = PolicyVariables.resolveText(v, context: context) else { exact = false; break }
                if let r { resolved.append(r) }
            }
            if exact {
                if resolved.isEmpty, !condition.values.isEmpty { return false }
                plain = resolved
            }
        }
        if let values = plain {
            func rawMatches(_ requestValue: String) -> Bool {
                values.contains { positiveMatch(op.test, raw: $0, request: requestValue) }
            }
            return decide(op, requestValues, rawMatches)
        }

        let patterns = condition.values.compactMap { PolicyVariables.resolve($0, context: context, enabled: variables) }
        // Every value named a variable the request cannot supply: the condition cannot be decided in favour of anyone.
        if patterns.isEmpty, !condition.values.isEmpty { return false }

        func anyPolicyValueMatches(_ requestValue: String) -> Bool {
            patterns.contains { positiveMatch(op.test, policy: $0, request: requestValue) }
        }
        return decide(op, requestValues, anyPolicyValueMatches)
    }

    /// Applies the operator's qualifier, negation and IfExists to a per-value test.
    static func decide(_ op: ConditionOperator, _ requestValues: [String]?, _ anyPolicyValueMatches: (String) -> Bool) -> Bool {
        func valueSatisfies(_ requestValue: String) -> Bool {
            op.isNegated ? !anyPolicyValueMatches(requestValue) : anyPolicyValueMatches(requestValue)
        }

        switch op.qualifier {
        case .none:
            guard let requestValues else { return op.ifExists || op.isNegated }
            let positive = requestValues.contains(where: anyPolicyValueMatches)
            return op.isNegated ? !positive : positive
        case .forAllValues:
            // Vacuously true for a missing or empty key, as AWS documents.
            guard let requestValues else { return true }
            return requestValues.allSatisfy(valueSatisfies)
        case .forAnyValue:
            guard let requestValues else { return op.ifExists }
            return requestValues.contains(where: valueSatisfies)
        }
    }

    /// `positiveMatch` for a policy value as written (no variables in it).
    static func positiveMatch(_ test: ConditionOperator.Test, raw policy: String, request: String) -> Bool {
        switch test {
        case .stringEquals: return policy == request
        case .stringLike: return Wildcard.matches(policy, request, caseInsensitive: false)
        case .arnEquals, .arnLike:
            var colons = 0
            for b in request.utf8 where b == UInt8(ascii: ":") { colons += 1 }
            guard colons >= 5 else { return false }
            return Wildcard.matchesARN(policy, request)
        default: return positiveMatch(test, policy: GlobPattern(wildcards: policy), request: request)
        }
    }

    static func positiveMatch(_ test: ConditionOperator.Test, policy: GlobPattern, request: String) -> Bool {
        switch test {
        case .stringEquals:
            return policy.literalText == request
        case .stringEqualsIgnoreCase:
            return policy.literalText.lowercased() == request.lowercased()
        case .stringLike:
            return Wildcard.match(policy, request, caseInsensitive: false)
        case .numericEquals, .numericLessThan, .numericLessThanEquals, .numericGreaterThan, .numericGreaterThanEquals:
            guard let r = number(request), let p = number(policy.literalText) else { return false }
            return compare(test, r, p)
        case .dateEquals, .dateLessThan, .dateLessThanEquals, .dateGreaterThan, .dateGreaterThanEquals:
            guard let r = DateValue.parse(request), let p = DateValue.parse(policy.literalText) else { return false }
            return compare(test, r, p)
        case .bool:
            let p = policy.literalText.lowercased(), r = request.lowercased()
            return (p == "true" || p == "false") && p == r
        case .binaryEquals:
            if let p = Data(base64Encoded: policy.literalText), let r = Data(base64Encoded: request) { return p == r }
            return policy.literalText == request
        case .ipAddress:
            guard let block = CIDRBlock(policy.literalText), let ip = IPAddressValue(request) else { return false }
            return block.contains(ip)
        case .arnEquals, .arnLike:
            // Both forms accept wildcards and compare segment by segment; a value that is not an ARN never matches.
            guard Wildcard.splitARN(request) != nil else { return false }
            return Wildcard.matchARN(policy, request)
        case .null:
            return false
        }
    }

    static func number(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t.allSatisfy({ ($0.isASCII && $0.isNumber) || "+-.eE".contains($0) }) else { return nil }
        return Double(t)
    }

    static func compare(_ test: ConditionOperator.Test, _ r: Double, _ p: Double) -> Bool {
        switch test {
        case .numericEquals, .dateEquals: r == p
        case .numericLessThan, .dateLessThan: r < p
        case .numericLessThanEquals, .dateLessThanEquals: r <= p
        case .numericGreaterThan, .dateGreaterThan: r > p
        case .numericGreaterThanEquals, .dateGreaterThanEquals: r >= p
        default: false
        }
    }
}

/// A condition entry prepared with its policy: the key lowercased, and the values parsed
/// once for the operators that read them as addresses, numbers, dates or booleans.
struct CompiledCondition: Sendable {
    enum Values: Sendable {
        /// Compared as written (or through the general path).
        case raw
        case blocks([CIDRBlock?])
        case numbers([Double?])
        case dates([Double?])
        /// Lowercased.
        case bools([String])
    }

    let source: PolicyCondition
    let lowercasedKey: String
    /// No value holds a variable to substitute: the values are used as written.
    let plain: Bool
    let values: Values

    init(_ condition: PolicyCondition, variables: Bool) {
        source = condition
        lowercasedKey = condition.key.lowercased()
        plain = !variables || !condition.values.contains(where: \.hasVariable)
        guard plain, let op = condition.parsedOperator else { values = .raw; return }
        switch op.test {
        case .ipAddress: values = .blocks(condition.values.map { CIDRBlock($0) })
        case .numericEquals, .numericLessThan, .numericLessThanEquals, .numericGreaterThan, .numericGreaterThanEquals:
            values = .numbers(condition.values.map { ConditionEvaluator.number($0) })
        case .dateEquals, .dateLessThan, .dateLessThanEquals, .dateGreaterThan, .dateGreaterThanEquals:
            values = .dates(condition.values.map { DateValue.parse($0) })
        case .bool: values = .bools(condition.values.map { $0.lowercased() })
        default: values = .raw
        }
    }
}

extension ConditionEvaluator {
    /// `allHold` for prepared conditions.
    static func allHold(_ conditions: [CompiledCondition], context: RequestContext, variables: Bool) -> Bool {
        for c in conditions where !holds(c, context: context, variables: variables) { return false }
        return true
    }

    /// As `holds(_:context:variables:)`, with the values parsed beforehand.
    static func holds(_ c: CompiledCondition, context: RequestContext, variables: Bool) -> Bool {
        let condition = c.source
        guard let op = condition.parsedOperator else { return false }
        if condition.key.isEmpty { return true }
        // Values with variables are substituted per request, by the general path.
        guard c.plain, op.test != .null else { return holds(condition, context: context, variables: variables) }
        let requestValues = context.values(lowercasedKey: c.lowercasedKey, key: condition.key)
        let test = op.test
        switch c.values {
        case .raw:
            let values = condition.values
            return decide(op, requestValues) { r in values.contains { positiveMatch(test, raw: $0, request: r) } }
        case .blocks(let blocks):
            return decide(op, requestValues) { r in
                guard let ip = IPAddressValue(r) else { return false }
                return blocks.contains { $0?.contains(ip) ?? false }
            }
        case .numbers(let numbers):
            return decide(op, requestValues) { r in
                guard let rv = number(r) else { return false }
                return numbers.contains { p in p.map { compare(test, rv, $0) } ?? false }
            }
        case .dates(let dates):
            return decide(op, requestValues) { r in
                guard let rv = DateValue.parse(r) else { return false }
                return dates.contains { p in p.map { compare(test, rv, $0) } ?? false }
            }
        case .bools(let bools):
            return decide(op, requestValues) { r in
                let lower = r.lowercased()
                return bools.contains { ($0 == "true" || $0 == "false") && $0 == lower }
            }
        }
    }
}
