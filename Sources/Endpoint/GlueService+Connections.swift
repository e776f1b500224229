import Foundation
import GlueDomain
import World

/// The Data Catalog's connections an account sees: those created through the API over those
/// the world declares (a deleted world connection stays deleted).
public enum GlueConnections {
    /// The connection `name` of `account`, or nil.
    public static func find(_ name: String, account: String, world: World, registry: GlueConnectionRegistry) -> StoredConnection? {
        if let touched = registry.lookup(account: account, name: name) { return touched }
        return world.glueConnection(name, account: account).map { stored($0) }
    }

    /// Every connection of `account`, by name.
    public static func all(account: String, world: World, registry: GlueConnectionRegistry) -> [StoredConnection] {
        let (created, deleted) = registry.all(account: account)
        var byName: [String: StoredConnection] = [:]
        for declared in world.accounts[account]?.network.connections.values.map({ stored($0) }) ?? [] where !deleted.contains(declared.name) {
            byName[declared.name] = declared
        }
        for connection in created { byName[connection.name] = connection }
        return byName.values.sorted { $0.name < $1.name }
    }

    static func stored(_ declared: GlueConnection) -> StoredConnection {
        StoredConnection(name: declared.name, account: declared.account, connectionType: "NETWORK", description: declared.description,
                         subnetId: declared.subnet, securityGroupIds: declared.securityGroups, availabilityZone: declared.availabilityZone,
                         createdOn: World.creationDate)
    }
}

/// Glue's connection operations for NETWORK connections: CreateConnection, GetConnection,
/// GetConnections, DeleteConnection.
extension GlueService {
    var connections: GlueConnectionRegistry { registry.connections }

    func connectionArn(_ name: String, account: String) -> String { "arn:aws:glue:\(configuration.world.region):\(account):connection/\(name)" }
    func catalogArn(account: String) -> String { "arn:aws:glue:\(configuration.world.region):\(account):catalog" }

    /// The catalog the call names (`CatalogId`, the account id), or the caller's.
    func catalog(_ call: Call) -> String { (call.input["CatalogId"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? call.account }

    /// Connection operations act on the catalog and the connection (Service Authorization Reference).
    func authorizeConnection(_ call: Call, name: String, catalog: String) -> AWSServiceError? {
        if let error = authorize(call, resource: catalogArn(account: catalog)) { return error }
        return authorize(call, resource: connectionArn(name, account: catalog))
    }

    func handleConnection(_ call: Call) -> Output? {
        switch call.operation {
        case "CreateConnection": createConnection(call)
        case "GetConnection": getConnection(call)
        case "GetConnections": getConnections(call)
        case "DeleteConnection": deleteConnection(call)
        default: nil
        }
    }

    func createConnection(_ call: Call) -> Output {
        guard let input = call.input["ConnectionInput"] as? [String: Any] else {
            return .failure(Self.error(ErrorCode.Glue.invalidInputException, "ConnectionInput is required"))
        }
        guard let name = input["Name"] as? String, (1...255).contains(name.count) else {
            return .failure(Self.error(ErrorCode.Glue.invalidInputException, "ConnectionInput.Name must be 1 to 255 characters"))
        }
        let catalog = catalog(call)
        if let error = authorizeConnection(call, name: name, catalog: catalog) { return .failure(error) }
        let type = input["ConnectionType"] as? String ?? ""
        guard type == "NETWORK" else {
            return .failure(Self.error(ErrorCode.Glue.invalidInputException,
                "ConnectionType \(type.isEmpty ? "(missing)" : type) is not served locally: glueshim runs Python shell jobs and serves NETWORK connections (a subnet and security groups) only"))
        }
        let physical = input["PhysicalConnectionRequirements"] as? [String: Any] ?? [:]
        guard let subnet = physical["SubnetId"] as? String, !subnet.isEmpty else {
            return .failure(Self.error(ErrorCode.Glue.invalidInputException, "A NETWORK connection needs PhysicalConnectionRequirements.SubnetId"))
        }
        let groups = physical["SecurityGroupIdList"] as? [String] ?? []
        guard !groups.isEmpty, groups.count <= 50 else {
            return .failure(Self.error(ErrorCode.Glue.invalidInputException, "A NETWORK connection needs 1 to 50 security groups in PhysicalConnectionRequirements.SecurityGroupIdList"))
        }
        let connection = StoredConnection(
            name: name, account: catalog, connectionType: type, description: input["Description"] as? String,
            properties: input["ConnectionProperties"] as? [String: String] ?? [:], subnetId: subnet, securityGroupIds: groups,
            availabilityZone: physical["AvailabilityZone"] as? String, createdOn: call.now, lastUpdatedBy: call.caller.principal.arn)
        let declared = configuration.world.glueConnection(name, account: catalog) != nil
        guard connections.create(connection, existsElsewhere: declared) else {
            return .failure(Self.error(ErrorCode.Glue.alreadyExistsException, "Connection already exists."))
        }
        return .success(["CreateConnectionStatus": "READY"])
    }

    func getConnection(_ call: Call) -> Output {
        guard let name = call.input["Name"] as? String, !name.isEmpty else {
            return .failure(Self.error(ErrorCode.Glue.invalidInputException, "Name is required"))
        }
        let catalog = catalog(call)
        if let error = authorizeConnection(call, name: name, catalog: catalog) { return .failure(error) }
        guard let connection = GlueConnections.find(name, account: catalog, world: configuration.world, registry: connections) else {
            return .failure(Self.error(ErrorCode.Glue.entityNotFoundException, "Connection not found."))
        }
        return .success(["Connection": connectionObject(connection)])
    }

    func getConnections(_ call: Call) -> Output {
        let catalog = catalog(call)
        if let error = authorizeConnection(call, name: "*", catalog: catalog) { return .failure(error) }
        var all = GlueConnections.all(account: catalog, world: configuration.world, registry: connections)
        if let filter = call.input["Filter"] as? [String: Any], let type = filter["ConnectionType"] as? String {
            all = all.filter { $0.connectionType == type }
        }
        let (page, next) = paginate(all, call: call, limit: 1000)
        var o: [String: Any] = ["ConnectionList": page.map(connectionObject)]
        if let next { o["NextToken"] = next }
        return .success(o)
    }

    func deleteConnection(_ call: Call) -> Output {
        guard let name = call.input["ConnectionName"] as? String, !name.isEmpty else {
            return .failure(Self.error(ErrorCode.Glue.invalidInputException, "ConnectionName is required"))
        }
        let catalog = catalog(call)
        if let error = authorizeConnection(call, name: name, catalog: catalog) { return .failure(error) }
        guard GlueConnections.find(name, account: catalog, world: configuration.world, registry: connections) != nil else {
            return .failure(Self.error(ErrorCode.Glue.entityNotFoundException, "Connection not found."))
        }
        connections.delete(account: catalog, name: name)
        return .success([:])
    }

    func connectionObject(_ c: StoredConnection) -> [String: Any] {
        var physical: [String: Any] = ["SecurityGroupIdList": c.securityGroupIds]
        if let subnet = c.subnetId { physical["SubnetId"] = subnet }
        if let zone = c.availabilityZone { physical["AvailabilityZone"] = zone }
        var o: [String: Any] = [
            "Name": c.name, "ConnectionType": c.connectionType, "MatchCriteria": [String](), "ConnectionProperties": c.properties,
            "PhysicalConnectionRequirements": physical, "CreationTime": c.createdOn.timeIntervalSince1970,
            "LastUpdatedTime": c.createdOn.timeIntervalSince1970, "Status": "READY",
        ]
        if let description = c.description { o["Description"] = description }
        if let by = c.lastUpdatedBy { o["LastUpdatedBy"] = by }
        return o
    }
}
