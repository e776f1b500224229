import Foundation
import GlueDomain
import IAMPolicy
import ObjectStore
import Testing
import World
@testable import Endpoint

/// GetLogEvents' nextToken is the client's: a negative or huge position reads a page, never a crash.
@Suite struct LogsTokenTests {
    static let runId = "jr_" + String(repeating: "ab", count: 32)

    /// A logs service over one finished run of one job, with three events in its output log.
    static func withRun(_ body: (LogsService, Caller) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-logs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let runFolder = folder.appendingPathComponent(runId)
        try FileManager.default.createDirectory(at: runFolder, withIntermediateDirectories: true)
        let log = runFolder.appendingPathComponent("output.log")
        try Data("one\ntwo\nthree\n".utf8).write(to: log)
        let now = Date(timeIntervalSince1970: 1_767_225_600)
        var events = Data()
        for (i, line) in ["one", "two", "three"].enumerated() { events += RunLogEvents.encode(line: Data(line.utf8), at: now.addingTimeInterval(Double(i))) }
        try events.write(to: RunLogEvents.eventsFile(for: log))

        let world = try Harness.loadDefaultWorld()
        var configuration = EndpointConfiguration(world: world, store: try ObjectStore(root: folder.appendingPathComponent("store")))
        configuration.runsDirectory = folder
        let job = JobDefinition(Name: "nightly", Role: "glue-role-test", Command: .init(Name: "pythonshell", ScriptLocation: "s3://b/k.py"))
        #expect(configuration.glueJobs.create(StoredJob(definition: job, createdOn: now, account: "111111111111")))
        let run = JobRunRecord(Id: runId, Attempt: 0, JobName: "nightly", StartedOn: now, LastModifiedOn: now, JobRunState: "RUNNING",
                               Arguments: [:], Timeout: 10, MaxCapacity: 0.0625, GlueVersion: "3.0")
        #expect(configuration.glueJobs.admit(run, limit: 1) != nil)
        let root = Caller(principal: PrincipalIdentity(kind: .root, arn: "arn:aws:iam::111111111111:root", account: "111111111111"))
        try body(LogsService(configuration: configuration, access: AccessControl(world: world, events: configuration.events)), root)
    }

    static func messages(_ logs: LogsService, _ caller: Caller, token: String?) throws -> [String] {
        var input: [String: Any] = ["logGroupName": "/aws-glue/python-jobs/output", "logStreamName": runId, "startFromHead": true]
        if let token { input["nextToken"] = token }
        let page = try logs.getLogEvents(input, caller: caller, now: Date()).get()
        return (page["events"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
    }

    @Test func tokensPageThroughTheRun() throws {
        try Self.withRun { logs, root in
            let all = try Self.messages(logs, root, token: nil)
            let rest = try Self.messages(logs, root, token: "f/1")
            let none = try Self.messages(logs, root, token: "f/3")
            #expect(all == ["one", "two", "three"])
            #expect(rest == ["two", "three"])
            #expect(none == [])
        }
    }

    /// "f/-5" made a negative start index and "b/-9223372036854775808" overflowed `n - limit`
    /// (found reading the code while fuzzing the endpoint): tokens with a negative position are ignored.
    @Test(arguments: ["f/-5", "b/-1", "b/-9223372036854775808", "f/-9223372036854775808", "f/9223372036854775807", "b/9223372036854775807"])
    func hostileTokensReadAPage(token: String) throws {
        try Self.withRun { logs, root in
            let page = try Self.messages(logs, root, token: token)
            #expect(page.count <= 3)
        }
    }
}
