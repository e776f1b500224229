import Foundation
import IAMPolicy
import Yams

/// Where calls from outside any VPC come from (`network:` at the top of a world file).
public struct NetworkSettings: Sendable, Hashable {
    /// The public address callers outside every VPC present as `aws:SourceIp`.
    public var publicIp: String

    /// A documentation address (TEST-NET-3, RFC 5737), never a real host.
    public static let defaultPublicIp = "203.0.113.10"

    public init(publicIp: String = NetworkSettings.defaultPublicIp) { self.publicIp = publicIp }
}

/// An IPv4 CIDR block as VPCs and subnets use them.
public struct IPv4CIDR: Sendable, Hashable, CustomStringConvertible {
    public var base: UInt32
    public var prefix: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(parts[1]), (0...32).contains(prefix), let address = IPv4CIDR.address(String(parts[0])) else { return nil }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
        guard address & ~mask == 0 else { return nil }
        self.base = address
        self.prefix = prefix
    }

    /// A dotted IPv4 address as a number.
    public static func address(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy({ $0.isASCII && $0.isNumber }), let byte = UInt8(octet) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }

    public static func text(_ address: UInt32) -> String {
        (0..<4).map { String((address >> (24 - 8 * $0)) & 0xff) }.joined(separator: ".")
    }

    public var size: UInt64 { UInt64(1) << UInt64(32 - prefix) }

    public func contains(_ other: IPv4CIDR) -> Bool {
        other.prefix >= prefix && contains(address: other.base)
    }

    public func contains(address: UInt32) -> Bool {
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
        return address & mask == base
    }

    public var description: String { "\(Self.text(base))/\(prefix)" }
}

/// A VPC of an account.
public struct VPC: Sendable, Hashable {
    public var id: String
    public var account: String
    public var cidr: IPv4CIDR
    /// The public address calls from this VPC that leave without an endpoint present (its NAT
    /// gateway's); nil: the world's `network.publicIp`.
    public var natPublicIp: String?
}

/// A subnet of a VPC.
public struct Subnet: Sendable, Hashable {
    public var id: String
    public var account: String
    public var vpc: String
    public var cidr: IPv4CIDR
    public var availabilityZone: String?
}

/// A VPC endpoint for an AWS service, with its policy.
public struct VPCEndpoint: Sendable {
    public enum Kind: String, Sendable, Hashable { case gateway = "Gateway", interface = "Interface" }
    public var id: String
    public var account: String
    public var vpc: String
    public var kind: Kind
    /// The service's short name (`s3`, `sts`): the prefix of the actions it carries.
    public var service: String
    /// The endpoint policy as written; nil: AWS's default policy, which allows everything.
    public var policy: NamedPolicy?
    /// Gateway: the subnets whose route tables route to it (nil: every subnet of the VPC).
    /// Interface: the subnets holding its network interfaces.
    public var subnets: [String]?
    /// Interface endpoints: whether the service's public DNS name resolves to the endpoint
    /// inside the VPC (the default); without it calls to the public name do not use it.
    public var privateDns: Bool

    /// The policy that applies to requests through the endpoint.
    public var effectivePolicy: NamedPolicy { policy ?? VPCEndpoint.defaultPolicy(id) }

    /// AWS's default endpoint policy: full access for every principal.
    public static func defaultPolicy(_ id: String) -> NamedPolicy {
        let json = #"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#
        // The default document always parses.
        let policy = (try? Policy.parse(json, as: .vpcEndpoint)) ?? Policy(statements: [])
        return NamedPolicy(name: "VPC endpoint policy of \(id) (default)", policy: policy)
    }
}

/// A Glue connection of type NETWORK: the subnet and security groups a job's run is placed in.
public struct GlueConnection: Sendable, Hashable {
    public var name: String
    public var account: String
    public var subnet: String
    public var securityGroups: [String]
    public var availabilityZone: String?
    public var description: String?

    public init(name: String, account: String, subnet: String, securityGroups: [String], availabilityZone: String? = nil, description: String? = nil) {
        self.name = name
        self.account = account
        self.subnet = subnet
        self.securityGroups = securityGroups
        self.availabilityZone = availabilityZone
        self.description = description
    }
}

/// An account's network: VPCs, subnets, VPC endpoints and Glue NETWORK connections.
public struct AccountNetwork: Sendable {
    public var vpcs: [String: VPC] = [:]
    public var subnets: [String: Subnet] = [:]
    public var endpoints: [String: VPCEndpoint] = [:]
    public var connections: [String: GlueConnection] = [:]
    public init() {}

    var isEmpty: Bool { vpcs.isEmpty && subnets.isEmpty && endpoints.isEmpty && connections.isEmpty }

    mutating func merge(_ other: AccountNetwork) {
        vpcs.merge(other.vpcs) { a, _ in a }
        subnets.merge(other.subnets) { a, _ in a }
        endpoints.merge(other.endpoints) { a, _ in a }
        connections.merge(other.connections) { a, _ in a }
    }
}

/// Where a caller's requests come from inside a VPC: the subnet a run was placed in and its
/// private address. Calls carry it through the credentials the run's process holds.
public struct NetworkPlacement: Codable, Sendable, Hashable {
    public var account: String
    public var vpc: String
    public var subnet: String
    public var privateIp: String

    public init(account: String, vpc: String, subnet: String, privateIp: String) {
        self.account = account
        self.vpc = vpc
        self.subnet = subnet
        self.privateIp = privateIp
    }
}

extension World {
    /// The subnet with this id, in `account` or (when nil) in whichever account has it.
    public func subnet(_ id: String, account: String? = nil) -> Subnet? {
        if let account { return accounts[account]?.network.subnets[id] }
        for account in accounts.values.sorted(by: { $0.id < $1.id }) { if let subnet = account.network.subnets[id] { return subnet } }
        return nil
    }

    /// A world-declared Glue connection of an account.
    public func glueConnection(_ name: String, account: String) -> GlueConnection? {
        accounts[account]?.network.connections[name]
    }

    /// Places a caller in a subnet: the subnet's VPC and a private address from the subnet's
    /// range (after the four addresses AWS reserves at its start), chosen by `seed`.
    /// nil when the world has no such subnet.
    public func placement(subnet id: String, account: String? = nil, seed: String = "") -> NetworkPlacement? {
        guard let subnet = subnet(id, account: account) else { return nil }
        let usable = max(1, subnet.cidr.size > 5 ? subnet.cidr.size - 5 : 1)
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in (seed + "#" + id).utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        let offset = (subnet.cidr.size > 5 ? 4 : 0) + hash % usable
        let address = subnet.cidr.base &+ UInt32(truncatingIfNeeded: offset)
        return NetworkPlacement(account: subnet.account, vpc: subnet.vpc, subnet: subnet.id, privateIp: IPv4CIDR.text(address))
    }

    /// The VPC endpoint a placed caller's request for `service` goes through, if its VPC has
    /// one serving its subnet: a gateway endpoint routed from the subnet (every subnet by
    /// default), or an interface endpoint with private DNS (the service's public name then
    /// resolves to it throughout the VPC). Gateway endpoints win.
    public func vpcEndpoint(service: String, for placement: NetworkPlacement) -> VPCEndpoint? {
        guard let network = accounts[placement.account]?.network else { return nil }
        let candidates = network.endpoints.values
            .filter { $0.vpc == placement.vpc && $0.service == service }
            .sorted { ($0.kind == .gateway ? 0 : 1, $0.id) < ($1.kind == .gateway ? 0 : 1, $1.id) }
        return candidates.first { endpoint in
            switch endpoint.kind {
            case .gateway: endpoint.subnets.map { $0.contains(placement.subnet) } ?? true
            case .interface: endpoint.privateDns
            }
        }
    }

    /// The network condition keys of one request, and the endpoint policy that applies:
    /// through an endpoint, `aws:SourceVpc`, `aws:SourceVpce` and `aws:VpcSourceIp` (no
    /// `aws:SourceIp`); leaving the VPC through its NAT, `aws:SourceIp` = the NAT's address;
    /// from outside any VPC, `aws:SourceIp` = `sourceIp` or the world's public address.
    public func networkContext(placement: NetworkPlacement?, action: String, sourceIp: String?) -> (context: [String: [String]], endpointPolicy: NamedPolicy?) {
        guard let placement else { return (["aws:SourceIp": [sourceIp ?? network.publicIp]], nil) }
        let service = action.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? ""
        if let endpoint = vpcEndpoint(service: service, for: placement) {
            return (["aws:SourceVpc": [placement.vpc], "aws:SourceVpce": [endpoint.id], "aws:VpcSourceIp": [placement.privateIp]],
                    endpoint.effectivePolicy)
        }
        let nat = accounts[placement.account]?.network.vpcs[placement.vpc]?.natPublicIp ?? network.publicIp
        return (["aws:SourceIp": [nat]], nil)
    }
}

// MARK: - Reading the network sections of a world file

extension WorldLoader {
    static let networkAccountFields: Set<String> = ["vpcs", "subnets", "vpcEndpoints", "connections"]

    /// `network: {publicIp}` at the top of a world.
    func networkSettings(_ node: Node) throws(WorldError) -> NetworkSettings {
        var settings = NetworkSettings()
        for field in try mapping(node, "network", allowed: ["publicIp"]) {
            let value = try string(field.value, "network.publicIp") ?? ""
            guard IPv4CIDR.address(value) != nil else { throw fail(field.value, "network.publicIp '\(value)' is not an IPv4 address (e.g. 203.0.113.10)") }
            settings.publicIp = value
        }
        return settings
    }

    /// One of an account's network sections (`vpcs`, `subnets`, `vpcEndpoints`, `connections`), into `network`.
    func networkSection(_ key: String, account: String, region: String, _ node: Node, into network: inout AccountNetwork) throws(WorldError) {
        for entry in try entries(node, key) {
            switch key {
            case "vpcs": network.vpcs[entry.key] = try vpc(entry.key, account: account, entry.keyNode, entry.value)
            case "subnets": network.subnets[entry.key] = try subnet(entry.key, account: account, entry.keyNode, entry.value)
            case "vpcEndpoints": network.endpoints[entry.key] = try vpcEndpoint(entry.key, account: account, region: region, entry.keyNode, entry.value)
            default: network.connections[entry.key] = try connection(entry.key, account: account, entry.keyNode, entry.value)
            }
        }
    }

    func cidr(_ node: Node?, _ what: String) throws(WorldError) -> IPv4CIDR {
        let text = try string(node, what) ?? ""
        guard let cidr = IPv4CIDR(text) else {
            throw fail(node, "\(what) '\(text)' is not an IPv4 CIDR block with its host bits zero (e.g. 10.0.0.0/16)")
        }
        return cidr
    }

    func vpc(_ id: String, account: String, _ keyNode: Node, _ node: Node) throws(WorldError) -> VPC {
        guard id.hasPrefix("vpc-") else { throw fail(keyNode, "VPC id '\(id)' must start with vpc-") }
        let fields = try mapping(node, "vpc \(id)", allowed: ["cidr", "natPublicIp"])
        let values = Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        guard let cidrNode = values["cidr"] else { throw fail(node, "vpc \(id) needs a cidr (e.g. 10.0.0.0/16)") }
        let cidr = try cidr(cidrNode, "vpc \(id) cidr")
        guard (16...28).contains(cidr.prefix) else { throw fail(values["cidr"], "vpc \(id) cidr: a VPC's block is /16 to /28") }
        var nat: String?
        if let natNode = values["natPublicIp"] {
            nat = try string(natNode, "vpc \(id) natPublicIp")
            guard IPv4CIDR.address(nat ?? "") != nil else { throw fail(natNode, "vpc \(id) natPublicIp '\(nat ?? "")' is not an IPv4 address") }
        }
        return VPC(id: id, account: account, cidr: cidr, natPublicIp: nat)
    }

    func subnet(_ id: String, account: String, _ keyNode: Node, _ node: Node) throws(WorldError) -> Subnet {
        guard id.hasPrefix("subnet-") else { throw fail(keyNode, "subnet id '\(id)' must start with subnet-") }
        let fields = try mapping(node, "subnet \(id)", allowed: ["vpc", "cidr", "availabilityZone"])
        let values = Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        guard let vpc = try string(values["vpc"], "subnet \(id) vpc"), !vpc.isEmpty else { throw fail(node, "subnet \(id) needs a vpc") }
        guard let cidrNode = values["cidr"] else { throw fail(node, "subnet \(id) needs a cidr inside its VPC's block (e.g. 10.0.1.0/24)") }
        let cidr = try cidr(cidrNode, "subnet \(id) cidr")
        guard (16...28).contains(cidr.prefix) else { throw fail(values["cidr"], "subnet \(id) cidr: a subnet's block is /16 to /28") }
        return Subnet(id: id, account: account, vpc: vpc, cidr: cidr, availabilityZone: try string(values["availabilityZone"], "subnet \(id) availabilityZone"))
    }

    func vpcEndpoint(_ id: String, account: String, region: String, _ keyNode: Node, _ node: Node) throws(WorldError) -> VPCEndpoint {
        guard id.hasPrefix("vpce-") else { throw fail(keyNode, "VPC endpoint id '\(id)' must start with vpce-") }
        let fields = try mapping(node, "vpc endpoint \(id)", allowed: ["vpc", "type", "service", "policy", "subnets", "privateDns"])
        let values = Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        guard let vpc = try string(values["vpc"], "vpc endpoint \(id) vpc"), !vpc.isEmpty else { throw fail(node, "vpc endpoint \(id) needs a vpc") }
        let typeText = try string(values["type"], "vpc endpoint \(id) type") ?? "Gateway"
        guard let kind = VPCEndpoint.Kind(rawValue: typeText) else { throw fail(values["type"], "vpc endpoint \(id) type must be Gateway or Interface") }
        let serviceText = try string(values["service"], "vpc endpoint \(id) service") ?? ""
        var service = serviceText
        let prefix = "com.amazonaws.\(region)."
        if serviceText.hasPrefix("com.amazonaws.") {
            guard serviceText.hasPrefix(prefix) else {
                throw fail(values["service"], "vpc endpoint \(id) service \(serviceText) is not in the world's region \(region) (\(prefix)SERVICE)")
            }
            service = String(serviceText.dropFirst(prefix.count))
        }
        guard ["s3", "sts"].contains(service) else {
            throw fail(values["service"] ?? node, "vpc endpoint \(id) service must be s3 or sts (or \(prefix)s3, \(prefix)sts), not '\(serviceText)'")
        }
        if kind == .gateway, service != "s3" { throw fail(values["type"], "vpc endpoint \(id): only s3 (and dynamodb) have Gateway endpoints; use type Interface for \(service)") }
        var endpoint = VPCEndpoint(id: id, account: account, vpc: vpc, kind: kind, service: service, policy: nil, subnets: nil, privateDns: true)
        if let policyNode = values["policy"] {
            endpoint.policy = try policy(policyNode, name: "VPC endpoint policy of \(id)", what: "vpc endpoint \(id) policy", kind: .vpcEndpoint)
        }
        if let subnetsNode = values["subnets"] { endpoint.subnets = try stringList(subnetsNode, "vpc endpoint \(id) subnets") }
        if let dnsNode = values["privateDns"] {
            let text = (try string(dnsNode, "vpc endpoint \(id) privateDns") ?? "").lowercased()
            guard text == "true" || text == "false" else { throw fail(dnsNode, "vpc endpoint \(id) privateDns must be true or false") }
            guard kind == .interface else { throw fail(dnsNode, "vpc endpoint \(id): privateDns applies to Interface endpoints only") }
            endpoint.privateDns = text == "true"
        }
        if kind == .interface, endpoint.subnets?.isEmpty ?? true {
            throw fail(node, "vpc endpoint \(id): an Interface endpoint needs subnets (where its network interfaces are)")
        }
        return endpoint
    }

    func connection(_ name: String, account: String, _ keyNode: Node, _ node: Node) throws(WorldError) -> GlueConnection {
        guard (1...255).contains(name.count) else { throw fail(keyNode, "connection name '\(name)' must be 1 to 255 characters") }
        let fields = try mapping(node, "connection \(name)", allowed: ["type", "subnet", "securityGroups", "availabilityZone", "description"])
        let values = Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        let type = try string(values["type"], "connection \(name) type") ?? "NETWORK"
        guard type == "NETWORK" else {
            throw fail(values["type"], "connection \(name): type \(type) is not one glueshim places runs with; declare NETWORK connections (subnet and security groups)")
        }
        guard let subnet = try string(values["subnet"], "connection \(name) subnet"), !subnet.isEmpty else {
            throw fail(node, "connection \(name) needs a subnet (a NETWORK connection's PhysicalConnectionRequirements.SubnetId)")
        }
        let groups = try stringList(values["securityGroups"], "connection \(name) securityGroups")
        for group in groups where !group.hasPrefix("sg-") { throw fail(values["securityGroups"], "connection \(name): security group '\(group)' must start with sg-") }
        return GlueConnection(name: name, account: account, subnet: subnet, securityGroups: groups,
                              availabilityZone: try string(values["availabilityZone"], "connection \(name) availabilityZone"),
                              description: try string(values["description"], "connection \(name) description"))
    }
}

extension World {
    /// Problems with the references between an account's network items, one line each:
    /// a subnet's VPC, a subnet outside its VPC's block, an endpoint's VPC and subnets, a
    /// connection's subnet and availability zone.
    public static func networkProblems(_ network: AccountNetwork, account: String) -> [(kind: String, name: String, message: String)] {
        var problems: [(String, String, String)] = []
        for subnet in network.subnets.values.sorted(by: { $0.id < $1.id }) {
            guard let vpc = network.vpcs[subnet.vpc] else {
                problems.append(("subnet", subnet.id, "subnet \(subnet.id) in \(account): its vpc \(subnet.vpc) is not declared under the account's vpcs"))
                continue
            }
            if !vpc.cidr.contains(subnet.cidr) {
                problems.append(("subnet", subnet.id, "subnet \(subnet.id) in \(account): its block \(subnet.cidr) is not inside \(vpc.id)'s \(vpc.cidr)"))
            }
        }
        for endpoint in network.endpoints.values.sorted(by: { $0.id < $1.id }) {
            guard network.vpcs[endpoint.vpc] != nil else {
                problems.append(("vpcEndpoint", endpoint.id, "vpc endpoint \(endpoint.id) in \(account): its vpc \(endpoint.vpc) is not declared under the account's vpcs"))
                continue
            }
            for id in endpoint.subnets ?? [] {
                guard let subnet = network.subnets[id] else {
                    problems.append(("vpcEndpoint", endpoint.id, "vpc endpoint \(endpoint.id) in \(account): subnet \(id) is not declared under the account's subnets"))
                    continue
                }
                if subnet.vpc != endpoint.vpc {
                    problems.append(("vpcEndpoint", endpoint.id, "vpc endpoint \(endpoint.id) in \(account): subnet \(id) is in \(subnet.vpc), not in the endpoint's \(endpoint.vpc)"))
                }
            }
        }
        for connection in network.connections.values.sorted(by: { $0.name < $1.name }) {
            guard let subnet = network.subnets[connection.subnet] else {
                problems.append(("connection", connection.name, "connection \(connection.name) in \(account): subnet \(connection.subnet) is not declared under the account's subnets"))
                continue
            }
            if let zone = connection.availabilityZone, let subnetZone = subnet.availabilityZone, zone != subnetZone {
                problems.append(("connection", connection.name, "connection \(connection.name) in \(account): availabilityZone \(zone) differs from subnet \(subnet.id)'s \(subnetZone)"))
            }
        }
        return problems
    }
}
