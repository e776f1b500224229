import Foundation

/// Whether a resource policy grants public access, as S3 Block Public Access decides it (the
/// Amazon S3 API Reference, `PublicAccessBlockConfiguration`; "The meaning of public" in the
/// S3 User Guide). A policy is public when one of its Allow statements grants a "bad action" to
/// a wildcard principal without a condition that pins one of these keys to fixed values:
/// `aws:SourceIp` (a set of CIDRs), `aws:SourceArn`, `aws:SourceVpc`, `aws:SourceVpce`,
/// `aws:SourceOwner`, `aws:SourceAccount`, `s3:x-amz-server-side-encryption-aws-kms-key-id`,
/// or `aws:userid` (a fixed value, or a role's `AROLEID:*`). A statement naming fixed
/// principals (accounts, users, roles, service principals) is never public.
public enum PublicPolicy {
    /// Condition keys whose fixed values make a wildcard-principal statement non-public.
    public static let restrictingKeys: Set<String> = [
        "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceowner", "aws:sourceaccount",
        "s3:x-amz-server-side-encryption-aws-kms-key-id", "aws:userid", "aws:sourceip",
    ]

    /// Actions that could expose a bucket's data to public reads or writes: `s3:Get*`,
    /// `s3:List*`, `s3:AbortMultipartUpload`, `s3:Delete*`, `s3:Put*`, `s3:RestoreObject`.
    static let badActionSamples = ["s3:GetObject", "s3:GetBucketPolicy", "s3:ListBucket", "s3:ListAllMyBuckets", "s3:AbortMultipartUpload",
                                   "s3:DeleteObject", "s3:DeleteBucket", "s3:PutObject", "s3:PutBucketPolicy", "s3:RestoreObject"]
    static let badPrefixes = ["s3:get", "s3:list", "s3:delete", "s3:put"]

    public static func isPublic(_ policy: Policy) -> Bool {
        policy.statements.contains(where: isPublic)
    }

    /// Whether one statement grants public access.
    public static func isPublic(_ statement: PolicyStatement) -> Bool {
        guard statement.effect == .allow else { return false }
        guard grantsToEveryone(statement) else { return false }
        guard grantsBadAction(statement) else { return false }
        return !statement.conditions.contains(where: restricts)
    }

    /// A `*` principal (or `AWS: *`), or a NotPrincipal, opens the statement to anyone.
    static func grantsToEveryone(_ statement: PolicyStatement) -> Bool {
        if statement.notPrincipal != nil { return true }
        guard let principal = statement.principal else { return false }
        if principal.isWildcard { return true }
        let named = principal.aws + principal.service + principal.federated + principal.canonicalUser
        return named.contains { $0.contains("*") }
    }

    static func grantsBadAction(_ statement: PolicyStatement) -> Bool {
        if statement.notAction != nil { return true }
        for action in statement.action ?? [] {
            let lower = action.lowercased()
            if badPrefixes.contains(where: { lower.hasPrefix($0) }) { return true }
            if badActionSamples.contains(where: { Wildcard.matches(action, $0, caseInsensitive: true) }) { return true }
        }
        return false
    }

    /// A condition that pins a restricting key to fixed values: a positive operator (not a
    /// negated one, not `...IfExists`, which a request without the key satisfies) whose values
    /// hold no wildcard; for aws:SourceIp, CIDRs other than everything.
    static func restricts(_ condition: PolicyCondition) -> Bool {
        let key = condition.key.lowercased()
        guard restrictingKeys.contains(key), !condition.values.isEmpty else { return false }
        var op = condition.operatorName
        for prefix in ["ForAnyValue:", "ForAllValues:"] where op.hasPrefix(prefix) { op.removeFirst(prefix.count) }
        if op.hasSuffix("IfExists") || op.contains("Not") { return false }
        if key == "aws:sourceip" {
            guard op == "IpAddress" else { return false }
            return condition.values.allSatisfy { !$0.hasSuffix("/0") }
        }
        guard ["StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"].contains(op) else { return false }
        if key == "aws:userid" {
            return condition.values.allSatisfy { value in
                let head = value.hasSuffix(":*") ? String(value.dropLast(2)) : value
                return !head.isEmpty && !head.contains("*") && !head.contains("?")
            }
        }
        return condition.values.allSatisfy { !$0.contains("*") && !$0.contains("?") }
    }
}
