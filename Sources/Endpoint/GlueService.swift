import Foundation
import GlueDomain
import IAMPolicy
import World

/// Glue on the JSON 1.1 protocol (`X-Amz-Target: AWSGlue.<Operation>`): jobs and job runs.
struct GlueService: Sendable {
    let configuration: EndpointConfiguration
    let access: AccessControl
    var registry: GlueJobRegistry { configuration.glueJobs }

    /// One call: its input, who makes it, and when.
    struct Call {
        var operation: String
        var input: [String: Any]
        var body: Data
        var caller: Caller
        var now: Date
        var account: String { caller.principal.account ?? "" }
    }

    typealias Output = Result<[String: Any], AWSServiceError>

    func handle(_ request: EndpointRequest, caller: Caller, now: Date, endpoint: LocalEndpoint) async -> EndpointResponse {
        let target = request.header("x-amz-target") ?? ""
        let operation = target.hasPrefix("AWSGlue.") ? String(target.dropFirst("AWSGlue.".count)) : target
        let input: [String: Any]
        if request.body.isEmpty {
            input = [:]
        } else if let object = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any] {
            input = object
        } else {
            return Self.error(ErrorCode.Glue.serializationException, "The request body is not valid JSON").response(.json, requestId: request.requestId)
        }
        let call = Call(operation: operation, input: input, body: request.body, caller: caller, now: now)
        let output: Output
        switch operation {
        case "CreateJob": output = createJob(call)
        case "GetJob": output = getJob(call)
        case "UpdateJob": output = updateJob(call)
        case "DeleteJob": output = deleteJob(call)
        case "GetJobs": output = getJobs(call, namesOnly: false)
        case "ListJobs": output = getJobs(call, namesOnly: true)
        case "StartJobRun": output = startJobRun(call, endpoint: endpoint)
        case "GetJobRun": output = getJobRun(call)
        case "GetJobRuns": output = getJobRuns(call)
        case "BatchStopJobRun": output = batchStopJobRun(call)
        case "CreateConnection", "GetConnection", "GetConnections", "DeleteConnection": output = handleConnection(call) ?? .success([:])
        case "TagResource", "UntagResource", "GetTags":
            // Tags of sessions are the sessions' own (TagOnCreate, aws:ResourceTag of the session).
            if (call.input["ResourceArn"] as? String)?.contains(":session/") ?? false {
                output = await handleSession(call, endpoint: endpoint)
                    ?? .failure(AWSServiceError(code: ErrorCode.unknownOperationException, status: 400, message: "Unknown operation \(operation)"))
            } else {
                output = tags(call)
            }
        default:
            output = await handleSession(call, endpoint: endpoint)
                ?? .failure(AWSServiceError(code: ErrorCode.unknownOperationException, status: 400, message: "Unknown operation \(operation)"))
        }
        return .json11(output, requestId: request.requestId)
    }

    static func error(_ code: String, _ message: String, status: Int = 400) -> AWSServiceError {
        AWSServiceError(code: code, status: status, message: message)
    }

    func jobArn(_ name: String, account: String) -> String { "arn:aws:glue:\(configuration.world.region):\(account):job/\(name)" }

    /// Authorizes `glue:<operation>` on a resource and records the call.
    func authorize(_ call: Call, resource: String, context: [String: [String]] = [:]) -> AWSServiceError? {
        let access = AccessRequest(caller: call.caller, action: "glue:\(call.operation)", resource: resource, requestContext: context)
        return self.access.check(access, service: "glue", operation: call.operation, shape: .json, now: call.now).error
    }

    /// CreateJob and UpdateJob pass the job's role to Glue: `iam:PassRole` with `iam:PassedToService`.
    func authorizePassRole(_ call: Call, role: String) -> AWSServiceError? {
        let roleArn = role.hasPrefix("arn:") ? role : "arn:aws:iam::\(call.account):role/\(role)"
        let resource = configuration.world.role(nameOrArn: role, defaultAccount: call.account)?.arn ?? roleArn
        let access = AccessRequest(caller: call.caller, action: "iam:PassRole", resource: resource,
                                   requestContext: ["iam:PassedToService": ["glue.amazonaws.com"]])
        return self.access.check(access, service: "iam", operation: "PassRole", shape: .json, now: call.now).error
    }

    func string(_ call: Call, _ key: String) -> Result<String, AWSServiceError> {
        guard let value = call.input[key] as? String, !value.isEmpty else {
            return .failure(Self.error(ErrorCode.Glue.invalidInputException, "\(key) is required"))
        }
        return .success(value)
    }

    /// The caller's job by name, or EntityNotFoundException as Glue words it.
    func ownJob(_ call: Call, _ name: String) -> Result<StoredJob, AWSServiceError> {
        guard let job = registry.job(name), job.account == call.account else {
            return .failure(Self.error(ErrorCode.Glue.entityNotFoundException, "Job with name: \(name) not found"))
        }
        return .success(job)
    }

    // MARK: Jobs

    func validate(_ definition: JobDefinition) -> AWSServiceError? {
        if definition.Name.isEmpty || definition.Name.count > 255 {
            return Self.error(ErrorCode.Glue.invalidInputException, "Name must be 1 to 255 characters")
        }
        if let timeout = definition.Timeout, timeout < 1 || timeout >= 10080 {
            return Self.error(ErrorCode.Glue.invalidInputException, "Timeout must be between 1 and 10079 minutes")
        }
        if definition.Command.Name == "pythonshell" {
            if let capacity = definition.MaxCapacity, capacity != 0.0625 && capacity != 1.0 {
                return Self.error(ErrorCode.Glue.invalidInputException, "MaxCapacity for a pythonshell job must be 0.0625 or 1.0")
            }
            if let version = definition.Command.PythonVersion, !["2", "3", "3.9"].contains(version) {
                return Self.error(ErrorCode.Glue.invalidInputException, "1 validation error detected: Value '\(version)' at 'command.pythonVersion' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([2-3]|3[.]9)$")
            }
        }
        if let problem = JobArguments.validate(definition.DefaultArguments ?? [:]) {
            return Self.error(ErrorCode.Glue.invalidInputException, problem)
        }
        return nil
    }

    func createJob(_ call: Call) -> Output {
        guard let definition = try? JSONDecoder().decode(JobDefinition.self, from: call.body) else {
            return .failure(Self.error(ErrorCode.Glue.invalidInputException, "CreateJob needs Name, Role and Command"))
        }
        if let error = authorize(call, resource: jobArn(definition.Name, account: call.account)) { return .failure(error) }
        if let error = validate(definition) { return .failure(error) }
        if let error = authorizePassRole(call, role: definition.Role) { return .failure(error) }
        guard registry.create(StoredJob(definition: definition, createdOn: call.now, account: call.account)) else {
            return .failure(Self.error(ErrorCode.Glue.alreadyExistsException, "Job with name: \(definition.Name) already exists"))
        }
        return .success(["Name": definition.Name])
    }

    func getJob(_ call: Call) -> Output {
        guard case .success(let name) = string(call, "JobName") else { return .failure(Self.error(ErrorCode.Glue.invalidInputException, "JobName is required")) }
        if let error = authorize(call, resource: jobArn(name, account: call.account)) { return .failure(error) }
        return ownJob(call, name).map { ["Job": jobObject($0)] }
    }

    func jobObject(_ job: StoredJob) -> [String: Any] {
        let d = job.definition
        var o: [String: Any] = [
            "Name": d.Name, "Role": d.Role, "CreatedOn": job.createdOn.timeIntervalSince1970,
            "LastModifiedOn": job.lastModifiedOn.timeIntervalSince1970,
            "ExecutionProperty": ["MaxConcurrentRuns": d.maxConcurrentRuns],
            "Command": ["Name": d.Command.Name, "ScriptLocation": d.Command.ScriptLocation, "PythonVersion": d.Command.PythonVersion ?? "3.9"],
            "DefaultArguments": d.DefaultArguments ?? [:], "MaxRetries": d.MaxRetries ?? 0, "AllocatedCapacity": 0,
            "Timeout": d.timeoutMinutes, "MaxCapacity": d.MaxCapacity ?? 0.0625, "GlueVersion": d.effectiveGlueVersion,
            "JobMode": "SCRIPT",
        ]
        if let nonOverridable = d.NonOverridableArguments { o["NonOverridableArguments"] = nonOverridable }
        if let description = d.Description { o["Description"] = description }
        if let connections = d.Connections { o["Connections"] = ["Connections": connections.Connections ?? []] }
        return o
    }

    func updateJob(_ call: Call) -> Output {
        guard case .success(let name) = string(call, "JobName") else { return .failure(Self.error(ErrorCode.Glue.invalidInputException, "JobName is required")) }
        if let error = authorize(call, resource: jobArn(name, account: call.account)) { return .failure(error) }
        guard case .success(let existing) = ownJob(call, name) else { return .failure(Self.error(ErrorCode.Glue.entityNotFoundException, "Job with name: \(name) not found")) }
        guard var update = call.input["JobUpdate"] as? [String: Any] else {
            return .failure(Self.error(ErrorCode.Glue.invalidInputException, "JobUpdate is required"))
        }
        update["Name"] = name
        guard let data = try? JSONSerialization.data(withJSONObject: update),
              let definition = try? JSONDecoder().decode(JobDefinition.self, from: data) else {
            return .failure(Self.error(ErrorCode.Glue.invalidInputException, "JobUpdate needs Role and Command"))
        }
        if let error = validate(definition) { return .failure(error) }
        if let error = authorizePassRole(call, role: definition.Role) { return .failure(error) }
        _ = registry.update(name) { job in
            job.definition = definition
            job.definition.Tags = existing.definition.Tags
            job.lastModifiedOn = call.now
            // An updated job no longer takes its script from the job folder.
            if definition.Command.ScriptLocation != existing.definition.Command.ScriptLocation { job.localScript = nil }
        }
        return .success(["JobName": name])
    }

    func deleteJob(_ call: Call) -> Output {
        guard case .success(let name) = string(call, "JobName") else { return .failure(Self.error(ErrorCode.Glue.invalidInputException, "JobName is required")) }
        if let error = authorize(call, resource: jobArn(name, account: call.account)) { return .failure(error) }
        // DeleteJob succeeds for a job that does not exist.
        if case .success = ownJob(call, name) { registry.delete(name) }
        return .success(["JobName": name])
    }

    func getJobs(_ call: Call, namesOnly: Bool) -> Output {
        if let error = authorize(call, resource: "*") { return .failure(error) }
        let all = registry.jobs.filter { $0.account == call.account }
        let (page, next) = paginate(all, call: call, limit: 1000)
        var o: [String: Any] = namesOnly ? ["JobNames": page.map(\.definition.Name)] : ["Jobs": page.map(jobObject)]
        if let next { o["NextToken"] = next }
        return .success(o)
    }

    func paginate<T>(_ items: [T], call: Call, limit: Int) -> ([T], String?) {
        let start = (call.input["NextToken"] as? String).flatMap(Int.init) ?? 0
        let size = max(1, min((call.input["MaxResults"] as? Int) ?? limit, limit))
        guard start < items.count else { return ([], nil) }
        let end = min(items.count, start + size)
        return (Array(items[start..<end]), end < items.count ? String(end) : nil)
    }

    // MARK: Runs

    func startJobRun(_ call: Call, endpoint: LocalEndpoint) -> Output {
        guard case .success(let name) = string(call, "JobName") else { return .failure(Self.error(ErrorCode.Glue.invalidInputException, "JobName is required")) }
        if let error = authorize(call, resource: jobArn(name, account: call.account)) { return .failure(error) }
        let job: StoredJob
        switch ownJob(call, name) { case .failure(let e): return .failure(e); case .success(let j): job = j }
        // JobRunId names a previous run to retry: the new run is its next attempt, with its arguments
        // unless new ones are given.
        var previous: JobRunRecord?
        if let retryOf = call.input["JobRunId"] as? String {
            guard let earlier = registry.run(job: name, id: retryOf) else {
                return .failure(Self.error(ErrorCode.Glue.entityNotFoundException, "Job Run with id: \(retryOf) not found"))
            }
            guard earlier.isFinished else {
                return .failure(Self.error(ErrorCode.Glue.invalidInputException, "Job Run \(retryOf) is still \(earlier.JobRunState) and cannot be retried"))
            }
            previous = earlier
        }
        let arguments = (call.input["Arguments"] as? [String: String]) ?? previous?.Arguments ?? [:]
        if let problem = JobArguments.validate(arguments) { return .failure(Self.error(ErrorCode.Glue.invalidInputException, problem)) }
        let timeout = call.input["Timeout"] as? Int
        if let timeout, timeout < 1 || timeout >= 10080 {
            return .failure(Self.error(ErrorCode.Glue.invalidInputException, "Timeout must be between 1 and 10079 minutes"))
        }
        guard let run = GlueJobRuns.start(job, arguments: arguments, timeout: timeout, host: endpoint.glueHost, retrying: previous) else {
            return .failure(Self.error(ErrorCode.Glue.concurrentRunsExceededException, "Concurrent runs exceeded for \(name)"))
        }
        return .success(["JobRunId": run.Id])
    }

    func getJobRun(_ call: Call) -> Output {
        guard case .success(let name) = string(call, "JobName"), case .success(let id) = string(call, "RunId") else {
            return .failure(Self.error(ErrorCode.Glue.invalidInputException, "JobName and RunId are required"))
        }
        if let error = authorize(call, resource: jobArn(name, account: call.account)) { return .failure(error) }
        guard case .success = ownJob(call, name), let run = registry.run(job: name, id: id) else {
            return .failure(Self.error(ErrorCode.Glue.entityNotFoundException, "Job Run with id: \(id) not found"))
        }
        return .success(["JobRun": run.apiObject()])
    }

    func getJobRuns(_ call: Call) -> Output {
        guard case .success(let name) = string(call, "JobName") else { return .failure(Self.error(ErrorCode.Glue.invalidInputException, "JobName is required")) }
        if let error = authorize(call, resource: jobArn(name, account: call.account)) { return .failure(error) }
        if case .failure(let e) = ownJob(call, name) { return .failure(e) }
        let (page, next) = paginate(registry.runs(of: name), call: call, limit: 200)
        var o: [String: Any] = ["JobRuns": page.map { $0.apiObject() }]
        if let next { o["NextToken"] = next }
        return .success(o)
    }

    func batchStopJobRun(_ call: Call) -> Output {
        guard case .success(let name) = string(call, "JobName"), let ids = call.input["JobRunIds"] as? [String], !ids.isEmpty, ids.count <= 25 else {
            return .failure(Self.error(ErrorCode.Glue.invalidInputException, "JobName and 1 to 25 JobRunIds are required"))
        }
        if let error = authorize(call, resource: jobArn(name, account: call.account)) { return .failure(error) }
        if case .failure(let e) = ownJob(call, name) { return .failure(e) }
        var stopped: [[String: Any]] = [], errors: [[String: Any]] = []
        for id in ids {
            guard let run = registry.run(job: name, id: id) else {
                errors.append(["JobName": name, "JobRunId": id, "ErrorDetail": ["ErrorCode": ErrorCode.Glue.entityNotFoundException, "ErrorMessage": "Job Run with id: \(id) not found"]])
                continue
            }
            guard !run.isFinished, let control = registry.control(id) else {
                errors.append(["JobName": name, "JobRunId": id, "ErrorDetail": ["ErrorCode": ErrorCode.Glue.invalidInputException, "ErrorMessage": "Job Run \(id) is already in a terminal state: \(run.JobRunState)"]])
                continue
            }
            var stopping = run
            stopping.JobRunState = "STOPPING"
            stopping.LastModifiedOn = call.now
            registry.record(stopping)
            control.requestStop()
            stopped.append(["JobName": name, "JobRunId": id])
        }
        return .success(["SuccessfulSubmissions": stopped, "Errors": errors])
    }

    // MARK: Tags

    func tags(_ call: Call) -> Output {
        guard case .success(let arn) = string(call, "ResourceArn") else { return .failure(Self.error(ErrorCode.Glue.invalidInputException, "ResourceArn is required")) }
        if let error = authorize(call, resource: arn) { return .failure(error) }
        guard let parsed = IAMArn(arn), parsed.service == "glue", parsed.resource.hasPrefix("job/") else {
            return .failure(Self.error(ErrorCode.Glue.entityNotFoundException, "Resource \(arn) not found"))
        }
        let name = String(parsed.resource.dropFirst("job/".count))
        guard parsed.account == call.account, case .success = ownJob(call, name) else {
            return .failure(Self.error(ErrorCode.Glue.entityNotFoundException, "Job with name: \(name) not found"))
        }
        switch call.operation {
        case "TagResource":
            let add = (call.input["TagsToAdd"] as? [String: String]) ?? [:]
            registry.setTags(name) { $0.merge(add) { $1 } }
            return .success([:])
        case "UntagResource":
            let remove = (call.input["TagsToRemove"] as? [String]) ?? []
            registry.setTags(name) { tags in for key in remove { tags[key] = nil } }
            return .success([:])
        default:
            return .success(["Tags": registry.tags(name)])
        }
    }
}
