import Foundation
import IAMPolicy

extension ResourceTarget {
    /// The resource side of an S3 request as S3 authorizes it ("How Amazon S3 authorizes a
    /// request"): the bucket policy, limited by RestrictPublicBuckets, with the applying ACL's
    /// grants as further resource-policy statements. For an object another account owns, that
    /// account is the resource owner and only the object ACL grants; the bucket owner's policy
    /// can still deny. Resources other than S3's pass through unchanged.
    public func s3ResourceSide(for caller: Caller) -> (account: String?, policy: NamedPolicy?, clauses: [String]) {
        var policy = self.policy
        var owner = account
        var clauses: [String] = []
        let bucketOwner = account ?? "?"
        if restrictPublicBuckets, let bucketPolicy = policy, PublicPolicy.isPublic(bucketPolicy.policy),
           caller.principal.kind != .service, caller.principal.account != account {
            policy = Self.deniesOnly(bucketPolicy)
            clauses.append("RestrictPublicBuckets: the public bucket policy grants nothing outside the bucket owner's account \(bucketOwner)")
        }
        if let objectOwner, objectOwner != account {
            owner = objectOwner
            policy = policy.flatMap(Self.deniesOnly)
            clauses.append("the object is owned by account \(objectOwner), not the bucket owner \(bucketOwner): the bucket policy does not grant access to it, only the object ACL can")
        }
        if let acl = accessControlList {
            if let base = policy {
                var merged = base.policy
                merged.statements += acl.policy.statements
                policy = NamedPolicy(name: "\(base.name) and \(acl.name)", policy: merged)
            } else {
                policy = acl
            }
        }
        return (owner, policy, clauses)
    }

    /// A policy's Deny statements alone; nil when it has none.
    static func deniesOnly(_ named: NamedPolicy) -> NamedPolicy? {
        let denies = named.policy.statements.filter { $0.effect == .deny }
        guard !denies.isEmpty else { return nil }
        var policy = named.policy
        policy.statements = denies
        return NamedPolicy(name: named.name, policy: policy, arn: named.arn)
    }
}
