import Foundation
import IAMPolicy
import SigV4
import World

/// Decides a recorded call again, through the same authorization input as the endpoint, from
/// the world and the facts the event kept (`simulate --replay`).
public enum EventReplay {
    public struct Outcome: Sendable {
        public var event: CallEvent
        /// nil when the event cannot be decided again (see `skipped`).
        public var decision: AccessDecision?
        /// Why the event was not decided again: a call the service answered without a policy
        /// decision, or one whose caller the world does not hold.
        public var skipped: String?

        /// "allow" or "deny", as events write it.
        public var replayedDecision: String? { decision.map { $0.allowed ? "allow" : "deny" } }
        public var agrees: Bool {
            guard let decision else { return true }
            return replayedDecision == event.decision && decision.reason == event.reason
        }
    }

    public static func decide(_ event: CallEvent, world: World) -> Outcome {
        guard let facts = event.request, event.decision == "allow" || event.decision == "deny" else {
            return Outcome(event: event, skipped: "decided by \(event.service) without a policy decision (\(event.reason))")
        }
        let caller: Caller
        switch self.caller(event.principal, facts: facts, world: world) {
        case .success(let found): caller = found
        case .failure(let error): return Outcome(event: event, skipped: error.message)
        }
        var access = AccessRequest(caller: caller, action: event.action, resource: event.resource, transport: facts.transport,
                                   requestContext: facts.context)
        // A resource the service held that the world does not (a bucket created during the run).
        if let owner = facts.resourceAccount, !inWorld(event.resource, world: world) {
            access.target = ResourceTarget(account: owner, policy: nil)
        }
        // What S3 held besides the bucket policy: the ACL, the object's owner, RestrictPublicBuckets.
        if facts.accessControlList != nil || facts.objectOwner != nil || facts.restrictPublicBuckets == true {
            var notes: [String] = []
            var target = access.target ?? world.resourceTarget(action: event.action, resource: event.resource, caller: caller, notes: &notes)
            target.accessControlList = facts.accessControlList.flatMap { recorded in
                (try? Policy.parse(recorded.document)).map { NamedPolicy(name: recorded.name, policy: $0) }
            }
            target.objectOwner = facts.objectOwner
            target.restrictPublicBuckets = facts.restrictPublicBuckets == true
            access.target = target
        }
        return Outcome(event: event, decision: world.decide(access, now: event.time))
    }

    static func inWorld(_ resource: String, world: World) -> Bool {
        guard resource.hasPrefix("arn:aws:s3:::") else { return true }
        let bucket = resource.dropFirst("arn:aws:s3:::".count).split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        return world.bucket(named: bucket) != nil
    }

    /// The caller of a recorded call: the principal as the world defines it, with the session the
    /// event kept (its policies, tags, source identity, MFA and issue time).
    static func caller(_ arn: String, facts: RecordedRequest, world: World) -> Result<Caller, ReplayError> {
        var principal: PrincipalIdentity
        if arn == "anonymous" {
            return .success(Caller(principal: Caller.anonymous.principal, sourceIP: facts.sourceIp, placement: facts.placement))
        } else if !arn.hasPrefix("arn:") {
            principal = PrincipalIdentity(kind: .service, arn: arn, account: nil)
        } else if arn.contains(":assumed-role/") {
            let parts = arn.split(separator: "/")
            guard parts.count >= 3, let account = World.account(ofARN: arn),
                  let role = world.accounts[account]?.roles[String(parts[1])] else {
                return .failure(ReplayError(message: "no role for \(arn) in the world"))
            }
            let session = String(parts.last!)
            principal = PrincipalIdentity(kind: .assumedRole, arn: arn, account: account, userId: "\(role.roleId):\(session)",
                                          roleArn: role.arn, tags: role.tags)
        } else if arn.hasSuffix(":root"), let account = World.account(ofARN: arn) {
            principal = PrincipalIdentity(kind: .root, arn: arn, account: account, userId: account)
        } else if let user = world.user(arn: arn) {
            principal = user.principal
        } else {
            return .failure(ReplayError(message: "no user or role \(arn) in the world"))
        }
        var credential: IssuedCredential?
        if let session = facts.session {
            var policies: [NamedPolicy] = []
            for recorded in session.policies {
                guard let policy = try? Policy.parse(recorded.document, as: .session) else { return .failure(ReplayError(message: "a session policy of \(arn) does not parse")) }
                policies.append(NamedPolicy(name: recorded.name, policy: policy, arn: recorded.arn))
            }
            principal.sessionTags = session.tags
            principal.sourceIdentity = session.sourceIdentity
            principal.tokenIssueTime = session.issuedAt
            let keys = AWSCredentials(accessKeyId: "REPLAY", secretAccessKey: "REPLAY", sessionToken: session.temporary ? "REPLAY" : nil)
            credential = IssuedCredential(credentials: keys, principal: principal, expiration: nil, sessionPolicies: policies,
                                          sessionTags: session.tags, sourceIdentity: session.sourceIdentity,
                                          mfaAuthenticatedAt: session.mfaAuthenticatedAt, issuedAt: session.issuedAt,
                                          origin: session.servicePrincipal ? .servicePrincipal : (session.temporary ? .assumeRole : .longTerm))
        }
        return .success(Caller(principal: principal, credential: credential, sourceIP: facts.sourceIp, placement: facts.placement))
    }

    /// Reads `events.jsonl`: one event per line.
    public static func read(_ file: URL) throws -> [CallEvent] {
        let text = try String(contentsOf: file, encoding: .utf8)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { d in
            let text = try d.singleValueContainer().decode(String.self)
            guard let date = (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
                ?? (try? Date(text, strategy: Date.ISO8601FormatStyle())) else {
                throw DecodingError.dataCorrupted(.init(codingPath: d.codingPath, debugDescription: "not a time: \(text)"))
            }
            return date
        }
        var events: [CallEvent] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            do {
                events.append(try decoder.decode(CallEvent.self, from: Data(line.utf8)))
            } catch {
                throw ReplayError(message: "\(file.path):\(i + 1): not a call event (\(error))")
            }
        }
        return events
    }

    public struct ReplayError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
