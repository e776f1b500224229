import Foundation
import IAMPolicy
import World

/// IAM on the query protocol: the read side of the world's IAM and the policy simulator.
/// Every call acts on the caller's own account and is itself authorized (iam:GetRole ...).
struct IAMService: Sendable {
    let configuration: EndpointConfiguration
    let access: AccessControl
    static let namespace = "https://iam.amazonaws.com/doc/2010-05-08/"
    var world: World { configuration.world }

    func handle(_ request: EndpointRequest, caller: Caller, now: Date) async -> EndpointResponse {
        let params = QueryParameters(request)
        let action = params["Action"] ?? ""
        let result: Result<String, AWSServiceError>
        // Credentials from GetSessionToken reach IAM only when MFA was presented.
        if let credential = caller.credential, credential.origin == .getSessionToken, credential.mfaAuthenticatedAt == nil {
            result = .failure(AWSServiceError(code: ErrorCode.invalidClientTokenId, status: 403, message: "The security token included in the request is invalid"))
        } else if caller.principal.account == nil || world.accounts[caller.principal.account ?? ""] == nil {
            result = .failure(AccessControl.refusal(caller, action: "iam:\(action)", resource: nil))
        } else {
            let call = IAMCall(service: self, caller: caller, params: params, now: now, account: caller.principal.account ?? "")
            result = call.run(action)
        }
        return QueryResponse.render(action: action, namespace: Self.namespace, result: result, requestId: request.requestId)
    }
}

/// One IAM request: its parameters, its caller and the account it acts on.
struct IAMCall {
    let service: IAMService
    let caller: Caller
    let params: QueryParameters
    let now: Date
    let account: String
    var world: World { service.world }
    var accountData: Account { world.accounts[account] ?? Account(id: account) }

    func run(_ action: String) -> Result<String, AWSServiceError> {
        switch action {
        case "GetUser": return getUser()
        case "GetRole": return getRole()
        case "ListRoles": return listRoles()
        case "GetRolePolicy": return getInlinePolicy(kind: .role)
        case "GetUserPolicy": return getInlinePolicy(kind: .user)
        case "ListRolePolicies": return listInlinePolicies(kind: .role)
        case "ListUserPolicies": return listInlinePolicies(kind: .user)
        case "ListAttachedRolePolicies": return listAttached(kind: .role)
        case "ListAttachedUserPolicies": return listAttached(kind: .user)
        case "ListRoleTags": return listTags(kind: .role)
        case "ListUserTags": return listTags(kind: .user)
        case "ListGroupsForUser": return listGroupsForUser()
        case "GetPolicy": return getPolicy()
        case "GetPolicyVersion": return getPolicyVersion()
        case "ListPolicies": return listPolicies()
        case "GetAccountAuthorizationDetails": return getAccountAuthorizationDetails()
        case "SimulatePrincipalPolicy": return simulate(principalPolicy: true)
        case "SimulateCustomPolicy": return simulate(principalPolicy: false)
        case "": return .failure(AWSServiceError(code: ErrorCode.missingAction, status: 400, message: "Missing Action"))
        default:
            return .failure(AWSServiceError(code: ErrorCode.invalidAction, status: 400, message: "Could not find operation \(action) for version \(params["Version"] ?? "")"))
        }
    }

    enum Kind { case role, user }

    // MARK: authorization

    /// Authorizes the call itself; `display` is how IAM names the resource in its denial
    /// ("role NAME", "user NAME", "policy ARN").
    func authorize(_ action: String, resource: String, display: String? = nil, context: [String: [String]] = [:]) -> AWSServiceError? {
        let access = AccessRequest(caller: caller, action: action, resource: resource, requestContext: context)
        return service.access.check(access, service: "iam", operation: String(action.dropFirst(4)), shape: .query,
                                    shownResource: .some(display ?? resource), now: now).error
    }

    func name(_ member: String, _ param: String, max: Int = 64) -> Result<String, AWSServiceError> {
        var v = Validation()
        v.required(params[param], member)
        v.length(params[param], member, 1, max)
        v.pattern(params[param], member, Validation.iamName, "[\\w+=,.@-]+")
        if let error = v.error { return .failure(error) }
        return .success(params[param] ?? "")
    }

    func noSuch(_ message: String) -> AWSServiceError { AWSServiceError(code: ErrorCode.IAM.noSuchEntity, status: 404, message: message) }

    /// The role or user named by `RoleName`/`UserName`, authorized for `action`.
    func principal(_ kind: Kind, action: String) -> Result<(name: String, arn: String, role: Role?, user: User?), AWSServiceError> {
        let param = kind == .role ? "RoleName" : "UserName"
        let member = kind == .role ? "roleName" : "userName"
        let nameResult = name(member, param, max: kind == .role ? 64 : 128)
        guard case .success(let name) = nameResult else { return nameResult.map { _ in ("", "", nil, nil) } }
        let role = kind == .role ? accountData.roles[name] : nil
        let user = kind == .user ? accountData.users[name] : nil
        let arn = role?.arn ?? user?.arn ?? "arn:aws:iam::\(account):\(kind == .role ? "role" : "user")/\(name)"
        if let error = authorize(action, resource: arn, display: "\(kind == .role ? "role" : "user") \(name)") { return .failure(error) }
        if role == nil && user == nil {
            return .failure(noSuch("The \(kind == .role ? "role" : "user") with name \(name) cannot be found."))
        }
        return .success((name, arn, role, user))
    }

    // MARK: users and roles

    func getUser() -> Result<String, AWSServiceError> {
        guard params["UserName"] != nil else {
            guard caller.principal.kind == .user || caller.principal.kind == .root else {
                return .failure(AWSServiceError(code: ErrorCode.validationError, status: 400, message: "Must specify userName when calling with non-User credentials"))
            }
            if let error = authorize("iam:GetUser", resource: caller.principal.arn) { return .failure(error) }
            if caller.principal.kind == .root {
                return .success("  <GetUserResult>\n    <User>\n      <UserId>\(account)</UserId>\n      <Arn>\(caller.principal.arn)</Arn>\n      <CreateDate>\(IAMXML.date(World.creationDate))</CreateDate>\n    </User>\n  </GetUserResult>\n")
            }
            guard let user = world.user(arn: caller.principal.arn) else { return .failure(noSuch("The user with name \(caller.principal.userName ?? "") cannot be found.")) }
            return .success("  <GetUserResult>\n" + IAMXML.user(user, element: "User", full: true) + "  </GetUserResult>\n")
        }
        return principal(.user, action: "iam:GetUser").map { found in
            "  <GetUserResult>\n" + IAMXML.user(found.user!, element: "User", full: true) + "  </GetUserResult>\n"
        }
    }

    func getRole() -> Result<String, AWSServiceError> {
        principal(.role, action: "iam:GetRole").map { found in
            "  <GetRoleResult>\n" + IAMXML.role(found.role!, world: world, element: "Role", full: true) + "  </GetRoleResult>\n"
        }
    }

    func listRoles() -> Result<String, AWSServiceError> {
        if let error = authorize("iam:ListRoles", resource: "arn:aws:iam::\(account):role/") { return .failure(error) }
        let prefix = params["PathPrefix"] ?? "/"
        let roles = accountData.roles.values.filter { $0.path.hasPrefix(prefix) }.sorted { $0.name.lowercased() < $1.name.lowercased() }
        return paginate(roles.map { IAMXML.role($0, world: world, element: "member", full: false) }).map { page in
            "  <ListRolesResult>\n    <Roles>\n\(page.members)    </Roles>\n\(page.trailer)  </ListRolesResult>\n"
        }
    }

    func getInlinePolicy(kind: Kind) -> Result<String, AWSServiceError> {
        let action = kind == .role ? "iam:GetRolePolicy" : "iam:GetUserPolicy"
        let found: (name: String, arn: String, role: Role?, user: User?)
        switch principal(kind, action: action) {
        case .failure(let error): return .failure(error)
        case .success(let value): found = value
        }
        let policyNameResult = name("policyName", "PolicyName", max: 128)
        guard case .success(let policyName) = policyNameResult else { return policyNameResult }
        let policy = kind == .role ? found.role?.inlinePolicy(named: policyName) : found.user?.inlinePolicy(named: policyName)
        guard let policy else {
            return .failure(noSuch("The \(kind == .role ? "role" : "user") policy with name \(policyName) cannot be found."))
        }
        let tag = kind == .role ? "Role" : "User"
        return .success("  <Get\(tag)PolicyResult>\n    <PolicyName>\(XML.escape(policyName))</PolicyName>\n    <\(tag)Name>\(XML.escape(found.name))</\(tag)Name>\n    <PolicyDocument>\(IAMXML.encode(world.document(of: policy)))</PolicyDocument>\n  </Get\(tag)PolicyResult>\n")
    }

    func listInlinePolicies(kind: Kind) -> Result<String, AWSServiceError> {
        let action = kind == .role ? "iam:ListRolePolicies" : "iam:ListUserPolicies"
        return principal(kind, action: action).flatMap { found in
            let names = (kind == .role ? found.role?.inlinePolicyNames : found.user?.inlinePolicyNames) ?? []
            return paginate(names.sorted().map { "      <member>\(XML.escape($0))</member>\n" }).map { page in
                let tag = kind == .role ? "Role" : "User"
                return "  <List\(tag)PoliciesResult>\n    <PolicyNames>\n\(page.members)    </PolicyNames>\n\(page.trailer)  </List\(tag)PoliciesResult>\n"
            }
        }
    }

    func listAttached(kind: Kind) -> Result<String, AWSServiceError> {
        let action = kind == .role ? "iam:ListAttachedRolePolicies" : "iam:ListAttachedUserPolicies"
        return principal(kind, action: action).flatMap { found in
            let prefix = params["PathPrefix"] ?? "/"
            let arns = ((kind == .role ? found.role?.managedPolicyArns : found.user?.managedPolicyArns) ?? []).filter { IAMXML.policyPath($0).hasPrefix(prefix) }
            return paginate(arns.map { "      <member>\n        <PolicyName>\(XML.escape(IAMXML.policyName($0)))</PolicyName>\n        <PolicyArn>\(XML.escape($0))</PolicyArn>\n      </member>\n" }).map { page in
                let tag = kind == .role ? "Role" : "User"
                return "  <ListAttached\(tag)PoliciesResult>\n    <AttachedPolicies>\n\(page.members)    </AttachedPolicies>\n\(page.trailer)  </ListAttached\(tag)PoliciesResult>\n"
            }
        }
    }

    func listTags(kind: Kind) -> Result<String, AWSServiceError> {
        let action = kind == .role ? "iam:ListRoleTags" : "iam:ListUserTags"
        return principal(kind, action: action).flatMap { found in
            let tags = (kind == .role ? found.role?.tags : found.user?.tags) ?? [:]
            return paginate(tags.sorted { $0.key < $1.key }.map { "      <member>\n        <Key>\(XML.escape($0.key))</Key>\n        <Value>\(XML.escape($0.value))</Value>\n      </member>\n" }).map { page in
                let tag = kind == .role ? "Role" : "User"
                return "  <List\(tag)TagsResult>\n    <Tags>\n\(page.members)    </Tags>\n\(page.trailer)  </List\(tag)TagsResult>\n"
            }
        }
    }

    func listGroupsForUser() -> Result<String, AWSServiceError> {
        principal(.user, action: "iam:ListGroupsForUser").flatMap { found in
            let groups = found.user?.groups ?? []
            return paginate(groups.sorted().map { group in
                "      <member>\n        <Path>/</Path>\n        <GroupName>\(XML.escape(group))</GroupName>\n        <GroupId>\(World.uniqueId(prefix: "AGPA", seed: "\(account)/group/\(group)"))</GroupId>\n        <Arn>arn:aws:iam::\(account):group/\(XML.escape(group))</Arn>\n        <CreateDate>\(IAMXML.date(World.creationDate))</CreateDate>\n      </member>\n"
            }).map { page in
                "  <ListGroupsForUserResult>\n    <Groups>\n\(page.members)    </Groups>\n\(page.trailer)  </ListGroupsForUserResult>\n"
            }
        }
    }

    // MARK: managed policies

    func policyArn() -> Result<(arn: String, policy: NamedPolicy?), AWSServiceError> {
        var v = Validation()
        v.required(params["PolicyArn"], "policyArn")
        v.length(params["PolicyArn"], "policyArn", 20, 2048)
        if let error = v.error { return .failure(error) }
        let arn = params["PolicyArn"] ?? ""
        guard let parsed = IAMArn(arn), parsed.service == "iam", parsed.resource.hasPrefix("policy/") else {
            return .failure(AWSServiceError(code: ErrorCode.IAM.invalidInput, status: 400, message: "ARN \(arn) is not valid."))
        }
        let policy = parsed.account == "aws" ? AWSManagedPolicies.policy(arn: arn) : world.accounts[parsed.account]?.managedPolicies[arn]
        return .success((arn, policy))
    }

    func getPolicy() -> Result<String, AWSServiceError> {
        policyArn().flatMap { found in
            if let error = authorize("iam:GetPolicy", resource: found.arn, display: "policy \(found.arn)") { return .failure(error) }
            guard found.policy != nil else { return .failure(noSuch("Policy \(found.arn) does not exist or is not attachable.")) }
            return .success("  <GetPolicyResult>\n" + IAMXML.managedPolicy(found.arn, world: world, account: account, element: "Policy", versions: false) + "  </GetPolicyResult>\n")
        }
    }

    func getPolicyVersion() -> Result<String, AWSServiceError> {
        policyArn().flatMap { found in
            let versionId = params["VersionId"] ?? ""
            var v = Validation()
            v.required(params["VersionId"], "versionId")
            if let error = v.error { return .failure(error) }
            if let error = authorize("iam:GetPolicyVersion", resource: found.arn, display: "policy \(found.arn)") { return .failure(error) }
            guard let policy = found.policy else { return .failure(noSuch("Policy \(found.arn) does not exist or is not attachable.")) }
            let version = IAMXML.version(of: found.arn)
            guard versionId == version.id else {
                return .failure(noSuch("Policy \(found.arn) version \(versionId) does not exist or is not attachable."))
            }
            return .success("  <GetPolicyVersionResult>\n    <PolicyVersion>\n      <Document>\(IAMXML.encode(world.document(of: policy)))</Document>\n      <VersionId>\(version.id)</VersionId>\n      <IsDefaultVersion>true</IsDefaultVersion>\n      <CreateDate>\(version.created)</CreateDate>\n    </PolicyVersion>\n  </GetPolicyVersionResult>\n")
        }
    }

    /// Policies of this account and the shipped AWS managed ones, filtered as ListPolicies filters.
    func listPolicies() -> Result<String, AWSServiceError> {
        if let error = authorize("iam:ListPolicies", resource: "arn:aws:iam::\(account):policy/") { return .failure(error) }
        let scope = params["Scope"] ?? "All"
        guard ["All", "AWS", "Local"].contains(scope) else {
            return .failure(Validation(problems: ["Value '\(scope)' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]"]).error!)
        }
        let onlyAttached = params["OnlyAttached"]?.lowercased() == "true"
        let prefix = params["PathPrefix"] ?? "/"
        var arns: [String] = []
        if scope != "Local" { arns += AWSManagedPolicies.all.keys }
        if scope != "AWS" { arns += accountData.managedPolicies.keys }
        arns = arns.filter { IAMXML.policyPath($0).hasPrefix(prefix) && (!onlyAttached || IAMXML.attachmentCount($0, in: accountData).attachments > 0) }
        arns.sort { IAMXML.policyName($0).lowercased() < IAMXML.policyName($1).lowercased() }
        return paginate(arns.map { IAMXML.managedPolicy($0, world: world, account: account, element: "member", versions: false) }).map { page in
            "  <ListPoliciesResult>\n    <Policies>\n\(page.members)    </Policies>\n\(page.trailer)  </ListPoliciesResult>\n"
        }
    }

    func getAccountAuthorizationDetails() -> Result<String, AWSServiceError> {
        if let error = authorize("iam:GetAccountAuthorizationDetails", resource: "*") { return .failure(error) }
        let filters = Set(params.list("Filter"))
        let all = filters.isEmpty
        var xml = "  <GetAccountAuthorizationDetailsResult>\n    <IsTruncated>false</IsTruncated>\n"
        xml += "    <UserDetailList>\n"
        if all || filters.contains("User") {
            for user in accountData.users.values.sorted(by: { $0.name < $1.name }) { xml += IAMXML.userDetail(user, world: world) }
        }
        xml += "    </UserDetailList>\n    <GroupDetailList/>\n    <RoleDetailList>\n"
        if all || filters.contains("Role") {
            for role in accountData.roles.values.sorted(by: { $0.name < $1.name }) { xml += IAMXML.roleDetail(role, world: world) }
        }
        xml += "    </RoleDetailList>\n    <Policies>\n"
        var arns: [String] = []
        if all || filters.contains("LocalManagedPolicy") { arns += accountData.managedPolicies.keys.sorted() }
        if all || filters.contains("AWSManagedPolicy") {
            arns += AWSManagedPolicies.all.keys.filter { IAMXML.attachmentCount($0, in: accountData).attachments > 0 }.sorted()
        }
        for arn in arns { xml += IAMXML.managedPolicy(arn, world: world, account: account, element: "member", versions: true) }
        xml += "    </Policies>\n  </GetAccountAuthorizationDetailsResult>\n"
        return .success(xml)
    }

    // MARK: pagination

    struct Page { var members: String; var trailer: String }

    /// MaxItems/Marker pagination over already-rendered members (the marker is the next index).
    func paginate(_ members: [String]) -> Result<Page, AWSServiceError> {
        var v = Validation()
        let maxItems = v.integer(params["MaxItems"], "maxItems", 1, 1000) ?? 100
        if let error = v.error { return .failure(error) }
        var start = 0
        if let marker = params["Marker"] {
            guard let data = Data(base64Encoded: marker), let index = Int(String(decoding: data, as: UTF8.self)), index >= 0, index <= members.count else {
                return .failure(AWSServiceError(code: ErrorCode.validationError, status: 400, message: "Invalid Marker."))
            }
            start = index
        }
        let end = min(members.count, start + maxItems)
        let truncated = end < members.count
        var trailer = "    <IsTruncated>\(truncated)</IsTruncated>\n"
        if truncated { trailer += "    <Marker>\(Data(String(end).utf8).base64EncodedString())</Marker>\n" }
        return .success(Page(members: members[start..<end].joined(), trailer: trailer))
    }
}

/// IAM's XML shapes.
enum IAMXML {
    /// `2024-06-28T10:00:00Z`
    static func date(_ d: Date) -> String { XML.timestampSeconds(d) }

    /// Policy documents travel URL-encoded (RFC 3986), as IAM returns them.
    static func encode(_ document: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        return document.addingPercentEncoding(withAllowedCharacters: allowed) ?? document
    }

    static func tags(_ tags: [String: String], indent: String) -> String {
        guard !tags.isEmpty else { return "" }
        var xml = "\(indent)<Tags>\n"
        for (k, v) in tags.sorted(by: { $0.key < $1.key }) {
            xml += "\(indent)  <member>\n\(indent)    <Key>\(XML.escape(k))</Key>\n\(indent)    <Value>\(XML.escape(v))</Value>\n\(indent)  </member>\n"
        }
        return xml + "\(indent)</Tags>\n"
    }

    static func boundary(_ arn: String?, indent: String) -> String {
        guard let arn else { return "" }
        return "\(indent)<PermissionsBoundary>\n\(indent)  <PermissionsBoundaryType>Policy</PermissionsBoundaryType>\n\(indent)  <PermissionsBoundaryArn>\(XML.escape(arn))</PermissionsBoundaryArn>\n\(indent)</PermissionsBoundary>\n"
    }

    static func role(_ role: Role, world: World, element: String, full: Bool) -> String {
        let i = "      "
        var xml = "    <\(element)>\n"
        xml += "\(i)<Path>\(XML.escape(role.path))</Path>\n\(i)<RoleName>\(XML.escape(role.name))</RoleName>\n\(i)<RoleId>\(role.roleId)</RoleId>\n\(i)<Arn>\(XML.escape(role.arn))</Arn>\n"
        xml += "\(i)<CreateDate>\(date(World.creationDate))</CreateDate>\n"
        xml += "\(i)<AssumeRolePolicyDocument>\(encode(world.document(of: role.trustPolicy)))</AssumeRolePolicyDocument>\n"
        if let d = role.description { xml += "\(i)<Description>\(XML.escape(d))</Description>\n" }
        xml += "\(i)<MaxSessionDuration>\(role.maxSessionDuration)</MaxSessionDuration>\n"
        if full {
            xml += boundary(role.permissionsBoundaryArn, indent: i)
            xml += tags(role.tags, indent: i)
            xml += "\(i)<RoleLastUsed/>\n"
        }
        return xml + "    </\(element)>\n"
    }

    static func user(_ user: User, element: String, full: Bool) -> String {
        let i = "      "
        var xml = "    <\(element)>\n"
        xml += "\(i)<Path>\(XML.escape(user.path))</Path>\n\(i)<UserName>\(XML.escape(user.name))</UserName>\n\(i)<UserId>\(user.userId)</UserId>\n\(i)<Arn>\(XML.escape(user.arn))</Arn>\n"
        xml += "\(i)<CreateDate>\(date(World.creationDate))</CreateDate>\n"
        if full {
            xml += boundary(user.permissionsBoundaryArn, indent: i)
            xml += tags(user.tags, indent: i)
        }
        return xml + "    </\(element)>\n"
    }

    static func inlineList(_ names: [String], _ policies: [NamedPolicy], world: World, element: String) -> String {
        var xml = "        <\(element)>\n"
        for (name, policy) in zip(names, policies) {
            xml += "          <member>\n            <PolicyName>\(XML.escape(name))</PolicyName>\n            <PolicyDocument>\(encode(world.document(of: policy)))</PolicyDocument>\n          </member>\n"
        }
        return xml + "        </\(element)>\n"
    }

    static func attachedList(_ arns: [String]) -> String {
        var xml = "        <AttachedManagedPolicies>\n"
        for arn in arns {
            xml += "          <member>\n            <PolicyName>\(XML.escape(policyName(arn)))</PolicyName>\n            <PolicyArn>\(XML.escape(arn))</PolicyArn>\n          </member>\n"
        }
        return xml + "        </AttachedManagedPolicies>\n"
    }

    static func userDetail(_ user: User, world: World) -> String {
        let i = "        "
        var xml = "      <member>\n\(i)<Path>\(XML.escape(user.path))</Path>\n\(i)<UserName>\(XML.escape(user.name))</UserName>\n\(i)<UserId>\(user.userId)</UserId>\n\(i)<Arn>\(XML.escape(user.arn))</Arn>\n\(i)<CreateDate>\(date(World.creationDate))</CreateDate>\n"
        xml += inlineList(user.inlinePolicyNames, user.inlinePolicies, world: world, element: "UserPolicyList")
        xml += "\(i)<GroupList>\n" + user.groups.map { "\(i)  <member>\(XML.escape($0))</member>\n" }.joined() + "\(i)</GroupList>\n"
        xml += attachedList(user.managedPolicyArns)
        xml += boundary(user.permissionsBoundaryArn, indent: i) + tags(user.tags, indent: i)
        return xml + "      </member>\n"
    }

    static func roleDetail(_ role: Role, world: World) -> String {
        let i = "        "
        var xml = "      <member>\n\(i)<Path>\(XML.escape(role.path))</Path>\n\(i)<RoleName>\(XML.escape(role.name))</RoleName>\n\(i)<RoleId>\(role.roleId)</RoleId>\n\(i)<Arn>\(XML.escape(role.arn))</Arn>\n\(i)<CreateDate>\(date(World.creationDate))</CreateDate>\n"
        xml += "\(i)<AssumeRolePolicyDocument>\(encode(world.document(of: role.trustPolicy)))</AssumeRolePolicyDocument>\n\(i)<InstanceProfileList/>\n"
        xml += inlineList(role.inlinePolicyNames, role.inlinePolicies, world: world, element: "RolePolicyList")
        xml += attachedList(role.managedPolicyArns)
        xml += boundary(role.permissionsBoundaryArn, indent: i) + tags(role.tags, indent: i) + "\(i)<RoleLastUsed/>\n"
        return xml + "      </member>\n"
    }

    static func policyName(_ arn: String) -> String { String(arn.split(separator: "/").last ?? "") }

    /// `/` or `/service-role/`: the path part of `arn:aws:iam::ACCT:policy/PATH/NAME`.
    static func policyPath(_ arn: String) -> String {
        guard let range = arn.range(of: ":policy/") else { return "/" }
        let rest = arn[range.upperBound...]
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count <= 1 ? "/" : "/" + parts.dropLast().joined(separator: "/") + "/"
    }

    static func version(of arn: String) -> (id: String, created: String) {
        AWSManagedPolicies.versions[arn] ?? ("v1", date(World.creationDate))
    }

    static func attachmentCount(_ arn: String, in account: Account) -> (attachments: Int, boundaries: Int) {
        let roles = account.roles.values, users = account.users.values
        let attachments = roles.filter { $0.managedPolicyArns.contains(arn) }.count + users.filter { $0.managedPolicyArns.contains(arn) }.count
        let boundaries = roles.filter { $0.permissionsBoundaryArn == arn }.count + users.filter { $0.permissionsBoundaryArn == arn }.count
        return (attachments, boundaries)
    }

    static func managedPolicy(_ arn: String, world: World, account: String, element: String, versions: Bool) -> String {
        let i = "      "
        let data = world.accounts[account] ?? Account(id: account)
        let counts = attachmentCount(arn, in: data)
        let version = version(of: arn)
        let created = arn.contains(":aws:policy/") ? version.created : date(World.creationDate)
        var xml = "    <\(element)>\n"
        xml += "\(i)<PolicyName>\(XML.escape(policyName(arn)))</PolicyName>\n\(i)<PolicyId>\(World.uniqueId(prefix: "ANPA", seed: arn))</PolicyId>\n\(i)<Arn>\(XML.escape(arn))</Arn>\n\(i)<Path>\(XML.escape(policyPath(arn)))</Path>\n"
        xml += "\(i)<DefaultVersionId>\(version.id)</DefaultVersionId>\n\(i)<AttachmentCount>\(counts.attachments)</AttachmentCount>\n\(i)<PermissionsBoundaryUsageCount>\(counts.boundaries)</PermissionsBoundaryUsageCount>\n\(i)<IsAttachable>true</IsAttachable>\n"
        if let description = world.accounts.values.compactMap({ $0.managedPolicyDescriptions[arn] }).first {
            xml += "\(i)<Description>\(XML.escape(description))</Description>\n"
        }
        xml += "\(i)<CreateDate>\(created)</CreateDate>\n\(i)<UpdateDate>\(created)</UpdateDate>\n"
        if versions, let policy = world.managedPolicy(arn: arn) {
            xml += "\(i)<PolicyVersionList>\n\(i)  <member>\n\(i)    <Document>\(encode(world.document(of: policy)))</Document>\n\(i)    <VersionId>\(version.id)</VersionId>\n\(i)    <IsDefaultVersion>true</IsDefaultVersion>\n\(i)    <CreateDate>\(created)</CreateDate>\n\(i)  </member>\n\(i)</PolicyVersionList>\n"
        }
        return xml + "    </\(element)>\n"
    }
}
