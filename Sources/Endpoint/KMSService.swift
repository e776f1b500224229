import Crypto
import Foundation
import IAMPolicy
import World

/// AWS KMS on the JSON 1.1 protocol (`X-Amz-Target: TrentService.<Operation>`): symmetric keys,
/// aliases, key policies, grants, and real encryption under each key's own secret.
struct KMSService: Sendable {
    let configuration: EndpointConfiguration
    let access: AccessControl
    let keyring: KMSKeyring

    struct Call {
        var operation: String
        var input: [String: Any]
        var caller: Caller
        var now: Date
        var account: String { caller.principal.account ?? "" }
    }

    typealias Output = Result<[String: Any], AWSServiceError>
    var region: String { configuration.world.region }

    func handle(_ request: EndpointRequest, caller: Caller, now: Date) -> EndpointResponse {
        let target = request.header("x-amz-target") ?? ""
        let operation = target.hasPrefix("TrentService.") ? String(target.dropFirst("TrentService.".count)) : target
        let input: [String: Any]
        if request.body.isEmpty {
            input = [:]
        } else if let object = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any] {
            input = object
        } else {
            return Self.error(ErrorCode.KMS.serializationException, "Start of structure or map found where not expected.").response(.json, requestId: request.requestId)
        }
        keyring.deleteDue(now: now)
        let call = Call(operation: operation, input: input, caller: caller, now: now)
        let output: Output
        switch operation {
        case "CreateKey": output = createKey(call)
        case "DescribeKey": output = describeKey(call)
        case "ListKeys": output = listKeys(call)
        case "ListAliases": output = listAliases(call)
        case "CreateAlias": output = createAlias(call)
        case "UpdateAlias": output = updateAlias(call)
        case "DeleteAlias": output = deleteAlias(call)
        case "GetKeyPolicy": output = getKeyPolicy(call)
        case "PutKeyPolicy": output = putKeyPolicy(call)
        case "ListKeyPolicies": output = listKeyPolicies(call)
        case "EnableKey", "DisableKey": output = setEnabled(call, operation == "EnableKey")
        case "ScheduleKeyDeletion": output = scheduleKeyDeletion(call)
        case "CancelKeyDeletion": output = cancelKeyDeletion(call)
        case "TagResource": output = tagResource(call)
        case "UntagResource": output = untagResource(call)
        case "ListResourceTags": output = listResourceTags(call)
        case "Encrypt": output = encrypt(call)
        case "Decrypt": output = decrypt(call)
        case "ReEncrypt": output = reEncrypt(call)
        case "GenerateDataKey": output = generateDataKey(call, plaintext: true)
        case "GenerateDataKeyWithoutPlaintext": output = generateDataKey(call, plaintext: false)
        case "GenerateRandom": output = generateRandom(call)
        case "CreateGrant": output = createGrant(call)
        case "ListGrants": output = listGrants(call)
        case "RetireGrant": output = retireGrant(call)
        case "RevokeGrant": output = revokeGrant(call)
        default:
            // Never guessed: an operation KMS has but glueshim does not serve is recorded and refused.
            let error = AWSServiceError(code: ErrorCode.unknownOperationException, status: 400, message: "glueshim does not serve KMS's \(operation.isEmpty ? "(no operation)" : operation)")
            access.record(AccessRequest(caller: caller, action: "kms:\(operation)", resource: "*"), service: "kms", operation: operation,
                          decision: "unsupported", reason: "glueshim does not serve kms:\(operation)", error: error, now: now)
            output = .failure(error)
        }
        return .json11(output, requestId: request.requestId)
    }

    static func error(_ code: String, _ message: String, status: Int = 400) -> AWSServiceError {
        AWSServiceError(code: code, status: status, message: message)
    }

    static func validation(_ message: String) -> AWSServiceError { error(ErrorCode.KMS.validationException, message) }

    // MARK: Finding keys

    /// The key a `KeyId` names: a key id (of the caller's account), a key ARN, an alias name
    /// (`alias/NAME`, the caller's account) or an alias ARN. `alias` is set when an alias named it.
    func resolve(_ call: Call, _ field: String = "KeyId") -> Result<(key: KMSKey, alias: String?), AWSServiceError> {
        guard let text = call.input[field] as? String, !text.isEmpty else { return .failure(Self.validation("1 validation error detected: Value null at '\(lowerFirst(field))' failed to satisfy constraint: Member must not be null")) }
        return resolve(text, account: call.account)
    }

    func resolve(_ text: String, account: String) -> Result<(key: KMSKey, alias: String?), AWSServiceError> {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        if text.hasPrefix("arn:"), parts.count != 6 || parts[2] != "kms" || parts[4].count != 12 {
            return .failure(Self.error(ErrorCode.KMS.notFoundException, "Invalid arn \(text)"))
        }
        if !text.hasPrefix("arn:"), !text.hasPrefix("alias/"), UUID(uuidString: text) == nil {
            return .failure(Self.error(ErrorCode.KMS.notFoundException, "Invalid keyId '\(text)'"))
        }
        // An alias names the key through the alias's ARN (kms:RequestAlias).
        let aliasArn: String? = text.hasPrefix("alias/") ? "arn:aws:kms:\(region):\(account):\(text)"
            : (text.hasPrefix("arn:") && parts[5].hasPrefix("alias/") ? text : nil)
        if let key = keyring.resolve(text, account: account, region: region) { return .success((key, aliasArn)) }
        if let aliasArn { return .failure(Self.error(ErrorCode.KMS.notFoundException, "Alias '\(aliasArn)' is not found.")) }
        let keyArn = text.hasPrefix("arn:") ? text : "arn:aws:kms:\(region):\(account):key/\(text)"
        return .failure(Self.error(ErrorCode.KMS.notFoundException, "Key '\(keyArn)' does not exist"))
    }

    /// The key a call names, once the caller is authorized for the call's action on it.
    func authorizedKey(_ call: Call, context: [String: [String]] = [:]) -> Result<(key: KMSKey, alias: String?), AWSServiceError> {
        resolve(call).flatMap { found in
            if let denied = authorize(call, key: found.key, alias: found.alias, context: context) { return .failure(denied) }
            return .success(found)
        }
    }

    /// Keys that are disabled or pending deletion cannot be used for cryptography.
    static func usable(_ key: KMSKey) -> AWSServiceError? {
        if key.deletionDate != nil { return error(ErrorCode.KMS.kmsInvalidStateException, "\(key.arn) is pending deletion.") }
        if !key.enabled { return error(ErrorCode.KMS.disabledException, "\(key.arn) is disabled.") }
        return nil
    }

    // MARK: Authorization

    /// Authorizes `kms:<action>` on a key: the key policy (with the key's grants) must allow, as
    /// KMS requires; the identity side counts where the key policy allows the account.
    func authorize(_ call: Call, action: String? = nil, key: KMSKey, alias: String? = nil, context: [String: [String]] = [:]) -> AWSServiceError? {
        var keys = context
        keys["kms:CallerAccount"] = [call.account]
        keys["kms:KeySpec"] = ["SYMMETRIC_DEFAULT"]
        keys["kms:KeyUsage"] = ["ENCRYPT_DECRYPT"]
        keys["kms:KeyOrigin"] = ["AWS_KMS"]
        if !key.aliases.isEmpty { keys["kms:ResourceAliases"] = key.aliases }
        if let alias { keys["kms:RequestAlias"] = [alias.split(separator: ":").last.map(String.init) ?? alias] }
        for (tag, value) in key.tags { keys["aws:ResourceTag/\(tag)"] = [value] }
        let request = AccessRequest(caller: call.caller, action: "kms:\(action ?? call.operation)", resource: key.arn,
                                    target: ResourceTarget(account: key.account, policy: keyring.authorizingPolicy(key), policyRequired: true),
                                    requestContext: keys)
        return access.check(request, service: "kms", operation: call.operation, shape: .json, now: call.now).error
    }

    /// Authorizes an action that names no key (CreateKey, ListKeys, ListAliases, GenerateRandom).
    func authorizeAccount(_ call: Call, context: [String: [String]] = [:]) -> AWSServiceError? {
        let request = AccessRequest(caller: call.caller, action: "kms:\(call.operation)", resource: "*", requestContext: context)
        return access.check(request, service: "kms", operation: call.operation, shape: .json, now: call.now).error
    }

    static func contextKeys(_ context: [String: String]) -> [String: [String]] {
        var keys: [String: [String]] = [:]
        for (key, value) in context { keys["kms:EncryptionContext:\(key)"] = [value] }
        if !context.isEmpty { keys["kms:EncryptionContextKeys"] = context.keys.sorted() }
        return keys
    }

    func encryptionContext(_ call: Call, _ field: String = "EncryptionContext") -> Result<[String: String], AWSServiceError> {
        guard let value = call.input[field] else { return .success([:]) }
        guard let map = value as? [String: Any], map.values.allSatisfy({ $0 is String }) else {
            return .failure(Self.validation("EncryptionContext must be a map of strings"))
        }
        return .success(map.mapValues { $0 as! String })
    }

    // MARK: Key metadata

    func metadata(_ key: KMSKey) -> [String: Any] {
        var meta: [String: Any] = [
            "AWSAccountId": key.account, "KeyId": key.id, "Arn": key.arn, "CreationDate": key.created.timeIntervalSince1970,
            "Enabled": key.enabled, "Description": key.description, "KeyUsage": "ENCRYPT_DECRYPT", "KeyState": key.state,
            "Origin": "AWS_KMS", "KeyManager": key.manager, "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT", "KeySpec": "SYMMETRIC_DEFAULT",
            "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"], "MultiRegion": false,
        ]
        if let date = key.deletionDate { meta["DeletionDate"] = date.timeIntervalSince1970 }
        return meta
    }

    func createKey(_ call: Call) -> Output {
        let tags = parseTags(call.input["Tags"])
        var requestKeys: [String: [String]] = [:]
        for (tag, value) in tags { requestKeys["aws:RequestTag/\(tag)"] = [value] }
        if !tags.isEmpty { requestKeys["aws:TagKeys"] = tags.keys.sorted() }
        requestKeys["kms:KeySpec"] = [call.input["KeySpec"] as? String ?? "SYMMETRIC_DEFAULT"]
        requestKeys["kms:KeyUsage"] = [call.input["KeyUsage"] as? String ?? "ENCRYPT_DECRYPT"]
        requestKeys["kms:KeyOrigin"] = [call.input["Origin"] as? String ?? "AWS_KMS"]
        if let denied = authorizeAccount(call, context: requestKeys) { return .failure(denied) }
        if let spec = call.input["KeySpec"] as? String ?? call.input["CustomerMasterKeySpec"] as? String, spec != "SYMMETRIC_DEFAULT" {
            return .failure(Self.error(ErrorCode.KMS.unsupportedOperationException, "glueshim's KMS makes symmetric keys only (SYMMETRIC_DEFAULT), not \(spec)"))
        }
        if let usage = call.input["KeyUsage"] as? String, usage != "ENCRYPT_DECRYPT" {
            return .failure(Self.validation("KeyUsage \(usage) is not valid for a SYMMETRIC_DEFAULT key"))
        }
        if let origin = call.input["Origin"] as? String, origin != "AWS_KMS" {
            return .failure(Self.error(ErrorCode.KMS.unsupportedOperationException, "glueshim's KMS makes keys with Origin AWS_KMS only, not \(origin)"))
        }
        var key = KMSKey(id: UUID().uuidString.lowercased(), account: call.account, region: region, policyText: KMSKey.defaultPolicy(account: call.account))
        if let policy = call.input["Policy"] as? String {
            if let problem = validatePolicy(policy, call: call, keyArn: key.arn, account: key.account) { return .failure(problem) }
            key.policyText = policy
        }
        key.description = call.input["Description"] as? String ?? ""
        key.tags = tags
        key.created = call.now
        keyring.insert(key)
        return .success(["KeyMetadata": metadata(key)])
    }

    /// A key policy KMS accepts: well formed, and (unless the caller bypasses the check) one that
    /// still lets the caller change the key policy later, KMS's lockout safety check.
    func validatePolicy(_ text: String, call: Call, keyArn: String, account: String) -> AWSServiceError? {
        guard text.utf8.count <= 32_768 else { return Self.error(ErrorCode.KMS.limitExceededException, "The key policy exceeds the 32 KB limit") }
        let parsed: Policy
        do { parsed = try Policy.parse(text, as: .resource) } catch {
            return Self.error(ErrorCode.KMS.malformedPolicyDocumentException, "\(error)")
        }
        if call.input["BypassPolicyLockoutSafetyCheck"] as? Bool == true { return nil }
        let check = AccessRequest(caller: call.caller, action: "kms:PutKeyPolicy", resource: keyArn,
                                  target: ResourceTarget(account: account, policy: NamedPolicy(name: "new key policy", policy: parsed), policyRequired: true),
                                  requestContext: ["kms:CallerAccount": [call.account]])
        guard configuration.world.decide(check, now: call.now).allowed else {
            return Self.error(ErrorCode.KMS.malformedPolicyDocumentException, "The new key policy will not allow you to update the key policy in the future.")
        }
        return nil
    }

    func describeKey(_ call: Call) -> Output {
        let found: (key: KMSKey, alias: String?)
        switch authorizedKey(call) { case .failure(let e): return .failure(e); case .success(let f): found = f }
        return .success(["KeyMetadata": metadata(found.key)])
    }

    func listKeys(_ call: Call) -> Output {
        if let denied = authorizeAccount(call) { return .failure(denied) }
        let keys = keyring.keys(account: call.account)
        let page = paginate(keys.map(\.id), call)
        return .success(page.output(["Keys": page.items.compactMap { id in keys.first { $0.id == id }.map { ["KeyId": $0.id, "KeyArn": $0.arn] } }]))
    }

    func listAliases(_ call: Call) -> Output {
        if let denied = authorizeAccount(call) { return .failure(denied) }
        var keys = keyring.keys(account: call.account)
        if let keyId = call.input["KeyId"] as? String {
            switch resolve(keyId, account: call.account) {
            case .failure(let e): return .failure(e)
            case .success(let found): keys = [found.key]
            }
        }
        var aliases: [(String, KMSKey)] = []
        for key in keys { for alias in key.aliases { aliases.append((alias, key)) } }
        aliases.sort { $0.0 < $1.0 }
        let page = paginate(aliases.map(\.0), call)
        let items: [[String: Any]] = page.items.compactMap { name in
            guard let key = aliases.first(where: { $0.0 == name })?.1 else { return nil }
            return ["AliasName": name, "AliasArn": key.aliasArn(name), "TargetKeyId": key.id,
                    "CreationDate": key.created.timeIntervalSince1970, "LastUpdatedDate": key.created.timeIntervalSince1970]
        }
        return .success(page.output(["Aliases": items]))
    }

    struct Page {
        var items: [String]
        var next: String?
        func output(_ base: [String: Any]) -> [String: Any] {
            var out = base
            out["Truncated"] = next != nil
            if let next { out["NextMarker"] = next }
            return out
        }
    }

    func paginate(_ all: [String], _ call: Call) -> Page {
        let limit = max(1, min(1000, call.input["Limit"] as? Int ?? 100))
        var start = 0
        if let marker = call.input["Marker"] as? String, let index = all.firstIndex(of: marker) { start = index }
        let end = min(all.count, start + limit)
        return Page(items: Array(all[start..<end]), next: end < all.count ? all[end] : nil)
    }

    // MARK: Aliases

    func aliasName(_ call: Call) -> Result<String, AWSServiceError> {
        guard let name = call.input["AliasName"] as? String, !name.isEmpty else {
            return .failure(Self.validation("1 validation error detected: Value null at 'aliasName' failed to satisfy constraint: Member must not be null"))
        }
        guard name.hasPrefix("alias/"), name.count > 6, name.count <= 256,
              name.dropFirst(6).allSatisfy({ $0.isLetter || $0.isNumber || "/_-".contains($0) }) else {
            return .failure(Self.validation("1 validation error detected: Value '\(name)' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"))
        }
        if name.hasPrefix("alias/aws/") {
            return .failure(Self.error(ErrorCode.KMS.notAuthorized, "alias/aws/ is a reserved prefix for AWS managed keys"))
        }
        return .success(name)
    }

    /// CreateAlias and UpdateAlias need their action on the alias and on the key.
    func authorizeAlias(_ call: Call, alias: String, key: KMSKey) -> AWSServiceError? {
        let aliasArn = "arn:aws:kms:\(region):\(call.account):\(alias)"
        // An alias has no policy of its own: IAM policies decide on it.
        let request = AccessRequest(caller: call.caller, action: "kms:\(call.operation)", resource: aliasArn,
                                    target: ResourceTarget(account: call.account, policy: nil, policyRequired: false),
                                    requestContext: ["kms:CallerAccount": [call.account]])
        if let denied = access.check(request, service: "kms", operation: call.operation, shape: .json, now: call.now).error { return denied }
        return authorize(call, key: key)
    }

    func createAlias(_ call: Call) -> Output {
        let name: String
        switch aliasName(call) { case .failure(let e): return .failure(e); case .success(let n): name = n }
        let key: KMSKey
        switch resolve(call, "TargetKeyId") { case .failure(let e): return .failure(e); case .success(let found): key = found.key }
        if let denied = authorizeAlias(call, alias: name, key: key) { return .failure(denied) }
        if keyring.key(alias: name, account: call.account) != nil {
            return .failure(Self.error(ErrorCode.KMS.alreadyExistsException, "An alias with the name arn:aws:kms:\(region):\(call.account):\(name) already exists"))
        }
        guard key.account == call.account else { return .failure(Self.error(ErrorCode.KMS.notFoundException, "Key '\(key.arn)' does not exist")) }
        keyring.update(key.id) { $0.aliases.append(name) }
        return .success([:])
    }

    func updateAlias(_ call: Call) -> Output {
        let name: String
        switch aliasName(call) { case .failure(let e): return .failure(e); case .success(let n): name = n }
        guard let current = keyring.key(alias: name, account: call.account) else {
            return .failure(Self.error(ErrorCode.KMS.notFoundException, "Alias 'arn:aws:kms:\(region):\(call.account):\(name)' is not found."))
        }
        let key: KMSKey
        switch resolve(call, "TargetKeyId") { case .failure(let e): return .failure(e); case .success(let found): key = found.key }
        if let denied = authorizeAlias(call, alias: name, key: current) { return .failure(denied) }
        if let denied = authorize(call, key: key) { return .failure(denied) }
        keyring.update(current.id) { $0.aliases.removeAll { $0 == name } }
        keyring.update(key.id) { $0.aliases.append(name) }
        return .success([:])
    }

    func deleteAlias(_ call: Call) -> Output {
        let name: String
        switch aliasName(call) { case .failure(let e): return .failure(e); case .success(let n): name = n }
        guard let key = keyring.key(alias: name, account: call.account) else {
            return .failure(Self.error(ErrorCode.KMS.notFoundException, "Alias 'arn:aws:kms:\(region):\(call.account):\(name)' is not found."))
        }
        if let denied = authorizeAlias(call, alias: name, key: key) { return .failure(denied) }
        keyring.update(key.id) { $0.aliases.removeAll { $0 == name } }
        return .success([:])
    }

    // MARK: Key policies and state

    func policyName(_ call: Call) -> AWSServiceError? {
        if let name = call.input["PolicyName"] as? String, name != "default" {
            return Self.error(ErrorCode.KMS.notFoundException, "No such policy exists")
        }
        return nil
    }

    func getKeyPolicy(_ call: Call) -> Output {
        let found: (key: KMSKey, alias: String?)
        switch authorizedKey(call) { case .failure(let e): return .failure(e); case .success(let f): found = f }
        if let problem = policyName(call) { return .failure(problem) }
        return .success(["Policy": found.key.policyText, "PolicyName": "default"])
    }

    func putKeyPolicy(_ call: Call) -> Output {
        let found: (key: KMSKey, alias: String?)
        switch authorizedKey(call) { case .failure(let e): return .failure(e); case .success(let f): found = f }
        if let problem = policyName(call) { return .failure(problem) }
        guard let policy = call.input["Policy"] as? String else { return .failure(Self.validation("1 validation error detected: Value null at 'policy' failed to satisfy constraint: Member must not be null")) }
        if let problem = validatePolicy(policy, call: call, keyArn: found.key.arn, account: found.key.account) { return .failure(problem) }
        keyring.update(found.key.id) { $0.policyText = policy }
        return .success([:])
    }

    func listKeyPolicies(_ call: Call) -> Output {
        authorizedKey(call).map { _ in ["PolicyNames": ["default"], "Truncated": false] }
    }

    func setEnabled(_ call: Call, _ enabled: Bool) -> Output {
        let found: (key: KMSKey, alias: String?)
        switch authorizedKey(call) { case .failure(let e): return .failure(e); case .success(let f): found = f }
        if found.key.deletionDate != nil { return .failure(Self.error(ErrorCode.KMS.kmsInvalidStateException, "\(found.key.arn) is pending deletion.")) }
        keyring.update(found.key.id) { $0.enabled = enabled }
        return .success([:])
    }

    func scheduleKeyDeletion(_ call: Call) -> Output {
        let found: (key: KMSKey, alias: String?)
        switch authorizedKey(call) { case .failure(let e): return .failure(e); case .success(let f): found = f }
        let days = call.input["PendingWindowInDays"] as? Int ?? 30
        guard (7...30).contains(days) else {
            return .failure(Self.validation("1 validation error detected: Value '\(days)' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 30"))
        }
        if found.key.deletionDate != nil { return .failure(Self.error(ErrorCode.KMS.kmsInvalidStateException, "\(found.key.arn) is pending deletion.")) }
        let date = call.now.addingTimeInterval(Double(days) * 86_400)
        keyring.update(found.key.id) { $0.deletionDate = date }
        return .success(["KeyId": found.key.arn, "DeletionDate": date.timeIntervalSince1970, "KeyState": "PendingDeletion", "PendingWindowInDays": days])
    }

    func cancelKeyDeletion(_ call: Call) -> Output {
        let found: (key: KMSKey, alias: String?)
        switch authorizedKey(call) { case .failure(let e): return .failure(e); case .success(let f): found = f }
        guard found.key.deletionDate != nil else {
            return .failure(Self.error(ErrorCode.KMS.kmsInvalidStateException, "\(found.key.arn) is not pending deletion."))
        }
        // As in AWS, a key whose deletion is cancelled is disabled.
        keyring.update(found.key.id) { $0.deletionDate = nil; $0.enabled = false }
        return .success(["KeyId": found.key.arn])
    }

    // MARK: Tags

    func parseTags(_ value: Any?) -> [String: String] {
        var tags: [String: String] = [:]
        for item in value as? [[String: Any]] ?? [] {
            if let key = item["TagKey"] as? String { tags[key] = item["TagValue"] as? String ?? "" }
        }
        return tags
    }

    func tagResource(_ call: Call) -> Output {
        switch resolve(call) {
        case .failure(let e): return .failure(e)
        case .success(let found):
            let tags = parseTags(call.input["Tags"])
            var keys: [String: [String]] = [:]
            for (tag, value) in tags { keys["aws:RequestTag/\(tag)"] = [value] }
            keys["aws:TagKeys"] = tags.keys.sorted()
            if let denied = authorize(call, key: found.key, alias: found.alias, context: keys) { return .failure(denied) }
            keyring.update(found.key.id) { key in for (tag, value) in tags { key.tags[tag] = value } }
            return .success([:])
        }
    }

    func untagResource(_ call: Call) -> Output {
        switch resolve(call) {
        case .failure(let e): return .failure(e)
        case .success(let found):
            let names = call.input["TagKeys"] as? [String] ?? []
            if let denied = authorize(call, key: found.key, alias: found.alias, context: ["aws:TagKeys": names]) { return .failure(denied) }
            keyring.update(found.key.id) { key in for name in names { key.tags[name] = nil } }
            return .success([:])
        }
    }

    func listResourceTags(_ call: Call) -> Output {
        let found: (key: KMSKey, alias: String?)
        switch authorizedKey(call) { case .failure(let e): return .failure(e); case .success(let f): found = f }
        let tags = found.key.tags.sorted { $0.key < $1.key }.map { ["TagKey": $0.key, "TagValue": $0.value] }
        return .success(["Tags": tags, "Truncated": false])
    }

    // MARK: Cryptography

    func blob(_ call: Call, _ field: String) -> Result<Data, AWSServiceError> {
        guard let text = call.input[field] as? String else {
            return .failure(Self.validation("1 validation error detected: Value null at '\(lowerFirst(field))' failed to satisfy constraint: Member must not be null"))
        }
        guard let data = Data(base64Encoded: text) else { return .failure(Self.error(ErrorCode.KMS.serializationException, "Value for \(field) is not valid base64")) }
        return .success(data)
    }

    func encrypt(_ call: Call) -> Output {
        let found: (key: KMSKey, alias: String?)
        switch resolve(call) { case .failure(let e): return .failure(e); case .success(let f): found = f }
        let context: [String: String]
        switch encryptionContext(call) { case .failure(let e): return .failure(e); case .success(let c): context = c }
        if let denied = authorize(call, key: found.key, alias: found.alias, context: Self.contextKeys(context)) { return .failure(denied) }
        if let problem = Self.usable(found.key) { return .failure(problem) }
        let plaintext: Data
        switch blob(call, "Plaintext") { case .failure(let e): return .failure(e); case .success(let p): plaintext = p }
        guard (1...4096).contains(plaintext.count) else {
            return .failure(Self.validation("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"))
        }
        guard let ciphertext = try? keyring.encrypt(plaintext, key: found.key, context: context) else { return .failure(.internalError("encryption failed")) }
        return .success(["CiphertextBlob": ciphertext.base64EncodedString(), "KeyId": found.key.arn, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"])
    }

    /// The key a ciphertext was made under, checked against a `KeyId` the caller gave.
    func sourceKey(_ call: Call, blob: Data, keyField: String) -> Result<(key: KMSKey, alias: String?), AWSServiceError> {
        guard let id = KMSKeyring.keyId(of: blob) else { return .failure(Self.error(ErrorCode.KMS.invalidCiphertextException, "")) }
        guard let key = keyring.key(id: id) else { return .failure(Self.error(ErrorCode.KMS.invalidCiphertextException, "")) }
        var alias: String?
        if let named = call.input[keyField] as? String {
            switch resolve(named, account: call.account) {
            case .failure(let e): return .failure(e)
            case .success(let found):
                guard found.key.id == key.id else {
                    return .failure(Self.error(ErrorCode.KMS.incorrectKeyException, "The key ID in the request does not identify a CMK that can perform this operation."))
                }
                alias = found.alias
            }
        }
        return .success((key, alias))
    }

    func decrypt(_ call: Call) -> Output {
        let data: Data
        switch blob(call, "CiphertextBlob") { case .failure(let e): return .failure(e); case .success(let d): data = d }
        let found: (key: KMSKey, alias: String?)
        switch sourceKey(call, blob: data, keyField: "KeyId") { case .failure(let e): return .failure(e); case .success(let f): found = f }
        let context: [String: String]
        switch encryptionContext(call) { case .failure(let e): return .failure(e); case .success(let c): context = c }
        if let denied = authorize(call, key: found.key, alias: found.alias, context: Self.contextKeys(context)) { return .failure(denied) }
        if let problem = Self.usable(found.key) { return .failure(problem) }
        guard let plaintext = keyring.decrypt(data, key: found.key, context: context) else {
            return .failure(Self.error(ErrorCode.KMS.invalidCiphertextException, ""))
        }
        return .success(["Plaintext": plaintext.base64EncodedString(), "KeyId": found.key.arn, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"])
    }

    func reEncrypt(_ call: Call) -> Output {
        let data: Data
        switch blob(call, "CiphertextBlob") { case .failure(let e): return .failure(e); case .success(let d): data = d }
        let source: (key: KMSKey, alias: String?)
        switch sourceKey(call, blob: data, keyField: "SourceKeyId") { case .failure(let e): return .failure(e); case .success(let f): source = f }
        let destination: (key: KMSKey, alias: String?)
        switch resolve(call, "DestinationKeyId") { case .failure(let e): return .failure(e); case .success(let f): destination = f }
        let sourceContext: [String: String], destinationContext: [String: String]
        switch encryptionContext(call, "SourceEncryptionContext") { case .failure(let e): return .failure(e); case .success(let c): sourceContext = c }
        switch encryptionContext(call, "DestinationEncryptionContext") { case .failure(let e): return .failure(e); case .success(let c): destinationContext = c }
        if let denied = authorize(call, action: "ReEncryptFrom", key: source.key, alias: source.alias, context: Self.contextKeys(sourceContext)) { return .failure(denied) }
        if let denied = authorize(call, action: "ReEncryptTo", key: destination.key, alias: destination.alias, context: Self.contextKeys(destinationContext)) { return .failure(denied) }
        if let problem = Self.usable(source.key) ?? Self.usable(destination.key) { return .failure(problem) }
        guard let plaintext = keyring.decrypt(data, key: source.key, context: sourceContext) else { return .failure(Self.error(ErrorCode.KMS.invalidCiphertextException, "")) }
        guard let ciphertext = try? keyring.encrypt(plaintext, key: destination.key, context: destinationContext) else { return .failure(.internalError("encryption failed")) }
        return .success(["CiphertextBlob": ciphertext.base64EncodedString(), "SourceKeyId": source.key.arn, "KeyId": destination.key.arn,
                         "SourceEncryptionAlgorithm": "SYMMETRIC_DEFAULT", "DestinationEncryptionAlgorithm": "SYMMETRIC_DEFAULT"])
    }

    func generateDataKey(_ call: Call, plaintext: Bool) -> Output {
        let found: (key: KMSKey, alias: String?)
        switch resolve(call) { case .failure(let e): return .failure(e); case .success(let f): found = f }
        let context: [String: String]
        switch encryptionContext(call) { case .failure(let e): return .failure(e); case .success(let c): context = c }
        if let denied = authorize(call, key: found.key, alias: found.alias, context: Self.contextKeys(context)) { return .failure(denied) }
        var size: Int
        switch (call.input["KeySpec"] as? String, call.input["NumberOfBytes"] as? Int) {
        case (.some, .some): return .failure(Self.validation("Please specify either number of bytes or key spec."))
        case ("AES_256", nil): size = 32
        case ("AES_128", nil): size = 16
        case (.some(let spec), nil): return .failure(Self.validation("1 validation error detected: Value '\(spec)' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]"))
        case (nil, .some(let n)): size = n
        case (nil, nil): return .failure(Self.validation("Please specify either number of bytes or key spec."))
        }
        guard (1...1024).contains(size) else {
            return .failure(Self.validation("1 validation error detected: Value '\(size)' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"))
        }
        if let problem = Self.usable(found.key) { return .failure(problem) }
        let dataKey = Self.random(size)
        guard let ciphertext = try? keyring.encrypt(dataKey, key: found.key, context: context) else { return .failure(.internalError("encryption failed")) }
        var out: [String: Any] = ["CiphertextBlob": ciphertext.base64EncodedString(), "KeyId": found.key.arn]
        if plaintext { out["Plaintext"] = dataKey.base64EncodedString() }
        return .success(out)
    }

    static func random(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    func generateRandom(_ call: Call) -> Output {
        if let denied = authorizeAccount(call) { return .failure(denied) }
        let count = call.input["NumberOfBytes"] as? Int ?? 0
        guard (1...1024).contains(count) else {
            return .failure(Self.validation("1 validation error detected: Value '\(count)' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024"))
        }
        return .success(["Plaintext": Self.random(count).base64EncodedString()])
    }

    // MARK: Grants

    static let grantOperations: Set<String> = [
        "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo", "Sign", "Verify",
        "GetPublicKey", "CreateGrant", "RetireGrant", "DescribeKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
        "GenerateMac", "VerifyMac", "DeriveSharedSecret",
    ]

    func createGrant(_ call: Call) -> Output {
        let found: (key: KMSKey, alias: String?)
        switch resolve(call) { case .failure(let e): return .failure(e); case .success(let f): found = f }
        guard let grantee = call.input["GranteePrincipal"] as? String, !grantee.isEmpty else {
            return .failure(Self.validation("1 validation error detected: Value null at 'granteePrincipal' failed to satisfy constraint: Member must not be null"))
        }
        let operations = call.input["Operations"] as? [String] ?? []
        guard !operations.isEmpty, operations.allSatisfy(Self.grantOperations.contains) else {
            return .failure(Self.validation("1 validation error detected: Value '\(operations)' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: \(Self.grantOperations.sorted())]"))
        }
        let retiring = call.input["RetiringPrincipal"] as? String
        let constraints = call.input["Constraints"] as? [String: Any]
        let subset = (constraints?["EncryptionContextSubset"] as? [String: String])
        let equals = (constraints?["EncryptionContextEquals"] as? [String: String])
        if subset != nil && equals != nil {
            return .failure(Self.validation("Only one of EncryptionContextSubset and EncryptionContextEquals may be given"))
        }
        var keys: [String: [String]] = ["kms:GrantOperations": operations, "kms:GranteePrincipal": [grantee],
                                        "kms:GrantIsForAWSResource": ["false"]]
        if let retiring { keys["kms:RetiringPrincipal"] = [retiring] }
        if let denied = authorize(call, key: found.key, alias: found.alias, context: keys) { return .failure(denied) }
        if let problem = Self.usable(found.key), found.key.deletionDate != nil { return .failure(problem) }
        let id = Self.random(32).map { String(format: "%02x", $0) }.joined()
        let token = Self.random(48).base64EncodedString()
        keyring.addGrant(KMSGrant(id: id, token: token, keyId: found.key.id, name: call.input["Name"] as? String, granteePrincipal: grantee,
                                  retiringPrincipal: retiring, operations: operations, contextSubset: subset, contextEquals: equals,
                                  issuingAccount: "arn:aws:iam::\(call.account):root", created: call.now))
        return .success(["GrantId": id, "GrantToken": token])
    }

    func grantOutput(_ grant: KMSGrant, key: KMSKey) -> [String: Any] {
        var out: [String: Any] = ["KeyId": key.arn, "GrantId": grant.id, "CreationDate": grant.created.timeIntervalSince1970,
                                  "GranteePrincipal": grant.granteePrincipal, "IssuingAccount": grant.issuingAccount, "Operations": grant.operations]
        if let name = grant.name { out["Name"] = name }
        if let retiring = grant.retiringPrincipal { out["RetiringPrincipal"] = retiring }
        var constraints: [String: Any] = [:]
        if let subset = grant.contextSubset { constraints["EncryptionContextSubset"] = subset }
        if let equals = grant.contextEquals { constraints["EncryptionContextEquals"] = equals }
        if !constraints.isEmpty { out["Constraints"] = constraints }
        return out
    }

    func listGrants(_ call: Call) -> Output {
        let found: (key: KMSKey, alias: String?)
        switch authorizedKey(call) { case .failure(let e): return .failure(e); case .success(let f): found = f }
        var grants = keyring.grants(keyId: found.key.id)
        if let id = call.input["GrantId"] as? String { grants = grants.filter { $0.id == id } }
        if let grantee = call.input["GranteePrincipal"] as? String { grants = grants.filter { $0.granteePrincipal == grantee } }
        let page = paginate(grants.map(\.id), call)
        return .success(page.output(["Grants": page.items.compactMap { id in grants.first { $0.id == id }.map { grantOutput($0, key: found.key) } }]))
    }

    func retireGrant(_ call: Call) -> Output {
        let grant: KMSGrant
        if let token = call.input["GrantToken"] as? String {
            guard let found = keyring.grant(token: token) else { return .failure(Self.error(ErrorCode.KMS.invalidGrantTokenException, "Invalid grant token")) }
            grant = found
        } else {
            let key: KMSKey
            switch resolve(call) { case .failure(let e): return .failure(e); case .success(let f): key = f.key }
            guard let id = call.input["GrantId"] as? String, let found = keyring.grants(keyId: key.id).first(where: { $0.id == id }) else {
                return .failure(Self.error(ErrorCode.KMS.invalidGrantIdException, "Invalid grant ID"))
            }
            grant = found
        }
        guard let key = keyring.key(id: grant.keyId) else { return .failure(Self.error(ErrorCode.KMS.notFoundException, "Key does not exist")) }
        // The retiring principal, the grantee (when the grant lets it retire) or the key's account may retire a grant.
        let principal = call.caller.principal
        let names = [principal.arn, principal.roleArn, principal.account.map { "arn:aws:iam::\($0):root" }].compactMap { $0 }
        let allowed = names.contains(grant.retiringPrincipal ?? "") || (names.contains(grant.granteePrincipal) && grant.operations.contains("RetireGrant"))
            || principal.account == key.account
        let reason = allowed ? "allowed: the caller may retire this grant" : "only the grant's retiring principal, its grantee (with RetireGrant) or the key's account may retire it"
        let error: AWSServiceError? = allowed ? nil : AWSServiceError(code: ErrorCode.accessDeniedException, status: 400,
            message: "User: \(principal.arn) is not authorized to perform: kms:RetireGrant on resource: \(key.arn) because no resource-based policy allows the kms:RetireGrant action")
        access.record(AccessRequest(caller: call.caller, action: "kms:RetireGrant", resource: key.arn), service: "kms", operation: call.operation,
                      decision: allowed ? "allow" : "deny", reason: reason, error: error, now: call.now)
        if let error { return .failure(error) }
        keyring.removeGrant(id: grant.id, keyId: key.id)
        return .success([:])
    }

    func revokeGrant(_ call: Call) -> Output {
        let found: (key: KMSKey, alias: String?)
        switch authorizedKey(call) { case .failure(let e): return .failure(e); case .success(let f): found = f }
        guard let id = call.input["GrantId"] as? String, keyring.removeGrant(id: id, keyId: found.key.id) else {
            return .failure(Self.error(ErrorCode.KMS.notFoundException, "Grant ID \(call.input["GrantId"] as? String ?? "") not found"))
        }
        return .success([:])
    }
}

func lowerFirst(_ text: String) -> String { text.prefix(1).lowercased() + text.dropFirst() }
