import Foundation
@testable import IAMPolicy

/// Principals, policies and helpers shared by the tests. Account 111111111111 runs the
/// Glue job; 222222222222 owns the data bucket.
enum Fixture {
    static let jobAccount = "111111111111"
    static let dataAccount = "222222222222"
    static let now = Date(timeIntervalSince1970: 1_718_000_000) // 2024-06-10T06:13:20Z

    static func session(
        role: String = "glue-role-test", session: String = "GlueJobRunnerSession",
        account: String = jobAccount, path: String = "/", tags: [String: String] = [:]
    ) -> PrincipalIdentity {
        PrincipalIdentity(
            kind: .assumedRole,
            arn: "arn:aws:sts::\(account):assumed-role/\(role)/\(session)",
            account: account,
            userId: "AROAEXAMPLEROLEID:\(session)",
            roleArn: "arn:aws:iam::\(account):role\(path)\(role)",
            tags: tags
        )
    }

    static func user(_ name: String = "alice", account: String = jobAccount, tags: [String: String] = [:]) -> PrincipalIdentity {
        PrincipalIdentity(kind: .user, arn: "arn:aws:iam::\(account):user/\(name)", account: account,
                          userId: "AIDAEXAMPLE\(name.uppercased())", userName: name, tags: tags)
    }

    static func root(_ account: String = jobAccount) -> PrincipalIdentity {
        PrincipalIdentity(kind: .root, arn: "arn:aws:iam::\(account):root", account: account, userId: account)
    }

    static func federatedUser(_ name: String = "bob", account: String = jobAccount) -> PrincipalIdentity {
        PrincipalIdentity(kind: .federatedUser, arn: "arn:aws:sts::\(account):federated-user/\(name)", account: account,
                          userId: "\(account):\(name)")
    }

    static let glueService = PrincipalIdentity(kind: .service, arn: "glue.amazonaws.com", account: nil)
    static let anonymous = PrincipalIdentity(kind: .anonymous, arn: "*", account: nil)

    static func policy(_ json: String) -> Policy {
        do {
            return try Policy.parse(json)
        } catch {
            fatalError("fixture policy does not parse: \(error)")
        }
    }

    static func named(_ name: String, _ json: String) -> NamedPolicy {
        NamedPolicy(name: name, policy: policy(json))
    }

    /// A 2012-10-17 policy with the given statements (JSON objects, comma-joined).
    static func doc(_ statements: String...) -> String {
        #"{"Version":"2012-10-17","Statement":["# + statements.joined(separator: ",") + "]}"
    }

    static func allow(_ action: String, _ resource: String = "*") -> String {
        #"{"Effect":"Allow","Action":"\#(action)","Resource":"\#(resource)"}"#
    }

    static func deny(_ action: String, _ resource: String = "*") -> String {
        #"{"Effect":"Deny","Action":"\#(action)","Resource":"\#(resource)"}"#
    }

    static func request(
        _ principal: PrincipalIdentity, _ action: String, _ resource: String,
        resourceAccount: String? = nil, context: [String: [String]] = [:]
    ) -> AuthorizationRequest {
        AuthorizationRequest(principal: principal, action: action, resource: resource,
                             resourceAccount: resourceAccount, context: context, now: now)
    }

    // The permission policy of role glue-role-test in the seed (AWSGlueServiceRole, v5).
    static let glueServiceRole = named("arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole", #"""
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Action": ["glue:*", "s3:GetBucketLocation", "s3:ListBucket", "s3:ListAllMyBuckets", "s3:GetBucketAcl",
                           "ec2:DescribeVpcEndpoints", "ec2:DescribeRouteTables", "ec2:CreateNetworkInterface",
                           "ec2:DeleteNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups",
                           "ec2:DescribeSubnets", "ec2:DescribeVpcAttribute", "iam:ListRolePolicies", "iam:GetRole",
                           "iam:GetRolePolicy", "cloudwatch:PutMetricData"],
                "Resource": ["*"],
                "Effect": "Allow"
            },
            {"Action": ["s3:CreateBucket"], "Resource": ["arn:aws:s3:::aws-glue-*"], "Effect": "Allow"},
            {
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": ["arn:aws:s3:::aws-glue-*/*", "arn:aws:s3:::*/*aws-glue-*/*"],
                "Effect": "Allow"
            },
            {"Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::crawler-public*", "arn:aws:s3:::aws-glue-*"], "Effect": "Allow"},
            {
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": ["arn:aws:logs:*:*:*:/aws-glue/*"],
                "Effect": "Allow"
            },
            {
                "Action": ["ec2:CreateTags", "ec2:DeleteTags"],
                "Resource": ["arn:aws:ec2:*:*:network-interface/*", "arn:aws:ec2:*:*:security-group/*", "arn:aws:ec2:*:*:instance/*"],
                "Effect": "Allow",
                "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["aws-glue-service-resource"]}}
            }
        ]
    }
    """#)

    static let s3FullAccess = named("arn:aws:iam::aws:policy/AmazonS3FullAccess", #"""
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*", "s3-object-lambda:*"], "Resource": "*"}]}
    """#)

    static let glueTrustPolicy = named("trust policy of role/glue-role-test", #"""
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    """#)

    /// Trust policy of the data account's role, naming the job role from the other account.
    static let crossAccountTrustPolicy = named("trust policy of role/glue-role-test-to-be-assumed", #"""
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111111111111:role/glue-role-test"}, "Action": "sts:AssumeRole"}]}
    """#)
}
