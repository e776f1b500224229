/// A parsed IAM policy document.
public struct Policy: Sendable, Hashable {
    /// "2012-10-17", "2008-10-17" or nil when absent (IAM then reads the document as 2008-10-17).
    public var version: String? {
        didSet { compiled = CompiledPolicy(statements: statements, variables: substitutesVariables) }
    }
    public var id: String?
    public var statements: [PolicyStatement] {
        didSet { compiled = CompiledPolicy(statements: statements, variables: substitutesVariables) }
    }
    /// The form the evaluator reads, rebuilt whenever the version or statements change.
    private(set) var compiled: CompiledPolicy

    public init(version: String? = "2012-10-17", id: String? = nil, statements: [PolicyStatement]) {
        self.version = version
        self.id = id
        self.statements = statements
        compiled = CompiledPolicy(statements: statements, variables: version == "2012-10-17")
    }

    public static func == (a: Policy, b: Policy) -> Bool {
        a.version == b.version && a.id == b.id && a.statements == b.statements
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(version)
        hasher.combine(id)
        hasher.combine(statements)
    }

    /// Parses the document's shape; use `validate(as:)` (or `parse(_:as:)`) for the
    /// rules that depend on where the policy is attached.
    public static func parse(_ json: String) throws(PolicyError) -> Policy {
        try PolicyParser.parse(json)
    }

    /// Parses and validates for one policy type, optionally against a size quota
    /// (IAM counts characters without white space outside strings).
    public static func parse(_ json: String, as type: PolicyType, sizeQuota: Int? = nil) throws(PolicyError) -> Policy {
        if let sizeQuota { try PolicyValidator.checkSize(json, quota: sizeQuota) }
        let policy = try PolicyParser.parse(json)
        try policy.validate(as: type)
        return policy
    }

    /// Applies IAM's rules for the given policy type (e.g. identity policies must not
    /// name a Principal, resource policies must).
    public func validate(as type: PolicyType) throws(PolicyError) {
        try PolicyValidator.validate(self, as: type)
    }

    /// Policy variables are only substituted in 2012-10-17 documents; older documents
    /// treat `${...}` as literal text.
    public var substitutesVariables: Bool { version == "2012-10-17" }
}

/// Allow or Deny.
public enum Effect: String, Sendable, Hashable {
    case allow = "Allow", deny = "Deny"
}

/// One statement of a policy document.
public struct PolicyStatement: Sendable, Hashable {
    public var sid: String?
    public var effect: Effect
    public var principal: PolicyPrincipal?
    public var notPrincipal: PolicyPrincipal?
    public var action: [String]?
    public var notAction: [String]?
    /// nil together with `notResource` only in role trust policies, where the role is the resource.
    public var resource: [String]?
    public var notResource: [String]?
    public var conditions: [PolicyCondition]

    public init(
        sid: String? = nil, effect: Effect,
        principal: PolicyPrincipal? = nil, notPrincipal: PolicyPrincipal? = nil,
        action: [String]? = nil, notAction: [String]? = nil,
        resource: [String]? = nil, notResource: [String]? = nil,
        conditions: [PolicyCondition] = []
    ) {
        self.sid = sid
        self.effect = effect
        self.principal = principal
        self.notPrincipal = notPrincipal
        self.action = action
        self.notAction = notAction
        self.resource = resource
        self.notResource = notResource
        self.conditions = conditions
    }
}

/// The value of a Principal or NotPrincipal element.
public struct PolicyPrincipal: Sendable, Hashable {
    /// `"Principal": "*"`: everyone, including anonymous callers and services.
    public var isWildcard: Bool
    public var aws: [String]
    public var service: [String]
    public var federated: [String]
    public var canonicalUser: [String]

    public init(isWildcard: Bool = false, aws: [String] = [], service: [String] = [], federated: [String] = [], canonicalUser: [String] = []) {
        self.isWildcard = isWildcard
        self.aws = aws
        self.service = service
        self.federated = federated
        self.canonicalUser = canonicalUser
    }

    public static let wildcard = PolicyPrincipal(isWildcard: true)
}

/// One `operator: { key: values }` entry of a Condition block.
public struct PolicyCondition: Sendable, Hashable {
    /// As written, e.g. "ForAllValues:StringEquals" or "StringLikeIfExists".
    public var operatorName: String {
        didSet { parsedOperator = ConditionOperator(operatorName) }
    }
    public var key: String
    public var values: [String]
    /// The operator taken apart once, when the policy is read (nil for unknown operators).
    private(set) var parsedOperator: ConditionOperator?

    public init(operatorName: String, key: String, values: [String]) {
        self.operatorName = operatorName
        self.key = key
        self.values = values
        parsedOperator = ConditionOperator(operatorName)
    }
}

/// MalformedPolicyDocument with IAM's message and where in the document it is.
public struct PolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var message: String
    /// e.g. "Statement[2].Condition"; nil for whole-document problems.
    public var location: String?

    public init(code: String = "MalformedPolicyDocument", message: String, location: String? = nil) {
        self.code = code
        self.message = message
        self.location = location
    }

    public var description: String {
        if let location { return "\(code): \(message) (at \(location))" }
        return "\(code): \(message)"
    }
}
