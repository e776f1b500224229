import Foundation
import IAMPolicy
import SigV4
import World

/// STS on the query protocol: AssumeRole, GetCallerIdentity, GetSessionToken, GetAccessKeyInfo
/// and DecodeAuthorizationMessage.
struct STSService: Sendable {
    let configuration: EndpointConfiguration
    let access: AccessControl
    static let namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

    init(configuration: EndpointConfiguration, access: AccessControl) {
        self.configuration = configuration
        self.access = access
        // Access keys the world declares for its users are valid on every endpoint serving that world.
        configuration.credentials.registerDeclaredKeys(of: configuration.world)
    }

    func handle(_ request: EndpointRequest, caller: Caller, now: Date) async -> EndpointResponse {
        let params = QueryParameters(request)
        let action = params["Action"] ?? ""
        let result: Result<String, AWSServiceError>
        switch action {
        case "AssumeRole": result = assumeRole(params, caller: caller, now: now)
        case "GetCallerIdentity": result = .success(getCallerIdentity(caller, now: now))
        case "GetSessionToken": result = getSessionToken(params, caller: caller, now: now)
        case "GetAccessKeyInfo": result = getAccessKeyInfo(params, caller: caller, now: now)
        case "DecodeAuthorizationMessage": result = decodeAuthorizationMessage(params, caller: caller, now: now)
        case "":
            result = .failure(AWSServiceError(code: ErrorCode.missingAction, status: 400, message: "Missing Action"))
        default:
            result = .failure(AWSServiceError(code: ErrorCode.invalidAction, status: 400, message: "Could not find operation \(action) for version \(params["Version"] ?? "")"))
        }
        return QueryResponse.render(action: action, namespace: Self.namespace, result: result, requestId: request.requestId)
    }

    func record(_ caller: Caller, action: String, resource: String, decision: String, reason: String, now: Date, error: AWSServiceError? = nil,
                explanation: [String]? = nil, context: [String: [String]] = [:], replayable: Bool = false) {
        access.record(AccessRequest(caller: caller, action: action, resource: resource, requestContext: context), service: "sts",
                      operation: String(action.dropFirst(4)), decision: decision, reason: reason, error: error, now: now, explanation: explanation,
                      replayable: replayable)
    }

    // MARK: GetCallerIdentity

    func getCallerIdentity(_ caller: Caller, now: Date) -> String {
        let p = caller.principal
        access.check(AccessRequest(caller: caller, action: "sts:GetCallerIdentity", resource: "*"), service: "sts",
                     operation: "GetCallerIdentity", shape: .query, now: now)
        return "  <GetCallerIdentityResult>\n    <Arn>\(XML.escape(p.arn))</Arn>\n    <UserId>\(XML.escape(p.userId ?? p.account ?? ""))</UserId>\n    <Account>\(XML.escape(p.account ?? ""))</Account>\n  </GetCallerIdentityResult>\n"
    }

    // MARK: AssumeRole

    func assumeRole(_ params: QueryParameters, caller: Caller, now: Date) -> Result<String, AWSServiceError> {
        let roleArn = params["RoleArn"] ?? ""
        let sessionName = params["RoleSessionName"] ?? ""
        let policyArns = params.list("PolicyArns", field: "arn")
        let tagList = params.tags("Tags")
        let transitiveKeys = params.list("TransitiveTagKeys")
        var v = Validation()
        v.required(params["RoleArn"], "roleArn")
        v.required(params["RoleSessionName"], "roleSessionName")
        v.length(params["RoleArn"], "roleArn", 20, 2048)
        v.length(params["RoleSessionName"], "roleSessionName", 2, 64)
        v.pattern(params["RoleSessionName"], "roleSessionName", Validation.sessionName, "[\\w+=,.@-]*")
        for (i, arn) in policyArns.enumerated() { v.length(arn, "policyArns.\(i + 1).member.arn", 20, 2048) }
        v.count(policyArns.count, "policyArns", max: 10)
        if let policy = params["Policy"] {
            v.length(policy, "policy", 1, 2048)
            v.pattern(policy, "policy", Validation.policyText, "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+")
        }
        let durationText = params["DurationSeconds"]
        let duration = v.integer(durationText, "durationSeconds", 900, 43200) ?? 3600
        v.count(tagList.count, "tags", max: 50)
        for (i, tag) in tagList.enumerated() {
            v.length(tag.key, "tags.\(i + 1).member.key", 1, 128)
            v.pattern(tag.key, "tags.\(i + 1).member.key", Validation.tagText, "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+")
            v.length(tag.value, "tags.\(i + 1).member.value", 0, 256)
            v.pattern(tag.value, "tags.\(i + 1).member.value", Validation.tagText, "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*")
        }
        v.count(transitiveKeys.count, "transitiveTagKeys", max: 50)
        if let externalId = params["ExternalId"] {
            v.length(externalId, "externalId", 2, 1224)
            v.pattern(externalId, "externalId", Validation.externalId, "[\\w+=,.@:\\/-]*")
        }
        validateMFA(params, &v)
        if let source = params["SourceIdentity"] {
            v.length(source, "sourceIdentity", 2, 64)
            v.pattern(source, "sourceIdentity", Validation.sessionName, "[\\w+=,.@-]*")
        }
        if let error = v.error { return .failure(error) }

        // Tags: keys are case-insensitive and may not repeat; transitive keys must name passed tags.
        var tags: [String: String] = [:]
        for tag in tagList {
            if tags.keys.contains(where: { $0.lowercased() == tag.key.lowercased() }) {
                return .failure(AWSServiceError(code: ErrorCode.STS.invalidParameterValue, status: 400, message: "Duplicate tag keys found. Please note that Tag keys are case insensitive."))
            }
            tags[tag.key] = tag.value
        }
        for key in transitiveKeys where !tags.keys.contains(where: { $0.lowercased() == key.lowercased() }) {
            return .failure(AWSServiceError(code: ErrorCode.STS.invalidParameterValue, status: 400, message: "The TransitiveTagKeys list must be a subset of the session tag keys; '\(key)' is not a tag of this request."))
        }

        // Session policies: the inline document and managed policy ARNs.
        var sessionPolicies: [NamedPolicy] = []
        if let policyText = params["Policy"] {
            do {
                sessionPolicies.append(NamedPolicy(name: "session policy", policy: try Policy.parse(policyText, as: .session)))
            } catch {
                return .failure(AWSServiceError(code: ErrorCode.malformedPolicyDocument, status: 400, message: error.message))
            }
        }
        for arn in policyArns {
            guard let policy = configuration.world.managedPolicy(arn: arn) else {
                return .failure(AWSServiceError(code: ErrorCode.malformedPolicyDocument, status: 400, message: "Policy \(arn) does not exist or is not attachable."))
            }
            sessionPolicies.append(policy)
        }

        // What the caller's own session passes on along a chain.
        let callerSession = caller.credential
        let chainedFromRole = caller.principal.kind == .assumedRole
        var inheritedTags: [String: String] = [:]
        var inheritedTransitive: [String] = []
        if chainedFromRole, let session = callerSession {
            for key in session.transitiveTagKeys { if let value = session.sessionTags[key] { inheritedTags[key] = value; inheritedTransitive.append(key) } }
        }
        for key in tags.keys where inheritedTags.keys.contains(where: { $0.lowercased() == key.lowercased() }) {
            return .failure(AWSServiceError(code: ErrorCode.STS.invalidParameterValue, status: 400, message: "The session tag key '\(key)' is a transitive tag of the calling session and cannot be overridden in a role chain."))
        }
        let inheritedSource = callerSession?.sourceIdentity
        let requestedSource = params["SourceIdentity"]
        if let inheritedSource, let requestedSource, inheritedSource != requestedSource {
            return .failure(AWSServiceError(code: ErrorCode.STS.invalidParameterValue, status: 400, message: "The source identity of a role session cannot be changed: the calling session has source identity \(inheritedSource)."))
        }
        let sourceIdentity = requestedSource ?? inheritedSource

        // Packed size of the session policies and tags, as a percentage of STS's limit.
        let packed = Self.packedPolicySize(policy: params["Policy"], arns: policyArns, tags: tags.merging(inheritedTags) { a, _ in a })
        if packed > 100 {
            return .failure(AWSServiceError(code: ErrorCode.STS.packedPolicyTooLarge, status: 400, message: "Packed policy consumes \(packed)% of allotted space, please use smaller policy."))
        }

        let denied = { (action: String) in AccessControl.refusal(caller, action: action, resource: roleArn) }
        if caller.principal.kind == .root {
            let error = AWSServiceError.accessDenied("Roles may not be assumed by root accounts.")
            record(caller, action: "sts:AssumeRole", resource: roleArn, decision: "deny", reason: "an account's root user cannot assume roles", now: now, error: error)
            return .failure(error)
        }

        // MFA: a device the world declares for the calling user, and its fixed test code.
        var mfaAt = callerSession?.mfaAuthenticatedAt
        if params["SerialNumber"] != nil || params["TokenCode"] != nil {
            switch checkMFA(serial: params["SerialNumber"], code: params["TokenCode"], caller: caller) {
            case .failure(let error):
                record(caller, action: "sts:AssumeRole", resource: roleArn, decision: "deny", reason: "MFA check failed", now: now, error: error)
                return .failure(error)
            case .success: mfaAt = now
            }
        }

        // A role that does not exist is answered exactly like one the caller may not assume.
        guard let role = configuration.world.role(arn: roleArn) else {
            record(caller, action: "sts:AssumeRole", resource: roleArn, decision: "deny", reason: "the role does not exist", now: now, error: denied("sts:AssumeRole"))
            return .failure(denied("sts:AssumeRole"))
        }
        var context: [String: [String]] = ["sts:RoleSessionName": [sessionName]]
        if let externalId = params["ExternalId"] { context["sts:ExternalId"] = [externalId] }
        if let sourceIdentity { context["sts:SourceIdentity"] = [sourceIdentity] }
        if let mfaAt {
            context["aws:MultiFactorAuthPresent"] = ["true"]
            context["aws:MultiFactorAuthAge"] = [String(max(0, Int(now.timeIntervalSince(mfaAt))))]
        }
        let allTags = tags.merging(inheritedTags) { a, _ in a }
        if !allTags.isEmpty {
            for (k, value) in allTags { context["aws:RequestTag/\(k)"] = [value] }
            context["aws:TagKeys"] = allTags.keys.sorted()
        }
        if !transitiveKeys.isEmpty || !inheritedTransitive.isEmpty { context["sts:TransitiveTagKeys"] = transitiveKeys + inheritedTransitive }

        var needed = ["sts:AssumeRole"]
        if !tags.isEmpty || !transitiveKeys.isEmpty { needed.append("sts:TagSession") }
        if sourceIdentity != nil { needed.append("sts:SetSourceIdentity") }
        var reasons: [String] = []
        for action in needed {
            // The world's role gives the trust policy, which must allow each of them.
            let checked = access.check(AccessRequest(caller: caller, action: action, resource: role.arn, requestContext: context),
                                       service: "sts", operation: "AssumeRole", shape: .assumeRole, now: now, record: false)
            if let error = checked.error {
                // STS answers AssumeRole refusals without a reason clause, whichever side refused
                // (the reason is kept in the event for the run's summary).
                record(caller, action: action, resource: role.arn, decision: "deny", reason: checked.reason, now: now, error: error,
                       explanation: checked.outcome.decision.explanation, context: context, replayable: true)
                return .failure(error)
            }
            let outcome = checked
            reasons.append(outcome.reason)
        }
        let chained = chainedFromRole
        if chained && duration > 3600 {
            return .failure(AWSServiceError(code: ErrorCode.validationError, status: 400, message: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."))
        }
        if duration > role.maxSessionDuration {
            return .failure(AWSServiceError(code: ErrorCode.validationError, status: 400, message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."))
        }
        record(caller, action: "sts:AssumeRole", resource: role.arn, decision: "allow", reason: reasons.joined(separator: "; "), now: now, context: context,
               replayable: reasons.count == 1)

        let sessionArn = "arn:aws:sts::\(role.account):assumed-role/\(role.name)/\(sessionName)"
        let principal = PrincipalIdentity(kind: .assumedRole, arn: sessionArn, account: role.account, userId: "\(role.roleId):\(sessionName)",
                                          roleArn: role.arn, tags: role.tags, sessionTags: allTags, tokenIssueTime: now,
                                          sourceIdentity: sourceIdentity)
        let expiration = now.addingTimeInterval(TimeInterval(duration))
        var session = IssuedCredential(
            credentials: CredentialStore.newSessionCredentials(account: role.account), principal: principal, expiration: expiration,
            sessionPolicies: sessionPolicies, isChained: chained, sessionTags: allTags, transitiveTagKeys: transitiveKeys + inheritedTransitive,
            sourceIdentity: sourceIdentity, mfaAuthenticatedAt: mfaAt, issuedAt: now, origin: .assumeRole)
        // A caller inside a VPC hands its place on: the new session's calls come from there too.
        session.placement = caller.effectivePlacement
        let issued = configuration.credentials.register(session)
        var xml = "  <AssumeRoleResult>\n"
        if let sourceIdentity { xml += "    <SourceIdentity>\(XML.escape(sourceIdentity))</SourceIdentity>\n" }
        xml += "    <AssumedRoleUser>\n      <AssumedRoleId>\(XML.escape(principal.userId ?? ""))</AssumedRoleId>\n      <Arn>\(XML.escape(sessionArn))</Arn>\n    </AssumedRoleUser>\n"
        xml += Self.credentialsXML(issued.credentials, expiration: expiration)
        if params["Policy"] != nil || !policyArns.isEmpty || !allTags.isEmpty {
            xml += "    <PackedPolicySize>\(packed)</PackedPolicySize>\n"
        }
        xml += "  </AssumeRoleResult>\n"
        return .success(xml)
    }

    static func credentialsXML(_ c: AWSCredentials, expiration: Date) -> String {
        "    <Credentials>\n      <AccessKeyId>\(c.accessKeyId)</AccessKeyId>\n      <SecretAccessKey>\(XML.escape(c.secretAccessKey))</SecretAccessKey>\n      <SessionToken>\(XML.escape(c.sessionToken ?? ""))</SessionToken>\n      <Expiration>\(XML.timestampSeconds(expiration))</Expiration>\n    </Credentials>\n"
    }

    /// STS packs session policies, policy ARNs and tags into a compressed binary form with its own
    /// limit. glueshim's model of it: policy text and ARNs count half their characters (they
    /// compress well), tags count in full; 100% is 2048 packed bytes.
    static func packedPolicySize(policy: String?, arns: [String], tags: [String: String]) -> Int {
        let policyBytes = (policy.map { $0.filter { !$0.isWhitespace }.utf8.count } ?? 0) + arns.reduce(0) { $0 + $1.utf8.count }
        let tagBytes = tags.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 2 }
        let packed = policyBytes / 2 + tagBytes
        return packed == 0 ? 0 : max(1, (packed * 100 + 2047) / 2048)
    }

    static let mfaFailed = AWSServiceError.accessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code. ")

    /// The MFA device must be one of the calling user's devices and the code its test code.
    func checkMFA(serial: String?, code: String?, caller: Caller) -> Result<Void, AWSServiceError> {
        guard let serial, let code else {
            return .failure(AWSServiceError.accessDenied("MultiFactorAuthentication failed, unable to validate MFA code. Both SerialNumber and TokenCode are needed."))
        }
        guard let (user, device) = configuration.world.mfaDevice(serialNumber: serial) else { return .failure(Self.mfaFailed) }
        let owner = caller.principal.kind == .user && caller.principal.arn == user.arn
        guard owner, device.code == code else { return .failure(Self.mfaFailed) }
        return .success(())
    }

    /// SerialNumber and TokenCode, as AssumeRole and GetSessionToken both check them.
    func validateMFA(_ params: QueryParameters, _ v: inout Validation) {
        if let serial = params["SerialNumber"] {
            v.length(serial, "serialNumber", 9, 256)
            v.pattern(serial, "serialNumber", Validation.serialNumber, "[\\w+=/:,.@-]*")
        }
        if let code = params["TokenCode"] {
            v.length(code, "tokenCode", 6, 6)
            v.pattern(code, "tokenCode", Validation.digits, "[\\d]*")
        }
    }

    // MARK: GetSessionToken

    func getSessionToken(_ params: QueryParameters, caller: Caller, now: Date) -> Result<String, AWSServiceError> {
        var v = Validation()
        var duration = v.integer(params["DurationSeconds"], "durationSeconds", 900, 129600) ?? 43200
        validateMFA(params, &v)
        if let error = v.error { return .failure(error) }
        let p = caller.principal
        guard let credential = caller.credential, !credential.isTemporary, p.kind == .user || p.kind == .root else {
            let error = AWSServiceError.accessDenied("Cannot call GetSessionToken with session credentials")
            record(caller, action: "sts:GetSessionToken", resource: "*", decision: "deny", reason: "only IAM users and root with long-term keys get session tokens", now: now, error: error)
            return .failure(error)
        }
        // An explicit deny of sts:GetSessionToken in the user's policies still applies.
        let checked = access.check(AccessRequest(caller: caller, action: "sts:GetSessionToken", resource: "*"), service: "sts",
                                   operation: "GetSessionToken", shape: .query, shownResource: .some(nil), now: now, record: false)
        if checked.outcome.decision.outcome == .explicitDeny, let error = checked.error {
            record(caller, action: "sts:GetSessionToken", resource: "*", decision: "deny", reason: checked.reason, now: now, error: error, replayable: true)
            return .failure(error)
        }
        var mfaAt: Date?
        if params["SerialNumber"] != nil || params["TokenCode"] != nil {
            if case .failure(let error) = checkMFA(serial: params["SerialNumber"], code: params["TokenCode"], caller: caller) {
                record(caller, action: "sts:GetSessionToken", resource: "*", decision: "deny", reason: "MFA check failed", now: now, error: error)
                return .failure(error)
            }
            mfaAt = now
        }
        // Sessions of an account's root user last at most an hour.
        if p.kind == .root { duration = min(duration, 3600) }
        record(caller, action: "sts:GetSessionToken", resource: "*", decision: "allow", reason: "GetSessionToken needs no permission", now: now)
        let expiration = now.addingTimeInterval(TimeInterval(duration))
        var session = IssuedCredential(
            credentials: CredentialStore.newSessionCredentials(account: p.account), principal: p, expiration: expiration,
            mfaAuthenticatedAt: mfaAt, issuedAt: now, origin: .getSessionToken)
        session.placement = caller.effectivePlacement
        let issued = configuration.credentials.register(session)
        return .success("  <GetSessionTokenResult>\n" + Self.credentialsXML(issued.credentials, expiration: expiration) + "  </GetSessionTokenResult>\n")
    }

    // MARK: GetAccessKeyInfo

    func getAccessKeyInfo(_ params: QueryParameters, caller: Caller, now: Date) -> Result<String, AWSServiceError> {
        let id = params["AccessKeyId"] ?? ""
        var v = Validation()
        v.required(params["AccessKeyId"], "accessKeyId")
        v.length(params["AccessKeyId"], "accessKeyId", 16, 128)
        v.pattern(params["AccessKeyId"], "accessKeyId", Validation.word, "[\\w]*")
        if let error = v.error { return .failure(error) }
        // AWS reads the account out of the key id itself; keys glueshim knows answer from its records.
        let account = configuration.credentials.lookup(accessKeyId: id)?.principal.account
            ?? configuration.world.user(accessKeyId: id)?.user.account
            ?? CredentialStore.account(ofAccessKeyId: id)
        guard let account else {
            return .failure(AWSServiceError(code: ErrorCode.validationError, status: 400, message: "The access key ID \(id) is not a valid AWS access key ID."))
        }
        record(caller, action: "sts:GetAccessKeyInfo", resource: "*", decision: "allow", reason: "GetAccessKeyInfo needs no resource permission", now: now)
        return .success("  <GetAccessKeyInfoResult>\n    <Account>\(account)</Account>\n  </GetAccessKeyInfoResult>\n")
    }

    // MARK: DecodeAuthorizationMessage

    func decodeAuthorizationMessage(_ params: QueryParameters, caller: Caller, now: Date) -> Result<String, AWSServiceError> {
        var v = Validation()
        v.required(params["EncodedMessage"], "encodedMessage")
        v.length(params["EncodedMessage"], "encodedMessage", 1, 10240)
        if let error = v.error { return .failure(error) }
        let outcome = access.check(AccessRequest(caller: caller, action: "sts:DecodeAuthorizationMessage", resource: "*"), service: "sts",
                                   operation: "DecodeAuthorizationMessage", shape: .query, shownResource: .some(nil), now: now, record: false)
        if let error = outcome.error {
            record(caller, action: "sts:DecodeAuthorizationMessage", resource: "*", decision: "deny", reason: outcome.reason, now: now, error: error,
                   explanation: outcome.outcome.decision.explanation, replayable: true)
            return .failure(error)
        }
        guard let decoded = EncodedAuthorizationMessage.decode(params["EncodedMessage"] ?? "") else {
            let error = AWSServiceError(code: ErrorCode.STS.invalidAuthorizationMessageException, status: 400, message: "The encoded message is not a valid authorization message.")
            record(caller, action: "sts:DecodeAuthorizationMessage", resource: "*", decision: "allow", reason: outcome.reason, now: now, error: error, replayable: true)
            return .failure(error)
        }
        record(caller, action: "sts:DecodeAuthorizationMessage", resource: "*", decision: "allow", reason: outcome.reason, now: now, replayable: true)
        return .success("  <DecodeAuthorizationMessageResult>\n    <DecodedMessage>\(XML.escape(decoded))</DecodedMessage>\n  </DecodeAuthorizationMessageResult>\n")
    }
}

/// The encoded authorization failure messages some AWS services return, and their decoded JSON
/// (the shape STS's DecodeAuthorizationMessage returns: allowed, explicitDeny, matchedStatements,
/// failures, context).
public enum EncodedAuthorizationMessage {
    static let prefix = "glueshim-authz-"

    /// Encodes a decision about a request for a client to decode with sts:DecodeAuthorizationMessage.
    public static func encode(principal: PrincipalIdentity, action: String, resource: String, decision: Decision, context: [String: [String]] = [:]) -> String {
        let statements: [[String: Any]] = decision.statements.map { s in
            ["statementId": s.sid ?? "", "effect": s.effect.rawValue == "Allow" ? "ALLOW" : "DENY",
             "principals": ["items": [["value": principal.userId ?? principal.arn]]],
             "principalGroups": ["items": [Any]()], "actions": ["items": [["value": action]]],
             "resources": ["items": [["value": resource]]], "conditions": ["items": [Any]()],
             "policyName": s.policyName, "policyType": s.policyType.rawValue]
        }
        let conditions: [[String: Any]] = context.keys.sorted().map { key in
            ["key": key, "values": ["items": (context[key] ?? []).map { ["value": $0] }]]
        }
        let object: [String: Any] = [
            "allowed": decision.isAllowed,
            "explicitDeny": decision.outcome == .explicitDeny,
            "matchedStatements": ["items": statements],
            "failures": ["items": [Any]()],
            "context": ["principal": ["id": principal.userId ?? principal.arn, "arn": principal.arn],
                        "action": action, "resource": resource, "conditions": ["items": conditions]],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return prefix + data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    /// The JSON text of a message `encode` made, or nil.
    public static func decode(_ message: String) -> String? {
        guard message.hasPrefix(prefix) else { return nil }
        var b64 = String(message.dropFirst(prefix.count)).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), (try? JSONSerialization.jsonObject(with: data)) != nil else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
