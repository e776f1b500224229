import Foundation
import IAMPolicy
import TestSupport
import Testing
@testable import World

/// The network part of a world: VPCs, subnets, VPC endpoints, Glue NETWORK connections, and
/// the condition keys and endpoint policy a placed caller's requests get.
@Suite struct WorldNetworkTests {
    static let vpcWorld = repoRoot.appendingPathComponent("jobs/vpc-endpoint-bucket/world.yaml")

    static let base = """
    region: eu-west-1
    accounts:
      "111111111111":
        vpcs:
          vpc-1: {cidr: 10.0.0.0/16}
        subnets:
          subnet-a: {vpc: vpc-1, cidr: 10.0.1.0/24, availabilityZone: eu-west-1a}
          subnet-b: {vpc: vpc-1, cidr: 10.0.2.0/24}
        vpcEndpoints:
          vpce-s3:
            vpc: vpc-1
            service: com.amazonaws.eu-west-1.s3
            subnets: [subnet-a]
          vpce-sts:
            vpc: vpc-1
            type: Interface
            service: sts
            subnets: [subnet-b]
            policy: {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*"}]}
        connections:
          net: {subnet: subnet-a, securityGroups: [sg-1]}

    """

    func load(_ yaml: String) throws(WorldError) -> World {
        let folder = temporaryFolder("world-network")
        let file = folder.appendingPathComponent("world.yaml")
        try? yaml.write(to: file, atomically: true, encoding: .utf8)
        return try World.load(from: file)
    }

    func error(_ yaml: String) -> String? {
        do { _ = try load(yaml); return nil } catch { return error.message }
    }

    @Test func readsTheNetworkSections() throws {
        let world = try load(Self.base)
        let network = try #require(world.accounts["111111111111"]?.network)
        #expect(world.network.publicIp == NetworkSettings.defaultPublicIp)
        #expect(network.vpcs["vpc-1"]?.cidr.description == "10.0.0.0/16")
        #expect(network.subnets["subnet-a"]?.availabilityZone == "eu-west-1a")
        #expect(network.endpoints["vpce-s3"]?.service == "s3")
        #expect(network.endpoints["vpce-s3"]?.kind == .gateway)
        #expect(network.endpoints["vpce-sts"]?.privateDns == true)
        #expect(network.connections["net"]?.securityGroups == ["sg-1"])
    }

    @Test func aPlacedCallerGoesThroughTheEndpointServingItsSubnet() throws {
        let world = try load(Self.base)
        let placement = try #require(world.placement(subnet: "subnet-a", seed: "run-1"))
        #expect(placement.vpc == "vpc-1")
        let address = try #require(IPv4CIDR.address(placement.privateIp))
        #expect(IPv4CIDR("10.0.1.0/24")!.contains(address: address))
        // Through the gateway endpoint: VPC keys, no aws:SourceIp, and the default endpoint policy.
        let s3 = world.networkContext(placement: placement, action: "s3:GetObject", sourceIp: nil)
        #expect(s3.context == ["aws:SourceVpc": ["vpc-1"], "aws:SourceVpce": ["vpce-s3"], "aws:VpcSourceIp": [placement.privateIp]])
        #expect(s3.endpointPolicy?.name.contains("vpce-s3") == true)
        // STS through the interface endpoint (private DNS serves the whole VPC), with its policy.
        let sts = world.networkContext(placement: placement, action: "sts:AssumeRole", sourceIp: nil)
        #expect(sts.context["aws:SourceVpce"] == ["vpce-sts"])
        #expect(sts.endpointPolicy?.name == "VPC endpoint policy of vpce-sts")
        // subnet-b's route table has no route to the gateway endpoint: S3 calls leave through the NAT.
        let other = try #require(world.placement(subnet: "subnet-b"))
        let nat = world.networkContext(placement: other, action: "s3:GetObject", sourceIp: nil)
        #expect(nat.context == ["aws:SourceIp": [NetworkSettings.defaultPublicIp]])
        #expect(nat.endpointPolicy == nil)
    }

    @Test func unplacedCallersComeFromThePublicAddress() throws {
        let world = try load(Self.base + "network: {publicIp: 198.51.100.20}\n")
        let caller = Caller(principal: PrincipalIdentity(kind: .root, arn: "arn:aws:iam::111111111111:root", account: "111111111111"))
        let input = world.accessInput(for: AccessRequest(caller: caller, action: "s3:GetObject", resource: "arn:aws:s3:::b/k"), now: Date())
        #expect(input.request.context["aws:SourceIp"] == ["198.51.100.20"])
        #expect(input.request.context["aws:SourceVpce"] == nil)
        #expect(input.policies.vpcEndpoint == nil)
    }

    @Test func aCredentialsPlacementReachesTheRequestContext() throws {
        let world = try load(Self.base)
        let principal = PrincipalIdentity(kind: .root, arn: "arn:aws:iam::111111111111:root", account: "111111111111")
        var credential = IssuedCredential(credentials: .init(accessKeyId: "ASIAEXAMPLE", secretAccessKey: "x", sessionToken: "t"),
                                          principal: principal, expiration: nil)
        credential.placement = world.placement(subnet: "subnet-a")
        let caller = Caller(principal: principal, credential: credential)
        let input = world.accessInput(for: AccessRequest(caller: caller, action: "s3:GetObject", resource: "arn:aws:s3:::b/k"), now: Date())
        #expect(input.request.context["aws:SourceVpce"] == ["vpce-s3"])
        #expect(input.request.context["aws:SourceIp"] == nil)
        #expect(input.policies.vpcEndpoint != nil)
    }

    @Test func theNATAddressIsTheVPCs() throws {
        let world = try load(Self.base.replacingOccurrences(of: "vpc-1: {cidr: 10.0.0.0/16}", with: "vpc-1: {cidr: 10.0.0.0/16, natPublicIp: 198.51.100.9}"))
        let placement = try #require(world.placement(subnet: "subnet-b"))
        #expect(world.networkContext(placement: placement, action: "s3:GetObject", sourceIp: nil).context == ["aws:SourceIp": ["198.51.100.9"]])
    }

    @Test func badNetworksSayWhatIsWrong() {
        #expect(error(Self.base.replacingOccurrences(of: "cidr: 10.0.2.0/24", with: "cidr: 10.9.2.0/24"))
            == "subnet subnet-b in 111111111111: its block 10.9.2.0/24 is not inside vpc-1's 10.0.0.0/16")
        #expect(error(Self.base.replacingOccurrences(of: "subnet-b: {vpc: vpc-1", with: "subnet-b: {vpc: vpc-9"))
            == "subnet subnet-b in 111111111111: its vpc vpc-9 is not declared under the account's vpcs")
        #expect(error(Self.base.replacingOccurrences(of: "10.0.0.0/16", with: "10.0.0.1/16"))?.contains("is not an IPv4 CIDR block") == true)
        #expect(error(Self.base.replacingOccurrences(of: "net: {subnet: subnet-a", with: "net: {subnet: subnet-z"))
            == "connection net in 111111111111: subnet subnet-z is not declared under the account's subnets")
        #expect(error(Self.base.replacingOccurrences(of: #""Principal": "*", "#, with: ""))?.contains("vpc endpoint vpce-sts policy: MalformedPolicyDocument: Missing required field Principal") == true)
        #expect(error(Self.base.replacingOccurrences(of: "com.amazonaws.eu-west-1.s3", with: "com.amazonaws.us-east-1.s3"))?
            .contains("is not in the world's region eu-west-1") == true)
        #expect(error(Self.base.replacingOccurrences(of: "vpc: vpc-1\n        service: com", with: "vpc: vpc-2\n        service: com"))
            == "vpc endpoint vpce-s3 in 111111111111: its vpc vpc-2 is not declared under the account's vpcs")
    }

    @Test func checkReportsNetworkProblemsWithTheirPlace() throws {
        let folder = temporaryFolder("world-network-check")
        let file = folder.appendingPathComponent("world.yaml")
        try Self.base.replacingOccurrences(of: "subnet-b: {vpc: vpc-1", with: "subnet-b: {vpc: vpc-9")
            .replacingOccurrences(of: #""Principal": "*", "#, with: "")
            .write(to: file, atomically: true, encoding: .utf8)
        let found = WorldCheck.check(file).map { "\($0.line ?? 0): \($0.message)" }
        #expect(found.count == 2, "\(found)")
        #expect(found.contains { $0.hasPrefix("8: subnet subnet-b in 111111111111: its vpc vpc-9 is not declared") })
        #expect(found.contains { $0.contains("vpc endpoint vpce-sts policy: MalformedPolicyDocument: Missing required field Principal") })
    }

    @Test func theExampleWorldIsClean() {
        #expect(WorldCheck.check(Self.vpcWorld).isEmpty)
    }
}
