import Foundation
import IAMPolicy
import World

/// STS on the query protocol: AssumeRole and GetCallerIdentity.
struct STSService: Sendable {
    let configuration: EndpointConfiguration
    let authorizer: Authorizer
    static let namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

    func handle(_ request: EndpointRequest, caller: Caller, now: Date) async -> EndpointResponse {
        var params = request.queryItems
        if request.method == "POST" {
            for (k, v) in EndpointRequest.parseForm(String(decoding: request.body, as: UTF8.self)) { params[k] = v }
        }
        let action = params["Action"] ?? ""
        let result: Result<String, AWSServiceError>
        switch action {
        case "AssumeRole": result = assumeRole(params, caller: caller, now: now)
        case "GetCallerIdentity": result = .success(getCallerIdentity(caller, now: now))
        case "":
            result = .failure(AWSServiceError(code: "MissingAction", status: 400, message: "Missing Action"))
        default:
            result = .failure(AWSServiceError(code: "InvalidAction", status: 400, message: "Could not find operation \(action) for version \(params["Version"] ?? "")"))
        }
        switch result {
        case .success(let inner):
            let body = "<\(action)Response xmlns=\"\(Self.namespace)\">\n\(inner)  <ResponseMetadata>\n    <RequestId>\(request.requestId)</RequestId>\n  </ResponseMetadata>\n</\(action)Response>\n"
            return EndpointResponse(status: 200, headers: [("Content-Type", "text/xml"), ("x-amzn-RequestId", request.requestId)], body: Data(body.utf8))
        case .failure(let error):
            return error.response(.query, requestId: request.requestId)
        }
    }

    func record(_ caller: Caller, action: String, resource: String, decision: String, reason: String, now: Date, error: AWSServiceError? = nil) {
        configuration.events.record(CallEvent(time: now, service: "sts", operation: String(action.dropFirst(4)), action: action, principal: caller.principal.arn,
                                              resource: resource, decision: decision, reason: reason,
                                              status: error?.status ?? 200, errorCode: error?.code))
    }

    func getCallerIdentity(_ caller: Caller, now: Date) -> String {
        let p = caller.principal
        record(caller, action: "sts:GetCallerIdentity", resource: "*", decision: "allow", reason: "GetCallerIdentity needs no permission", now: now)
        return "  <GetCallerIdentityResult>\n    <Arn>\(XML.escape(p.arn))</Arn>\n    <UserId>\(XML.escape(p.userId ?? p.account ?? ""))</UserId>\n    <Account>\(XML.escape(p.account ?? ""))</Account>\n  </GetCallerIdentityResult>\n"
    }

    func assumeRole(_ params: [String: String], caller: Caller, now: Date) -> Result<String, AWSServiceError> {
        let roleArn = params["RoleArn"] ?? ""
        let sessionName = params["RoleSessionName"] ?? ""
        var problems: [String] = []
        if roleArn.count < 20 || roleArn.count > 2048 {
            problems.append("Value '\(roleArn)' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20")
        }
        if sessionName.count < 2 {
            problems.append("Value '\(sessionName)' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2")
        } else if sessionName.count > 64 {
            problems.append("Value '\(sessionName)' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64")
        } else if !sessionName.unicodeScalars.allSatisfy({ Self.sessionNameCharacters.contains($0) }) {
            problems.append("Value '\(sessionName)' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
        }
        if !problems.isEmpty {
            let count = problems.count == 1 ? "1 validation error detected" : "\(problems.count) validation errors detected"
            return .failure(AWSServiceError(code: "ValidationError", status: 400, message: "\(count): " + problems.joined(separator: "; ")))
        }
        var duration = 3600
        if let text = params["DurationSeconds"] {
            guard let value = Int(text), value >= 900 else {
                return .failure(AWSServiceError(code: "ValidationError", status: 400, message: "1 validation error detected: Value '\(text)' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"))
            }
            duration = value
        }
        var sessionPolicies: [NamedPolicy] = []
        if let policyText = params["Policy"] {
            do {
                sessionPolicies.append(NamedPolicy(name: "session policy", policy: try Policy.parse(policyText)))
            } catch {
                return .failure(AWSServiceError(code: "MalformedPolicyDocument", status: 400, message: error.message))
            }
        }

        // A role that does not exist is answered exactly like one the caller may not assume.
        let denied = AWSServiceError.accessDenied("User: \(caller.principal.arn) is not authorized to perform: sts:AssumeRole on resource: \(roleArn)")
        guard let role = configuration.world.role(arn: roleArn) else {
            record(caller, action: "sts:AssumeRole", resource: roleArn, decision: "deny", reason: "the role does not exist", now: now, error: denied)
            return .failure(denied)
        }
        var context: [String: [String]] = ["sts:RoleSessionName": [sessionName]]
        if let externalId = params["ExternalId"] { context["sts:ExternalId"] = [externalId] }
        let outcome = authorizer.authorize(caller, action: "sts:AssumeRole", resource: role.arn, resourceAccount: role.account,
                                           resourcePolicy: role.trustPolicy, context: context, now: now)
        guard outcome.allowed else {
            record(caller, action: "sts:AssumeRole", resource: role.arn, decision: "deny", reason: outcome.reason, now: now, error: denied)
            return .failure(denied)
        }
        let chained = caller.principal.kind == .assumedRole
        if chained && duration > 3600 {
            return .failure(AWSServiceError(code: "ValidationError", status: 400, message: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."))
        }
        if duration > role.maxSessionDuration {
            return .failure(AWSServiceError(code: "ValidationError", status: 400, message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."))
        }
        record(caller, action: "sts:AssumeRole", resource: role.arn, decision: "allow", reason: outcome.reason, now: now)

        let sessionArn = "arn:aws:sts::\(role.account):assumed-role/\(role.name)/\(sessionName)"
        let principal = PrincipalIdentity(kind: .assumedRole, arn: sessionArn, account: role.account,
                                          userId: "\(role.roleId):\(sessionName)", roleArn: role.arn, tags: role.tags)
        let expiration = now.addingTimeInterval(TimeInterval(duration))
        let issued = configuration.credentials.issueSession(principal: principal, expiration: expiration,
                                                            sessionPolicies: sessionPolicies, isChained: chained)
        let c = issued.credentials
        var xml = "  <AssumeRoleResult>\n"
        xml += "    <AssumedRoleUser>\n      <AssumedRoleId>\(XML.escape(principal.userId ?? ""))</AssumedRoleId>\n      <Arn>\(XML.escape(sessionArn))</Arn>\n    </AssumedRoleUser>\n"
        xml += "    <Credentials>\n      <AccessKeyId>\(c.accessKeyId)</AccessKeyId>\n      <SecretAccessKey>\(c.secretAccessKey)</SecretAccessKey>\n      <SessionToken>\(c.sessionToken ?? "")</SessionToken>\n      <Expiration>\(XML.timestampSeconds(expiration))</Expiration>\n    </Credentials>\n"
        if let policyText = params["Policy"] {
            // STS reports the packed session policy size as a percentage of the allowed maximum.
            xml += "    <PackedPolicySize>\(max(1, policyText.utf8.count * 100 / 2048))</PackedPolicySize>\n"
        }
        xml += "  </AssumeRoleResult>\n"
        return .success(xml)
    }

    static let sessionNameCharacters = Set<Unicode.Scalar>("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-".unicodeScalars)
}
