import AWSClient
import Endpoint
import Foundation
import IAMPolicy
import SigV4
import World

/// Credentials that act as a principal of the world on an endpoint: a user's declared (or fresh
/// local) access keys, an account root's fresh keys, or a role session assumed through STS by
/// the service its trust policy names, else by a role or user it trusts (obtained the same way).
public enum PrincipalCredentials {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public static func obtain(_ arn: String, world: World, endpoint: LocalEndpoint, sessionName: String = "glueshim",
                              depth: Int = 0) async throws(Failure) -> AWSCredentials {
        let store = endpoint.configuration.credentials
        if let user = world.user(arn: arn) {
            if let key = user.accessKeys.first {
                return AWSCredentials(accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey)
            }
            return store.issueLongTerm(principal: user.principal).credentials
        }
        if let root = world.root(arn: arn) {
            return store.issueLongTerm(principal: root).credentials
        }
        guard let role = world.role(arn: arn) else {
            throw Failure(description: "\(arn): no such role, user or account root in the world (give a role, user or arn:aws:iam::ACCT:root ARN)")
        }
        let trusting = role.trustPolicy.policy.statements
            .filter { $0.effect == .allow && ($0.action ?? []).contains { Wildcard.matches($0, "sts:AssumeRole", caseInsensitive: true) } }
        let caller: AWSCredentials
        if let service = trusting.flatMap({ $0.principal?.service ?? [] }).first {
            caller = store.issueServicePrincipal(service, expiration: endpoint.configuration.clock().addingTimeInterval(86400)).credentials
        } else if depth < 3, let trusted = trusting.flatMap({ $0.principal?.aws ?? [] }).first(where: { world.role(arn: $0) != nil || world.user(arn: $0) != nil }) {
            caller = try await obtain(trusted, world: world, endpoint: endpoint, sessionName: sessionName, depth: depth + 1)
        } else {
            throw Failure(description: "\(arn): the role's trust policy trusts no AWS service and no role or user of the world")
        }
        let client = AWSClient(endpoint: endpoint.url, region: world.region, credentials: caller)
        do {
            return try await client.assumeRole(roleArn: role.arn, sessionName: sessionName).credentials
        } catch {
            throw Failure(description: "\(arn): could not assume the role: \(error)")
        }
    }
}
