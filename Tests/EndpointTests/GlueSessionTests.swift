import AWSClient
import Endpoint
import Foundation
import GlueDomain
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import IAMPolicy
import ObjectStore
import SigV4
import Synchronization
import TestSupport
import Testing
import World

/// An interpreter for API tests: "fail" raises, "block" runs until interrupted, "exit" kills
/// the interpreter, anything else answers with its own code.
final class ScriptedInterpreter: GlueSessionInterpreter, Sendable {
    private let blocked = Mutex<CheckedContinuation<Void, Never>?>(nil)
    let shutdowns = Mutex(0)

    func run(_ code: String, statementId: Int) async -> GlueStatementResult {
        switch code {
        case "fail":
            return GlueStatementResult(outcome: .error, errorName: "ValueError", errorValue: "bad value",
                                       traceback: ["Traceback (most recent call last):\n", "ValueError: bad value\n"])
        case "block":
            await withCheckedContinuation { continuation in blocked.withLock { $0 = continuation } }
            return GlueStatementResult(outcome: .cancelled, errorName: "KeyboardInterrupt", errorValue: "cancelled")
        case "exit":
            return GlueStatementResult(outcome: .interpreterExited, errorName: "SessionError", errorValue: "the interpreter exited")
        default:
            return GlueStatementResult(outcome: .ok, text: "ran: \(code)")
        }
    }

    func interrupt() { blocked.withLock { $0?.resume(); $0 = nil } }
    func shutdown() { shutdowns.withLock { $0 += 1 }; interrupt() }
}

struct ScriptedLauncher: GlueSessionLauncher {
    let interpreter = ScriptedInterpreter()
    func start(session: GlueSessionRecord, host: GlueHost) async throws(GlueSessionLaunchError) -> any GlueSessionInterpreter {
        if session.role.hasSuffix("/missing") { throw GlueSessionLaunchError("The role \(session.role) does not exist") }
        return interpreter
    }
}

/// A Glue JSON 1.1 client for one principal.
struct GlueTestClient: Sendable {
    let endpoint: URL
    let credentials: AWSCredentials
    let region = "us-east-1"

    struct Failure: Error, Equatable { var code: String; var message: String }

    func call(_ operation: String, _ input: [String: Any] = [:]) async throws -> Result<[String: Any], Failure> {
        let body = try JSONSerialization.data(withJSONObject: input)
        let host = "\(endpoint.host ?? "127.0.0.1"):\(endpoint.port ?? 80)"
        let headers = [("host", host), ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "AWSGlue.\(operation)")]
        let signed = RequestSigner(credentials: credentials, region: region, service: "glue").sign("POST", "/", headers: headers, body: body)
        var request = URLRequest(url: endpoint.appendingPathComponent("/"))
        request.httpMethod = "POST"
        for (name, value) in signed where name != "host" { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let (data, response) = try await URLSession.shared.data(for: request)
        let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            return .failure(Failure(code: object["__type"] as? String ?? "?", message: object["Message"] as? String ?? ""))
        }
        return .success(object)
    }

    func ok(_ operation: String, _ input: [String: Any] = [:]) async throws -> [String: Any] {
        switch try await call(operation, input) {
        case .success(let o): return o
        case .failure(let f): throw f
        }
    }

    func failure(_ operation: String, _ input: [String: Any] = [:]) async throws -> Failure? {
        if case .failure(let f) = try await call(operation, input) { return f }
        return nil
    }
}

let sessionRoleArn = "arn:aws:iam::111111111111:role/AwsGlueSessionUserRestrictedServiceRole-glueshim"
let userA = "arn:aws:iam::111111111111:user/session-user-a"
let userB = "arn:aws:iam::111111111111:user/session-user-b"

/// An endpoint with sessions on the default world.
struct SessionHarness: Sendable {
    let endpoint: LocalEndpoint
    let events: MemoryEventSink
    let launcher: ScriptedLauncher

    static func with(world: World? = nil, launcher: ScriptedLauncher? = ScriptedLauncher(), minuteSeconds: Double = 60, _ body: @Sendable (SessionHarness) async throws -> Void) async throws {
        let world = try world ?? World.load(from: defaultWorldURL)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-sessions-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try ObjectStore(root: folder)
        try store.seed(from: world)
        let events = MemoryEventSink()
        var configuration = EndpointConfiguration(world: world, store: store, events: events)
        configuration.glueSessions = GlueSessionRegistry(launcher: launcher, minuteSeconds: minuteSeconds)
        let used = launcher ?? ScriptedLauncher()
        try await withLocalEndpoint(configuration) { endpoint in
            try await body(SessionHarness(endpoint: endpoint, events: events, launcher: used))
        }
    }

    func user(_ arn: String) -> (client: GlueTestClient, userId: String) {
        let world = endpoint.configuration.world
        let user = world.user(arn: arn)!
        let principal = PrincipalIdentity(kind: .user, arn: user.arn, account: user.account, userId: user.userId, userName: user.name, tags: user.tags)
        let credentials = endpoint.configuration.credentials.issueLongTerm(principal: principal).credentials
        return (GlueTestClient(endpoint: endpoint.url, credentials: credentials), user.userId)
    }

    /// Polls until the session reaches one of `states`.
    func waitForSession(_ client: GlueTestClient, _ id: String, _ states: Set<String>, timeout: Double = 10) async throws -> [String: Any] {
        let end = Date().addingTimeInterval(timeout)
        while true {
            let session = try await client.ok("GetSession", ["Id": id])["Session"] as! [String: Any]
            if states.contains(session["Status"] as? String ?? "") || Date() > end { return session }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func waitForStatement(_ client: GlueTestClient, _ session: String, _ id: Int, timeout: Double = 10) async throws -> [String: Any] {
        let end = Date().addingTimeInterval(timeout)
        while true {
            let statement = try await client.ok("GetStatement", ["SessionId": session, "Id": id])["Statement"] as! [String: Any]
            if ["AVAILABLE", "CANCELLED", "ERROR"].contains(statement["State"] as? String ?? "") || Date() > end { return statement }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

func createInput(_ id: String, owner: String?, role: String = sessionRoleArn, extra: [String: Any] = [:]) -> [String: Any] {
    var input: [String: Any] = ["Id": id, "Role": role, "Command": ["Name": "glueetl", "PythonVersion": "3"]]
    if let owner { input["Tags"] = ["owner": owner] }
    return input.merging(extra) { $1 }
}

@Suite(.serialized) struct GlueSessionPrivacyTests {
    @Test func createSessionNeedsTheOwnerTagWithTheCallersOwnUserId() async throws {
        try await SessionHarness.with { h in
            let (a, aId) = h.user(userA)
            let (_, bId) = h.user(userB)
            let noTag = try await a.failure("CreateSession", createInput("s-none", owner: nil))
            #expect(noTag == GlueTestClient.Failure(code: "AccessDeniedException", message: "User: \(userA) is not authorized to perform: glue:CreateSession on resource: arn:aws:glue:us-east-1:111111111111:session/s-none because no identity-based policy allows the glue:CreateSession action"))
            let otherOwner = try await a.failure("CreateSession", createInput("s-other", owner: bId))
            #expect(otherOwner?.code == "AccessDeniedException")
            let created = try await a.ok("CreateSession", createInput("s-a", owner: aId))
            let session = try #require(created["Session"] as? [String: Any])
            #expect(session["Id"] as? String == "s-a")
            #expect(session["Status"] as? String == "PROVISIONING")
            #expect(session["Role"] as? String == sessionRoleArn)
            let ready = try await h.waitForSession(a, "s-a", ["READY"])
            #expect(ready["Status"] as? String == "READY")
            // The restricted policy does not grant glue:GetTags; a console user reads them.
            #expect(try await a.failure("GetTags", ["ResourceArn": "arn:aws:glue:us-east-1:111111111111:session/s-a"])?.code == "AccessDeniedException")
            let (dev, _) = h.user("arn:aws:iam::111111111111:user/glue-developer")
            let tags = try await dev.ok("GetTags", ["ResourceArn": "arn:aws:glue:us-east-1:111111111111:session/s-a"])["Tags"] as? [String: String]
            #expect(tags == ["owner": aId])
            // The decision was made on the request's tags.
            let event = try #require(h.events.events.first { $0.operation == "CreateSession" && $0.decision == "allow" })
            #expect(event.resource == "arn:aws:glue:us-east-1:111111111111:session/s-a")
        }
    }

    @Test func anotherUserCannotReadRunStopOrUntagTheSession() async throws {
        try await SessionHarness.with { h in
            let (a, aId) = h.user(userA)
            let (b, bId) = h.user(userB)
            _ = try await a.ok("CreateSession", createInput("private", owner: aId))
            _ = try await h.waitForSession(a, "private", ["READY"])
            let arn = "arn:aws:glue:us-east-1:111111111111:session/private"
            func denied(_ action: String) -> String {
                "User: \(userB) is not authorized to perform: glue:\(action) on resource: \(arn) because no identity-based policy allows the glue:\(action) action"
            }
            #expect(try await b.failure("GetSession", ["Id": "private"])?.message == denied("GetSession"))
            #expect(try await b.failure("RunStatement", ["SessionId": "private", "Code": "1+1"])?.message == denied("RunStatement"))
            #expect(try await b.failure("StopSession", ["Id": "private"])?.message == denied("StopSession"))
            #expect(try await b.failure("DeleteSession", ["Id": "private"])?.code == "AccessDeniedException")
            #expect(try await b.failure("ListStatements", ["SessionId": "private"])?.code == "AccessDeniedException")
            #expect(try await b.failure("GetStatement", ["SessionId": "private", "Id": 0])?.code == "AccessDeniedException")
            #expect(try await b.failure("CancelStatement", ["SessionId": "private", "Id": 0])?.code == "AccessDeniedException")
            let untag = try await b.failure("UntagResource", ["ResourceArn": arn, "TagsToRemove": ["owner"]])
            // The message comes from the engine's builder, which names the denying managed policy as AWS does.
            #expect(untag?.message == "User: \(userB) is not authorized to perform: glue:UntagResource on resource: \(arn) with an explicit deny in an identity-based policy: arn:aws:iam::aws:policy/AwsGlueSessionUserRestrictedPolicy")
            // B cannot take the session over by re-tagging it either.
            #expect(try await b.failure("TagResource", ["ResourceArn": arn, "TagsToAdd": ["owner": bId]])?.code == "AccessDeniedException")
            // The owner cannot remove or change the owner tag.
            #expect(try await a.failure("UntagResource", ["ResourceArn": arn, "TagsToRemove": ["owner"]])?.code == "AccessDeniedException")
            #expect(try await a.failure("TagResource", ["ResourceArn": arn, "TagsToAdd": ["owner": bId]])?.code == "AccessDeniedException")
            // ...but may add tags while keeping the owner tag as it is.
            _ = try await a.ok("TagResource", ["ResourceArn": arn, "TagsToAdd": ["owner": aId, "team": "data"]])
            let (dev, _) = h.user("arn:aws:iam::111111111111:user/glue-developer")
            let tags = try await dev.ok("GetTags", ["ResourceArn": arn])["Tags"] as? [String: String]
            #expect(tags == ["owner": aId, "team": "data"])
            // The session is still A's and still running.
            let id = try await a.ok("RunStatement", ["SessionId": "private", "Code": "x = 1"])["Id"] as? Int
            #expect(id == 0)
            let listed = try await b.ok("ListSessions", ["Tags": ["owner": bId]])
            #expect((listed["Ids"] as? [String]) == [])
            let mine = try await a.ok("ListSessions", ["Tags": ["owner": aId]])
            #expect((mine["Ids"] as? [String]) == ["private"])
        }
    }

    @Test func passRoleOutsideTheAllowedPrefixIsDenied() async throws {
        try await SessionHarness.with { h in
            let (a, aId) = h.user(userA)
            let failure = try await a.failure("CreateSession", createInput("s-pass", owner: aId, role: glueRoleArn))
            #expect(failure == GlueTestClient.Failure(code: "AccessDeniedException", message: "User: \(userA) is not authorized to perform: iam:PassRole on resource: \(glueRoleArn) because no identity-based policy allows the iam:PassRole action"))
            #expect(try await a.failure("GetSession", ["Id": "s-pass"])?.code == "AccessDeniedException")
            let passRole = try #require(h.events.events.last { $0.action == "iam:PassRole" })
            #expect(passRole.decision == "deny")
        }
    }

    @Test func consoleFullAccessUsersShareSessions() async throws {
        try await SessionHarness.with { h in
            let (dev, _) = h.user("arn:aws:iam::111111111111:user/glue-developer")
            _ = try await dev.ok("CreateSession", createInput("shared", owner: nil, role: glueRoleArn))
            let ready = try await h.waitForSession(dev, "shared", ["READY"])
            #expect(ready["Status"] as? String == "READY")
            let missing = try await dev.failure("GetSession", ["Id": "nope"])
            #expect(missing?.code == "EntityNotFoundException")
        }
    }
}

@Suite(.serialized) struct GlueSessionLifecycleTests {
    @Test func statementsRunInOrderAndShowGluesOutputShape() async throws {
        try await SessionHarness.with { h in
            let (a, aId) = h.user(userA)
            _ = try await a.ok("CreateSession", createInput("life", owner: aId, extra: ["Timeout": 30, "IdleTimeout": 10, "GlueVersion": "4.0", "Description": "d"]))
            let session = try await h.waitForSession(a, "life", ["READY"])
            #expect(session["Timeout"] as? Int == 30 && session["IdleTimeout"] as? Int == 10)
            #expect(session["GlueVersion"] as? String == "4.0" && session["Description"] as? String == "d")
            #expect((session["Command"] as? [String: String])?["Name"] == "glueetl")
            let first = try await a.ok("RunStatement", ["SessionId": "life", "Code": "print(1)"])["Id"] as? Int
            let second = try await a.ok("RunStatement", ["SessionId": "life", "Code": "fail"])["Id"] as? Int
            #expect(first == 0 && second == 1)
            let ok = try await h.waitForStatement(a, "life", 0)
            #expect(ok["State"] as? String == "AVAILABLE")
            let okOutput = try #require(ok["Output"] as? [String: Any])
            #expect(okOutput["Status"] as? String == "ok")
            #expect((okOutput["Data"] as? [String: String])?["TextPlain"] == "ran: print(1)")
            #expect(ok["StartedOn"] is Int && ok["CompletedOn"] is Int && ok["Progress"] as? Double == 1.0)
            let bad = try await h.waitForStatement(a, "life", 1)
            #expect(bad["State"] as? String == "AVAILABLE")
            let badOutput = try #require(bad["Output"] as? [String: Any])
            #expect(badOutput["Status"] as? String == "error")
            #expect(badOutput["ErrorName"] as? String == "ValueError" && badOutput["ErrorValue"] as? String == "bad value")
            #expect((badOutput["Traceback"] as? [String])?.count == 2)
            let listed = try await a.ok("ListStatements", ["SessionId": "life"])["Statements"] as? [[String: Any]]
            #expect(listed?.map { $0["Id"] as? Int } == [0, 1])
            #expect(try await a.failure("GetStatement", ["SessionId": "life", "Id": 7])?.code == "EntityNotFoundException")
        }
    }

    @Test func cancelStatementInterruptsTheRunningOneAndDropsWaitingOnes() async throws {
        try await SessionHarness.with { h in
            let (a, aId) = h.user(userA)
            _ = try await a.ok("CreateSession", createInput("cancel", owner: aId))
            _ = try await h.waitForSession(a, "cancel", ["READY"])
            _ = try await a.ok("RunStatement", ["SessionId": "cancel", "Code": "block"])
            _ = try await a.ok("RunStatement", ["SessionId": "cancel", "Code": "later"])
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await a.ok("GetStatement", ["SessionId": "cancel", "Id": 1])["Statement"].flatMap { ($0 as? [String: Any])?["State"] as? String } == "WAITING")
            _ = try await a.ok("CancelStatement", ["SessionId": "cancel", "Id": 1])
            _ = try await a.ok("CancelStatement", ["SessionId": "cancel", "Id": 0])
            #expect(try await h.waitForStatement(a, "cancel", 0)["State"] as? String == "CANCELLED")
            #expect(try await h.waitForStatement(a, "cancel", 1)["State"] as? String == "CANCELLED")
            _ = try await a.ok("RunStatement", ["SessionId": "cancel", "Code": "after"])
            let after = try await h.waitForStatement(a, "cancel", 2)
            #expect(after["State"] as? String == "AVAILABLE")
            #expect(try await a.failure("CancelStatement", ["SessionId": "cancel", "Id": 2])?.code == "IllegalSessionStateException")
        }
    }

    @Test func stopThenDeleteRemovesTheSessionAndItsTags() async throws {
        try await SessionHarness.with { h in
            let (a, aId) = h.user(userA)
            _ = try await a.ok("CreateSession", createInput("stop", owner: aId))
            _ = try await h.waitForSession(a, "stop", ["READY"])
            #expect(try await a.failure("CreateSession", createInput("stop", owner: aId))?.code == "AlreadyExistsException")
            #expect(try await a.ok("StopSession", ["Id": "stop"])["Id"] as? String == "stop")
            let stopped = try await h.waitForSession(a, "stop", ["STOPPED"])
            #expect(stopped["Status"] as? String == "STOPPED")
            #expect(stopped["CompletedOn"] != nil)
            #expect(h.launcher.interpreter.shutdowns.withLock { $0 } >= 1)
            #expect(try await a.failure("RunStatement", ["SessionId": "stop", "Code": "1"])?.code == "IllegalSessionStateException")
            #expect(try await a.failure("StopSession", ["Id": "stop"])?.code == "IllegalSessionStateException")
            #expect(try await a.ok("DeleteSession", ["Id": "stop"])["Id"] as? String == "stop")
            // UntagOnDelete: the tags went with the session, so the owner's policy no longer matches.
            #expect(try await a.failure("GetSession", ["Id": "stop"])?.code == "AccessDeniedException")
            let (dev, _) = h.user("arn:aws:iam::111111111111:user/glue-developer")
            #expect(try await dev.failure("GetSession", ["Id": "stop"])?.code == "EntityNotFoundException")
            #expect(try await dev.failure("GetTags", ["ResourceArn": "arn:aws:glue:us-east-1:111111111111:session/stop"])?.code == "EntityNotFoundException")
        }
    }

    @Test func idleTimeoutAndTimeoutEndTheSession() async throws {
        try await SessionHarness.with(minuteSeconds: 0.3) { h in
            let (a, aId) = h.user(userA)
            _ = try await a.ok("CreateSession", createInput("idle", owner: aId, extra: ["IdleTimeout": 1, "Timeout": 100]))
            _ = try await a.ok("CreateSession", createInput("total", owner: aId, extra: ["Timeout": 4]))
            // The statement starts as soon as the session is ready, before its short total timeout
            // can pass on a busy machine.
            _ = try await h.waitForSession(a, "total", ["READY"])
            _ = try await a.ok("RunStatement", ["SessionId": "total", "Code": "block"])
            let idle = try await h.waitForSession(a, "idle", ["TIMEOUT", "FAILED", "STOPPED"])
            #expect(idle["Status"] as? String == "TIMEOUT")
            let total = try await h.waitForSession(a, "total", ["TIMEOUT", "FAILED", "STOPPED"])
            #expect(total["Status"] as? String == "TIMEOUT")
            #expect(try await h.waitForStatement(a, "total", 0)["State"] as? String == "CANCELLED")
        }
    }

    @Test func aSessionWhoseInterpreterCannotStartFails() async throws {
        try await SessionHarness.with(launcher: nil) { h in
            let (dev, _) = h.user("arn:aws:iam::111111111111:user/glue-developer")
            _ = try await dev.ok("CreateSession", createInput("none", owner: nil, role: glueRoleArn))
            let failed = try await h.waitForSession(dev, "none", ["FAILED"])
            #expect(failed["Status"] as? String == "FAILED")
            #expect((failed["ErrorMessage"] as? String)?.isEmpty == false)
            #expect(try await dev.failure("RunStatement", ["SessionId": "none", "Code": "1"])?.code == "IllegalSessionStateException")
        }
    }

    @Test func inputErrorsAreGlues() async throws {
        try await SessionHarness.with { h in
            let (dev, _) = h.user("arn:aws:iam::111111111111:user/glue-developer")
            let role = try await dev.failure("CreateSession", createInput("bad", owner: nil, role: "glue-role-test-not-an-arn"))
            #expect(role?.code == "ValidationException")
            #expect(role?.message.contains("arn:aws[^:]*:iam::[0-9]*:role/.+") == true)
            #expect(try await dev.failure("CreateSession", ["Id": "x", "Role": glueRoleArn])?.code == "InvalidInputException")
            #expect(try await dev.failure("CreateSession", createInput("t", owner: nil, role: glueRoleArn, extra: ["Timeout": 0]))?.code == "ValidationException")
        }
    }
}

/// AwsGlueSessionUserRestrictedNotebookPolicy: role sessions carry an `owner` session tag and
/// the policy compares against `${aws:PrincipalTag/owner}`.
@Suite(.serialized) struct GlueSessionNotebookPolicyTests {
    static let worldYAML = """
    region: us-east-1
    accounts:
      "111111111111":
        roles:
          AwsGlueSessionUserRestrictedNotebookPolicy-client:
            trustPolicy: |
              {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]}
            managedPolicies:
              - arn:aws:iam::aws:policy/AwsGlueSessionUserRestrictedNotebookPolicy
            policies:
              pass: |
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:PassRole"], "Resource": ["arn:aws:iam::*:role/AwsGlueSessionUserRestrictedNotebookServiceRole*"], "Condition": {"StringLike": {"iam:PassedToService": ["glue.amazonaws.com"]}}}]}
          AwsGlueSessionUserRestrictedNotebookServiceRole-runtime:
            trustPolicy: |
              {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
            managedPolicies:
              - arn:aws:iam::aws:policy/service-role/AwsGlueSessionUserRestrictedNotebookServiceRole
    """

    @Test func theOwnerTagMustMatchTheCallersOwnerSessionTag() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-notebook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("world.yaml")
        try Self.worldYAML.write(to: file, atomically: true, encoding: .utf8)
        let world = try World.load(from: file)
        try await SessionHarness.with(world: world) { h in
            let role = try #require(h.endpoint.configuration.world.role(arn: "arn:aws:iam::111111111111:role/AwsGlueSessionUserRestrictedNotebookPolicy-client"))
            func session(_ name: String) -> GlueTestClient {
                let principal = PrincipalIdentity(kind: .assumedRole, arn: "arn:aws:sts::111111111111:assumed-role/\(role.name)/\(name)", account: "111111111111",
                                                  userId: "\(role.roleId):\(name)", roleArn: role.arn, tags: ["owner": "\(role.roleId):\(name)"])
                let credentials = h.endpoint.configuration.credentials.issueSession(principal: principal, expiration: Date().addingTimeInterval(3600)).credentials
                return GlueTestClient(endpoint: h.endpoint.url, credentials: credentials)
            }
            let alice = session("alice"), bob = session("bob")
            let runtime = "arn:aws:iam::111111111111:role/AwsGlueSessionUserRestrictedNotebookServiceRole-runtime"
            #expect(try await alice.failure("CreateSession", createInput("nb", owner: "\(role.roleId):bob", role: runtime))?.code == "AccessDeniedException")
            _ = try await alice.ok("CreateSession", createInput("nb", owner: "\(role.roleId):alice", role: runtime))
            #expect(try await h.waitForSession(alice, "nb", ["READY"])["Status"] as? String == "READY")
            #expect(try await bob.failure("GetSession", ["Id": "nb"])?.code == "AccessDeniedException")
            #expect(try await bob.failure("RunStatement", ["SessionId": "nb", "Code": "1"])?.code == "AccessDeniedException")
            #expect(try await alice.ok("RunStatement", ["SessionId": "nb", "Code": "1"])["Id"] as? Int == 0)
            #expect(try await alice.failure("UntagResource", ["ResourceArn": "arn:aws:glue:us-east-1:111111111111:session/nb", "TagsToRemove": ["owner"]])?.code == "AccessDeniedException")
        }
    }
}
