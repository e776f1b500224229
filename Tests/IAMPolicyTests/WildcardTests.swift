import Testing
@testable import IAMPolicy

/// IAM User Guide, "IAM JSON policy elements: Action" (case-insensitive, wildcards
/// anywhere) and "IAM JSON policy elements: Resource" (case-sensitive; wildcards within
/// ARN segments; the resource part may contain colons), and "Condition operators"
/// (ArnLike: "Each of the six colon-delimited components of the ARN is checked separately").
@Suite struct WildcardTests {
    @Test(arguments: [
        ("*", "", true), ("*", "anything", true), ("a*", "a", true), ("a*c", "abbbc", true),
        ("a?c", "abc", true), ("a?c", "ac", false), ("a?c", "abbc", false),
        ("*b*", "abc", true), ("*b*", "acd", false), ("a*b*c", "aXbYc", true), ("a*b*c", "aXcYb", false),
        ("abc", "abc", true), ("abc", "abcd", false), ("", "", true), ("", "a", false),
        ("**", "x", true), ("?*", "", false), ("*?", "x", true),
        ("a*a*a*a*a*b", String(repeating: "a", count: 200), false),
    ])
    func glob(pattern: String, value: String, matches: Bool) {
        #expect(Wildcard.matches(pattern, value, caseInsensitive: false) == matches)
    }

    // Actions are not case-sensitive; the service prefix may carry wildcards too.
    @Test(arguments: [
        ("s3:GetObject", "s3:getobject", true), ("S3:GETOBJECT", "s3:GetObject", true),
        ("s3:Get*", "s3:GetObjectAcl", true), ("s3:Get*", "s3:PutObject", false),
        ("s3:*Object", "s3:DeleteObject", true), ("s3:*", "s3-object-lambda:GetObject", false),
        ("s3*:*", "s3-object-lambda:GetObject", true), ("*:List*", "iam:ListRoles", true),
        ("iam:*AccessKey*", "iam:CreateAccessKey", true), ("ec2:Describe?pc*", "ec2:DescribeVpcs", true),
    ])
    func actions(pattern: String, action: String, matches: Bool) {
        #expect(Wildcard.matches(pattern, action, caseInsensitive: true) == matches)
    }

    @Test func caseSensitivityIsOptIn() {
        #expect(!Wildcard.matches("Bucket", "bucket", caseInsensitive: false))
        #expect(Wildcard.matches("Bucket", "bucket", caseInsensitive: true))
    }

    @Test(arguments: [
        ("arn:aws:s3:::aws-glue-*", "arn:aws:s3:::aws-glue-assets", true),
        ("arn:aws:s3:::aws-glue-*", "arn:aws:s3:::AWS-GLUE-assets", false),
        ("arn:aws:s3:::aws-glue-*/*", "arn:aws:s3:::aws-glue-x/a/b/c", true),
        ("arn:aws:s3:::aws-glue-*/*", "arn:aws:s3:::aws-glue-x", false),
        // The bucket name part of "aws-glue-*" spans "/" too: the whole resource part is one segment.
        ("arn:aws:s3:::aws-glue-*", "arn:aws:s3:::aws-glue-x/key", true),
        ("arn:aws:s3:::*/*aws-glue-*/*", "arn:aws:s3:::data/raw/aws-glue-in/f.csv", true),
        ("arn:aws:s3:::*/*aws-glue-*/*", "arn:aws:s3:::data/raw/f.csv", false),
        ("arn:aws:logs:*:*:*:/aws-glue/*", "arn:aws:logs:us-east-1:111111111111:log-group:/aws-glue/jobs:log-stream:x", true),
        ("arn:aws:logs:*:*:*:/aws-glue/*", "arn:aws:logs:us-east-1:111111111111:log-group:/other/jobs", false),
        // A wildcard in the region segment does not reach into the account segment.
        ("arn:aws:ec2:us-*:instance/*", "arn:aws:ec2:us-east-1:111111111111:instance/i-1", false),
        ("arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:us-east-1:111111111111:instance/i-1", true),
        ("arn:aws:ec2:*:111111111111:instance/*", "arn:aws:ec2:us-east-1:222222222222:instance/i-1", false),
        ("arn:aws:iam::*:role/glue-*", "arn:aws:iam::111111111111:role/glue-role-test", true),
        ("arn:aws:iam::111111111111:role/?lue-role-test", "arn:aws:iam::111111111111:role/glue-role-test", true),
        ("arn:*:s3:::b", "arn:aws-cn:s3:::b", true),
        ("*", "arn:aws:s3:::b", true), ("*", "*", true),
        ("arn:aws:s3:::*", "*", false),
        ("arn:*", "arn:aws:s3:::b/k", true),
        ("arn:aws:s3:::b", "arn:aws:s3:::b", true), ("arn:aws:s3:::b", "arn:aws:s3:::b2", false),
    ])
    func arns(pattern: String, arn: String, matches: Bool) {
        #expect(Wildcard.matchesARN(pattern, arn) == matches)
    }

    @Test func substitutedTextStaysLiteral() {
        let pattern = GlobPattern(wildcards: "arn:aws:s3:::b/") + GlobPattern(literal: "*")
        #expect(Wildcard.matchARN(pattern, "arn:aws:s3:::b/*"))
        #expect(!Wildcard.matchARN(pattern, "arn:aws:s3:::b/anything"))
    }
}
