import Foundation
import IAMPolicy
import Synchronization
import World

/// One AWS call the endpoint answered, for `events.jsonl` and run summaries.
public struct CallEvent: Codable, Sendable, Hashable {
    public var time: Date
    public var service: String
    /// The API operation, e.g. `HeadObject` (authorized as `s3:GetObject`).
    public var operation: String
    /// IAM action, e.g. `s3:GetObject`.
    public var action: String
    public var principal: String
    public var resource: String
    /// `allow` or `deny`.
    public var decision: String
    /// Why: the deciding statements for an allow, AWS's reason clause for a deny.
    public var reason: String
    public var status: Int
    public var errorCode: String?
    /// For a denial, the engine's evaluation step by step (which policies, which statements).
    public var explanation: [String]?
    /// How summaries and `serve`'s log mark the call: `allow`, `DENY ` or `UNSUPPORTED`.
    public var mark: String {
        switch decision {
        case "allow": "allow"
        case "deny": "DENY "
        default: decision.uppercased()
        }
    }

    /// The facts of the request the decision was made on, so `simulate --replay` can decide it again.
    public var request: RecordedRequest?

    public init(time: Date, service: String, operation: String, action: String, principal: String, resource: String, decision: String, reason: String, status: Int, errorCode: String? = nil, explanation: [String]? = nil,
                request: RecordedRequest? = nil) {
        self.explanation = explanation
        self.request = request
        self.time = time
        self.service = service
        self.operation = operation
        self.action = action
        self.principal = principal
        self.resource = resource
        self.decision = decision
        self.reason = reason
        self.status = status
        self.errorCode = errorCode
    }
}

/// What a decision depended on beyond the world: the request's own condition keys and
/// transport, and the caller's session (its policies, tags, MFA and issue time).
public struct RecordedRequest: Codable, Sendable, Hashable {
    public var transport: Transport
    /// The public address the caller gave explicitly (nil: the world's network decides).
    public var sourceIp: String?
    /// Where the caller was inside a VPC (a placed run's subnet and private address).
    public var placement: NetworkPlacement?
    /// Condition keys the service derived from the request.
    public var context: [String: [String]]
    /// The resource's owner when the service, not the world, holds the resource (S3's buckets).
    public var resourceAccount: String?
    public var session: RecordedSession?
    /// S3: the applying ACL's grants as a policy, the object's owner when not the bucket owner,
    /// and RestrictPublicBuckets, as the service held them.
    public var accessControlList: RecordedPolicy?
    public var objectOwner: String?
    public var restrictPublicBuckets: Bool?

    public struct RecordedSession: Codable, Sendable, Hashable {
        public var policies: [RecordedPolicy]
        public var tags: [String: String]
        public var sourceIdentity: String?
        public var mfaAuthenticatedAt: Date?
        public var issuedAt: Date?
        public var temporary: Bool
        public var servicePrincipal: Bool
    }

    public struct RecordedPolicy: Codable, Sendable, Hashable {
        public var name: String
        public var arn: String?
        public var document: String
    }

    public init(_ access: AccessRequest) {
        transport = access.transport
        sourceIp = access.caller.sourceIP
        placement = access.caller.effectivePlacement
        context = access.requestContext
        resourceAccount = access.target?.account
        accessControlList = access.target?.accessControlList.map { RecordedPolicy(name: $0.name, arn: nil, document: PolicyRenderer.json($0.policy)) }
        objectOwner = access.target?.objectOwner
        restrictPublicBuckets = access.target?.restrictPublicBuckets == true ? true : nil
        if let credential = access.caller.credential {
            session = RecordedSession(
                policies: credential.sessionPolicies.map { RecordedPolicy(name: $0.name, arn: $0.arn, document: PolicyRenderer.json($0.policy)) },
                tags: credential.principal.sessionTags, sourceIdentity: credential.sourceIdentity,
                mfaAuthenticatedAt: credential.mfaAuthenticatedAt, issuedAt: credential.issuedAt,
                temporary: credential.isTemporary, servicePrincipal: credential.origin == .servicePrincipal)
        }
    }
}

/// Where the endpoint reports calls.
public protocol EventSink: Sendable {
    func record(_ event: CallEvent)
}

/// Appends each event as one JSON line to a file, and keeps them for the run summary.
public final class JSONLinesEventSink: EventSink {
    private let state: Mutex<(handle: FileHandle?, events: [CallEvent])>
    private let encoder: JSONEncoder

    public init(file: URL) {
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        state = Mutex((try? FileHandle(forWritingTo: file), []))
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, enc in
            var c = enc.singleValueContainer()
            try c.encode(XML.timestamp(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.encoder = encoder
    }

    public func record(_ event: CallEvent) {
        let line = ((try? encoder.encode(event)) ?? Data()) + Data("\n".utf8)
        state.withLock { state in
            state.events.append(event)
            state.handle?.write(line)
        }
    }

    public var events: [CallEvent] { state.withLock { $0.events } }
}

/// Keeps events in memory (tests, `serve`).
public final class MemoryEventSink: EventSink {
    private let stored = Mutex<[CallEvent]>([])
    public init() {}
    public func record(_ event: CallEvent) { stored.withLock { $0.append(event) } }
    public var events: [CallEvent] { stored.withLock { $0 } }
}

/// Prints one line per call on stderr (`glueshim serve`).
public final class StderrEventSink: EventSink {
    public init() {}
    public func record(_ event: CallEvent) {
        var line = "\(event.mark) \(event.action) \(event.resource) by \(event.principal)"
        if event.decision != "allow" { line += " \(event.reason)" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
