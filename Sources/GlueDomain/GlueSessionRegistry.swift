import Foundation
import Synchronization

/// What one statement produced, as the session's interpreter reports it.
public struct GlueStatementResult: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable {
        /// Ran to its end (`Output.Status` "ok").
        case ok
        /// Raised an exception (`Output.Status` "error" with ErrorName, ErrorValue, Traceback).
        case error
        /// Interrupted by CancelStatement.
        case cancelled
        /// The interpreter itself went away (the statement is ERROR, the session FAILED).
        case interpreterExited
    }
    public var outcome: Outcome
    /// Printed output and the value of a final expression.
    public var text: String
    public var errorName: String?
    public var errorValue: String?
    public var traceback: [String]

    public init(outcome: Outcome, text: String = "", errorName: String? = nil, errorValue: String? = nil, traceback: [String] = []) {
        self.outcome = outcome
        self.text = text
        self.errorName = errorName
        self.errorValue = errorValue
        self.traceback = traceback
    }
}

/// A session's live interpreter: runs one statement at a time, keeping its state between them.
public protocol GlueSessionInterpreter: Sendable {
    /// Runs `code` to its end in the session's namespace.
    func run(_ code: String, statementId: Int) async -> GlueStatementResult
    /// Interrupts the statement running now (KeyboardInterrupt in Python).
    func interrupt()
    /// Ends the interpreter and everything it started.
    func shutdown()
    /// Returns once the interpreter and everything it started have ended (after `shutdown()`).
    func waitUntilEnded() async
    /// The session has ended: `record` is its last state as GetSession returns it (JSON), for the
    /// interpreter to keep beside its logs.
    func sessionEnded(record: Data)
}

extension GlueSessionInterpreter {
    public func waitUntilEnded() async {}
    public func sessionEnded(record: Data) {}
}

/// Why a session could not start; becomes the session's ErrorMessage (status FAILED).
public struct GlueSessionLaunchError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Starts session interpreters; implemented by the runtime, which owns the worker processes.
public protocol GlueSessionLauncher: Sendable {
    /// Assumes the session's role as Glue and starts an interpreter running under it.
    func start(session: GlueSessionRecord, host: GlueHost) async throws(GlueSessionLaunchError) -> any GlueSessionInterpreter
}

/// One statement of a session.
public struct GlueStatementRecord: Sendable, Hashable {
    public var id: Int
    public var code: String
    /// WAITING, RUNNING, AVAILABLE, CANCELLING, CANCELLED, ERROR
    public var state: String
    public var result: GlueStatementResult?
    public var startedOn: Date?
    public var completedOn: Date?

    public var isFinished: Bool { ["AVAILABLE", "CANCELLED", "ERROR"].contains(state) }

    public func apiObject() -> [String: Any] {
        var o: [String: Any] = ["Id": id, "Code": code, "State": state, "Progress": isFinished ? 1.0 : 0.0]
        if let startedOn { o["StartedOn"] = Int64((startedOn.timeIntervalSince1970 * 1000).rounded()) }
        if let completedOn { o["CompletedOn"] = Int64((completedOn.timeIntervalSince1970 * 1000).rounded()) }
        if let result, state == "AVAILABLE" || state == "ERROR" || state == "CANCELLED" {
            var output: [String: Any] = ["ExecutionCount": id]
            switch result.outcome {
            case .ok:
                output["Status"] = "ok"
                output["Data"] = ["TextPlain": result.text]
            case .error, .cancelled, .interpreterExited:
                output["Status"] = "error"
                if !result.text.isEmpty { output["Data"] = ["TextPlain": result.text] }
                output["ErrorName"] = result.errorName ?? "Error"
                output["ErrorValue"] = result.errorValue ?? ""
                output["Traceback"] = result.traceback
            }
            o["Output"] = output
        }
        return o
    }
}

/// A session as the Glue API keeps it.
public struct GlueSessionRecord: Sendable {
    public var id: String
    public var account: String
    public var region: String
    public var createdOn: Date
    /// PROVISIONING, READY, FAILED, TIMEOUT, STOPPING, STOPPED
    public var status: String = "PROVISIONING"
    public var errorMessage: String?
    public var description: String?
    public var role: String
    public var commandName: String
    public var pythonVersion: String
    public var defaultArguments: [String: String]
    public var connections: [String]?
    public var maxCapacity: Double?
    public var numberOfWorkers: Int?
    public var workerType: String?
    public var securityConfiguration: String?
    public var glueVersion: String?
    /// Minutes.
    public var timeout: Int
    public var idleTimeout: Int
    public var tags: [String: String]
    public var completedOn: Date?
    public var statements: [GlueStatementRecord] = []
    /// The last time a statement ended or the session became ready (for IdleTimeout): elapsed
    /// time, not the endpoint's clock, which tests may hold still.
    var lastActivity = ContinuousClock.now
    /// When the session was created (for Timeout).
    var startedAt = ContinuousClock.now

    public init(id: String, account: String, region: String, createdOn: Date, description: String? = nil, role: String,
                commandName: String, pythonVersion: String, defaultArguments: [String: String], timeout: Int, idleTimeout: Int,
                tags: [String: String]) {
        self.id = id
        self.account = account
        self.region = region
        self.createdOn = createdOn
        self.description = description
        self.role = role
        self.commandName = commandName
        self.pythonVersion = pythonVersion
        self.defaultArguments = defaultArguments
        self.timeout = timeout
        self.idleTimeout = idleTimeout
        self.tags = tags
    }

    public var arn: String { "arn:aws:glue:\(region):\(account):session/\(id)" }
    public var isTerminal: Bool { ["FAILED", "TIMEOUT", "STOPPED"].contains(status) }

    public func apiObject(now: Date) -> [String: Any] {
        var o: [String: Any] = [
            "Id": id, "CreatedOn": createdOn.timeIntervalSince1970, "Status": status, "Role": role,
            "Command": ["Name": commandName, "PythonVersion": pythonVersion],
            "DefaultArguments": defaultArguments, "Progress": status == "PROVISIONING" ? 0.0 : 100.0,
            "IdleTimeout": idleTimeout, "Timeout": timeout,
            "ExecutionTime": ((completedOn ?? now).timeIntervalSince(createdOn) * 1000).rounded() / 1000,
        ]
        if let errorMessage { o["ErrorMessage"] = errorMessage }
        if let description { o["Description"] = description }
        if let connections { o["Connections"] = ["Connections": connections] }
        if let maxCapacity { o["MaxCapacity"] = maxCapacity }
        if let numberOfWorkers { o["NumberOfWorkers"] = numberOfWorkers }
        if let workerType { o["WorkerType"] = workerType }
        if let securityConfiguration { o["SecurityConfiguration"] = securityConfiguration }
        if let glueVersion { o["GlueVersion"] = glueVersion }
        if let completedOn { o["CompletedOn"] = completedOn.timeIntervalSince1970 }
        return o
    }
}

/// The interactive sessions of an endpoint: their records, their interpreters, their statements
/// run in order, and the Timeout/IdleTimeout watch.
public final class GlueSessionRegistry: Sendable {
    struct Entry {
        var record: GlueSessionRecord
        var interpreter: (any GlueSessionInterpreter)?
        /// The interpreter the session had, kept after it was shut down so its end can be waited for.
        var lastInterpreter: (any GlueSessionInterpreter)?
        var draining = false
    }
    private let state = Mutex<[String: Entry]>([:])
    /// Starts interpreters; without one every session ends FAILED with a message saying why.
    public let launcher: (any GlueSessionLauncher)?
    /// Seconds in a timeout minute: 60, or less for tests (`glueshim` takes it from `GLUESHIM_MINUTE_SECONDS`).
    public let minuteSeconds: Double
    /// The time written in records (CompletedOn, a statement's StartedOn...).
    let clock: @Sendable () -> Date
    /// Each session's life (its interpreter, its statements, its timeouts), as children of the
    /// endpoint's scope: cancelling that scope stops every session.
    public let tasks = OwnedTasks()

    public init(launcher: (any GlueSessionLauncher)? = nil, minuteSeconds: Double = 60, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.launcher = launcher
        self.minuteSeconds = minuteSeconds > 0 ? minuteSeconds : 60
        self.clock = clock
    }

    static func key(_ account: String, _ id: String) -> String { "\(account)/\(id)" }

    public func session(account: String, id: String) -> GlueSessionRecord? {
        state.withLock { $0[Self.key(account, id)]?.record }
    }

    /// Sessions of an account, oldest first.
    public func sessions(account: String) -> [GlueSessionRecord] {
        state.withLock { s in s.values.map(\.record).filter { $0.account == account }.sorted { ($0.createdOn, $0.id) < ($1.createdOn, $1.id) } }
    }

    /// Adds a session in PROVISIONING; false when the id is taken.
    public func create(_ record: GlueSessionRecord) -> Bool {
        state.withLock { s in
            let key = Self.key(record.account, record.id)
            guard s[key] == nil else { return false }
            s[key] = Entry(record: record)
            return true
        }
    }

    public func update(account: String, id: String, _ change: (inout GlueSessionRecord) -> Void) {
        state.withLock { s in
            let key = Self.key(account, id)
            if var entry = s[key] { change(&entry.record); s[key] = entry }
        }
    }

    /// UntagOnDelete: the session and its tags go; its interpreter ends.
    public func delete(account: String, id: String) {
        let entry = state.withLock { $0.removeValue(forKey: Self.key(account, id)) }
        entry?.interpreter?.shutdown()
    }

    /// Starts the session's interpreter, then watches its timeouts until it ends; when the
    /// endpoint's scope is cancelled, the session is STOPPED and its interpreter waited for.
    public func launch(account: String, id: String, host: GlueHost) {
        guard let record = session(account: account, id: id) else { return }
        tasks.spawn {
            await self.live(record, host: host)
            if Task.isCancelled { self.end(account: account, id: id, status: "STOPPED") }
            let interpreter = self.state.withLock { $0[Self.key(account, id)]?.lastInterpreter }
            await interpreter?.waitUntilEnded()
        }
    }

    private func live(_ record: GlueSessionRecord, host: GlueHost) async {
        let account = record.account, id = record.id
        do {
            guard let launcher else {
                self.end(account: account, id: id, status: "FAILED",
                         message: "this endpoint runs no session interpreters (glueshim serve starts them)")
                return
            }
            let interpreter: any GlueSessionInterpreter
            do {
                interpreter = try await launcher.start(session: record, host: host)
            } catch {
                self.end(account: account, id: id, status: Task.isCancelled ? "STOPPED" : "FAILED", message: String(describing: error))
                return
            }
            let accepted = self.state.withLock { s -> Bool in
                let key = Self.key(account, id)
                guard var entry = s[key] else { return false }
                entry.lastInterpreter = interpreter
                guard entry.record.status == "PROVISIONING", !Task.isCancelled else { s[key] = entry; return false }
                entry.record.status = "READY"
                entry.record.lastActivity = .now
                entry.interpreter = interpreter
                s[key] = entry
                return true
            }
            // Stopped or deleted while provisioning, or the endpoint is stopping.
            guard accepted else { interpreter.shutdown(); return }
            self.drain(account: account, id: id)
        }
        await watch(account: account, id: id)
    }

    /// Ends every session still going as STOPPED (the endpoint that ran them has stopped).
    public func stopAll() {
        let keys = state.withLock { s in s.values.map(\.record).filter { !$0.isTerminal }.map { ($0.account, $0.id) } }
        for (account, id) in keys { end(account: account, id: id, status: "STOPPED") }
    }

    /// Ends a session: status, CompletedOn, unfinished statements cancelled, interpreter gone.
    func end(account: String, id: String, status: String, message: String? = nil) {
        let ended = state.withLock { s -> (interpreter: (any GlueSessionInterpreter)?, last: (any GlueSessionInterpreter)?, record: GlueSessionRecord)? in
            let key = Self.key(account, id)
            guard var entry = s[key], !entry.record.isTerminal else { return nil }
            entry.record.status = status
            if let message { entry.record.errorMessage = message }
            let now = clock()
            entry.record.completedOn = now
            for index in entry.record.statements.indices where !entry.record.statements[index].isFinished {
                entry.record.statements[index].state = "CANCELLED"
                entry.record.statements[index].completedOn = now
            }
            let interpreter = entry.interpreter
            entry.interpreter = nil
            s[key] = entry
            return (interpreter, entry.lastInterpreter, entry.record)
        }
        guard let ended else { return }
        ended.interpreter?.shutdown()
        recordEnd(ended.record, in: ended.last)
    }

    /// Hands the session's final record to its interpreter, which keeps it beside its logs.
    private func recordEnd(_ record: GlueSessionRecord, in interpreter: (any GlueSessionInterpreter)?) {
        guard let interpreter,
              let data = try? JSONSerialization.data(withJSONObject: record.apiObject(now: clock()), options: [.sortedKeys]) else { return }
        interpreter.sessionEnded(record: data)
    }

    /// StopSession: STOPPING now, STOPPED once the interpreter is gone.
    public func stop(account: String, id: String) {
        update(account: account, id: id) { $0.status = "STOPPING" }
        tasks.spawn { [self] in
            let interpreter = self.state.withLock { s -> (any GlueSessionInterpreter)? in
                let key = Self.key(account, id)
                let interpreter = s[key]?.interpreter
                s[key]?.interpreter = nil
                return interpreter
            }
            interpreter?.shutdown()
            let stopped = self.state.withLock { s -> (GlueSessionRecord, (any GlueSessionInterpreter)?)? in
                let key = Self.key(account, id)
                guard var entry = s[key], entry.record.status == "STOPPING" else { return nil }
                let now = clock()
                entry.record.status = "STOPPED"
                entry.record.completedOn = now
                for index in entry.record.statements.indices where !entry.record.statements[index].isFinished {
                    entry.record.statements[index].state = "CANCELLED"
                    entry.record.statements[index].completedOn = now
                }
                s[key] = entry
                return (entry.record, entry.lastInterpreter)
            }
            if let (record, last) = stopped { self.recordEnd(record, in: last) }
        }
    }

    /// Queues a statement on a READY session; returns its id, or nil when the session is not READY.
    public func addStatement(account: String, id: String, code: String) -> Int? {
        let statementId = state.withLock { s -> Int? in
            let key = Self.key(account, id)
            guard var entry = s[key], entry.record.status == "READY" else { return nil }
            let next = entry.record.statements.count
            entry.record.statements.append(GlueStatementRecord(id: next, code: code, state: "WAITING"))
            entry.record.lastActivity = .now
            s[key] = entry
            return next
        }
        if statementId != nil { drain(account: account, id: id) }
        return statementId
    }

    /// CancelStatement: a waiting statement is cancelled at once, a running one is interrupted.
    /// Returns the statement's state before, or nil when there is no such statement.
    public func cancel(account: String, id: String, statement: Int) -> String? {
        let (before, interpreter) = state.withLock { s -> (String?, (any GlueSessionInterpreter)?) in
            let key = Self.key(account, id)
            guard var entry = s[key], entry.record.statements.indices.contains(statement) else { return (nil, nil) }
            let before = entry.record.statements[statement].state
            switch before {
            case "WAITING":
                entry.record.statements[statement].state = "CANCELLED"
                entry.record.statements[statement].completedOn = clock()
                s[key] = entry
                return (before, nil)
            case "RUNNING":
                entry.record.statements[statement].state = "CANCELLING"
                s[key] = entry
                return (before, entry.interpreter)
            default:
                return (before, nil)
            }
        }
        interpreter?.interrupt()
        return before
    }

    /// Runs the session's waiting statements in order, one at a time.
    private func drain(account: String, id: String) {
        let key = Self.key(account, id)
        let start = state.withLock { s -> Bool in
            guard var entry = s[key], !entry.draining, entry.interpreter != nil else { return false }
            entry.draining = true
            s[key] = entry
            return true
        }
        guard start else { return }
        tasks.spawn { [self] in
            while true {
                let next = state.withLock { s -> (Int, String, any GlueSessionInterpreter)? in
                    guard var entry = s[key] else { return nil }
                    guard entry.record.status == "READY", let interpreter = entry.interpreter,
                          let index = entry.record.statements.firstIndex(where: { $0.state == "WAITING" }) else {
                        entry.draining = false
                        s[key] = entry
                        return nil
                    }
                    entry.record.statements[index].state = "RUNNING"
                    entry.record.statements[index].startedOn = clock()
                    s[key] = entry
                    return (index, entry.record.statements[index].code, interpreter)
                }
                guard let (index, code, interpreter) = next else { return }
                // When the endpoint stops, the session's life ends it (STOPPED); this wait ends with it.
                let result = await interpreter.run(code, statementId: index)
                let failed = state.withLock { s -> Bool in
                    guard var entry = s[key], entry.record.statements.indices.contains(index),
                          !entry.record.statements[index].isFinished else { return false }
                    var statement = entry.record.statements[index]
                    statement.completedOn = clock()
                    statement.result = result
                    switch result.outcome {
                    case .ok, .error: statement.state = "AVAILABLE"
                    case .cancelled: statement.state = "CANCELLED"
                    case .interpreterExited: statement.state = "ERROR"
                    }
                    entry.record.statements[index] = statement
                    entry.record.lastActivity = .now
                    s[key] = entry
                    return result.outcome == .interpreterExited
                }
                if failed {
                    end(account: account, id: id, status: "FAILED", message: result.errorValue ?? "the session's interpreter exited")
                }
            }
        }
    }

    /// Ends the session with TIMEOUT once it has lived `Timeout` minutes, or has been READY and
    /// idle (no statement waiting or running) for `IdleTimeout` minutes.
    private func watch(account: String, id: String) async {
        let key = Self.key(account, id)
        let tick = max(0.05, min(1.0, minuteSeconds / 10))
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(tick))
            let verdict = state.withLock { s -> String?? in
                guard let record = s[key]?.record, !record.isTerminal, record.status != "STOPPING" else { return .some(nil) }
                let now = ContinuousClock.now
                if now - record.startedAt >= .seconds(Double(record.timeout) * minuteSeconds) {
                    return "Session timed out after \(record.timeout) minutes"
                }
                let busy = record.statements.contains { !$0.isFinished }
                if record.status == "READY", !busy, now - record.lastActivity >= .seconds(Double(record.idleTimeout) * minuteSeconds) {
                    return "Session idle timeout of \(record.idleTimeout) minutes reached"
                }
                return nil
            }
            switch verdict {
            case .some(nil): return
            case .some(.some(let message)):
                end(account: account, id: id, status: "TIMEOUT", message: message)
                return
            case .none: continue
            }
        }
    }
}
