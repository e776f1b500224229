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
        let credentials = AWSCredentials(
            accessKeyId: "ASIA" + Self.randomString(16, alphabet: Self.keyAlphabet),
            secretAccessKey: Self.randomString(40, alphabet: Self.secretAlphabet),
            sessionToken: "IQoJb3JpZ2luX2VjE" + Self.randomString(220, alphabet: Self.secretAlphabet)
        )
        let credential = IssuedCredential(credentials: credentials, principal: principal, expiration: expiration,
                                          sessionPolicies: sessionPolicies, isChained: isChained)
        issued.withLock { $0[credentials.accessKeyId] = credential }
        return credential
    }

    /// Long-term access keys (`AKIA...`, no session token) for an IAM user or an account's root.
    public func issueLongTerm(principal: PrincipalIdentity) -> IssuedCredential {
        let credentials = AWSCredentials(
            accessKeyId: "AKIA" + Self.randomString(16, alphabet: Self.keyAlphabet),
            secretAccessKey: Self.randomString(40, alphabet: Self.secretAlphabet))
        let credential = IssuedCredential(credentials: credentials, principal: principal, expiration: nil, sessionPolicies: [], isChained: false)
        issued.withLock { $0[credentials.accessKeyId] = credential }
        return credential
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
}
