import AWSClient
import Endpoint
import Foundation
import GlueDomain
import IAMPolicy
import SigV4
import Testing
import World
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One authorization input: what the endpoint decides for a call, the same call replayed from
/// its event through `EventReplay` (what `simulate --replay` runs) decides alike, with the
/// organization's SCPs, a user's groups, the transport and the calls that need no permission.
@Suite(.serialized) struct AccessPathTests {
    static let carol = "arn:aws:iam::111111111111:user/carol"
    static let dave = "arn:aws:iam::111111111111:user/dave"

    static func world() throws -> World {
        let allow = #"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*", "iam:Simulate*", "iam:GetRole"], "Resource": "*"}]}"#
        let yaml = """
        region: us-east-1
        organization:
          id: o-accesspath1
          managementAccount: "999999999999"
          root: r-ap01
          accounts: ["111111111111", "999999999999"]
          serviceControlPolicies:
            FullAWSAccess:
              targets: [r-ap01, "111111111111"]
              document: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
            NoDeletes:
              targets: ["111111111111"]
              document: '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]}'
        accounts:
          "111111111111":
            groups:
              writers:
                policies:
                  write: '\(allow)'
            users:
              carol:
                groups: [writers]
              dave:
                policies:
                  nothing: '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}'
            buckets:
              team-bucket:
                objects:
                  keep.txt: {file: keep.txt}
              tls-only:
                policy: '{"Version": "2012-10-17", "Statement": [{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::tls-only", "arn:aws:s3:::tls-only/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}'
        """
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-access-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("kept".utf8).write(to: folder.appendingPathComponent("keep.txt"))
        let file = folder.appendingPathComponent("world.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return try World.load(from: file)
    }

    static func keys(_ h: Harness, _ arn: String) throws -> AWSCredentials {
        let user = try #require(h.world.user(arn: arn))
        return h.endpoint.configuration.credentials.issueLongTerm(principal: user.principal).credentials
    }

    @Test func endpointAndReplayDecideEveryCallAlike() async throws {
        try await Harness.with(world: try Self.world()) { h in
            let carol = h.client(try Self.keys(h, Self.carol))
            let dave = h.client(try Self.keys(h, Self.dave))
            // Allowed by the group's policy.
            _ = try await carol.send(service: "s3", method: "GET", path: "/", query: "", body: Data(), headers: [])
            // Denied by the SCP, although the group allows s3:*.
            let scp = await awsError { _ = try await carol.send(service: "s3", method: "DELETE", path: "/team-bucket/keep.txt", query: "", body: Data(), headers: []) }
            #expect(scp?.code == "AccessDenied")
            #expect(scp?.message.contains("with an explicit deny in a service control policy") == true, "\(String(describing: scp))")
            // Denied by the bucket's DenyInsecureTransport: this client calls the plain-HTTP listener.
            let tls = await awsError { _ = try await carol.send(service: "s3", method: "GET", path: "/tls-only", query: "list-type=2", body: Data(), headers: []) }
            #expect(tls?.code == "AccessDenied")
            // GetCallerIdentity needs no permission, even under an explicit deny of everything.
            let (identity, _) = try await dave.send(service: "sts", method: "POST", path: "/", query: "",
                                                   body: Data("Action=GetCallerIdentity&Version=2011-06-15".utf8),
                                                   headers: [("Content-Type", "application/x-www-form-urlencoded")])
            #expect(String(decoding: identity, as: UTF8.self).contains(Self.dave))

            let events = h.events.events
            #expect(events.map(\.decision) == ["allow", "deny", "deny", "allow"], "\(events.map { "\($0.action) \($0.decision)" })")
            for event in events {
                let replayed = EventReplay.decide(event, world: h.world)
                #expect(replayed.skipped == nil, "\(event.action): \(replayed.skipped ?? "")")
                #expect(replayed.agrees, "\(event.action): recorded \(event.decision) \(event.reason), replayed \(replayed.replayedDecision ?? "-") \(replayed.decision?.reason ?? "")")
            }
            // The replay is not a mirror of the event: a changed world changes its answer.
            var open = h.world
            open.organization = nil
            let withoutSCPs = EventReplay.decide(events[1], world: open)
            #expect(withoutSCPs.replayedDecision == "allow")
            #expect(!withoutSCPs.agrees)
        }
    }

    @Test func simulatePrincipalPolicyIncludesGroupsAndSCPs() async throws {
        try await Harness.with(world: try Self.world()) { h in
            let carol = h.client(try Self.keys(h, Self.carol))
            let query = "Action=SimulatePrincipalPolicy&Version=2010-05-08&PolicySourceArn=" + Self.carol.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                + "&ActionNames.member.1=s3%3AListAllMyBuckets&ActionNames.member.2=s3%3ADeleteObject"
            let (data, _) = try await carol.send(service: "iam", method: "POST", path: "/", query: "", body: Data(query.utf8),
                                                 headers: [("Content-Type", "application/x-www-form-urlencoded")])
            let xml = String(decoding: data, as: UTF8.self)
            let decisions = xml.components(separatedBy: "<EvalDecision>").dropFirst().map { $0.components(separatedBy: "<").first ?? "" }
            #expect(decisions == ["allowed", "explicitDeny"], "\(xml)")
            #expect(xml.contains("<SourcePolicyId>write</SourcePolicyId>"))
            #expect(xml.contains("<SourcePolicyType>group</SourcePolicyType>"))
            #expect(xml.contains("<AllowedByOrganizations>false</AllowedByOrganizations>"))
        }
    }

    @Test func unservedServicesAreAnsweredInTheirProtocolAndRecorded() async throws {
        try await Harness.with(world: try Self.world()) { h in
            let carol = h.client(try Self.keys(h, Self.carol))
            let json = await awsError {
                _ = try await carol.send(service: "secretsmanager", method: "POST", path: "/", query: "", body: Data("{}".utf8),
                                         headers: [("X-Amz-Target", "secretsmanager.ListSecrets"), ("Content-Type", "application/x-amz-json-1.1")])
            }
            #expect(json?.status == 501)
            let query = await awsError {
                _ = try await carol.send(service: "sns", method: "POST", path: "/", query: "Action=ListTopics&Version=2010-03-31", body: Data(),
                                         headers: [("Content-Type", "application/x-www-form-urlencoded")])
            }
            #expect(query?.status == 501)
            #expect(query?.code == "NotImplemented")
            let events = h.events.events
            #expect(events.map(\.decision) == ["unsupported", "unsupported"])
            #expect(events.map(\.service) == ["secretsmanager", "sns"])
            #expect(events.map(\.operation) == ["ListSecrets", "ListTopics"])
            #expect(events.map(\.action) == ["secretsmanager:ListSecrets", "sns:ListTopics"])
            #expect(events.allSatisfy { $0.principal == Self.carol && $0.status == 501 })
        }
    }

    /// The engine's special rules apply wherever it decides, not in one service.
    @Test func getCallerIdentityNeedsNoPermissionInTheEngine() throws {
        let deny = try Policy.parse(#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}"#, as: .identity)
        let principal = PrincipalIdentity(kind: .user, arn: Self.dave, account: "111111111111")
        let request = AuthorizationRequest(principal: principal, action: "sts:GetCallerIdentity", resource: "*", resourceAccount: "111111111111", context: [:], now: Date())
        #expect(PolicyEvaluator.evaluate(request, policies: PolicySet(identity: [NamedPolicy(name: "deny", policy: deny)])).isAllowed)
        var other = request
        other.action = "sts:GetSessionToken"
        #expect(!PolicyEvaluator.evaluate(other, policies: PolicySet(identity: [NamedPolicy(name: "deny", policy: deny)])).isAllowed)
    }
}

/// Container credentials are served to the token they were registered with, and only until
/// the run or session that registered them unregisters them.
@Suite struct ContainerCredentialsTests {
    @Test func servedUntilUnregistered() async throws {
        try await Harness.with { h in
            let keys = AWSCredentials(accessKeyId: "ASIAEXAMPLEEXAMPLE01", secretAccessKey: "secret", sessionToken: "token")
            let expiry = h.clock.read().addingTimeInterval(3600)
            let registration = h.endpoint.glueHost.registerContainerCredentials("the-token") { (keys, expiry) }
            @Sendable func fetch(_ token: String) async -> Int {
                var request = URLRequest(url: URL(string: registration.uri)!)
                request.setValue(token, forHTTPHeaderField: "Authorization")
                guard let (_, response) = try? await URLSession.shared.data(for: request) else { return 0 }
                return (response as? HTTPURLResponse)?.statusCode ?? 0
            }
            #expect(await fetch("the-token") == 200)
            #expect(await fetch("another-token") == 401)
            registration.unregister()
            #expect(await fetch("the-token") == 401)
        }
    }
}
