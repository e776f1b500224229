import Testing
@testable import IAMPolicy

/// IAM User Guide, "IAM JSON policy elements reference" (Version, Id, Statement, Sid,
/// Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition).
@Suite struct PolicyParsingTests {
    @Test(arguments: [
        (#"{"Version":"2012-10-17","Statement":[]}"#, "2012-10-17" as String?),
        (#"{"Version":"2008-10-17","Statement":[]}"#, "2008-10-17"),
        (#"{"Statement":[]}"#, nil),
    ])
    func version(json: String, version: String?) throws {
        #expect(try Policy.parse(json).version == version)
    }

    @Test func versionSelectsVariableSubstitution() throws {
        #expect(try Policy.parse(#"{"Version":"2012-10-17","Statement":[]}"#).substitutesVariables)
        #expect(try !Policy.parse(#"{"Version":"2008-10-17","Statement":[]}"#).substitutesVariables)
        #expect(try !Policy.parse(#"{"Statement":[]}"#).substitutesVariables)
    }

    @Test func idAndSid() throws {
        let p = try Policy.parse(#"{"Version":"2012-10-17","Id":"S3-Account-Permissions","Statement":{"Sid":"1","Effect":"Allow","Action":"s3:*","Resource":"*"}}"#)
        #expect(p.id == "S3-Account-Permissions")
        #expect(p.statements.count == 1)
        #expect(p.statements[0].sid == "1")
    }

    @Test func statementMayBeAnObjectOrAList() throws {
        let one = try Policy.parse(#"{"Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}"#)
        let list = try Policy.parse(#"{"Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"},{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:s3:::x"}]}"#)
        #expect(one.statements.map(\.effect) == [.deny])
        #expect(list.statements.map(\.effect) == [.deny, .allow])
        #expect(list.statements[1].notAction == ["iam:*"])
        #expect(list.statements[1].notResource == ["arn:aws:s3:::x"])
    }

    @Test(arguments: [
        (#""Action":"s3:GetObject""#, ["s3:GetObject"]),
        (#""Action":["s3:GetObject","s3:PutObject"]"#, ["s3:GetObject", "s3:PutObject"]),
        (#""Action":"*""#, ["*"]),
    ])
    func actionStringOrList(fragment: String, actions: [String]) throws {
        let p = try Policy.parse(#"{"Statement":{"Effect":"Allow",\#(fragment),"Resource":"*"}}"#)
        #expect(p.statements[0].action == actions)
    }

    struct PrincipalCase: Sendable, CustomStringConvertible {
        var json: String
        var expected: PolicyPrincipal
        var description: String { json }
    }

    static let principals: [PrincipalCase] = [
        .init(json: #""*""#, expected: .wildcard),
        .init(json: #"{"AWS":"*"}"#, expected: PolicyPrincipal(aws: ["*"])),
        .init(json: #"{"AWS":"123456789012"}"#, expected: PolicyPrincipal(aws: ["123456789012"])),
        .init(json: #"{"AWS":["arn:aws:iam::123456789012:root","999999999999"]}"#, expected: PolicyPrincipal(aws: ["arn:aws:iam::123456789012:root", "999999999999"])),
        .init(json: #"{"AWS":"arn:aws:iam::123456789012:role/path/name"}"#, expected: PolicyPrincipal(aws: ["arn:aws:iam::123456789012:role/path/name"])),
        .init(json: #"{"AWS":"arn:aws:sts::123456789012:assumed-role/role-name/session"}"#, expected: PolicyPrincipal(aws: ["arn:aws:sts::123456789012:assumed-role/role-name/session"])),
        .init(json: #"{"Service":["glue.amazonaws.com","ec2.amazonaws.com"]}"#, expected: PolicyPrincipal(service: ["glue.amazonaws.com", "ec2.amazonaws.com"])),
        .init(json: #"{"Federated":"cognito-identity.amazonaws.com"}"#, expected: PolicyPrincipal(federated: ["cognito-identity.amazonaws.com"])),
        .init(json: #"{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}"#, expected: PolicyPrincipal(canonicalUser: ["79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"])),
        .init(json: #"{"AWS":"111111111111","Service":"glue.amazonaws.com"}"#, expected: PolicyPrincipal(aws: ["111111111111"], service: ["glue.amazonaws.com"])),
    ]

    @Test(arguments: principals)
    func principalForms(_ c: PrincipalCase) throws {
        let p = try Policy.parse(#"{"Statement":{"Effect":"Allow","Principal":\#(c.json),"Action":"s3:*","Resource":"*"}}"#)
        #expect(p.statements[0].principal == c.expected)
        let n = try Policy.parse(#"{"Statement":{"Effect":"Deny","NotPrincipal":\#(c.json),"Action":"s3:*","Resource":"*"}}"#)
        #expect(n.statements[0].notPrincipal == c.expected)
    }

    @Test func conditionsFlattenToOperatorKeyValues() throws {
        let p = try Policy.parse(#"""
        {"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{
          "StringEquals":{"aws:PrincipalTag/team":["a","b"],"s3:prefix":"home/"},
          "Bool":{"aws:SecureTransport":true},
          "NumericLessThan":{"s3:max-keys":10}}}}
        """#)
        let c = p.statements[0].conditions
        #expect(c.count == 4)
        #expect(c.contains(PolicyCondition(operatorName: "StringEquals", key: "aws:PrincipalTag/team", values: ["a", "b"])))
        #expect(c.contains(PolicyCondition(operatorName: "Bool", key: "aws:SecureTransport", values: ["true"])))
        #expect(c.contains(PolicyCondition(operatorName: "NumericLessThan", key: "s3:max-keys", values: ["10"])))
    }

    @Test func unicodeAndEscapesSurvive() throws {
        let p = try Policy.parse(#"{"Statement":{"Sid":"caf\u00e9 \"q\" \ud83d\ude00","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/\u2603/*"}}"#)
        #expect(p.statements[0].sid == "café \"q\" 😀")
        #expect(p.statements[0].resource == ["arn:aws:s3:::b/☃/*"])
    }

    struct BadCase: Sendable, CustomStringConvertible {
        var json: String
        var message: String
        var location: String?
        var description: String { json }
    }

    // Shape errors IAM reports as MalformedPolicyDocument.
    static let bad: [BadCase] = [
        .init(json: "", message: "Syntax errors in policy.", location: nil),
        .init(json: "{", message: "Syntax errors in policy.", location: nil),
        .init(json: "[]", message: "Syntax errors in policy.", location: nil),
        .init(json: #"{"Statement":[]} x"#, message: "Syntax errors in policy.", location: nil),
        .init(json: #"{"Statement":[{"Effect":"Allow",}]}"#, message: "Syntax errors in policy.", location: nil),
        .init(json: #"{"Version":"2012-10-17"}"#, message: "Missing required field Statement", location: nil),
        .init(json: #"{"Version":"2012-10-18","Statement":[]}"#, message: "The policy failed legacy parsing", location: "Version"),
        .init(json: #"{"Version":20121017,"Statement":[]}"#, message: "Syntax errors in policy.", location: "Version"),
        .init(json: #"{"Foo":1,"Statement":[]}"#, message: "Unknown field Foo", location: "Foo"),
        .init(json: #"{"Statement":"x"}"#, message: "Syntax errors in policy.", location: "Statement"),
        .init(json: #"{"Statement":["x"]}"#, message: "Syntax errors in policy.", location: "Statement[0]"),
        .init(json: #"{"Statement":[{"Action":"s3:*","Resource":"*"}]}"#, message: "Missing required field Effect", location: "Statement[0]"),
        .init(json: #"{"Statement":[{"Effect":"Permit","Action":"s3:*","Resource":"*"}]}"#, message: "Invalid effect: Permit", location: "Statement[0].Effect"),
        .init(json: #"{"Statement":[{"Effect":"allow","Action":"s3:*","Resource":"*"}]}"#, message: "Invalid effect: allow", location: "Statement[0].Effect"),
        .init(json: #"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Foo":"x"}]}"#, message: "Unknown field Foo", location: "Statement[0].Foo"),
        .init(json: #"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Allow","Action":5,"Resource":"*"}]}"#, message: "Syntax errors in policy.", location: "Statement[1].Action"),
        .init(json: #"{"Statement":[{"Effect":"Allow","Action":["s3:*",5],"Resource":"*"}]}"#, message: "Syntax errors in policy.", location: "Statement[0].Action[1]"),
        .init(json: #"{"Statement":[{"Effect":"Allow","Action":"s3:*","NotAction":"s3:*","Resource":"*"}]}"#, message: "Statement cannot contain both Action and NotAction", location: "Statement[0]"),
        .init(json: #"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","NotResource":"*"}]}"#, message: "Statement cannot contain both Resource and NotResource", location: "Statement[0]"),
        .init(json: #"{"Statement":[{"Effect":"Allow","Principal":"me","Action":"s3:*","Resource":"*"}]}"#, message: "Invalid principal in policy", location: "Statement[0].Principal"),
        .init(json: #"{"Statement":[{"Effect":"Allow","Principal":{"User":"x"},"Action":"s3:*","Resource":"*"}]}"#, message: "Invalid principal in policy: \"User\"", location: "Statement[0].Principal.User"),
        .init(json: #"{"Statement":[{"Effect":"Allow","Principal":{},"Action":"s3:*","Resource":"*"}]}"#, message: "Invalid principal in policy", location: "Statement[0].Principal"),
        .init(json: #"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":[]}]}"#, message: "Syntax errors in policy.", location: "Statement[0].Condition"),
        .init(json: #"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":"x"}}]}"#, message: "Syntax errors in policy.", location: "Statement[0].Condition.StringEquals"),
        .init(json: #"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"k:k":{"a":1}}}}]}"#, message: "Syntax errors in policy.", location: "Statement[0].Condition.StringEquals.k:k"),
        .init(json: #"{"Statement":[{"Effect":"Allow","Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#, message: "Duplicate field Effect", location: "Statement[0].Effect"),
    ]

    @Test(arguments: bad)
    func malformedDocumentsThrow(_ c: BadCase) {
        do {
            _ = try Policy.parse(c.json)
            Issue.record("parsed: \(c.json)")
        } catch {
            #expect(error.code == "MalformedPolicyDocument")
            #expect(error.message == c.message)
            if let location = c.location { #expect(error.location == location) }
        }
    }

    @Test func deeplyNestedInputIsRejectedNotCrashed() {
        let json = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: PolicyError.self) { try Policy.parse(json) }
    }

    @Test func errorDescriptionNamesTheLocation() {
        let e = PolicyError(message: "Missing required field Effect", location: "Statement[2]")
        #expect(e.description == "MalformedPolicyDocument: Missing required field Effect (at Statement[2])")
    }
}
