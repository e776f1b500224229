import Foundation
import IAMPolicy
import World

/// How a service words and shapes the AccessDenied it answers.
enum DenialShape: Sendable {
    /// S3: `AccessDenied`, 403, the resource in double quotes; the reason is told only to callers
    /// in the bucket owner's account or organization, others read `Access Denied`.
    case s3
    /// IAM and STS on the query protocol: `AccessDenied`, 403, with the reason.
    case query
    /// STS's AssumeRole: `AccessDenied`, 403, without a reason clause whichever policy refused
    /// (the words for a role that does not exist are the same).
    case assumeRole
    /// JSON services (Glue, CloudWatch Logs): `AccessDeniedException`, 400, with the reason.
    case json
}

/// The access-control step of every service: decide through the world's one authorization
/// input, record the call, and write AWS's AccessDenied from the engine's message builder.
struct AccessControl: Sendable {
    let world: World
    let events: any EventSink

    /// What AWS says for a request whose caller may not be told why.
    static let plainS3Denial = "Access Denied"

    /// Authorizes one call of `service`'s `operation` and records it (unless `record` is false,
    /// for checks AWS makes silently, such as S3's ListBucket check behind a 404).
    /// `shownResource` is how the service names the resource in its message (IAM's "role NAME");
    /// `.some(nil)` leaves the resource out (s3:ListAllMyBuckets).
    @discardableResult
    func check(_ access: AccessRequest, service: String, operation: String, shape: DenialShape,
               shownResource: String?? = .none, now: Date, record: Bool = true) -> AccessCheck {
        let outcome = world.decide(access, now: now)
        var error: AWSServiceError?
        if !outcome.allowed {
            error = denial(outcome, access: access, shape: shape, shownResource: shownResource ?? access.resource)
        }
        if record {
            self.record(access, service: service, operation: operation, decision: outcome.allowed ? "allow" : "deny",
                        reason: outcome.reason, error: error, now: now, explanation: outcome.allowed ? nil : outcome.decision.explanation,
                        replayable: true)
        }
        return AccessCheck(outcome: outcome, error: error)
    }

    /// AWS's AccessDenied for a refused request, in the service's words.
    func denial(_ outcome: AccessDecision, access: AccessRequest, shape: DenialShape, shownResource: String?) -> AWSServiceError {
        let principal = access.caller.principal
        let decision = outcome.decision
        switch shape {
        case .s3:
            let owner = outcome.input.request.resourceAccount
            let told = principal.kind != .anonymous
                && (principal.account.flatMap { account in owner.map { world.sameOrganization(account, $0) } } ?? false)
            guard told, let message = decision.accessDeniedMessage(principalArn: principal.arn, action: access.action,
                                                                   resource: shownResource, quotesResource: true) else {
                return .accessDenied(Self.plainS3Denial)
            }
            return .accessDenied(message)
        case .query, .assumeRole:
            let message = decision.accessDeniedMessage(principalArn: principal.arn, action: access.action, resource: shownResource,
                                                       withReason: shape == .query)
            return .accessDenied(message ?? Self.plainS3Denial)
        case .json:
            let message = decision.accessDeniedMessage(principalArn: principal.arn, action: access.action, resource: shownResource)
            return AWSServiceError(code: ErrorCode.accessDeniedException, status: 400, message: message ?? "Access denied")
        }
    }

    /// AssumeRole's answer for a role that does not exist: the same words as for a role whose
    /// trust policy refuses, from the same message builder.
    static func refusal(_ caller: Caller, action: String, resource: String?) -> AWSServiceError {
        let decision = Decision(outcome: .implicitDeny, deniedBy: .resource)
        return .accessDenied(decision.accessDeniedMessage(principalArn: caller.principal.arn, action: action, resource: resource, withReason: false)
            ?? plainS3Denial)
    }

    /// Records a call the service decided itself (a refusal before any policy, such as a root
    /// user's AssumeRole, or one event for several checked actions). `replayable` keeps the
    /// request's facts for `simulate --replay`: only for events that are one policy decision.
    func record(_ access: AccessRequest, service: String, operation: String, decision: String, reason: String,
                error: AWSServiceError?, status: Int = 200, now: Date, explanation: [String]? = nil, replayable: Bool = false) {
        events.record(CallEvent(time: now, service: service, operation: operation, action: access.action,
                                principal: access.caller.principal.arn, resource: access.resource, decision: decision, reason: reason,
                                status: error?.status ?? status, errorCode: error?.code, explanation: explanation,
                                request: replayable ? RecordedRequest(access) : nil))
    }
}

/// The outcome of one access-control step.
struct AccessCheck: Sendable {
    var outcome: AccessDecision
    /// The AccessDenied to answer, nil when allowed.
    var error: AWSServiceError?
    var allowed: Bool { outcome.allowed }
    var reason: String { outcome.reason }
}
