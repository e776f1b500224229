import Foundation
import IAMPolicy
import World

/// SimulatePrincipalPolicy and SimulateCustomPolicy, answered by the IAM engine.
extension IAMCall {
    func simulate(principalPolicy: Bool) -> Result<String, AWSServiceError> {
        let actions = params.list("ActionNames")
        var resources = params.list("ResourceArns")
        var v = Validation()
        if principalPolicy {
            v.required(params["PolicySourceArn"], "policySourceArn")
            v.length(params["PolicySourceArn"], "policySourceArn", 20, 2048)
        } else if params.list("PolicyInputList").isEmpty {
            v.problems.append("Value null at 'policyInputList' failed to satisfy constraint: Member must not be null")
        }
        if actions.isEmpty { v.problems.append("Value null at 'actionNames' failed to satisfy constraint: Member must not be null") }
        for (i, action) in actions.enumerated() { v.length(action, "actionNames.\(i + 1).member", 3, 128) }
        if let error = v.error { return .failure(error) }
        if resources.isEmpty { resources = ["*"] }

        var identity: [NamedPolicy] = []
        var types: [String: String] = [:]
        var boundary: NamedPolicy?
        var principal: PrincipalIdentity
        func add(_ id: String, _ policy: Policy, _ type: String) -> NamedPolicy {
            types[id] = type
            return NamedPolicy(name: id, policy: policy)
        }
        func managedType(_ arn: String) -> String { arn.contains(":aws:policy/") ? "aws-managed" : "user-managed" }

        // The principal's own policies, as the endpoint gathers them for its calls (a user's
        // include its groups'; the organization's SCPs apply to its account).
        var organizationPolicies: [[NamedPolicy]] = []
        var sourceCaller: Caller?
        if principalPolicy {
            let source = params["PolicySourceArn"] ?? ""
            if let error = authorize("iam:SimulatePrincipalPolicy", resource: source) { return .failure(error) }
            if let role = world.role(arn: source) {
                principal = PrincipalIdentity(kind: .assumedRole, arn: role.arn, account: role.account, userId: role.roleId, roleArn: role.arn, tags: role.tags)
            } else if let user = world.user(arn: source) {
                principal = user.principal
            } else {
                return .failure(noSuch("Could not find user, group or role with specified ARN: \(source)"))
            }
            sourceCaller = Caller(principal: principal)
        } else {
            if let error = authorize("iam:SimulateCustomPolicy", resource: "*") { return .failure(error) }
            let callerArn = params["CallerArn"] ?? "arn:aws:iam::\(account):user/simulated-caller"
            principal = world.user(arn: callerArn)?.principal
                ?? PrincipalIdentity(kind: .user, arn: callerArn, account: IAMArn(callerArn)?.account ?? account, userId: "AIDASIMULATEDCALLER", userName: String(callerArn.split(separator: "/").last ?? ""))
        }
        if let sourceCaller {
            let own = world.accessInput(for: AccessRequest(caller: sourceCaller, action: actions.first ?? "", resource: resources.first ?? "*"), now: now).policies
            // Inline policies are reported by their IAM names, with the kind of entity that holds them.
            var inline: [NamedPolicy: (String, String)] = [:]
            if let role = world.role(arn: principal.arn) {
                for (name, policy) in zip(role.inlinePolicyNames, role.inlinePolicies) { inline[policy] = (name, "role") }
            } else if let user = world.user(arn: principal.arn) {
                for (name, policy) in zip(user.inlinePolicyNames, user.inlinePolicies) { inline[policy] = (name, "user") }
                for groupName in user.groups {
                    guard let group = world.accounts[user.account]?.groups[groupName] else { continue }
                    for policy in group.inlinePolicies {
                        // Kept as "inline policy NAME of group GROUP"; IAM reports NAME.
                        let name = policy.name.hasPrefix("inline policy ") && policy.name.hasSuffix(" of group \(groupName)")
                            ? String(policy.name.dropFirst("inline policy ".count).dropLast(" of group \(groupName)".count)) : policy.name
                        inline[policy] = (name, "group")
                    }
                }
            }
            for named in own.identity {
                if let (name, type) = inline[named] {
                    identity.append(add(name, named.policy, type))
                } else {
                    let arn = named.policyArn ?? named.name
                    identity.append(add(IAMXML.policyName(arn), named.policy, managedType(arn)))
                }
            }
            boundary = own.permissionsBoundary.map { add(IAMXML.policyName($0.policyArn ?? $0.name), $0.policy, managedType($0.policyArn ?? $0.name)) }
            organizationPolicies = own.scps
        }
        if let callerArn = params["CallerArn"], principalPolicy, let user = world.user(arn: callerArn) { principal = user.principal }

        for (i, text) in params.list("PolicyInputList").enumerated() {
            switch parse(text, as: .identity) {
            case .failure(let error): return .failure(error)
            case .success(let policy): identity.append(add("PolicyInputList.\(i + 1)", policy, "IAM Policy"))
            }
        }
        for (i, text) in params.list("PermissionsBoundaryPolicyInputList").enumerated() {
            switch parse(text, as: .permissionsBoundary) {
            case .failure(let error): return .failure(error)
            case .success(let policy): boundary = add("PermissionsBoundaryPolicyInputList.\(i + 1)", policy, "IAM Policy")
            }
        }
        var resourcePolicy: NamedPolicy?
        if let text = params["ResourcePolicy"] {
            switch parse(text, as: .resource) {
            case .failure(let error): return .failure(error)
            case .success(let policy): resourcePolicy = add("ResourcePolicy", policy, "resource")
            }
        }
        let resourceOwner = params["ResourceOwner"].flatMap { IAMArn($0)?.account }

        // Context entries: exactly what the caller supplies, as the simulator takes them.
        var context: [String: [String]] = [:]
        var i = 1
        while let key = params["ContextEntries.member.\(i).ContextKeyName"] {
            context[key] = params.list("ContextEntries.member.\(i).ContextKeyValues")
            i += 1
        }
        let supplied = Set(context.keys.map { $0.lowercased() })

        var members: [String] = []
        for action in actions {
            for resource in resources {
                var set = PolicySet(identity: identity, resource: resourcePolicy, permissionsBoundary: boundary, scps: organizationPolicies)
                set.resourcePolicyRequired = resourcePolicy == nil ? false : nil
                let request = AuthorizationRequest(principal: principal, action: action, resource: resource,
                                                   resourceAccount: resourceOwner ?? principal.account, context: context, now: now)
                let decision = PolicyEvaluator.evaluate(request, policies: set)
                let considered = identity + [boundary, resourcePolicy].compactMap { $0 }
                let missing = Self.conditionKeys(in: considered, action: action, resource: resource).filter { !supplied.contains($0.lowercased()) }
                members.append(Self.result(action: action, resource: resource, decision: decision, types: types, missing: missing, boundary: boundary != nil,
                                           organizations: !organizationPolicies.isEmpty))
            }
        }
        let tag = principalPolicy ? "SimulatePrincipalPolicyResult" : "SimulateCustomPolicyResult"
        return paginate(members).map { page in
            "  <\(tag)>\n    <EvaluationResults>\n\(page.members)    </EvaluationResults>\n\(page.trailer)  </\(tag)>\n"
        }
    }

    func parse(_ text: String, as type: PolicyType) -> Result<Policy, AWSServiceError> {
        do { return .success(try Policy.parse(text, as: type)) } catch {
            return .failure(AWSServiceError(code: ErrorCode.malformedPolicyDocument, status: 400, message: error.message))
        }
    }

    static func evalDecision(_ d: Decision) -> String {
        switch d.outcome {
        case .allow: "allowed"
        case .explicitDeny: "explicitDeny"
        case .implicitDeny: "implicitDeny"
        }
    }

    static func result(action: String, resource: String, decision: Decision, types: [String: String], missing: [String], boundary: Bool,
                       organizations: Bool = false) -> String {
        let i = "        "
        var xml = "      <member>\n\(i)<EvalActionName>\(XML.escape(action))</EvalActionName>\n\(i)<EvalResourceName>\(XML.escape(resource))</EvalResourceName>\n"
        xml += "\(i)<EvalDecision>\(evalDecision(decision))</EvalDecision>\n\(i)<MatchedStatements>\n"
        // The simulator lists the statements of the policies it was given, not the organization's.
        for s in decision.statements where s.policyType != .scp && s.policyType != .rcp {
            xml += "\(i)  <member>\n\(i)    <SourcePolicyId>\(XML.escape(s.policyName))</SourcePolicyId>\n\(i)    <SourcePolicyType>\(types[s.policyName] ?? "none")</SourcePolicyType>\n\(i)  </member>\n"
        }
        xml += "\(i)</MatchedStatements>\n\(i)<MissingContextValues>\n"
        for key in missing { xml += "\(i)  <member>\(XML.escape(key))</member>\n" }
        xml += "\(i)</MissingContextValues>\n"
        let allowedByOrganizations = !(organizations && decision.deniedBy == .scp)
        xml += "\(i)<OrganizationsDecisionDetail>\n\(i)  <AllowedByOrganizations>\(allowedByOrganizations)</AllowedByOrganizations>\n\(i)</OrganizationsDecisionDetail>\n"
        if boundary {
            let allowed = decision.deniedBy != .permissionsBoundary
            xml += "\(i)<PermissionsBoundaryDecisionDetail>\n\(i)  <AllowedByPermissionsBoundary>\(allowed)</AllowedByPermissionsBoundary>\n\(i)</PermissionsBoundaryDecisionDetail>\n"
        }
        xml += "\(i)<EvalDecisionDetails/>\n"
        return xml + "      </member>\n"
    }

    /// Condition keys of the statements that apply to this action and resource, in order of appearance.
    static func conditionKeys(in policies: [NamedPolicy], action: String, resource: String) -> [String] {
        var keys: [String] = []
        for named in policies {
            for s in named.policy.statements {
                let actionMatches = s.action.map { $0.contains { Wildcard.matches($0, action, caseInsensitive: true) } }
                    ?? !(s.notAction ?? []).contains { Wildcard.matches($0, action, caseInsensitive: true) }
                let resourceMatches = resource == "*" || (s.resource.map { $0.contains { Wildcard.matchesARN($0, resource) || $0 == "*" } }
                    ?? !(s.notResource ?? []).contains { Wildcard.matchesARN($0, resource) })
                guard actionMatches, resourceMatches else { continue }
                for c in s.conditions where !keys.contains(where: { $0.lowercased() == c.key.lowercased() }) { keys.append(c.key) }
            }
        }
        return keys
    }
}
