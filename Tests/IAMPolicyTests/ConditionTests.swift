import Foundation
import Testing
@testable import IAMPolicy

/// IAM User Guide, "IAM JSON policy elements: Condition operators" (string, numeric, date,
/// Boolean, binary, IP address, ARN, ...IfExists, Null; "If the key that you specify in a
/// policy condition is not present in the request context, the values do not match and
/// the condition is false. If the policy condition requires that the key is not matched,
/// such as StringNotLike or ArnNotLike, and the right key is not present, the condition is
/// true"), "Conditions with multiple context keys or values", and "Single-valued vs.
/// multivalued context keys" (ForAllValues / ForAnyValue).
@Suite struct ConditionTests {
    struct Case: Sendable, CustomStringConvertible {
        var op: String
        var key: String = "test:key"
        var policy: [String]
        var request: [String]?   // nil: key absent
        var holds: Bool
        var description: String { "\(op) \(policy) vs \(request.map { "\($0)" } ?? "absent") -> \(holds)" }
    }

    static func check(_ c: Case) -> Bool {
        var ctx: [String: [String]] = [:]
        if let r = c.request { ctx[c.key] = r }
        let context = RequestContext(Fixture.request(Fixture.user(), "s3:GetObject", "*", context: ctx))
        return ConditionEvaluator.holds(PolicyCondition(operatorName: c.op, key: c.key, values: c.policy), context: context, variables: true)
    }

    static let strings: [Case] = [
        .init(op: "StringEquals", policy: ["a"], request: ["a"], holds: true),
        .init(op: "StringEquals", policy: ["a"], request: ["A"], holds: false),
        .init(op: "StringEquals", policy: ["a", "b"], request: ["b"], holds: true),
        .init(op: "StringEquals", policy: ["a*"], request: ["abc"], holds: false),
        .init(op: "StringEquals", policy: ["a"], request: nil, holds: false),
        .init(op: "StringNotEquals", policy: ["a"], request: ["b"], holds: true),
        .init(op: "StringNotEquals", policy: ["a"], request: ["a"], holds: false),
        .init(op: "StringNotEquals", policy: ["a", "b"], request: ["b"], holds: false),   // NOR of the values
        .init(op: "StringNotEquals", policy: ["a", "b"], request: ["c"], holds: true),
        .init(op: "StringNotEquals", policy: ["a"], request: nil, holds: true),           // negated, key absent
        .init(op: "StringEqualsIgnoreCase", policy: ["Finance"], request: ["FINANCE"], holds: true),
        .init(op: "StringEqualsIgnoreCase", policy: ["Finance"], request: ["Fin"], holds: false),
        .init(op: "StringNotEqualsIgnoreCase", policy: ["Finance"], request: ["finance"], holds: false),
        .init(op: "StringNotEqualsIgnoreCase", policy: ["Finance"], request: ["hr"], holds: true),
        .init(op: "StringLike", policy: ["home/*"], request: ["home/alice/x"], holds: true),
        .init(op: "StringLike", policy: ["home/?"], request: ["home/ab"], holds: false),
        .init(op: "StringLike", policy: ["Home/*"], request: ["home/a"], holds: false),
        .init(op: "StringNotLike", policy: ["home/*"], request: ["work/a"], holds: true),
        .init(op: "StringNotLike", policy: ["home/*"], request: ["home/a"], holds: false),
        .init(op: "StringNotLike", policy: ["home/*"], request: nil, holds: true),
        .init(op: "StringLikeIfExists", policy: ["t2.*"], request: nil, holds: true),
        .init(op: "StringLikeIfExists", policy: ["t2.*"], request: ["m5.large"], holds: false),
        .init(op: "StringEqualsIfExists", policy: ["a"], request: ["a"], holds: true),
        .init(op: "StringNotEqualsIfExists", policy: ["a"], request: ["a"], holds: false),
    ]

    static let numbers: [Case] = [
        .init(op: "NumericEquals", policy: ["10"], request: ["10"], holds: true),
        .init(op: "NumericEquals", policy: ["10"], request: ["10.0"], holds: true),
        .init(op: "NumericEquals", policy: ["10"], request: ["11"], holds: false),
        .init(op: "NumericNotEquals", policy: ["10"], request: ["11"], holds: true),
        .init(op: "NumericNotEquals", policy: ["10"], request: nil, holds: true),
        .init(op: "NumericLessThan", policy: ["10"], request: ["9"], holds: true),
        .init(op: "NumericLessThan", policy: ["10"], request: ["10"], holds: false),
        .init(op: "NumericLessThanEquals", policy: ["10"], request: ["10"], holds: true),
        .init(op: "NumericGreaterThan", policy: ["10"], request: ["10.5"], holds: true),
        .init(op: "NumericGreaterThan", policy: ["10"], request: ["-3"], holds: false),
        .init(op: "NumericGreaterThanEquals", policy: ["10"], request: ["10"], holds: true),
        .init(op: "NumericLessThan", policy: ["10"], request: ["ten"], holds: false),
        .init(op: "NumericLessThan", policy: ["10"], request: nil, holds: false),
        .init(op: "NumericLessThanIfExists", policy: ["10"], request: nil, holds: true),
    ]

    static let dates: [Case] = [
        .init(op: "DateGreaterThan", policy: ["2020-01-01T00:00:00Z"], request: ["2024-06-10T06:13:20Z"], holds: true),
        .init(op: "DateLessThan", policy: ["2020-01-01T00:00:00Z"], request: ["2024-06-10T06:13:20Z"], holds: false),
        .init(op: "DateLessThan", policy: ["2025-01-01"], request: ["2024-12-31T23:59:59Z"], holds: true),
        .init(op: "DateEquals", policy: ["2024-06-10T08:13:20+02:00"], request: ["2024-06-10T06:13:20Z"], holds: true),
        .init(op: "DateEquals", policy: ["1718000000"], request: ["2024-06-10T06:13:20Z"], holds: true),
        .init(op: "DateNotEquals", policy: ["1718000000"], request: ["2024-06-10T06:13:21Z"], holds: true),
        .init(op: "DateLessThanEquals", policy: ["2024-06-10T06:13:20.000Z"], request: ["2024-06-10T06:13:20Z"], holds: true),
        .init(op: "DateGreaterThanEquals", policy: ["2024-06-10T06:13:20Z"], request: ["1718000001"], holds: true),
        .init(op: "DateGreaterThan", policy: ["not a date"], request: ["2024-06-10T06:13:20Z"], holds: false),
        .init(op: "DateGreaterThan", policy: ["2020-01-01T00:00:00Z"], request: nil, holds: false),
    ]

    static let others: [Case] = [
        .init(op: "Bool", policy: ["true"], request: ["true"], holds: true),
        .init(op: "Bool", policy: ["true"], request: ["TRUE"], holds: true),
        .init(op: "Bool", policy: ["true"], request: ["false"], holds: false),
        .init(op: "Bool", policy: ["false"], request: nil, holds: false),
        .init(op: "BoolIfExists", policy: ["false"], request: nil, holds: true),
        .init(op: "Bool", policy: ["true"], request: ["yes"], holds: false),
        .init(op: "BinaryEquals", policy: ["QmluYXJ5VmFsdWVJbkJhc2U2NA=="], request: ["QmluYXJ5VmFsdWVJbkJhc2U2NA=="], holds: true),
        .init(op: "BinaryEquals", policy: ["QmluYXJ5VmFsdWVJbkJhc2U2NA=="], request: ["b3RoZXI="], holds: false),
        .init(op: "IpAddress", policy: ["203.0.113.0/24"], request: ["203.0.113.77"], holds: true),
        .init(op: "IpAddress", policy: ["203.0.113.0/24"], request: ["203.0.114.1"], holds: false),
        .init(op: "IpAddress", policy: ["203.0.113.5"], request: ["203.0.113.5"], holds: true),
        .init(op: "IpAddress", policy: ["0.0.0.0/0"], request: ["198.51.100.1"], holds: true),
        .init(op: "IpAddress", policy: ["2001:DB8:1234:5678::/64"], request: ["2001:db8:1234:5678:abcd::1"], holds: true),
        .init(op: "IpAddress", policy: ["2001:DB8:1234:5678::/64"], request: ["2001:db8:1234:5679::1"], holds: false),
        .init(op: "IpAddress", policy: ["::1/128"], request: ["::1"], holds: true),
        .init(op: "IpAddress", policy: ["203.0.113.0/24"], request: ["2001:db8::1"], holds: false),
        .init(op: "IpAddress", policy: ["203.0.113.0/24", "2001:DB8::/32"], request: ["2001:db8::1"], holds: true),
        .init(op: "NotIpAddress", policy: ["203.0.113.0/24"], request: ["198.51.100.1"], holds: true),
        .init(op: "NotIpAddress", policy: ["203.0.113.0/24"], request: ["203.0.113.9"], holds: false),
        .init(op: "NotIpAddress", policy: ["203.0.113.0/24"], request: nil, holds: true),
        .init(op: "IpAddress", policy: ["203.0.113.0/24"], request: ["not-an-ip"], holds: false),
        .init(op: "ArnEquals", policy: ["arn:aws:sns:us-east-1:111111111111:topic"], request: ["arn:aws:sns:us-east-1:111111111111:topic"], holds: true),
        .init(op: "ArnLike", policy: ["arn:aws:iam::*:role/glue-*"], request: ["arn:aws:iam::111111111111:role/glue-role-test"], holds: true),
        .init(op: "ArnLike", policy: ["arn:aws:iam::*:role/glue-*"], request: ["arn:aws:iam::111111111111:user/glue-x"], holds: false),
        .init(op: "ArnLike", policy: ["arn:aws:s3:::b"], request: ["not-an-arn"], holds: false),
        .init(op: "ArnEquals", policy: ["arn:aws:ec2:*:111111111111:vpc/*"], request: ["arn:aws:ec2:us-east-1:111111111111:vpc/vpc-1"], holds: true),
        .init(op: "ArnNotEquals", policy: ["arn:aws:iam::111111111111:role/admin"], request: ["arn:aws:iam::111111111111:role/dev"], holds: true),
        .init(op: "ArnNotLike", policy: ["arn:aws:iam::111111111111:role/*"], request: ["arn:aws:iam::111111111111:role/dev"], holds: false),
        .init(op: "ArnNotLike", policy: ["arn:aws:iam::111111111111:role/*"], request: nil, holds: true),
        .init(op: "ArnLikeIfExists", policy: ["arn:aws:iam::111111111111:role/*"], request: nil, holds: true),
        .init(op: "Null", policy: ["true"], request: nil, holds: true),
        .init(op: "Null", policy: ["true"], request: ["x"], holds: false),
        .init(op: "Null", policy: ["false"], request: ["x"], holds: true),
        .init(op: "Null", policy: ["false"], request: nil, holds: false),
        .init(op: "Null", policy: ["true"], request: [], holds: true),
        .init(op: "StringEqualz", policy: ["a"], request: ["a"], holds: false),
    ]

    // Set operators over multivalued keys such as aws:TagKeys.
    static let sets: [Case] = [
        .init(op: "ForAllValues:StringEquals", policy: ["a", "b"], request: ["a"], holds: true),
        .init(op: "ForAllValues:StringEquals", policy: ["a", "b"], request: ["a", "b"], holds: true),
        .init(op: "ForAllValues:StringEquals", policy: ["a", "b"], request: ["a", "c"], holds: false),
        .init(op: "ForAllValues:StringEquals", policy: ["a"], request: nil, holds: true),
        .init(op: "ForAllValues:StringEquals", policy: ["a"], request: [], holds: true),
        .init(op: "ForAllValues:StringLike", policy: ["dept-*"], request: ["dept-a", "dept-b"], holds: true),
        .init(op: "ForAllValues:StringNotEquals", policy: ["secret"], request: ["a", "b"], holds: true),
        .init(op: "ForAllValues:StringNotEquals", policy: ["secret"], request: ["a", "secret"], holds: false),
        .init(op: "ForAnyValue:StringEquals", policy: ["a", "b"], request: ["c", "b"], holds: true),
        .init(op: "ForAnyValue:StringEquals", policy: ["a", "b"], request: ["c", "d"], holds: false),
        .init(op: "ForAnyValue:StringEquals", policy: ["a"], request: nil, holds: false),
        .init(op: "ForAnyValue:StringNotEquals", policy: ["a"], request: ["a", "b"], holds: true),
        .init(op: "ForAnyValue:StringNotEquals", policy: ["a"], request: ["a"], holds: false),
        .init(op: "ForAnyValue:StringNotEquals", policy: ["a"], request: nil, holds: false),
        .init(op: "ForAnyValue:StringLikeIfExists", policy: ["a*"], request: nil, holds: true),
        .init(op: "forallvalues:stringequals", policy: ["a"], request: ["a"], holds: true),
        // Without a set operator, any request value matching any policy value is a match.
        .init(op: "StringEquals", policy: ["a"], request: ["b", "a"], holds: true),
        .init(op: "StringNotEquals", policy: ["a"], request: ["b", "a"], holds: false),
    ]

    @Test(arguments: strings) func stringOperators(_ c: Case) { #expect(Self.check(c) == c.holds) }
    @Test(arguments: numbers) func numericOperators(_ c: Case) { #expect(Self.check(c) == c.holds) }
    @Test(arguments: dates) func dateOperators(_ c: Case) { #expect(Self.check(c) == c.holds) }
    @Test(arguments: others) func otherOperators(_ c: Case) { #expect(Self.check(c) == c.holds) }
    @Test(arguments: sets) func setOperators(_ c: Case) { #expect(Self.check(c) == c.holds) }

    // Condition key names are not case-sensitive.
    @Test func keyNamesAreCaseInsensitive() {
        let c = Case(op: "StringEquals", key: "AWS:SourceVpc", policy: ["vpc-1"], request: nil, holds: true)
        let context = RequestContext(Fixture.request(Fixture.user(), "s3:GetObject", "*", context: ["aws:sourcevpc": ["vpc-1"]]))
        #expect(ConditionEvaluator.holds(PolicyCondition(operatorName: c.op, key: c.key, values: c.policy), context: context, variables: true))
    }

    // Several operators and several keys are ANDed.
    @Test(arguments: [
        (["aws:SourceIp": ["203.0.113.1"], "aws:SecureTransport": ["true"]], true),
        (["aws:SourceIp": ["203.0.113.1"], "aws:SecureTransport": ["false"]], false),
        (["aws:SourceIp": ["198.51.100.1"], "aws:SecureTransport": ["true"]], false),
        (["aws:SecureTransport": ["true"]], false),
    ])
    func conditionsAreANDed(context: [String: [String]], holds: Bool) throws {
        let p = try Policy.parse(#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"},"Bool":{"aws:SecureTransport":"true"}}}]}"#)
        let ctx = RequestContext(Fixture.request(Fixture.user(), "s3:GetObject", "*", context: context))
        #expect(ConditionEvaluator.allHold(p.statements[0].conditions, context: ctx, variables: true) == holds)
    }

    // The evaluator supplies the principal's keys and the clock.
    @Test(arguments: [
        ("StringEquals", "aws:PrincipalArn", "arn:aws:iam::111111111111:role/glue-role-test", true),
        ("StringEquals", "aws:PrincipalAccount", "111111111111", true),
        ("StringEquals", "aws:userid", "AROAEXAMPLEROLEID:GlueJobRunnerSession", true),
        ("StringEquals", "aws:PrincipalType", "AssumedRole", true),
        ("StringEquals", "aws:PrincipalTag/team", "data", true),
        ("StringEquals", "aws:principaltag/TEAM", "data", true),
        ("Null", "aws:username", "true", true),
        ("DateGreaterThan", "aws:CurrentTime", "2024-06-10T06:13:19Z", true),
        ("DateLessThan", "aws:CurrentTime", "2024-06-10T06:13:20Z", false),
        ("NumericEquals", "aws:EpochTime", "1718000000", true),
        ("StringEquals", "aws:PrincipalIsAWSService", "false", true),
    ])
    func engineSuppliedKeys(op: String, key: String, value: String, holds: Bool) {
        let caller = Fixture.session(tags: ["team": "data"])
        let ctx = RequestContext(Fixture.request(caller, "s3:GetObject", "*", context: ["aws:PrincipalArn": ["spoofed"]]))
        #expect(ConditionEvaluator.holds(PolicyCondition(operatorName: op, key: key, values: [value]), context: ctx, variables: true) == holds)
    }

    @Test func userKeys() {
        let ctx = RequestContext(Fixture.request(Fixture.user("alice"), "s3:GetObject", "*"))
        #expect(ctx.values(for: "aws:username") == ["alice"])
        #expect(ctx.values(for: "aws:PrincipalArn") == ["arn:aws:iam::111111111111:user/alice"])
        #expect(ctx.values(for: "aws:CurrentTime") == ["2024-06-10T06:13:20Z"])
    }

    @Test(arguments: [
        ("2024-06-10T06:13:20Z", 1_718_000_000.0), ("2024-06-10", 1_717_977_600.0), ("1970-01-01T00:00:00Z", 0.0),
        ("2024-06-10T06:13:20.5Z", 1_718_000_000.5), ("2024-06-10T08:13:20+02:00", 1_718_000_000.0),
        ("2024-06-10T01:13:20-0500", 1_718_000_000.0), ("1718000000", 1_718_000_000.0), ("2000-02-29T12:00:00Z", 951_825_600.0),
    ])
    func dateParsing(text: String, epoch: Double) {
        #expect(DateValue.parse(text) == epoch)
    }

    @Test(arguments: ["", "2024-13-01", "2024-06-10T25:00:00Z", "yesterday", "2024-06-10Tx", "2024-06-10T06:13:20Zjunk"])
    func badDates(text: String) {
        #expect(DateValue.parse(text) == nil)
    }
}
