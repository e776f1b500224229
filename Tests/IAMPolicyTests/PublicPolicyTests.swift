import Testing
@testable import IAMPolicy

/// Amazon S3 API Reference, `PublicAccessBlockConfiguration` ("The meaning of public"): a bucket
/// policy is public unless each Allow statement grants to fixed principals, or its wildcard
/// principal is pinned by a condition on fixed values of one of the listed keys.
@Suite struct PublicPolicyTests {
    static func policy(principal: String = #""*""#, action: String = #""s3:GetObject""#, effect: String = "Allow", condition: String? = nil) -> String {
        let conditionPart = condition.map { #", "Condition": \#($0)"# } ?? ""
        return #"{"Version": "2012-10-17", "Statement": [{"Effect": "\#(effect)", "Principal": \#(principal), "Action": \#(action), "Resource": "arn:aws:s3:::b/*"\#(conditionPart)}]}"#
    }

    struct Case: Sendable, CustomStringConvertible {
        var what: String
        var json: String
        var isPublic: Bool
        var description: String { what }
    }

    static let cases: [Case] = [
        Case(what: "everyone reads", json: policy(), isPublic: true),
        Case(what: "AWS * reads", json: policy(principal: #"{"AWS": "*"}"#), isPublic: true),
        Case(what: "an account reads", json: policy(principal: #"{"AWS": "arn:aws:iam::111111111111:root"}"#), isPublic: false),
        Case(what: "a role reads", json: policy(principal: #"{"AWS": "arn:aws:iam::111111111111:role/r"}"#), isPublic: false),
        Case(what: "a service principal writes", json: policy(principal: #"{"Service": "logging.s3.amazonaws.com"}"#, action: #""s3:PutObject""#), isPublic: false),
        Case(what: "a Deny to everyone", json: policy(effect: "Deny"), isPublic: false),
        Case(what: "s3:* to everyone", json: policy(action: #""s3:*""#), isPublic: true),
        Case(what: "a non-bad action to everyone", json: policy(action: #""s3:ReplicateObject""#), isPublic: false),
        Case(what: "fixed aws:SourceAccount", json: policy(condition: #"{"StringEquals": {"aws:SourceAccount": "111111111111"}}"#), isPublic: false),
        Case(what: "fixed aws:SourceArn", json: policy(condition: #"{"ArnEquals": {"aws:SourceArn": "arn:aws:cloudfront::111111111111:distribution/E1"}}"#), isPublic: false),
        Case(what: "wildcard aws:SourceArn", json: policy(condition: #"{"ArnLike": {"aws:SourceArn": "arn:aws:cloudfront::*:distribution/*"}}"#), isPublic: true),
        Case(what: "fixed aws:SourceVpce", json: policy(condition: #"{"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}"#), isPublic: false),
        Case(what: "fixed aws:SourceVpc", json: policy(condition: #"{"StringEquals": {"aws:SourceVpc": "vpc-111bbb22"}}"#), isPublic: false),
        Case(what: "fixed aws:SourceOwner", json: policy(condition: #"{"StringEquals": {"aws:SourceOwner": "111111111111"}}"#), isPublic: false),
        Case(what: "fixed KMS key id", json: policy(condition: #"{"StringEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:us-east-1:111111111111:key/k"}}"#), isPublic: false),
        Case(what: "aws:userid of a role's sessions", json: policy(condition: #"{"StringLike": {"aws:userid": "AROAEXAMPLEID:*"}}"#), isPublic: false),
        Case(what: "aws:userid wildcard", json: policy(condition: #"{"StringLike": {"aws:userid": "*"}}"#), isPublic: true),
        Case(what: "a set of CIDRs", json: policy(condition: #"{"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.7/32"]}}"#), isPublic: false),
        Case(what: "every IPv4 address", json: policy(condition: #"{"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}"#), isPublic: true),
        Case(what: "NotIpAddress", json: policy(condition: #"{"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}"#), isPublic: true),
        Case(what: "a negated operator", json: policy(condition: #"{"StringNotEquals": {"aws:SourceAccount": "111111111111"}}"#), isPublic: true),
        Case(what: "IfExists", json: policy(condition: #"{"StringEqualsIfExists": {"aws:SourceAccount": "111111111111"}}"#), isPublic: true),
        Case(what: "a key outside the list", json: policy(condition: #"{"Bool": {"aws:SecureTransport": "true"}}"#), isPublic: true),
    ]

    @Test(arguments: cases) func meaningOfPublic(_ c: Case) throws {
        #expect(PublicPolicy.isPublic(try Policy.parse(c.json)) == c.isPublic)
    }
}
