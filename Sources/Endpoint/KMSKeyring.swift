import Crypto
import Foundation
import IAMPolicy
import Synchronization
import World

/// A grant on a KMS key: operations a grantee principal may perform, under constraints on the
/// encryption context.
struct KMSGrant: Codable, Sendable, Hashable {
    var id: String
    var token: String
    var keyId: String
    var name: String?
    var granteePrincipal: String
    var retiringPrincipal: String?
    var operations: [String]
    var contextSubset: [String: String]?
    var contextEquals: [String: String]?
    var issuingAccount: String
    var created: Date
}

/// The KMS keys the endpoint serves: the world's, then those created and changed through the
/// API, with their grants and each key's secret. Kept under the store's `.kms/` folder (no
/// bucket can be named so), so `serve --state` keeps them across restarts.
final class KMSKeyring: Sendable {
    struct State: Codable {
        var keys: [String: KMSKey] = [:]
        var grants: [KMSGrant] = []
    }

    let folder: URL
    private let state: Mutex<State>
    private let policies = Mutex<[String: NamedPolicy]>([:])

    init(world: World, root: URL) {
        folder = root.appendingPathComponent(".kms")
        var loaded = State()
        if let data = FileManager.default.contents(atPath: folder.appendingPathComponent("keys.json").path),
           let decoded = try? Self.decoder.decode(State.self, from: data) {
            loaded = decoded
        }
        // World keys not yet known (a first start, or keys added to the world since) join the state.
        for key in world.kmsKeys where loaded.keys[key.id] == nil { loaded.keys[key.id] = key }
        state = Mutex(loaded)
    }

    // MARK: Keys

    func key(id: String) -> KMSKey? { state.withLock { $0.keys[id] } }

    func keys(account: String) -> [KMSKey] {
        state.withLock { $0.keys.values.filter { $0.account == account } }.sorted { $0.id < $1.id }
    }

    /// The key an alias name (`alias/NAME`) of `account` points at.
    func key(alias: String, account: String) -> KMSKey? {
        state.withLock { state in state.keys.values.first { $0.account == account && $0.aliases.contains(alias) } }
    }

    /// Changes a key and saves the state; nil when the key is gone.
    @discardableResult
    func update(_ id: String, _ change: (inout KMSKey) -> Void) -> KMSKey? {
        state.withLock { state in
            guard var key = state.keys[id] else { return nil }
            change(&key)
            state.keys[id] = key
            save(state)
            return key
        }
    }

    func insert(_ key: KMSKey) {
        state.withLock { state in
            state.keys[key.id] = key
            save(state)
        }
    }

    /// Keys whose deletion date has passed are deleted, with their grants and secrets.
    func deleteDue(now: Date) {
        let due: [String] = state.withLock { state in
            let due = state.keys.values.filter { ($0.deletionDate ?? .distantFuture) <= now }.map(\.id)
            guard !due.isEmpty else { return [] }
            for id in due { state.keys[id] = nil }
            state.grants.removeAll { due.contains($0.keyId) }
            save(state)
            return due
        }
        for id in due { try? FileManager.default.removeItem(at: secretURL(id)) }
    }

    /// The key a key id, key ARN, alias name or alias ARN names (ids and alias names in `account`).
    func resolve(_ text: String, account: String, region: String) -> KMSKey? {
        if text.hasPrefix("arn:") {
            let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 6, parts[2] == "kms" else { return nil }
            // An account's aws/s3 named by ARN before anything used it (a world object's key).
            if parts[5] == "key/" + KMSKey.stableId(account: parts[4], name: "alias/aws/s3") || parts[5] == "alias/aws/s3" {
                return managedKey(account: parts[4], service: "s3", region: parts[3])
            }
            if parts[5].hasPrefix("alias/") { return key(alias: parts[5], account: parts[4]) }
            guard parts[5].hasPrefix("key/"), let key = key(id: String(parts[5].dropFirst(4))), key.account == parts[4] else { return nil }
            return key
        }
        if text.hasPrefix("alias/") { return key(alias: text, account: account) }
        guard let key = key(id: text.lowercased()), key.account == account else { return nil }
        return key
    }

    /// The account's AWS managed key for a service (`aws/s3`), created with AWS's fixed key
    /// policy the first time the service needs it.
    func managedKey(account: String, service: String, region: String) -> KMSKey {
        let alias = "alias/aws/\(service)"
        return state.withLock { state in
            if let found = state.keys.values.first(where: { $0.account == account && $0.aliases.contains(alias) }) { return found }
            var key = KMSKey(id: KMSKey.stableId(account: account, name: alias), account: account, region: region,
                             policyText: KMSKey.awsManagedPolicy(account: account, service: service, region: region))
            key.aliases = [alias]
            key.manager = "AWS"
            key.description = "Default key that protects my \(service.uppercased()) objects when no other key is defined"
            state.keys[key.id] = key
            save(state)
            return key
        }
    }

    // MARK: Grants

    func grants(keyId: String) -> [KMSGrant] { state.withLock { $0.grants.filter { $0.keyId == keyId } } }

    func addGrant(_ grant: KMSGrant) {
        state.withLock { state in
            state.grants.append(grant)
            save(state)
        }
    }

    func grant(token: String) -> KMSGrant? { state.withLock { $0.grants.first { $0.token == token } } }

    @discardableResult
    func removeGrant(id: String, keyId: String) -> Bool {
        state.withLock { state in
            let before = state.grants.count
            state.grants.removeAll { $0.id == id && $0.keyId == keyId }
            guard state.grants.count != before else { return false }
            save(state)
            return true
        }
    }

    /// The key policy with the key's grants as statements of their own: a grant allows its
    /// operations to its grantee, under its encryption-context constraints, and an explicit deny
    /// in any policy still wins over it.
    func authorizingPolicy(_ key: KMSKey) -> NamedPolicy? {
        var text = key.policyText
        let grants = self.grants(keyId: key.id)
        if !grants.isEmpty, var document = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] {
            var statements: [[String: Any]]
            switch document["Statement"] {
            case let list as [[String: Any]]: statements = list
            case let single as [String: Any]: statements = [single]
            default: statements = []
            }
            for grant in grants { statements.append(Self.statement(of: grant)) }
            document["Statement"] = statements
            if let data = try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]) { text = String(decoding: data, as: UTF8.self) }
        }
        if let hit = policies.withLock({ $0[text] }) { return hit }
        guard let parsed = try? Policy.parse(text, as: .resource) else { return nil }
        let named = NamedPolicy(name: "key policy of \(key.arn)", policy: parsed)
        policies.withLock { $0[text] = named }
        return named
    }

    static func statement(of grant: KMSGrant) -> [String: Any] {
        var statement: [String: Any] = [
            "Sid": "grant \(grant.id)", "Effect": "Allow", "Principal": ["AWS": grant.granteePrincipal],
            "Action": grant.operations.map { "kms:\($0)" }, "Resource": "*",
        ]
        var conditions: [String: [String: Any]] = [:]
        for (key, value) in grant.contextSubset ?? [:] { conditions["StringEquals", default: [:]]["kms:EncryptionContext:\(key)"] = value }
        if let equals = grant.contextEquals {
            for (key, value) in equals { conditions["StringEquals", default: [:]]["kms:EncryptionContext:\(key)"] = value }
            conditions["ForAllValues:StringEquals", default: [:]]["kms:EncryptionContextKeys"] = equals.keys.sorted()
        }
        if !conditions.isEmpty { statement["Condition"] = conditions }
        return statement
    }

    // MARK: Cryptography

    /// Ciphertext blobs: a marker, the key id, then AES-256-GCM (nonce, ciphertext, tag) under the
    /// key's secret, with the key id and the encryption context as additional data.
    static let marker = Data("GSK1".utf8)

    func encrypt(_ plaintext: Data, key: KMSKey, context: [String: String]) throws -> Data {
        let sealed = try AES.GCM.seal(plaintext, using: try secret(key.id), authenticating: Self.additionalData(key.id, context))
        return Self.marker + Data(key.id.utf8) + sealed.nonce.withUnsafeBytes { Data($0) } + sealed.ciphertext + sealed.tag
    }

    /// The key id a ciphertext blob names, if it is one of glueshim's blobs.
    static func keyId(of blob: Data) -> String? {
        guard blob.count >= marker.count + 36 + 12 + 16, blob.prefix(marker.count) == marker else { return nil }
        let id = String(decoding: blob.dropFirst(marker.count).prefix(36), as: UTF8.self)
        return UUID(uuidString: id) == nil ? nil : id
    }

    /// The plaintext, or nil when the blob was not made under this key and context.
    func decrypt(_ blob: Data, key: KMSKey, context: [String: String]) -> Data? {
        guard Self.keyId(of: blob) == key.id, let secret = try? secret(key.id) else { return nil }
        let body = blob.dropFirst(Self.marker.count + 36)
        guard let box = try? AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: body.prefix(12)), ciphertext: body.dropFirst(12).dropLast(16),
                                              tag: body.suffix(16)) else { return nil }
        return try? AES.GCM.open(box, using: secret, authenticating: Self.additionalData(key.id, context))
    }

    static func additionalData(_ keyId: String, _ context: [String: String]) -> Data {
        var text = keyId
        for (key, value) in context.sorted(by: { $0.key < $1.key }) { text += "\n\(key.count):\(key)=\(value.count):\(value)" }
        return Data(text.utf8)
    }

    func secretURL(_ id: String) -> URL { folder.appendingPathComponent("secrets").appendingPathComponent(id) }

    /// The key's 256-bit secret, created (readable only by its owner) on first use.
    func secret(_ id: String) throws -> SymmetricKey {
        let url = secretURL(id)
        if let data = FileManager.default.contents(atPath: url.path), data.count == 32 { return SymmetricKey(data: data) }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if fd >= 0 {
            let written = fresh.withUnsafeBytes { write(fd, $0.baseAddress, 32) }
            fsync(fd)
            close(fd)
            if written == 32 { return SymmetricKey(data: fresh) }
        }
        // Another request created it first: use that one.
        guard let data = FileManager.default.contents(atPath: url.path), data.count == 32 else {
            throw KMSKeyringError(description: "cannot create the secret of KMS key \(id) in \(url.path)")
        }
        return SymmetricKey(data: data)
    }

    // MARK: Persistence

    private func save(_ state: State) {
        guard let data = try? Self.encoder.encode(state) else { return }
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("keys.json")
        let temp = folder.appendingPathComponent(".keys.json.\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temp.path, contents: data) else { return }
        if rename(temp.path, url.path) != 0 { try? FileManager.default.removeItem(at: temp) }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}

struct KMSKeyringError: Error, CustomStringConvertible {
    var description: String
}
