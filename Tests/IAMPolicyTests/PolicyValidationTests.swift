import Testing
@testable import IAMPolicy

/// Attachment-specific rules. IAM User Guide, "IAM JSON policy elements reference"
/// (Principal: "You cannot use the Principal element in an identity-based policy"; Action,
/// Resource, Condition operators), and "IAM and AWS STS quotas" for policy sizes.
@Suite struct PolicyValidationTests {
    struct Case: Sendable, CustomStringConvertible {
        var type: PolicyType
        var json: String
        var message: String?   // nil: valid
        var location: String? = nil
        var description: String { "\(type): \(json)" }
    }

    static let cases: [Case] = [
        .init(type: .identity, json: #"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#, message: nil),
        .init(type: .identity, json: #"{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}"#,
              message: "Policy document should not specify a principal.", location: "Statement[0].Principal"),
        .init(type: .permissionsBoundary, json: #"{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"1"},"Action":"s3:*","Resource":"*"}]}"#,
              message: "Policy document should not specify a principal.", location: "Statement[0].NotPrincipal"),
        .init(type: .scp, json: #"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
              message: "Policy document should not specify a principal.", location: "Statement[0].Principal"),
        .init(type: .resource, json: #"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
              message: "Missing required field Principal", location: "Statement[0]"),
        .init(type: .resource, json: #"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/*"},"Action":"s3:*","Resource":"*"}]}"#,
              message: "Invalid principal in policy: \"AWS\":\"arn:aws:iam::111111111111:role/*\"", location: "Statement[0].Principal.AWS"),
        .init(type: .resource, json: #"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"s3:*","Resource":"*"}]}"#,
              message: "Invalid principal in policy: \"AWS\":\"alice\"", location: "Statement[0].Principal.AWS"),
        .init(type: .resource, json: #"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["111111111111","arn:aws:iam::111111111111:root","arn:aws:sts::111111111111:assumed-role/r/s"]},"Action":"s3:*","Resource":"*"}]}"#, message: nil),
        // A role trust policy names no Resource.
        .init(type: .resource, json: #"{"Statement":[{"Effect":"Allow","Principal":{"Service":"glue.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#, message: nil),
        .init(type: .identity, json: #"{"Statement":[{"Effect":"Allow","Action":"s3:*"}]}"#,
              message: "Policy statement must contain resources.", location: "Statement[0]"),
        .init(type: .identity, json: #"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#,
              message: "Policy statement must contain actions.", location: "Statement[0]"),
        .init(type: .identity, json: #"{"Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}"#,
              message: "Policy statement must contain actions.", location: "Statement[0]"),
        .init(type: .identity, json: #"{"Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}"#,
              message: "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.", location: "Statement[0].Action"),
        .init(type: .identity, json: #"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"my-bucket"}]}"#,
              message: "Resource my-bucket must be in ARN format or \"*\".", location: "Statement[0].Resource"),
        .init(type: .identity, json: #"{"Statement":[{"Effect":"Allow","Action":"s3:*","NotResource":["arn:aws:s3:::ok","bad"]}]}"#,
              message: "Resource bad must be in ARN format or \"*\".", location: "Statement[0].NotResource"),
        .init(type: .identity, json: #"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"aws:username":"a"}}}]}"#,
              message: "Invalid Condition type : StringEqualz.", location: "Statement[0].Condition.StringEqualz"),
        .init(type: .identity, json: #"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NullIfExists":{"aws:username":"true"}}}]}"#,
              message: "Invalid Condition type : NullIfExists.", location: "Statement[0].Condition.NullIfExists"),
        .init(type: .identity, json: #"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{}}}]}"#,
              message: "Condition operator StringEquals has no condition keys.", location: "Statement[0].Condition.StringEquals"),
        .init(type: .identity, json: #"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:username":[]}}}]}"#,
              message: "Condition key aws:username has no values.", location: "Statement[0].Condition.StringEquals.aws:username"),
        .init(type: .identity, json: #"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"username":"a"}}}]}"#,
              message: "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.", location: "Statement[0].Condition.StringEquals.username"),
        .init(type: .identity, json: #"{"Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#,
              message: "Statement IDs (SID) in a single policy must be unique.", location: "Statement[1].Sid"),
        .init(type: .identity, json: #"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":"a*"},"Null":{"aws:TokenIssueTime":"false"}}}]}"#, message: nil),
        .init(type: .rcp, json: #"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}"#, message: nil),
        .init(type: .rcp, json: #"{"Statement":[{"Effect":"Deny","Principal":{"AWS":"111111111111"},"Action":"s3:*","Resource":"*"}]}"#,
              message: "Invalid principal in policy", location: "Statement[0].Principal"),
    ]

    @Test(arguments: cases)
    func validate(_ c: Case) {
        do {
            _ = try Policy.parse(c.json, as: c.type)
            #expect(c.message == nil, "accepted")
        } catch {
            #expect(error.message == c.message)
            if let location = c.location { #expect(error.location == location) }
        }
    }

    @Test func sizeQuotaIgnoresWhiteSpaceOutsideStrings() throws {
        let compact = #"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#
        let spaced = "{\n  \"Statement\" : [ { \"Effect\" : \"Allow\", \"Action\" : \"s3:*\", \"Resource\" : \"*\" } ]\n}"
        _ = try Policy.parse(compact, as: .identity, sizeQuota: compact.count)
        _ = try Policy.parse(spaced, as: .identity, sizeQuota: compact.count)
        do {
            _ = try Policy.parse(compact, as: .identity, sizeQuota: compact.count - 1)
            Issue.record("quota not enforced")
        } catch {
            #expect(error.code == "LimitExceeded")
            #expect(error.message == "Cannot exceed quota for PolicySize: \(compact.count - 1)")
        }
    }
}
