import Foundation
import GlueDomain
import IAMPolicy
import World

/// CloudWatch Logs (JSON 1.1, `X-Amz-Target: Logs_20140328.<Operation>`), read side, over the
/// logs of Glue job runs: log groups `/aws-glue/python-jobs/output` and `/aws-glue/python-jobs/error`,
/// one log stream per run id, as Glue writes Python shell logs.
struct LogsService: Sendable {
    let configuration: EndpointConfiguration
    let access: AccessControl
    static let groups = ["/aws-glue/python-jobs/output": "output.log", "/aws-glue/python-jobs/error": "error.log"]

    func handle(_ request: EndpointRequest, caller: Caller, now: Date) -> EndpointResponse {
        let target = request.header("x-amz-target") ?? ""
        let operation = target.split(separator: ".").last.map(String.init) ?? ""
        let input = (try? JSONSerialization.jsonObject(with: request.body.isEmpty ? Data("{}".utf8) : request.body)) as? [String: Any] ?? [:]
        let result: Result<[String: Any], AWSServiceError>
        switch operation {
        case "DescribeLogGroups": result = describeLogGroups(input, caller: caller, now: now)
        case "DescribeLogStreams": result = describeLogStreams(input, caller: caller, now: now)
        case "GetLogEvents": result = getLogEvents(input, caller: caller, now: now)
        case "FilterLogEvents": result = filterLogEvents(input, caller: caller, now: now)
        default:
            result = .failure(AWSServiceError(code: ErrorCode.unknownOperationException, status: 400, message: "Unknown operation \(operation)"))
        }
        return .json11(result, requestId: request.requestId)
    }

    func groupArn(_ group: String, account: String) -> String { "arn:aws:logs:\(configuration.world.region):\(account):log-group:\(group)" }

    func authorize(_ caller: Caller, _ action: String, resource: String, now: Date) -> AWSServiceError? {
        access.check(AccessRequest(caller: caller, action: action, resource: resource), service: "logs",
                     operation: String(action.dropFirst(5)), shape: .json, now: now).error
    }

    /// The runs of the caller's account, oldest first, with their log files.
    func runs(of caller: Caller) -> [(id: String, started: Date)] {
        let registry = configuration.glueJobs
        return registry.jobs.filter { $0.account == caller.principal.account }
            .flatMap { registry.runs(of: $0.definition.Name) }
            .map { ($0.Id, $0.StartedOn) }
            .sorted { $0.started < $1.started }
    }

    func logFile(group: String, stream: String) -> URL? {
        guard let name = Self.groups[group], let runs = configuration.runsDirectory, stream.hasPrefix("jr_"), !stream.contains("/") else { return nil }
        return runs.appendingPathComponent(stream).appendingPathComponent(name)
    }

    func group(_ input: [String: Any]) -> Result<String, AWSServiceError> {
        guard let group = input["logGroupName"] as? String ?? (input["logGroupIdentifier"] as? String) else {
            return .failure(AWSServiceError(code: ErrorCode.Logs.invalidParameterException, status: 400, message: "logGroupName is required"))
        }
        guard Self.groups[group] != nil else {
            return .failure(AWSServiceError(code: ErrorCode.Logs.resourceNotFoundException, status: 400, message: "The specified log group does not exist."))
        }
        return .success(group)
    }

    func describeLogGroups(_ input: [String: Any], caller: Caller, now: Date) -> Result<[String: Any], AWSServiceError> {
        let account = caller.principal.account ?? ""
        if let error = authorize(caller, "logs:DescribeLogGroups", resource: "arn:aws:logs:\(configuration.world.region):\(account):log-group:*", now: now) { return .failure(error) }
        let prefix = input["logGroupNamePrefix"] as? String ?? ""
        let groups = Self.groups.keys.sorted().filter { $0.hasPrefix(prefix) }.map { name -> [String: Any] in
            ["logGroupName": name, "arn": groupArn(name, account: account) + ":*", "creationTime": 0, "storedBytes": 0]
        }
        return .success(["logGroups": groups])
    }

    func describeLogStreams(_ input: [String: Any], caller: Caller, now: Date) -> Result<[String: Any], AWSServiceError> {
        let group: String
        switch self.group(input) { case .failure(let e): return .failure(e); case .success(let g): group = g }
        let account = caller.principal.account ?? ""
        if let error = authorize(caller, "logs:DescribeLogStreams", resource: groupArn(group, account: account) + ":*", now: now) { return .failure(error) }
        let prefix = input["logStreamNamePrefix"] as? String ?? ""
        var streams: [[String: Any]] = []
        for run in runs(of: caller) where run.id.hasPrefix(prefix) {
            guard let file = logFile(group: group, stream: run.id), FileManager.default.fileExists(atPath: file.path) else { continue }
            let events = RunLogEvents.read(file)
            var stream: [String: Any] = ["logStreamName": run.id, "creationTime": Int64(run.started.timeIntervalSince1970 * 1000),
                                         "arn": groupArn(group, account: account) + ":log-stream:" + run.id, "storedBytes": 0]
            if let first = events.first, let last = events.last {
                stream["firstEventTimestamp"] = first.timestamp
                stream["lastEventTimestamp"] = last.timestamp
                stream["lastIngestionTime"] = last.timestamp
            }
            streams.append(stream)
        }
        if (input["descending"] as? Bool) == true { streams.reverse() }
        if let limit = input["limit"] as? Int, limit > 0 { streams = Array(streams.prefix(limit)) }
        return .success(["logStreams": streams])
    }

    func getLogEvents(_ input: [String: Any], caller: Caller, now: Date) -> Result<[String: Any], AWSServiceError> {
        let group: String
        switch self.group(input) { case .failure(let e): return .failure(e); case .success(let g): group = g }
        guard let stream = input["logStreamName"] as? String else {
            return .failure(AWSServiceError(code: ErrorCode.Logs.invalidParameterException, status: 400, message: "logStreamName is required"))
        }
        let account = caller.principal.account ?? ""
        if let error = authorize(caller, "logs:GetLogEvents", resource: groupArn(group, account: account) + ":log-stream:" + stream, now: now) { return .failure(error) }
        guard runs(of: caller).contains(where: { $0.id == stream }), let file = logFile(group: group, stream: stream),
              FileManager.default.fileExists(atPath: file.path) else {
            return .failure(AWSServiceError(code: ErrorCode.Logs.resourceNotFoundException, status: 400, message: "The specified log stream does not exist."))
        }
        var events = RunLogEvents.read(file)
        if let start = (input["startTime"] as? NSNumber)?.int64Value { events = events.filter { $0.timestamp >= start } }
        if let end = (input["endTime"] as? NSNumber)?.int64Value { events = events.filter { $0.timestamp < end } }
        // Tokens are positions: f/N reads forward from N, b/N backward to N.
        let token = input["nextToken"] as? String
        let limit = min(max((input["limit"] as? Int) ?? 10000, 1), 10000)
        let fromHead = (input["startFromHead"] as? Bool) ?? false
        var start: Int
        // A token names a position: a negative one is not ours, and is read as no token.
        if let token, token.count > 2, let n = Int(token.dropFirst(2)), n >= 0 {
            start = token.hasPrefix("b/") ? max(0, n - limit) : n
        } else {
            start = fromHead ? 0 : max(0, events.count - limit)
        }
        start = min(start, events.count)
        let end = min(events.count, start + limit)
        let page = events[start..<end].map { ["timestamp": $0.timestamp, "message": $0.message, "ingestionTime": $0.timestamp] as [String: Any] }
        return .success(["events": page, "nextForwardToken": "f/\(end)", "nextBackwardToken": "b/\(start)"])
    }

    func filterLogEvents(_ input: [String: Any], caller: Caller, now: Date) -> Result<[String: Any], AWSServiceError> {
        let group: String
        switch self.group(input) { case .failure(let e): return .failure(e); case .success(let g): group = g }
        let account = caller.principal.account ?? ""
        if let error = authorize(caller, "logs:FilterLogEvents", resource: groupArn(group, account: account) + ":*", now: now) { return .failure(error) }
        let wanted = (input["logStreamNames"] as? [String]).map(Set.init)
        let prefix = input["logStreamNamePrefix"] as? String ?? ""
        let terms = Self.terms(input["filterPattern"] as? String ?? "")
        var found: [[String: Any]] = []
        var searched: [[String: Any]] = []
        for run in runs(of: caller) where (wanted?.contains(run.id) ?? true) && run.id.hasPrefix(prefix) {
            guard let file = logFile(group: group, stream: run.id), FileManager.default.fileExists(atPath: file.path) else { continue }
            searched.append(["logStreamName": run.id, "searchedCompletely": true])
            for (index, event) in RunLogEvents.read(file).enumerated() {
                if let start = (input["startTime"] as? NSNumber)?.int64Value, event.timestamp < start { continue }
                if let end = (input["endTime"] as? NSNumber)?.int64Value, event.timestamp > end { continue }
                guard terms.allSatisfy({ event.message.contains($0) }) else { continue }
                found.append(["logStreamName": run.id, "timestamp": event.timestamp, "message": event.message,
                              "ingestionTime": event.timestamp, "eventId": "\(run.id)-\(index)"])
            }
        }
        found.sort { ($0["timestamp"] as? Int64 ?? 0) < ($1["timestamp"] as? Int64 ?? 0) }
        if let limit = input["limit"] as? Int, limit > 0 { found = Array(found.prefix(limit)) }
        return .success(["events": found, "searchedLogStreams": searched])
    }

    /// CloudWatch's simplest filter syntax: every term (or "quoted phrase") must appear.
    static func terms(_ pattern: String) -> [String] {
        var terms: [String] = []
        var rest = Substring(pattern.trimmingCharacters(in: .whitespaces))
        while !rest.isEmpty {
            if rest.first == "\"", let close = rest.dropFirst().firstIndex(of: "\"") {
                terms.append(String(rest[rest.index(after: rest.startIndex)..<close]))
                rest = rest[rest.index(after: close)...].drop { $0 == " " }
            } else {
                let word = rest.prefix { $0 != " " }
                terms.append(String(word))
                rest = rest.dropFirst(word.count).drop { $0 == " " }
            }
        }
        return terms.filter { !$0.isEmpty }
    }
}
