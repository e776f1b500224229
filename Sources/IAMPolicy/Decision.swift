/// One statement that took part in a decision.
public struct MatchedStatement: Sendable, Hashable {
    public var policyName: String
    public var policyType: PolicyType
    public var statementIndex: Int
    public var sid: String?
    public var effect: Effect

    public init(policyName: String, policyType: PolicyType, statementIndex: Int, sid: String?, effect: Effect) {
        self.policyName = policyName
        self.policyType = policyType
        self.statementIndex = statementIndex
        self.sid = sid
        self.effect = effect
    }

    /// e.g. `role/x inline policy s3 Statement[2] (Sid "AllowRead")`.
    public var label: String {
        "\(policyName) Statement[\(statementIndex)]" + (sid.map { " (Sid \"\($0)\")" } ?? "")
    }
}

/// The outcome of evaluating a request, with the statements and steps that led to it.
public struct Decision: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable { case allow, explicitDeny, implicitDeny }

    public var outcome: Outcome
    /// Which policy type caused the denial (explicit deny in it, or no allow from it).
    public var deniedBy: PolicyType?
    /// The statements that allowed, or the Deny statements that denied.
    public var statements: [MatchedStatement]
    /// One line per evaluation step.
    public var explanation: [String]

    public init(outcome: Outcome, deniedBy: PolicyType? = nil, statements: [MatchedStatement] = [], explanation: [String] = []) {
        self.outcome = outcome
        self.deniedBy = deniedBy
        self.statements = statements
        self.explanation = explanation
    }

    public var isAllowed: Bool { outcome == .allow }

    /// AWS's reason clause for the AccessDenied message ("Access denied error messages"
    /// in the IAM User Guide), e.g. "because no identity-based policy allows the
    /// s3:GetObject action"; nil when allowed.
    public func reason(action: String) -> String? {
        guard let type = deniedBy else { return nil }
        switch outcome {
        case .allow: return nil
        case .explicitDeny: return "with an explicit deny in \(type.article) \(type.displayName)"
        case .implicitDeny: return "because no \(type.displayName) allows the \(action) action"
        }
    }

    /// The full AccessDenied message: "User: ARN is not authorized to perform: ACTION on resource: RESOURCE REASON".
    public func accessDeniedMessage(principalArn: String, action: String, resource: String) -> String? {
        guard let reason = reason(action: action) else { return nil }
        return "User: \(principalArn) is not authorized to perform: \(action) on resource: \(resource) \(reason)"
    }
}
