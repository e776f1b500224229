import Foundation
import IAMPolicy
import SigV4
import Synchronization

/// Credentials the local STS has handed out, and who they belong to.
public struct IssuedCredential: Sendable {
    public var credentials: AWSCredentials
    public var principal: PrincipalIdentity
    /// nil for long-term keys.
    public var expiration: Date?
    /// Session policies passed to AssumeRole (they limit the session).
    public var sessionPolicies: [NamedPolicy]
    /// Whether this session was obtained with another role session's credentials (role chaining).
    public var isChained: Bool
    /// Session tags passed when the session was created (or carried along a chain as transitive tags).
    public var sessionTags: [String: String] = [:]
    /// Keys of `sessionTags` that pass on to sessions this one assumes.
    public var transitiveTagKeys: [String] = []
    /// sts:SourceIdentity, fixed for the whole role chain once set.
    public var sourceIdentity: String? = nil
    /// When MFA was presented for this session (nil: no MFA).
    public var mfaAuthenticatedAt: Date? = nil
    /// When the session was issued (aws:TokenIssueTime).
    public var issuedAt: Date? = nil
    /// Where the credentials come from: AssumeRole, GetSessionToken, a long-term key.
    public var origin: Origin = .assumeRole
    /// Where calls signed with these credentials come from inside a VPC (a job run's subnet);
    /// sessions obtained with them through STS inherit it.
    public var placement: NetworkPlacement? = nil

    public enum Origin: Sendable, Hashable { case assumeRole, getSessionToken, longTerm, servicePrincipal }

    public init(credentials: AWSCredentials, principal: PrincipalIdentity, expiration: Date?, sessionPolicies: [NamedPolicy] = [],
                isChained: Bool = false, sessionTags: [String: String] = [:], transitiveTagKeys: [String] = [],
                sourceIdentity: String? = nil, mfaAuthenticatedAt: Date? = nil, issuedAt: Date? = nil, origin: Origin = .assumeRole) {
        self.credentials = credentials
        self.principal = principal
        self.expiration = expiration
        self.sessionPolicies = sessionPolicies
        self.isChained = isChained
        self.sessionTags = sessionTags
        self.transitiveTagKeys = transitiveTagKeys
        self.sourceIdentity = sourceIdentity
        self.mfaAuthenticatedAt = mfaAuthenticatedAt
        self.issuedAt = issuedAt
        self.origin = origin
    }

    /// Whether these are temporary credentials (with a session token).
    public var isTemporary: Bool { credentials.sessionToken != nil }
}

/// The registry of access keys the endpoint accepts. Shared by STS (which issues) and every
/// service (which looks callers up), so it is guarded by a lock.
public final class CredentialStore: Sendable {
    private let issued = Mutex<[String: IssuedCredential]>([:])

    public init() {}

    public func lookup(accessKeyId: String) -> IssuedCredential? {
        issued.withLock { $0[accessKeyId] }
    }

    /// Issues temporary credentials (`ASIA...`, secret, session token) for a principal.
    public func issueSession(principal: PrincipalIdentity, expiration: Date, sessionPolicies: [NamedPolicy] = [], isChained: Bool = false) -> IssuedCredential {
        var credential = IssuedCredential(credentials: Self.newSessionCredentials(account: principal.account), principal: principal,
                                          expiration: expiration, sessionPolicies: sessionPolicies, isChained: isChained)
        if principal.kind == .service { credential.origin = .servicePrincipal }
        return register(credential)
    }

    /// Places the holder of an access key in a subnet: every call signed with it carries the placement.
    public func place(accessKeyId: String, at placement: NetworkPlacement?) {
        issued.withLock { $0[accessKeyId]?.placement = placement }
    }

    /// Stores a fully described session (STS fills in tags, source identity, MFA) and returns it.
    @discardableResult
    public func register(_ credential: IssuedCredential) -> IssuedCredential {
        issued.withLock { $0[credential.credentials.accessKeyId] = credential }
        return credential
    }

    /// Fresh `ASIA...` credentials whose key id encodes `account` as AWS key ids do.
    public static func newSessionCredentials(account: String?) -> AWSCredentials {
        AWSCredentials(accessKeyId: newAccessKeyId(prefix: "ASIA", account: account),
                       secretAccessKey: randomString(40, alphabet: secretAlphabet),
                       sessionToken: "IQoJb3JpZ2luX2VjE" + randomString(220, alphabet: secretAlphabet))
    }

    /// Long-term access keys (`AKIA...`, no session token) for an IAM user or an account's root.
    public func issueLongTerm(principal: PrincipalIdentity) -> IssuedCredential {
        let credentials = AWSCredentials(
            accessKeyId: Self.newAccessKeyId(prefix: "AKIA", account: principal.account),
            secretAccessKey: Self.randomString(40, alphabet: Self.secretAlphabet))
        let credential = IssuedCredential(credentials: credentials, principal: principal, expiration: nil, sessionPolicies: [], isChained: false, origin: .longTerm)
        issued.withLock { $0[credentials.accessKeyId] = credential }
        return credential
    }

    /// Accepts the access keys a world declares for its users.
    public func registerDeclaredKeys(of world: World) {
        for account in world.accounts.values {
            for user in account.users.values {
                for key in user.accessKeys {
                    let credential = IssuedCredential(credentials: AWSCredentials(accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey),
                                                      principal: user.principal, expiration: nil, sessionPolicies: [], isChained: false, origin: .longTerm)
                    issued.withLock { $0[key.accessKeyId] = credential }
                }
            }
        }
    }

    /// Credentials that stand for an AWS service principal (such as `glue.amazonaws.com`) when
    /// glueshim acts as that service, e.g. to assume a job's role as Glue does.
    public func issueServicePrincipal(_ service: String, expiration: Date) -> IssuedCredential {
        issueSession(principal: PrincipalIdentity(kind: .service, arn: service, account: nil), expiration: expiration)
    }

    static let keyAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    static let secretAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

    static func randomString(_ count: Int, alphabet: [Character]) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    /// A 20-character key id: the prefix, then 10 bytes in base32 whose first 6 bytes hold the
    /// account id shifted left by 7 bits, which is how AWS key ids carry their account (and
    /// how GetAccessKeyInfo reads it back). Without an account the bytes are random.
    public static func newAccessKeyId(prefix: String, account: String?) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<10).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        if let account, let number = UInt64(account) {
            let packed = (number << 7) | UInt64(bytes[5] & 0x7f)
            for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: packed >> (8 * (5 - i))) }
        }
        return prefix + base32(bytes)
    }

    /// The account a key id encodes (the inverse of `newAccessKeyId`), or nil when it is not a key id.
    public static func account(ofAccessKeyId id: String) -> String? {
        guard id.count >= 20, id.hasPrefix("AKIA") || id.hasPrefix("ASIA") else { return nil }
        let body = Array(id.dropFirst(4).prefix(16))
        var bits: UInt64 = 0, count = 0
        var bytes: [UInt8] = []
        for c in body {
            guard let v = keyAlphabet.firstIndex(of: c) else { return nil }
            bits = (bits << 5) | UInt64(v); count += 5
            if count >= 8 { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(count - 8))); count -= 8 }
        }
        guard bytes.count >= 6 else { return nil }
        var value: UInt64 = 0
        for b in bytes.prefix(6) { value = (value << 8) | UInt64(b) }
        let account = (value & 0x7fff_ffff_ff80) >> 7
        let text = String(account)
        return String(repeating: "0", count: max(0, 12 - text.count)) + text
    }

    static func base32(_ bytes: [UInt8]) -> String {
        var out = ""
        var bits: UInt64 = 0, count = 0
        for b in bytes {
            bits = (bits << 8) | UInt64(b); count += 8
            while count >= 5 { out.append(keyAlphabet[Int((bits >> UInt64(count - 5)) & 31)]); count -= 5 }
        }
        if count > 0 { out.append(keyAlphabet[Int((bits << UInt64(5 - count)) & 31)]) }
        return out
    }
}

extension User {
    /// The identity this user signs requests as.
    public var principal: PrincipalIdentity {
        PrincipalIdentity(kind: .user, arn: arn, account: account, userId: userId, userName: name, tags: tags)
    }
}

extension World {
    /// The root user of an account (`arn:aws:iam::ACCT:root`), if the world has the account.
    public func root(arn: String) -> PrincipalIdentity? {
        guard let parsed = IAMArn(arn), parsed.service == "iam", parsed.resource == "root", accounts[parsed.account] != nil else { return nil }
        return PrincipalIdentity(kind: .root, arn: arn, account: parsed.account, userId: parsed.account)
    }
}
