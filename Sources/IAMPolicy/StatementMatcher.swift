/// Whether one statement applies to a request: action, resource, principal, conditions.
struct StatementMatcher {
    let request: AuthorizationRequest
    let context: RequestContext
    /// The caller has a permissions boundary (affects NotPrincipal with Deny).
    let callerHasBoundary: Bool

    /// nil when the statement does not apply; otherwise how its principal named the
    /// caller (`.exact` for policy types without principals).
    func applies(_ s: PolicyStatement, in policy: Policy, type: PolicyType) -> PrincipalGrant? {
        let variables = policy.substitutesVariables
        guard matchesAction(s) else { return nil }
        guard matchesResource(s, variables: variables) else { return nil }
        var grant = PrincipalGrant.exact
        if type == .resource || type == .rcp || type == .vpcEndpoint {
            if let p = s.principal {
                guard let g = PrincipalMatcher.match(p, request.principal) else { return nil }
                grant = g
            } else if let np = s.notPrincipal {
                guard PrincipalMatcher.notPrincipalApplies(np, request.principal, effect: s.effect, hasBoundary: callerHasBoundary) else { return nil }
                // Everyone but a list is never a grant to this caller by name.
                grant = .roleOrEveryone
            } else if type == .resource {
                return nil
            }
        }
        guard ConditionEvaluator.allHold(s.conditions, context: context, variables: variables) else { return nil }
        return grant
    }

    /// `applies` for a prepared statement that the policy's action index offered.
    @inline(__always)
    func applies(_ s: CompiledStatement, _ candidate: ActionCandidate, _ prepared: PreparedRequest, type: PolicyType) -> PrincipalGrant? {
        guard s.matchesAction(candidate, prepared) else { return nil }
        guard s.matchesResource(prepared, context) else { return nil }
        var grant = PrincipalGrant.exact
        if type == .resource || type == .rcp || type == .vpcEndpoint {
            if let p = s.source.principal {
                guard let g = PrincipalMatcher.match(p, request.principal) else { return nil }
                grant = g
            } else if let np = s.source.notPrincipal {
                guard PrincipalMatcher.notPrincipalApplies(np, request.principal, effect: s.effect, hasBoundary: callerHasBoundary) else { return nil }
                grant = .roleOrEveryone
            } else if type == .resource {
                return nil
            }
        }
        guard ConditionEvaluator.allHold(s.conditions, context: context, variables: s.variables) else { return nil }
        return grant
    }

    /// Actions are case-insensitive and may use wildcards anywhere, service prefix included.
    func matchesAction(_ s: PolicyStatement) -> Bool {
        if let actions = s.action {
            return actions.contains { Wildcard.matches($0, request.action, caseInsensitive: true) }
        }
        if let notActions = s.notAction {
            return !notActions.contains { Wildcard.matches($0, request.action, caseInsensitive: true) }
        }
        return false
    }

    /// Resources are case-sensitive ARNs. A statement with neither element (a role trust
    /// policy) applies to the resource it is attached to.
    func matchesResource(_ s: PolicyStatement, variables: Bool) -> Bool {
        func hit(_ pattern: String) -> Bool {
            if !variables || !pattern.hasVariable { return Wildcard.matchesARN(pattern, request.resource) }
            if let resolved = PolicyVariables.resolveText(pattern, context: context) {
                guard let text = resolved else { return false }
                return Wildcard.matchesARN(text, request.resource)
            }
            guard let p = PolicyVariables.resolve(pattern, context: context, enabled: variables) else { return false }
            return Wildcard.matchARN(p, request.resource)
        }
        if let resources = s.resource { return resources.contains(where: hit) }
        if let notResources = s.notResource { return !notResources.contains(where: hit) }
        return true
    }
}
