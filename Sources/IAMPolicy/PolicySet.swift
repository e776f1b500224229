/// A policy together with the name it is reported under.
public struct NamedPolicy: Sendable, Hashable {
    /// e.g. "arn:aws:iam::aws:policy/AmazonS3FullAccess", "bucket policy of my-bucket".
    public var name: String
    public var policy: Policy
    /// The policy's ARN (managed policies, SCPs, RCPs); inline policies have none. When nil
    /// and `name` is an ARN, that is used.
    public var arn: String?

    public init(name: String, policy: Policy, arn: String? = nil) {
        self.name = name
        self.policy = policy
        self.arn = arn
    }

    /// The ARN AWS can name in an AccessDenied message, if the policy has one.
    public var policyArn: String? {
        arn ?? (name.hasPrefix("arn:") ? name : nil)
    }
}

/// The kinds of policy AWS evaluates, as named in decisions and denial messages.
public enum PolicyType: String, Sendable, Hashable {
    case identity, resource, permissionsBoundary, session, scp, rcp
    /// The policy of the VPC endpoint a request went through (a resource-based policy on the
    /// endpoint that every request through it must also satisfy).
    case vpcEndpoint

    /// The noun AWS uses in AccessDenied messages.
    public var displayName: String {
        switch self {
        case .identity: "identity-based policy"
        case .resource: "resource-based policy"
        case .permissionsBoundary: "permissions boundary"
        case .session: "session policy"
        case .scp: "service control policy"
        case .rcp: "resource control policy"
        case .vpcEndpoint: "VPC endpoint policy"
        }
    }

    var article: String { self == .identity ? "an" : "a" }
}

/// All the policies that apply to one request.
public struct PolicySet: Sendable {
    /// The principal's attached, inline and group policies.
    public var identity: [NamedPolicy]
    /// A bucket policy, or a role's trust policy for sts:AssumeRole.
    public var resource: NamedPolicy?
    public var permissionsBoundary: NamedPolicy?
    /// Session policies passed when the session was created.
    public var session: [NamedPolicy]
    /// One array per organization level, root first; empty means no organization.
    public var scps: [[NamedPolicy]]
    /// Like `scps`, for the resource owner's organization.
    public var rcps: [[NamedPolicy]]
    /// Whether the resource policy must allow even within one account. nil infers it:
    /// role trust policies (sts:AssumeRole*) and KMS key policies must always allow.
    public var resourcePolicyRequired: Bool?
    /// The policy of the VPC endpoint the request went through; nil when it reached the
    /// service without one. A request through an endpoint must be allowed by its policy too.
    public var vpcEndpoint: NamedPolicy?

    public init(
        identity: [NamedPolicy] = [],
        resource: NamedPolicy? = nil,
        permissionsBoundary: NamedPolicy? = nil,
        session: [NamedPolicy] = [],
        scps: [[NamedPolicy]] = [],
        rcps: [[NamedPolicy]] = [],
        resourcePolicyRequired: Bool? = nil,
        vpcEndpoint: NamedPolicy? = nil
    ) {
        self.vpcEndpoint = vpcEndpoint
        self.identity = identity
        self.resource = resource
        self.permissionsBoundary = permissionsBoundary
        self.session = session
        self.scps = scps
        self.rcps = rcps
        self.resourcePolicyRequired = resourcePolicyRequired
    }
}
