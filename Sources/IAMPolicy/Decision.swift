/// One statement that took part in a decision.
public struct MatchedStatement: Sendable, Hashable {
    public var policyName: String
    public var policyType: PolicyType
    public var statementIndex: Int
    public var sid: String?
    public var effect: Effect
    /// The ARN of the statement's policy, when it has one (managed policies, SCPs, RCPs).
    public var policyArn: String?

    public init(policyName: String, policyType: PolicyType, statementIndex: Int, sid: String?, effect: Effect, policyArn: String? = nil) {
        self.policyName = policyName
        self.policyType = policyType
        self.statementIndex = statementIndex
        self.sid = sid
        self.effect = effect
        self.policyArn = policyArn
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
    /// One line per evaluation step. The evaluator does not write these lines while it
    /// decides: it keeps what it needs to replay the evaluation, and the lines are built
    /// when this is read (every read builds the same lines).
    public var explanation: [String] {
        get {
            switch explanationSource {
            case .lines(let lines): lines
            case .replay(let render): render()
            }
        }
        set { explanationSource = .lines(newValue) }
    }

    enum ExplanationSource: Sendable {
        case lines([String])
        case replay(@Sendable () -> [String])
    }

    var explanationSource: ExplanationSource
    /// For an explicit deny, the ARN of the denying policy as AWS adds it to the message
    /// (since January 2026): only for identity-based policies, permissions boundaries,
    /// session policies, SCPs and RCPs that have an ARN, and only when the caller is in the
    /// resource's account or organization. nil otherwise.
    public var denyingPolicyArn: String?

    public init(outcome: Outcome, deniedBy: PolicyType? = nil, statements: [MatchedStatement] = [], explanation: [String] = [],
                denyingPolicyArn: String? = nil) {
        self.outcome = outcome
        self.deniedBy = deniedBy
        self.statements = statements
        self.explanationSource = .lines(explanation)
        self.denyingPolicyArn = denyingPolicyArn
    }

    public static func == (a: Decision, b: Decision) -> Bool {
        a.outcome == b.outcome && a.deniedBy == b.deniedBy && a.statements == b.statements
            && a.denyingPolicyArn == b.denyingPolicyArn && a.explanation == b.explanation
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(outcome)
        hasher.combine(deniedBy)
        hasher.combine(statements)
        hasher.combine(explanation)
        hasher.combine(denyingPolicyArn)
    }

    /// "Allowed", "ImplicitlyDenied" or "ExplicitlyDenied", as `simulate` reports it.
    public var name: String {
        switch outcome {
        case .allow: "Allowed"
        case .implicitDeny: "ImplicitlyDenied"
        case .explicitDeny: "ExplicitlyDenied"
        }
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

    /// The full AccessDenied message: "User: ARN is not authorized to perform: ACTION on
    /// resource: RESOURCE REASON", with the denying policy's ARN after an explicit deny
    /// when AWS discloses it (": arn:..."). When a role's trust policy refuses
    /// sts:AssumeRole*, STS answers without a reason clause (the same words as for a role
    /// that does not exist, so the answer does not reveal which).
    /// S3 writes the resource in double quotes (`quotesResource`); IAM, STS and most
    /// services do not.
    /// A nil `resource` leaves out "on resource: ..." (operations without one, such as
    /// s3:ListAllMyBuckets); `withReason: false` gives the head alone, as STS answers every
    /// refused AssumeRole.
    public func accessDeniedMessage(principalArn: String, action: String, resource: String?, quotesResource: Bool = false,
                                    withReason: Bool = true) -> String? {
        guard let reason = reason(action: action) else { return nil }
        var head = "User: \(principalArn) is not authorized to perform: \(action)"
        if let resource { head += " on resource: " + (quotesResource ? "\"\(resource)\"" : resource) }
        if !withReason { return head }
        if deniedBy == .resource, action.lowercased().hasPrefix("sts:assumerole") { return head }
        if outcome == .explicitDeny, let arn = denyingPolicyArn { return "\(head) \(reason): \(arn)" }
        return "\(head) \(reason)"
    }
}
