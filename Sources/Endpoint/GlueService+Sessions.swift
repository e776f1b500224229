import Foundation
import GlueDomain
import IAMPolicy
import World

extension GlueService {
    var sessions: GlueSessionRegistry { configuration.glueSessions }

    /// Interactive-session operations (CreateSession, RunStatement, ...); nil for any other operation.
    func handleSession(_ call: Call, endpoint: LocalEndpoint) async -> Output? {
        switch call.operation {
        case "CreateSession": return createSession(call, endpoint: endpoint)
        case "GetSession": return withSession(call, idKey: "Id") { .success(["Session": $0.apiObject(now: call.now)]) }
        case "ListSessions": return listSessions(call)
        case "StopSession": return stopSession(call)
        case "DeleteSession": return deleteSession(call)
        case "RunStatement": return runStatement(call)
        case "GetStatement": return getStatement(call)
        case "ListStatements": return listStatements(call)
        case "CancelStatement": return cancelStatement(call)
        case "TagResource", "UntagResource", "GetTags": return sessionTags(call)
        default: return nil
        }
    }

    func sessionArn(_ id: String, account: String) -> String { "arn:aws:glue:\(configuration.world.region):\(account):session/\(id)" }

    /// `aws:ResourceTag/*` of a session, for every call after CreateSession.
    static func resourceTagContext(_ tags: [String: String]) -> [String: [String]] {
        var context: [String: [String]] = [:]
        for (key, value) in tags { context["aws:ResourceTag/\(key)"] = [value] }
        return context
    }

    /// `aws:RequestTag/*` and `aws:TagKeys` of the tags a request sets.
    static func requestTagContext(_ tags: [String: String]) -> [String: [String]] {
        var context: [String: [String]] = [:]
        for (key, value) in tags { context["aws:RequestTag/\(key)"] = [value] }
        if !tags.isEmpty { context["aws:TagKeys"] = tags.keys.sorted() }
        return context
    }

    static func validation(_ value: String, _ member: String, _ constraint: String) -> AWSServiceError {
        error(ErrorCode.Glue.validationException, "1 validation error detected: Value '\(value)' at '\(member)' failed to satisfy constraint: \(constraint)")
    }

    static func sessionNotFound(_ id: String) -> AWSServiceError {
        error(ErrorCode.Glue.entityNotFoundException, "Session with id \(id) not found")
    }

    /// Authorizes `glue:<operation>` on the session named by `idKey` with its tags as
    /// `aws:ResourceTag/*`, then runs `body` on it. A session that does not exist is authorized
    /// without resource tags, then reported as EntityNotFoundException.
    func withSession(_ call: Call, idKey: String, extraContext: [String: [String]] = [:], _ body: (GlueSessionRecord) -> Output) -> Output {
        guard let id = call.input[idKey] as? String, !id.isEmpty else {
            return .failure(Self.error(ErrorCode.Glue.invalidInputException, "\(idKey) is required"))
        }
        guard id.count <= 255 else {
            return .failure(Self.validation(id, idKey.prefix(1).lowercased() + idKey.dropFirst(), "Member must have length less than or equal to 255"))
        }
        let record = sessions.session(account: call.account, id: id)
        let context = Self.resourceTagContext(record?.tags ?? [:]).merging(extraContext) { $1 }
        if let error = authorize(call, resource: sessionArn(id, account: call.account), context: context) { return .failure(error) }
        guard let record else { return .failure(Self.sessionNotFound(id)) }
        return body(record)
    }

    // MARK: Sessions

    func createSession(_ call: Call, endpoint: LocalEndpoint) -> Output {
        let input = call.input
        guard let id = input["Id"] as? String, !id.isEmpty else { return .failure(Self.error(ErrorCode.Glue.invalidInputException, "Id is required")) }
        guard id.count <= 255 else { return .failure(Self.validation(id, "id", "Member must have length less than or equal to 255")) }
        guard let role = input["Role"] as? String else { return .failure(Self.error(ErrorCode.Glue.invalidInputException, "Role is required")) }
        guard let command = input["Command"] as? [String: Any] else { return .failure(Self.error(ErrorCode.Glue.invalidInputException, "Command is required")) }
        let tags = (input["Tags"] as? [String: String]) ?? [:]
        // TagOnCreate: the request's tags are what the policy sees.
        if let error = authorize(call, resource: sessionArn(id, account: call.account), context: Self.requestTagContext(tags)) { return .failure(error) }
        if role.count < 20 || role.count > 2048 || role.range(of: #"^arn:aws[^:]*:iam::[0-9]*:role/.+$"#, options: .regularExpression) == nil {
            return .failure(Self.validation(role, "role", "Member must satisfy regular expression pattern: arn:aws[^:]*:iam::[0-9]*:role/.+"))
        }
        let pythonVersion = (command["PythonVersion"] as? String) ?? "3"
        if pythonVersion.range(of: #"^([2-3]|3[.]9)$"#, options: .regularExpression) == nil {
            return .failure(Self.validation(pythonVersion, "command.pythonVersion", "Member must satisfy regular expression pattern: ^([2-3]|3[.]9)$"))
        }
        let timeout = input["Timeout"] as? Int
        let idleTimeout = input["IdleTimeout"] as? Int
        if let timeout, timeout < 1 { return .failure(Self.validation(String(timeout), "timeout", "Member must have value greater than or equal to 1")) }
        if let idleTimeout, idleTimeout < 1 { return .failure(Self.validation(String(idleTimeout), "idleTimeout", "Member must have value greater than or equal to 1")) }
        let arguments = (input["DefaultArguments"] as? [String: String]) ?? [:]
        if arguments.count > 75 { return .failure(Self.error(ErrorCode.Glue.invalidInputException, "DefaultArguments can have at most 75 entries")) }
        if tags.count > 50 { return .failure(Self.error(ErrorCode.Glue.invalidInputException, "Tags can have at most 50 entries")) }
        if let code = Self.invalidTag(tags) { return .failure(code) }
        if let error = authorizePassRole(call, role: role) { return .failure(error) }
        let minutes = timeout ?? 2880
        var record = GlueSessionRecord(
            id: id, account: call.account, region: configuration.world.region, createdOn: call.now, description: input["Description"] as? String,
            role: role, commandName: (command["Name"] as? String) ?? "glueetl", pythonVersion: pythonVersion,
            defaultArguments: arguments, timeout: minutes, idleTimeout: idleTimeout ?? minutes, tags: tags)
        record.connections = (input["Connections"] as? [String: Any])?["Connections"] as? [String]
        record.maxCapacity = input["MaxCapacity"] as? Double
        record.numberOfWorkers = input["NumberOfWorkers"] as? Int
        record.workerType = input["WorkerType"] as? String
        record.securityConfiguration = input["SecurityConfiguration"] as? String
        record.glueVersion = input["GlueVersion"] as? String
        guard sessions.create(record) else {
            return .failure(Self.error(ErrorCode.Glue.alreadyExistsException, "Session with id \(id) already exists"))
        }
        sessions.launch(account: call.account, id: id, host: endpoint.glueHost)
        return .success(["Session": record.apiObject(now: call.now)])
    }

    static func invalidTag(_ tags: [String: String]) -> AWSServiceError? {
        for (key, value) in tags where key.isEmpty || key.count > 128 || value.count > 256 {
            return error(ErrorCode.Glue.invalidInputException, "Tag key must be 1 to 128 characters and tag value at most 256 characters: \(key)")
        }
        return nil
    }

    func listSessions(_ call: Call) -> Output {
        if let error = authorize(call, resource: "*") { return .failure(error) }
        let filter = (call.input["Tags"] as? [String: String]) ?? [:]
        if let max = call.input["MaxResults"] as? Int, max < 1 || max > 1000 {
            return .failure(Self.validation(String(max), "maxResults", "Member must have value between 1 and 1000"))
        }
        let all = sessions.sessions(account: call.account).filter { session in
            filter.allSatisfy { session.tags[$0.key] == $0.value }
        }
        let (page, next) = paginate(all, call: call, limit: 1000)
        var o: [String: Any] = ["Ids": page.map(\.id), "Sessions": page.map { $0.apiObject(now: call.now) }]
        if let next { o["NextToken"] = next }
        return .success(o)
    }

    func stopSession(_ call: Call) -> Output {
        withSession(call, idKey: "Id") { record in
            guard record.status == "READY" || record.status == "PROVISIONING" else {
                return .failure(Self.error(ErrorCode.Glue.illegalSessionStateException, "Session \(record.id) is in \(record.status) state and cannot be stopped"))
            }
            sessions.stop(account: call.account, id: record.id)
            return .success(["Id": record.id])
        }
    }

    func deleteSession(_ call: Call) -> Output {
        withSession(call, idKey: "Id") { record in
            guard record.status != "STOPPING" else {
                return .failure(Self.error(ErrorCode.Glue.illegalSessionStateException, "Session \(record.id) is STOPPING; delete it once it has stopped"))
            }
            sessions.delete(account: call.account, id: record.id)
            return .success(["Id": record.id])
        }
    }

    // MARK: Statements

    func runStatement(_ call: Call) -> Output {
        guard let code = call.input["Code"] as? String else { return .failure(Self.error(ErrorCode.Glue.invalidInputException, "Code is required")) }
        if code.count > 68000 { return .failure(Self.validation("...", "code", "Member must have length less than or equal to 68000")) }
        return withSession(call, idKey: "SessionId") { record in
            guard let id = sessions.addStatement(account: call.account, id: record.id, code: code) else {
                return .failure(Self.error(ErrorCode.Glue.illegalSessionStateException, "Session \(record.id) is in \(record.status) state; statements run only in a READY session"))
            }
            return .success(["Id": id])
        }
    }

    func statementId(_ call: Call) -> Result<Int, AWSServiceError> {
        guard let id = call.input["Id"] as? Int else { return .failure(Self.error(ErrorCode.Glue.invalidInputException, "Id is required")) }
        return .success(id)
    }

    func getStatement(_ call: Call) -> Output {
        let id: Int
        switch statementId(call) { case .failure(let e): return .failure(e); case .success(let i): id = i }
        return withSession(call, idKey: "SessionId") { record in
            guard record.statements.indices.contains(id) else {
                return .failure(Self.error(ErrorCode.Glue.entityNotFoundException, "Statement with id \(id) not found in session \(record.id)"))
            }
            return .success(["Statement": record.statements[id].apiObject()])
        }
    }

    func listStatements(_ call: Call) -> Output {
        withSession(call, idKey: "SessionId") { record in
            let (page, next) = paginate(record.statements, call: call, limit: 1000)
            var o: [String: Any] = ["Statements": page.map { $0.apiObject() }]
            if let next { o["NextToken"] = next }
            return .success(o)
        }
    }

    func cancelStatement(_ call: Call) -> Output {
        let id: Int
        switch statementId(call) { case .failure(let e): return .failure(e); case .success(let i): id = i }
        return withSession(call, idKey: "SessionId") { record in
            guard record.status == "READY" else {
                return .failure(Self.error(ErrorCode.Glue.illegalSessionStateException, "Session \(record.id) is in \(record.status) state"))
            }
            guard let before = sessions.cancel(account: call.account, id: record.id, statement: id) else {
                return .failure(Self.error(ErrorCode.Glue.entityNotFoundException, "Statement with id \(id) not found in session \(record.id)"))
            }
            if ["AVAILABLE", "ERROR"].contains(before) {
                return .failure(Self.error(ErrorCode.Glue.illegalSessionStateException, "Statement \(id) is in \(before) state and cannot be cancelled"))
            }
            return .success([:])
        }
    }

    // MARK: Tags

    /// TagResource, UntagResource and GetTags on `arn:aws:glue:REGION:ACCOUNT:session/ID`.
    func sessionTags(_ call: Call) -> Output {
        guard let arn = call.input["ResourceArn"] as? String, !arn.isEmpty else {
            return .failure(Self.error(ErrorCode.Glue.invalidInputException, "ResourceArn is required"))
        }
        guard let parsed = IAMArn(arn), parsed.service == "glue", parsed.resource.hasPrefix("session/") else {
            return .failure(Self.error(ErrorCode.Glue.entityNotFoundException, "Resource \(arn) not found"))
        }
        let id = String(parsed.resource.dropFirst("session/".count))
        let record = parsed.account == call.account ? sessions.session(account: call.account, id: id) : nil
        var context = Self.resourceTagContext(record?.tags ?? [:])
        let add = (call.input["TagsToAdd"] as? [String: String]) ?? [:]
        let remove = (call.input["TagsToRemove"] as? [String]) ?? []
        switch call.operation {
        case "TagResource":
            guard call.input["TagsToAdd"] is [String: String] else { return .failure(Self.error(ErrorCode.Glue.invalidInputException, "TagsToAdd is required")) }
            if let problem = Self.invalidTag(add) { return .failure(problem) }
            context.merge(Self.requestTagContext(add)) { $1 }
        case "UntagResource":
            guard call.input["TagsToRemove"] is [String] else { return .failure(Self.error(ErrorCode.Glue.invalidInputException, "TagsToRemove is required")) }
            if !remove.isEmpty { context["aws:TagKeys"] = remove }
        default:
            break
        }
        if let error = authorize(call, resource: arn, context: context) { return .failure(error) }
        guard let record else { return .failure(Self.sessionNotFound(id)) }
        switch call.operation {
        case "TagResource":
            if record.tags.count + add.keys.filter({ record.tags[$0] == nil }).count > 50 {
                return .failure(Self.error(ErrorCode.Glue.invalidInputException, "A session can have at most 50 tags"))
            }
            sessions.update(account: call.account, id: id) { $0.tags.merge(add) { $1 } }
            return .success([:])
        case "UntagResource":
            sessions.update(account: call.account, id: id) { session in for key in remove { session.tags[key] = nil } }
            return .success([:])
        default:
            return .success(["Tags": record.tags])
        }
    }
}
