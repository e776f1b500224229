import Foundation

/// Who makes a request.
public struct PrincipalIdentity: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case root, user, assumedRole, federatedUser, service, anonymous }
    public var kind: Kind
    /// The caller ARN (for a service principal, its name such as "glue.amazonaws.com").
    public var arn: String
    /// nil for service principals and anonymous callers.
    public var account: String?
    /// aws:userid: AIDA... for users, AROA...:SESSION for role sessions, the account id for root.
    public var userId: String?
    /// For assumed-role sessions the role's own ARN (with path), which is what policies name.
    public var roleArn: String?
    /// aws:username, for IAM users only.
    public var userName: String?
    /// The user's or role's own tags (for a session, its role's tags).
    public var tags: [String: String]
    /// Tags passed when the session was created; they override role tags of the same key
    /// in aws:PrincipalTag/*.
    public var sessionTags: [String: String]
    /// When the session's credentials were issued (aws:TokenIssueTime); nil for long-term keys.
    public var tokenIssueTime: Date?
    /// The source identity set on the session (aws:SourceIdentity).
    public var sourceIdentity: String?

    public init(kind: Kind, arn: String, account: String?, userId: String? = nil, roleArn: String? = nil, userName: String? = nil,
                tags: [String: String] = [:], sessionTags: [String: String] = [:], tokenIssueTime: Date? = nil, sourceIdentity: String? = nil) {
        self.kind = kind
        self.arn = arn
        self.account = account
        self.userId = userId
        self.roleArn = roleArn
        self.userName = userName
        self.tags = tags
        self.sessionTags = sessionTags
        self.tokenIssueTime = tokenIssueTime
        self.sourceIdentity = sourceIdentity
    }

    /// The tags policies see as aws:PrincipalTag/*: the principal's own tags, with session
    /// tags taking precedence over role tags of the same key.
    public var effectiveTags: [String: String] {
        sessionTags.isEmpty ? tags : tags.merging(sessionTags) { _, session in session }
    }

    /// Principals that IAM policies, boundaries and SCPs govern.
    var isIAMPrincipal: Bool {
        switch kind {
        case .user, .assumedRole, .federatedUser, .root: true
        case .service, .anonymous: false
        }
    }
}

/// The request to decide.
public struct AuthorizationRequest: Sendable {
    public var principal: PrincipalIdentity
    /// e.g. "s3:GetObject".
    public var action: String
    /// The resource ARN, or "*" for actions that take no resource.
    public var resource: String
    /// The account owning the resource; nil means the principal's own account.
    public var resourceAccount: String?
    /// Condition keys to values. Keys are matched case-insensitively. The evaluator adds
    /// the principal's keys (aws:PrincipalArn, aws:userid, aws:PrincipalTag/...) and the
    /// time keys (from `now`) itself, overriding anything given here under those names.
    public var context: [String: [String]]
    public var now: Date
    /// false: the context is exactly `context`, nothing is derived from the principal or
    /// `now` (reproducible policy test cases).
    public var derivesContext: Bool

    public init(principal: PrincipalIdentity, action: String, resource: String, resourceAccount: String? = nil,
                context: [String: [String]] = [:], now: Date, derivesContext: Bool = true) {
        self.principal = principal
        self.action = action
        self.resource = resource
        self.resourceAccount = resourceAccount
        self.context = context
        self.now = now
        self.derivesContext = derivesContext
    }
}
