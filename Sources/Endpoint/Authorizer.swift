import Foundation
import IAMPolicy
import World

/// The authenticated caller of one request.
public struct Caller: Sendable {
    public var principal: PrincipalIdentity
    public var credential: IssuedCredential?
    public var sourceIP: String = "127.0.0.1"

    public init(principal: PrincipalIdentity, credential: IssuedCredential? = nil, sourceIP: String = "127.0.0.1") {
        self.principal = principal
        self.credential = credential
        self.sourceIP = sourceIP
    }

    public static let anonymous = Caller(principal: PrincipalIdentity(kind: .anonymous, arn: "anonymous", account: nil), credential: nil)
}

/// The outcome of authorizing one call, with AWS's denial message already written.
public struct AuthorizationOutcome: Sendable {
    public var decision: Decision
    public var allowed: Bool { decision.isAllowed }
    /// Why, for events: deciding statements, or AWS's reason clause.
    public var reason: String
}

/// Gathers the policies that apply to a request from the world and asks the IAM engine.
public struct Authorizer: Sendable {
    public let world: World

    public init(world: World) { self.world = world }

    public func authorize(_ caller: Caller, action: String, resource: String, resourceAccount: String?,
                   resourcePolicy: NamedPolicy?, context: [String: [String]] = [:], now: Date,
                   resourcePolicyRequired: Bool? = nil) -> AuthorizationOutcome {
        var policies = identityPolicies(of: caller)
        policies.resource = resourcePolicy
        // Organization policies: SCPs limit the caller's account, RCPs the resource's account.
        if let account = caller.principal.account { policies.scps = world.serviceControlPolicies(forAccount: account) }
        if let owner = resourceAccount ?? caller.principal.account { policies.rcps = world.resourceControlPolicies(forAccount: owner) }
        if let resourcePolicyRequired { policies.resourcePolicyRequired = resourcePolicyRequired }
        var context = context
        context["aws:SourceIp"] = [caller.sourceIP]
        context["aws:SecureTransport"] = ["false"]
        context["aws:RequestedRegion"] = [world.region]
        if let org = world.organization, let account = caller.principal.account, org.accounts.contains(account) {
            context["aws:PrincipalOrgID"] = [org.id]
        }
        if let resourceAccount {
            context["aws:ResourceAccount"] = [resourceAccount]
            if let org = world.organization, org.accounts.contains(resourceAccount) { context["aws:ResourceOrgID"] = [org.id] }
        }
        for (key, values) in Self.sessionContext(of: caller, now: now) where context[key] == nil { context[key] = values }
        let request = AuthorizationRequest(principal: caller.principal, action: action, resource: resource,
                                           resourceAccount: resourceAccount, context: context, now: now)
        let decision = PolicyEvaluator.evaluate(request, policies: policies)
        let reason: String
        if decision.isAllowed {
            let names = decision.statements.filter { $0.effect == .allow }.map { statement in
                "\(statement.policyName)" + (statement.sid.map { " (\($0))" } ?? " statement \(statement.statementIndex)")
            }
            reason = names.isEmpty ? "allowed" : "allowed by " + names.joined(separator: "; ")
        } else {
            reason = decision.reason(action: action) ?? "denied"
        }
        return AuthorizationOutcome(decision: decision, reason: reason)
    }

    /// Condition keys that come from the caller's credentials: MFA, token issue time, source identity.
    /// As in AWS, long-term keys carry no aws:MultiFactorAuthPresent at all.
    public static func sessionContext(of caller: Caller, now: Date) -> [String: [String]] {
        guard let credential = caller.credential, credential.origin != .servicePrincipal else { return [:] }
        var context: [String: [String]] = [:]
        if credential.isTemporary {
            context["aws:MultiFactorAuthPresent"] = [credential.mfaAuthenticatedAt == nil ? "false" : "true"]
            if let issued = credential.issuedAt { context["aws:TokenIssueTime"] = [XML.timestampSeconds(issued)] }
        }
        if let mfa = credential.mfaAuthenticatedAt {
            context["aws:MultiFactorAuthAge"] = [String(max(0, Int(now.timeIntervalSince(mfa))))]
        }
        if let source = credential.sourceIdentity { context["aws:SourceIdentity"] = [source] }
        return context
    }

    /// The identity-side policies of a caller: its role's or user's policies, boundary and session policies.
    public func identityPolicies(of caller: Caller) -> PolicySet {
        var set = PolicySet()
        switch caller.principal.kind {
        case .assumedRole:
            if let roleArn = caller.principal.roleArn, let role = world.role(arn: roleArn) {
                set.identity = role.inlinePolicies + role.managedPolicyArns.compactMap { world.managedPolicy(arn: $0) }
                set.permissionsBoundary = role.permissionsBoundaryArn.flatMap { world.managedPolicy(arn: $0) }
            }
            set.session = caller.credential?.sessionPolicies ?? []
        case .user:
            if let user = world.user(arn: caller.principal.arn) {
                set.identity = user.inlinePolicies + user.managedPolicyArns.compactMap { world.managedPolicy(arn: $0) }
                // A user's identity policies include those of the groups it belongs to.
                for name in user.groups {
                    guard let group = world.accounts[user.account]?.groups[name] else { continue }
                    set.identity += group.inlinePolicies + group.managedPolicyArns.compactMap { world.managedPolicy(arn: $0) }
                }
                set.permissionsBoundary = user.permissionsBoundaryArn.flatMap { world.managedPolicy(arn: $0) }
            }
        default:
            break
        }
        return set
    }
}
