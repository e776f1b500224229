import Foundation
import IAMPolicy

/// The authenticated caller of one request: who, with which credentials, and how the request
/// reached the endpoint.
public struct Caller: Sendable {
    public var principal: PrincipalIdentity
    public var credential: IssuedCredential?
    /// The public address the caller presents when it is outside every VPC; nil: the world's
    /// `network.publicIp`.
    public var sourceIP: String?
    /// Where the caller is inside a VPC; nil: its credential's placement, if any.
    public var placement: NetworkPlacement?
    /// The connection the request came on; `aws:SecureTransport` follows it.
    public var transport: Transport = .jobs
    /// Condition keys the service read off this request (its headers, query and signature)
    /// before knowing which action it authorizes; the service keeps those its action supports.
    public var requestKeys: [String: [String]] = [:]

    public init(principal: PrincipalIdentity, credential: IssuedCredential? = nil, sourceIP: String? = nil,
                transport: Transport = .jobs, placement: NetworkPlacement? = nil) {
        self.principal = principal
        self.credential = credential
        self.sourceIP = sourceIP
        self.transport = transport
        self.placement = placement
    }

    /// Where the caller's requests come from: its own placement, or its credential's (calls
    /// are placed by the credentials the calling process holds).
    public var effectivePlacement: NetworkPlacement? { placement ?? credential?.placement }

    public static let anonymous = Caller(principal: PrincipalIdentity(kind: .anonymous, arn: "anonymous", account: nil), credential: nil)
}

/// How a request reached the endpoint; `aws:SecureTransport` follows it.
public enum Transport: String, Sendable, Hashable, Codable {
    case http, https

    public var isSecure: Bool { self == .https }

    /// The transport of the calls jobs and sessions make to the local endpoint, which `simulate`
    /// assumes unless told otherwise, so both decide the same request alike.
    public static let jobs: Transport = .https
}

/// The owner and policy of a resource a service keeps itself (S3's buckets, with policies that a
/// run may change), instead of the world's.
public struct ResourceTarget: Sendable {
    public var account: String?
    public var policy: NamedPolicy?
    /// Whether the resource policy must allow even within one account (nil: the engine infers it).
    public var policyRequired: Bool?
    /// S3: the grants of the access control list that applies (the bucket's, or the object's),
    /// as resource-policy Allow statements; nil where ACLs are disabled or grant nothing.
    public var accessControlList: NamedPolicy?
    /// S3: the account that owns the object, when it is not the bucket owner (`account`).
    public var objectOwner: String?
    /// S3: Block Public Access's RestrictPublicBuckets is on for the bucket.
    public var restrictPublicBuckets = false

    public init(account: String?, policy: NamedPolicy?, policyRequired: Bool? = nil) {
        self.account = account
        self.policy = policy
        self.policyRequired = policyRequired
    }
}

/// One request to authorize, as the service that received it (or `simulate`) describes it.
public struct AccessRequest: Sendable {
    public var caller: Caller
    public var action: String
    public var resource: String
    /// The resource's owner and policy when the service holds them; nil: found in the world.
    public var target: ResourceTarget?
    /// The caller's connection.
    public var transport: Transport {
        get { caller.transport }
        set { caller.transport = newValue }
    }
    /// Condition keys the service derives from the request itself (`s3:*`, `sts:ExternalId`,
    /// `aws:RequestTag/*`, ...). They win over keys derived from the world and the caller.
    public var requestContext: [String: [String]]

    public init(caller: Caller, action: String, resource: String, target: ResourceTarget? = nil,
                transport: Transport? = nil, requestContext: [String: [String]] = [:]) {
        self.caller = caller
        self.action = action
        self.resource = resource
        self.target = target
        self.requestContext = requestContext
        if let transport { self.caller.transport = transport }
    }
}

/// Everything the IAM engine needs for one request: the policies that apply and the full request.
public struct AccessInput: Sendable {
    public var policies: PolicySet
    public var request: AuthorizationRequest
    /// Where the world could not tell (a bucket it does not hold), said in words.
    public var notes: [String]
    /// What S3's ownership and public-access rules changed in the resource side, said in words.
    public var resourceClauses: [String] = []
}

/// The decision on one request, with the reason kept in events.
public struct AccessDecision: Sendable {
    public var decision: Decision
    public var input: AccessInput
    /// Deciding statements for an allow, AWS's reason clause for a deny.
    public var reason: String
    public var allowed: Bool { decision.isAllowed }
}

extension World {
    /// The complete policy set and request context of one request: the caller's identity
    /// policies (with a user's groups), permissions boundary and session policies, the resource's
    /// policy, the SCPs of the caller's account and the RCPs of the resource's, and the condition
    /// keys AWS derives from the caller, the world and the request. The endpoint, `simulate`
    /// and IAM's simulation APIs all build their input here.
    public func accessInput(for access: AccessRequest, now: Date) -> AccessInput {
        let caller = access.caller
        var notes: [String] = []
        var policies = identityPolicies(of: caller)
        var target = access.target ?? resourceTarget(action: access.action, resource: access.resource, caller: caller, notes: &notes)
        let s3Side = target.s3ResourceSide(for: caller)
        target.account = s3Side.account
        policies.resource = s3Side.policy
        if let required = target.policyRequired { policies.resourcePolicyRequired = required }
        // Organization policies: SCPs limit the caller's account, RCPs the resource's account.
        if let account = caller.principal.account { policies.scps = serviceControlPolicies(forAccount: account) }
        if let owner = target.account ?? caller.principal.account { policies.rcps = resourceControlPolicies(forAccount: owner) }

        // The network: through a VPC endpoint (its policy joins the set), through the VPC's
        // NAT, or from outside any VPC.
        let network = networkContext(placement: caller.effectivePlacement, action: access.action, sourceIp: caller.sourceIP)
        policies.vpcEndpoint = network.endpointPolicy
        var context = network.context
        context["aws:SecureTransport"] = [access.transport.isSecure ? "true" : "false"]
        context["aws:RequestedRegion"] = [region]
        if let org = organization, let account = caller.principal.account, org.accounts.contains(account) {
            context["aws:PrincipalOrgID"] = [org.id]
        }
        if let owner = target.account {
            context["aws:ResourceAccount"] = [owner]
            if let org = organization, org.accounts.contains(owner) { context["aws:ResourceOrgID"] = [org.id] }
        }
        for (key, values) in resourceContext(access.resource) { context[key] = values }
        for (key, values) in Self.sessionContext(of: caller, now: now) { context[key] = values }
        for (key, values) in access.requestContext { context[key] = values }
        let request = AuthorizationRequest(principal: caller.principal, action: access.action, resource: access.resource,
                                           resourceAccount: target.account, context: context, now: now)
        return AccessInput(policies: policies, request: request, notes: notes, resourceClauses: s3Side.clauses)
    }

    /// Decides one request: the rules that need no policy, then the IAM engine on `accessInput`.
    public func decide(_ access: AccessRequest, now: Date) -> AccessDecision {
        let input = accessInput(for: access, now: now)
        let decision = PolicyEvaluator.evaluate(input.request, policies: input.policies)
        let reason = ([Self.reason(decision, action: access.action)] + input.resourceClauses).joined(separator: "; ")
        return AccessDecision(decision: decision, input: input, reason: reason)
    }

    /// The reason an event keeps: the allowing statements, or AWS's reason clause.
    public static func reason(_ decision: Decision, action: String) -> String {
        if decision.isAllowed {
            if let rule = decision.explanation.first, decision.statements.isEmpty { return rule }
            let names = decision.statements.filter { $0.effect == .allow }.map { statement in
                "\(statement.policyName)" + (statement.sid.map { " (\($0))" } ?? " statement \(statement.statementIndex)")
            }
            return names.isEmpty ? "allowed" : "allowed by " + names.joined(separator: "; ")
        }
        return decision.reason(action: action) ?? "denied"
    }

    /// The owner and policy of a resource as the world holds it: a bucket's policy for S3 ARNs,
    /// a role's trust policy (which must always allow) for the actions that assume or tag a
    /// role session; otherwise the account in the ARN, or the caller's.
    public func resourceTarget(action: String, resource: String, caller: Caller, notes: inout [String]) -> ResourceTarget {
        let lowerAction = action.lowercased()
        if resource.hasPrefix("arn:aws:s3:::") {
            let path = resource.dropFirst("arn:aws:s3:::".count)
            let bucketName = String(path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            if let bucket = bucket(named: bucketName) {
                var target = ResourceTarget(account: bucket.account, policy: bucket.policy)
                // Block Public Access: the bucket's settings OR its owner account's.
                let block = (bucket.publicAccessBlock ?? PublicAccessBlock()).union(accounts[bucket.account]?.publicAccessBlock)
                target.restrictPublicBuckets = block.restrictPublicBuckets
                return target
            }
            if !bucketName.isEmpty {
                notes.append("bucket \(bucketName) is not in the world: treated as owned by the caller's account, with no bucket policy")
            }
            return ResourceTarget(account: caller.principal.account, policy: nil)
        }
        let aliasAction = ["kms:createalias", "kms:deletealias", "kms:updatealias"].contains(lowerAction)
        if lowerAction.hasPrefix("kms:"), resource.hasPrefix("arn:aws:kms:"), !(aliasAction && resource.contains(":alias/")) {
            // KMS: the key policy must always allow (an account-root statement delegates to IAM).
            if let key = kmsKey(arn: resource) {
                return ResourceTarget(account: key.account, policy: key.policy, policyRequired: true)
            }
            notes.append("KMS key \(resource) is not in the world: no key policy allows anything")
            return ResourceTarget(account: Self.account(ofARN: resource) ?? caller.principal.account, policy: nil, policyRequired: true)
        }
        if Self.assumesRole(lowerAction), let role = role(arn: resource) {
            return ResourceTarget(account: role.account, policy: role.trustPolicy, policyRequired: true)
        }
        return ResourceTarget(account: Self.account(ofARN: resource) ?? caller.principal.account, policy: nil)
    }

    /// Condition keys a resource the world holds brings to every request on it: a bucket's owner
    /// (`s3:ResourceAccount`) and tags (`aws:ResourceTag/*`). S3 derives the same for its runtime
    /// buckets; this gives `simulate` and IAM's simulation the world's.
    public func resourceContext(_ resource: String) -> [String: [String]] {
        guard resource.hasPrefix("arn:aws:s3:::") else { return [:] }
        let name = resource.dropFirst("arn:aws:s3:::".count).split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard let bucket = bucket(named: name) else { return [:] }
        var context: [String: [String]] = ["s3:ResourceAccount": [bucket.account]]
        for (key, value) in bucket.tags { context["aws:ResourceTag/\(key)"] = [value] }
        return context
    }

    /// Actions a role's trust policy decides.
    public static func assumesRole(_ lowerAction: String) -> Bool {
        lowerAction.hasPrefix("sts:assumerole") || lowerAction == "sts:tagsession" || lowerAction == "sts:setsourceidentity"
    }

    /// The account field of an ARN, if it names one (AWS managed policies' `aws` does not).
    public static func account(ofARN arn: String) -> String? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[4].count == 12, parts[4].allSatisfy(\.isNumber) else { return nil }
        return String(parts[4])
    }

    /// Condition keys that come from the caller's credentials: MFA, token issue time, source identity.
    /// As in AWS, long-term keys carry no aws:MultiFactorAuthPresent at all.
    public static func sessionContext(of caller: Caller, now: Date) -> [String: [String]] {
        guard let credential = caller.credential, credential.origin != .servicePrincipal else { return [:] }
        var context: [String: [String]] = [:]
        if credential.isTemporary {
            context["aws:MultiFactorAuthPresent"] = [credential.mfaAuthenticatedAt == nil ? "false" : "true"]
            if let issued = credential.issuedAt { context["aws:TokenIssueTime"] = [issued.formatted(Date.ISO8601FormatStyle())] }
        }
        if let mfa = credential.mfaAuthenticatedAt {
            context["aws:MultiFactorAuthAge"] = [String(max(0, Int(now.timeIntervalSince(mfa))))]
        }
        if let source = credential.sourceIdentity { context["aws:SourceIdentity"] = [source] }
        return context
    }

    /// The identity-side policies of a caller: its role's or user's policies (a user's include
    /// those of its groups), boundary, and the session's policies.
    public func identityPolicies(of caller: Caller) -> PolicySet {
        var set = PolicySet()
        switch caller.principal.kind {
        case .assumedRole:
            if let roleArn = caller.principal.roleArn, let role = role(arn: roleArn) {
                set.identity = role.inlinePolicies + role.managedPolicyArns.compactMap { managedPolicy(arn: $0) }
                set.permissionsBoundary = role.permissionsBoundaryArn.flatMap { managedPolicy(arn: $0) }
            }
            set.session = caller.credential?.sessionPolicies ?? []
        case .user:
            if let user = user(arn: caller.principal.arn) {
                set.identity = user.inlinePolicies + user.managedPolicyArns.compactMap { managedPolicy(arn: $0) }
                for name in user.groups {
                    guard let group = accounts[user.account]?.groups[name] else { continue }
                    set.identity += group.inlinePolicies + group.managedPolicyArns.compactMap { managedPolicy(arn: $0) }
                }
                set.permissionsBoundary = user.permissionsBoundaryArn.flatMap { managedPolicy(arn: $0) }
            }
        default:
            break
        }
        return set
    }
}
