/// Decides requests the way AWS's enforcement code does (IAM User Guide, "Policy
/// evaluation logic" and "Cross-account policy evaluation logic").
public enum PolicyEvaluator {
    public static func evaluate(_ request: AuthorizationRequest, policies: PolicySet) -> Decision {
        if let rule = AccessRules.decisionWithoutPolicies(action: request.action) { return rule }
        var run = EvaluationRun(request: request, policies: policies, recording: false)
        return run.decide()
    }
}

/// What one set of policies of one type says about the request.
struct Findings {
    var allows: [MatchedStatement] = []
    var denies: [MatchedStatement] = []
    /// Strongest principal grant among the applying Allow statements (resource policies).
    var grant: PrincipalGrant?
    var policyCount = 0

    var allowed: Bool { !allows.isEmpty }
}

private struct EvaluationRun {
    let request: AuthorizationRequest
    let policies: PolicySet
    let matcher: StatementMatcher
    let prepared: PreparedRequest
    /// Whether the explanation lines are written. Decisions are made without them; reading
    /// `Decision.explanation` replays the evaluation with them.
    let recording: Bool
    /// The lines written so far, when recording.
    let log: LineLog?

    init(request: AuthorizationRequest, policies: PolicySet, recording: Bool) {
        self.request = request
        self.policies = policies
        self.recording = recording
        log = recording ? LineLog() : nil
        let caller = request.principal
        let hasBoundary = policies.permissionsBoundary != nil && caller.isIAMPrincipal && caller.kind != .root
        matcher = StatementMatcher(request: request, context: RequestContext(request), callerHasBoundary: hasBoundary)
        prepared = PreparedRequest(action: request.action, resource: request.resource)
    }

    @inline(__always)
    private func note(_ line: @autoclosure () -> String) {
        if let log { log.lines.append(line()) }
    }

    private var caller: PrincipalIdentity { request.principal }
    private var action: String { request.action }

    /// Identity policies, boundaries and session policies govern IAM users and sessions;
    /// the root user has none and services and anonymous callers are not IAM identities.
    private var hasIdentityPolicies: Bool { caller.isIAMPrincipal && caller.kind != .root }

    func scan(_ named: [NamedPolicy], _ type: PolicyType) -> Findings {
        var f = Findings(policyCount: named.count)
        for p in named { scan(p, type, into: &f) }
        return f
    }

    func scan(_ p: NamedPolicy, _ type: PolicyType) -> Findings {
        var f = Findings(policyCount: 1)
        scan(p, type, into: &f)
        return f
    }

    /// Only the statements indexed under the request's service are looked at; the others
    /// cannot match its action.
    func scan(_ p: NamedPolicy, _ type: PolicyType, into f: inout Findings) {
        let compiled = p.policy.compiled
        for candidate in compiled.candidates(for: prepared) {
            let s = compiled.statements[candidate.statement]
            guard let grant = matcher.applies(s, candidate, prepared, type: type) else { continue }
            let m = MatchedStatement(policyName: p.name, policyType: type, statementIndex: candidate.statement, sid: s.sid, effect: s.effect, policyArn: p.policyArn)
            switch s.effect {
            case .deny: f.denies.append(m)
            case .allow:
                f.allows.append(m)
                if f.grant == nil || grant > f.grant! { f.grant = grant }
            }
        }
    }

    mutating func decide() -> Decision {
        let resourceAccount = request.resourceAccount ?? caller.account
        let crossAccount = caller.account != nil && resourceAccount != nil && caller.account != resourceAccount
        note("request: \(caller.arn) calls \(action) on \(request.resource)"
            + (crossAccount ? " (cross-account: principal account \(caller.account!), resource account \(resourceAccount!))" : ""))

        let rcpLevels = policies.rcps.map { scan($0, .rcp) }
        let scpLevels = caller.isIAMPrincipal ? policies.scps.map { scan($0, .scp) } : []
        let resource = policies.resource.map { scan($0, .resource) } ?? Findings()
        let identity = hasIdentityPolicies ? scan(policies.identity, .identity) : Findings()
        let boundary = hasIdentityPolicies ? policies.permissionsBoundary.map { scan($0, .permissionsBoundary) } : nil
        let session = hasIdentityPolicies && !policies.session.isEmpty ? scan(policies.session, .session) : nil
        let endpoint = policies.vpcEndpoint.map { scan($0, .vpcEndpoint) }

        // 1. An applicable Deny anywhere decides, whatever allows exist.
        var allDenies: [MatchedStatement] = []
        for level in rcpLevels { allDenies += level.denies }
        for level in scpLevels { allDenies += level.denies }
        allDenies += resource.denies
        allDenies += identity.denies
        if let boundary { allDenies += boundary.denies }
        if let session { allDenies += session.denies }
        if let endpoint { allDenies += endpoint.denies }
        if let first = allDenies.first {
            if let log { for d in allDenies { log.lines.append("explicit deny: \(d.label)") } }
            var decision = finish(.explicitDeny, first.policyType, allDenies)
            decision.denyingPolicyArn = disclosedPolicyArn(first, crossAccount: crossAccount)
            return decision
        }
        note("explicit deny: none of the applicable statements denies")

        // 2-3. Organization guardrails: every level must allow.
        if let failed = checkLevels(rcpLevels, .rcp) { return failed }
        if policies.scps.isEmpty || !caller.isIAMPrincipal {
            note("service control policies: " + (caller.isIAMPrincipal ? "none apply (not in an organization)" : "do not apply to this caller"))
        } else if let failed = checkLevels(scpLevels, .scp) {
            return failed
        }

        // A request that went through a VPC endpoint must be allowed by the endpoint's policy,
        // whoever makes it (the policy names its principals).
        if let endpoint, let attached = policies.vpcEndpoint {
            if endpoint.allowed {
                note("VPC endpoint policy: allowed by " + endpoint.allows.map(\.label).joined(separator: ", "))
            } else {
                note("VPC endpoint policy: \(attached.name) has no statement that allows \(action)")
                return finish(.implicitDeny, .vpcEndpoint, [])
            }
        }

        // 4-7. Resource-based policy, identity-based policies, boundary, session policies.
        describe(resource, .resource, attached: policies.resource != nil)
        if hasIdentityPolicies {
            describe(identity, .identity, attached: !policies.identity.isEmpty)
            if let boundary { describe(boundary, .permissionsBoundary, attached: true) }
            if let session { describe(session, .session, attached: true) }
        } else if caller.kind == .root {
            note("identity-based: the root user has full access in its own account")
        }

        let limitsFailure: PolicyType? = {
            if let boundary, !boundary.allowed { return .permissionsBoundary }
            if let session, !session.allowed { return .session }
            // A federated user session without a session policy has no permissions of its own.
            if session == nil, caller.kind == .federatedUser { return .session }
            return nil
        }()
        let identityFailure: PolicyType? = {
            if caller.kind == .root { return nil }
            if !hasIdentityPolicies || !identity.allowed { return .identity }
            return limitsFailure
        }()
        let identitySide = identity.allows + (boundary?.allows ?? []) + (session?.allows ?? [])
        let guardrails = rcpLevels.flatMap(\.allows) + scpLevels.flatMap(\.allows) + (endpoint?.allows ?? [])

        if !caller.isIAMPrincipal {
            // Services and anonymous callers have only what the resource policy grants.
            guard resource.allowed else { return finish(.implicitDeny, .resource, []) }
            note("resource-based policy grants \(caller.kind == .service ? "the service" : "anonymous access")")
            return finish(.allow, nil, resource.allows + guardrails)
        }

        if crossAccount {
            // Both sides must allow: the caller's account and the resource owner's.
            note("cross-account: both an identity-side allow and a resource-based allow are required")
            if let f = identityFailure { return finish(.implicitDeny, f, []) }
            guard resource.allowed else { return finish(.implicitDeny, .resource, []) }
            return finish(.allow, nil, identitySide + resource.allows + guardrails)
        }

        let resourceRequired = policies.resourcePolicyRequired ?? inferResourceRequired()
        if resource.allowed, let grant = resource.grant {
            if caller.kind == .root { return finish(.allow, nil, resource.allows + guardrails) }
            switch grant {
            case .exact:
                note("same account: the resource-based policy names this caller exactly, which is enough on its own")
                return finish(.allow, nil, resource.allows + guardrails)
            case .roleOrEveryone:
                note("same account: the resource-based policy names the role (or everyone), standing in for identity-based policies; boundary and session policies still limit")
                if let f = limitsFailure { return finish(.implicitDeny, f, []) }
                return finish(.allow, nil, resource.allows + (boundary?.allows ?? []) + (session?.allows ?? []) + guardrails)
            case .account:
                note("same account: the resource-based policy names the account, so an identity-based policy must also allow")
                if let f = identityFailure { return finish(.implicitDeny, f, []) }
                return finish(.allow, nil, identitySide + resource.allows + guardrails)
            }
        }
        if resourceRequired {
            note("the resource-based policy must allow this action (role trust policy or key policy)")
            // As across accounts, a missing identity-side allow is reported first.
            return finish(.implicitDeny, caller.kind == .root ? .resource : identityFailure ?? .resource, [])
        }
        if caller.kind == .root { return finish(.allow, nil, guardrails) }
        if let f = identityFailure { return finish(.implicitDeny, f, []) }
        return finish(.allow, nil, identitySide + guardrails)
    }

    /// AWS names the denying policy's ARN only for identity-based policies, boundaries,
    /// session policies, SCPs and RCPs, and only when the request comes from the resource's
    /// own account or organization (aws:PrincipalOrgID equal to aws:ResourceOrgID).
    private func disclosedPolicyArn(_ deny: MatchedStatement, crossAccount: Bool) -> String? {
        guard deny.policyType != .resource, deny.policyType != .vpcEndpoint, let arn = deny.policyArn else { return nil }
        if !crossAccount { return arn }
        let context = matcher.context
        guard let principalOrg = context.values(for: "aws:PrincipalOrgID")?.first,
              let resourceOrg = context.values(for: "aws:ResourceOrgID")?.first, principalOrg == resourceOrg else { return nil }
        return arn
    }

    /// Trust policies always have to allow AssumeRole, and key policies always have to
    /// allow KMS use, even within one account.
    private func inferResourceRequired() -> Bool {
        let a = prepared.actionIsASCII ? String(decoding: prepared.actionBytes, as: UTF8.self) : action.lowercased()
        return a.hasPrefix("sts:assumerole") || (a.hasPrefix("kms:") && policies.resource != nil)
    }

    private mutating func checkLevels(_ levels: [Findings], _ type: PolicyType) -> Decision? {
        if levels.isEmpty {
            if type == .rcp { note("resource control policies: none apply") }
            return nil
        }
        for (i, level) in levels.enumerated() {
            if level.allowed {
                note("\(type.displayName) level \(i): allowed by \(level.allows[0].label)")
            } else {
                note("\(type.displayName) level \(i): no statement allows \(action)")
                return finish(.implicitDeny, type, [])
            }
        }
        return nil
    }

    private mutating func describe(_ f: Findings, _ type: PolicyType, attached: Bool) {
        if !attached {
            note("\(type.displayName): none attached")
        } else if f.allowed {
            note("\(type.displayName): allowed by " + f.allows.map(\.label).joined(separator: ", "))
        } else {
            note("\(type.displayName): no statement allows \(action) (\(f.policyCount) polic\(f.policyCount == 1 ? "y" : "ies") checked)")
        }
    }

    private mutating func finish(_ outcome: Decision.Outcome, _ deniedBy: PolicyType?, _ statements: [MatchedStatement]) -> Decision {
        var d = Decision(outcome: outcome, deniedBy: deniedBy, statements: statements)
        guard recording else {
            let (request, policies) = (request, policies)
            d.explanationSource = .replay {
                var run = EvaluationRun(request: request, policies: policies, recording: true)
                return run.decide().explanation
            }
            return d
        }
        switch outcome {
        case .allow: note("decision: allow")
        case .explicitDeny, .implicitDeny:
            note("decision: \(outcome == .explicitDeny ? "explicit" : "implicit") deny " + (d.reason(action: action) ?? ""))
        }
        d.explanation = log?.lines ?? []
        return d
    }
}

private final class LineLog {
    var lines: [String] = []
}

/// Authorization rules that stand outside policies, in one place for every caller of the engine.
public enum AccessRules {
    /// Actions AWS answers for any authenticated caller without consulting a policy, even under
    /// an explicit deny ("No permissions are required to perform this operation").
    public static func needsNoPermission(_ action: String) -> Bool {
        action.lowercased() == "sts:getcalleridentity"
    }

    /// The decision for an action that needs no permission; nil for every other action.
    public static func decisionWithoutPolicies(action: String) -> Decision? {
        guard needsNoPermission(action) else { return nil }
        return Decision(outcome: .allow, explanation: ["\(action) needs no permission: AWS answers it for any authenticated caller, even under an explicit deny"])
    }
}
