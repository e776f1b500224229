import Foundation
import Synchronization

/// A Glue connection as CreateConnection stored it.
public struct StoredConnection: Sendable, Hashable {
    public var name: String
    public var account: String
    public var connectionType: String
    public var description: String?
    public var properties: [String: String]
    public var subnetId: String?
    public var securityGroupIds: [String]
    public var availabilityZone: String?
    public var createdOn: Date
    public var lastUpdatedBy: String?

    public init(name: String, account: String, connectionType: String, description: String? = nil, properties: [String: String] = [:],
                subnetId: String? = nil, securityGroupIds: [String] = [], availabilityZone: String? = nil, createdOn: Date,
                lastUpdatedBy: String? = nil) {
        self.name = name
        self.account = account
        self.connectionType = connectionType
        self.description = description
        self.properties = properties
        self.subnetId = subnetId
        self.securityGroupIds = securityGroupIds
        self.availabilityZone = availabilityZone
        self.createdOn = createdOn
        self.lastUpdatedBy = lastUpdatedBy
    }
}

/// The Data Catalog's connections created through the API, per account, over those the world
/// declares; a world connection deleted through the API is remembered as deleted.
public final class GlueConnectionRegistry: Sendable {
    enum Entry: Sendable { case stored(StoredConnection), deleted }
    private let entries = Mutex<[String: Entry]>([:])

    public init() {}

    static func key(_ account: String, _ name: String) -> String { "\(account)/\(name)" }

    /// `.some(nil)` when the name was deleted (hiding a world connection); nil when never touched.
    public func lookup(account: String, name: String) -> StoredConnection?? {
        switch entries.withLock({ $0[Self.key(account, name)] }) {
        case .stored(let c): return .some(c)
        case .deleted: return .some(nil)
        case nil: return nil
        }
    }

    /// Stores a new connection; false when one of that name exists (`exists` says for world ones).
    public func create(_ connection: StoredConnection, existsElsewhere: Bool) -> Bool {
        entries.withLock { entries in
            let key = Self.key(connection.account, connection.name)
            switch entries[key] {
            case .stored: return false
            case .deleted: break
            case nil: if existsElsewhere { return false }
            }
            entries[key] = .stored(connection)
            return true
        }
    }

    public func delete(account: String, name: String) {
        entries.withLock { $0[Self.key(account, name)] = .deleted }
    }

    /// The API-created connections of an account, and the names deleted.
    public func all(account: String) -> (stored: [StoredConnection], deleted: Set<String>) {
        entries.withLock { entries in
            var stored: [StoredConnection] = [], deleted: Set<String> = []
            for (key, entry) in entries where key.hasPrefix(account + "/") {
                switch entry {
                case .stored(let c): stored.append(c)
                case .deleted: deleted.insert(String(key.dropFirst(account.count + 1)))
                }
            }
            return (stored, deleted)
        }
    }
}
