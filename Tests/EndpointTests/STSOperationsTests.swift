import AWSClient
import Endpoint
import Foundation
import IAMPolicy
import SigV4
import TestSupport
import Testing
import World

let stsWorldURL = repoRoot.appendingPathComponent("Tests/WireTests/sts-iam-world.yaml")
let alice = AWSCredentials(accessKeyId: "AKIAGLUESHIMALICE001", secretAccessKey: "local-test-secret-for-alice-0000000000")
let bob = AWSCredentials(accessKeyId: "AKIAGLUESHIMBOB00001", secretAccessKey: "local-test-secret-for-bob-00000000000")
let taggedRole = "arn:aws:iam::111111111111:role/tagged-role"
let aliceMFA = "arn:aws:iam::111111111111:mfa/alice-phone"

/// Form-encodes query-protocol parameters.
func form(_ params: [(String, String)]) -> Data {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return Data(params.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }.joined(separator: "&").utf8)
}

extension AWSClient {
    /// One STS or IAM query call; the XML answer.
    func query(_ service: String, _ action: String, _ params: [(String, String)] = []) async throws -> String {
        let version = service == "iam" ? "2010-05-08" : "2011-06-15"
        let (data, _) = try await send(service: service, method: "POST", path: "/", query: "",
                                       body: form([("Action", action), ("Version", version)] + params),
                                       headers: [("content-type", "application/x-www-form-urlencoded; charset=utf-8")])
        return String(decoding: data, as: UTF8.self)
    }
}

/// The text of the first `<name>` element.
func element(_ name: String, _ xml: String) -> String? {
    guard let open = xml.range(of: "<\(name)>"), let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex) else { return nil }
    return String(xml[open.upperBound..<close.lowerBound])
}

func credentials(in xml: String) -> AWSCredentials? {
    guard let id = element("AccessKeyId", xml), let secret = element("SecretAccessKey", xml) else { return nil }
    return AWSCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: element("SessionToken", xml))
}

func withSTSWorld(_ body: @Sendable (Harness) async throws -> Void) async throws {
    try await Harness.with(world: try World.load(from: stsWorldURL), body)
}

@Suite(.serialized) struct STSAssumeRoleParameterTests {
    @Test func tagsTransitiveKeysAndSourceIdentityCarryAlongAChain() async throws {
        try await withSTSWorld { h in
            let xml = try await h.client(alice).query("sts", "AssumeRole", [
                ("RoleArn", taggedRole), ("RoleSessionName", "tagged"),
                ("Tags.member.1.Key", "project"), ("Tags.member.1.Value", "lake"),
                ("Tags.member.2.Key", "cost"), ("Tags.member.2.Value", "42"),
                ("TransitiveTagKeys.member.1", "project"), ("SourceIdentity", "alice@example.com")])
            #expect(element("SourceIdentity", xml) == "alice@example.com")
            #expect(element("Arn", xml) == "arn:aws:sts::111111111111:assumed-role/tagged-role/tagged")
            #expect(Int(element("PackedPolicySize", xml) ?? "") ?? 0 >= 1)
            let first = try #require(credentials(in: xml))
            let stored = try #require(h.endpoint.configuration.credentials.lookup(accessKeyId: first.accessKeyId))
            #expect(stored.sessionTags == ["project": "lake", "cost": "42"])
            #expect(stored.principal.effectiveTags["project"] == "lake")  // session tags override role tags

            let chained = try await h.client(first).query("sts", "AssumeRole", [("RoleArn", "arn:aws:iam::111111111111:role/chain-target"), ("RoleSessionName", "next")])
            #expect(element("SourceIdentity", chained) == "alice@example.com")
            let chainedKeys = try #require(credentials(in: chained))
            let second = try #require(h.endpoint.configuration.credentials.lookup(accessKeyId: chainedKeys.accessKeyId))
            #expect(second.sessionTags == ["project": "lake"])
            #expect(second.transitiveTagKeys == ["project"])
            #expect(second.isChained)

            let override = await awsError { _ = try await h.client(first).query("sts", "AssumeRole", [("RoleArn", "arn:aws:iam::111111111111:role/chain-target"), ("RoleSessionName", "next"), ("Tags.member.1.Key", "Project"), ("Tags.member.1.Value", "other")]) }
            #expect(override?.code == "InvalidParameterValue")
            let changed = await awsError { _ = try await h.client(first).query("sts", "AssumeRole", [("RoleArn", "arn:aws:iam::111111111111:role/chain-target"), ("RoleSessionName", "next"), ("SourceIdentity", "mallory")]) }
            #expect(changed?.code == "InvalidParameterValue")
        }
    }

    @Test func tagsAndSourceIdentityNeedTheirOwnPermissionInTheTrustPolicy() async throws {
        try await withSTSWorld { h in
            let plain = "arn:aws:iam::111111111111:role/plain-role"
            let tags = await awsError { _ = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", plain), ("RoleSessionName", "s1"), ("Tags.member.1.Key", "a"), ("Tags.member.1.Value", "b")]) }
            #expect(tags?.code == "AccessDenied")
            #expect(tags?.message == "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:TagSession on resource: \(plain)")
            let source = await awsError { _ = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", plain), ("RoleSessionName", "s1"), ("SourceIdentity", "alice")]) }
            #expect(source?.message == "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:SetSourceIdentity on resource: \(plain)")
            _ = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", plain), ("RoleSessionName", "s1")])
        }
    }

    @Test func externalIdIsMatchedByTheTrustCondition() async throws {
        try await withSTSWorld { h in
            let role = "arn:aws:iam::111111111111:role/external-role"
            let missing = await awsError { _ = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", role), ("RoleSessionName", "s1")]) }
            #expect(missing?.code == "AccessDenied")
            let wrong = await awsError { _ = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", role), ("RoleSessionName", "s1"), ("ExternalId", "ext-999")]) }
            #expect(wrong?.code == "AccessDenied")
            _ = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", role), ("RoleSessionName", "s1"), ("ExternalId", "ext-123")])
        }
    }

    @Test func mfaDeviceAndCodeGiveMultiFactorAuthPresent() async throws {
        try await withSTSWorld { h in
            let role = "arn:aws:iam::111111111111:role/mfa-role"
            let without = await awsError { _ = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", role), ("RoleSessionName", "s1")]) }
            #expect(without?.code == "AccessDenied")
            let wrong = await awsError { _ = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", role), ("RoleSessionName", "s1"), ("SerialNumber", aliceMFA), ("TokenCode", "000000")]) }
            #expect(wrong?.code == "AccessDenied")
            #expect(wrong?.message.hasPrefix("MultiFactorAuthentication failed") == true)
            let notHers = await awsError { _ = try await h.client(bob).query("sts", "AssumeRole", [("RoleArn", role), ("RoleSessionName", "s1"), ("SerialNumber", aliceMFA), ("TokenCode", "123456")]) }
            #expect(notHers?.code == "AccessDenied")
            let xml = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", role), ("RoleSessionName", "s1"), ("SerialNumber", aliceMFA), ("TokenCode", "123456")])
            let keys = try #require(credentials(in: xml))
            let stored = try #require(h.endpoint.configuration.credentials.lookup(accessKeyId: keys.accessKeyId))
            #expect(stored.mfaAuthenticatedAt != nil)
            let badCode = await awsError { _ = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", role), ("RoleSessionName", "s1"), ("SerialNumber", aliceMFA), ("TokenCode", "12a456")]) }
            #expect(badCode?.code == "ValidationError")
            #expect(badCode?.message == "1 validation error detected: Value '12a456' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*")
        }
    }

    @Test func durationIsBoundedByTheRoleAndTheModel() async throws {
        try await withSTSWorld { h in
            let xml = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", taggedRole), ("RoleSessionName", "s1"), ("DurationSeconds", "7200")])
            #expect(element("Expiration", xml) == XMLDate.seconds(h.clock.read().addingTimeInterval(7200)))
            let over = await awsError { _ = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", taggedRole), ("RoleSessionName", "s1"), ("DurationSeconds", "7201")]) }
            #expect(over?.message == "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
            let model = await awsError { _ = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", taggedRole), ("RoleSessionName", "s1"), ("DurationSeconds", "50000")]) }
            #expect(model?.message == "1 validation error detected: Value '50000' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200")
            let short = await awsError { _ = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", taggedRole), ("RoleSessionName", "a"), ("DurationSeconds", "60")]) }
            #expect(short?.message.hasPrefix("2 validation errors detected: ") == true)
        }
    }

    @Test func sessionPoliciesAreCheckedAndLimitTheSession() async throws {
        try await withSTSWorld { h in
            let malformed = await awsError { _ = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", taggedRole), ("RoleSessionName", "s1"), ("Policy", "{\"Version\":")]) }
            #expect(malformed?.code == "MalformedPolicyDocument")
            let long = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::\(String(repeating: "b", count: 2100))\"}]}"
            let tooLong = await awsError { _ = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", taggedRole), ("RoleSessionName", "s1"), ("Policy", long)]) }
            #expect(tooLong?.code == "ValidationError")
            #expect(tooLong?.message.contains("at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048") == true)
            var tags: [(String, String)] = []
            for i in 1...50 { tags += [("Tags.member.\(i).Key", "key-\(i)-" + String(repeating: "k", count: 100)), ("Tags.member.\(i).Value", String(repeating: "v", count: 250))] }
            let packed = await awsError { _ = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", taggedRole), ("RoleSessionName", "s1")] + tags) }
            #expect(packed?.code == "PackedPolicyTooLarge")
            let unknownArn = await awsError { _ = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", taggedRole), ("RoleSessionName", "s1"), ("PolicyArns.member.1.arn", "arn:aws:iam::111111111111:policy/nope")]) }
            #expect(unknownArn?.code == "MalformedPolicyDocument")

            let xml = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", taggedRole), ("RoleSessionName", "s1"), ("PolicyArns.member.1.arn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")])
            let keys = try #require(credentials(in: xml))
            let stored = try #require(h.endpoint.configuration.credentials.lookup(accessKeyId: keys.accessKeyId))
            #expect(stored.sessionPolicies.map(\.name) == ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"])
        }
    }

    @Test func crossAccountNeedsTheCallersOwnPermission() async throws {
        try await withSTSWorld { h in
            let role = "arn:aws:iam::222222222222:role/cross-role"
            let xml = try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", role), ("RoleSessionName", "x1")])
            #expect(element("Arn", xml) == "arn:aws:sts::222222222222:assumed-role/cross-role/x1")
            let denied = await awsError { _ = try await h.client(bob).query("sts", "AssumeRole", [("RoleArn", role), ("RoleSessionName", "x1")]) }
            #expect(denied?.message == "User: arn:aws:iam::111111111111:user/bob is not authorized to perform: sts:AssumeRole on resource: \(role)")
        }
    }

    @Test func rootCannotAssumeRoles() async throws {
        try await withSTSWorld { h in
            let root = h.endpoint.configuration.credentials.issueLongTerm(principal: try #require(h.world.root(arn: "arn:aws:iam::111111111111:root"))).credentials
            let error = await awsError { _ = try await h.client(root).query("sts", "AssumeRole", [("RoleArn", taggedRole), ("RoleSessionName", "s1")]) }
            #expect(error?.message == "Roles may not be assumed by root accounts.")
            let me = try await h.client(root).query("sts", "GetCallerIdentity")
            #expect(element("Arn", me) == "arn:aws:iam::111111111111:root" && element("UserId", me) == "111111111111")
        }
    }
}

@Suite(.serialized) struct STSOtherOperationTests {
    @Test func callerIdentityOfAUser() async throws {
        try await withSTSWorld { h in
            let xml = try await h.client(alice).query("sts", "GetCallerIdentity")
            #expect(element("Arn", xml) == "arn:aws:iam::111111111111:user/alice")
            #expect(element("UserId", xml) == h.world.accounts["111111111111"]?.users["alice"]?.userId)
            #expect(element("Account", xml) == "111111111111")
        }
    }

    @Test func sessionTokenForUsersWithMFAReachesIAM() async throws {
        try await withSTSWorld { h in
            let plain = try #require(credentials(in: try await h.client(alice).query("sts", "GetSessionToken", [("DurationSeconds", "900")])))
            #expect(plain.accessKeyId.hasPrefix("ASIA"))
            let me = try await h.client(plain).query("sts", "GetCallerIdentity")
            #expect(element("Arn", me) == "arn:aws:iam::111111111111:user/alice")
            let iam = await awsError { _ = try await h.client(plain).query("iam", "GetUser") }
            #expect(iam?.code == "InvalidClientTokenId")
            let again = await awsError { _ = try await h.client(plain).query("sts", "GetSessionToken") }
            #expect(again?.code == "AccessDenied")

            let mfa = try #require(credentials(in: try await h.client(alice).query("sts", "GetSessionToken", [("SerialNumber", aliceMFA), ("TokenCode", "123456")])))
            let user = try await h.client(mfa).query("iam", "GetUser")
            #expect(element("UserName", user) == "alice")
            let role = try await h.client(mfa).query("sts", "AssumeRole", [("RoleArn", "arn:aws:iam::111111111111:role/mfa-role"), ("RoleSessionName", "s1")])
            #expect(element("Arn", role) == "arn:aws:sts::111111111111:assumed-role/mfa-role/s1")

            h.clock.advance(901)
            let expired = await awsError { _ = try await h.client(plain).query("sts", "GetCallerIdentity") }
            #expect(expired?.code == "ExpiredToken")
            let range = await awsError { _ = try await h.client(alice).query("sts", "GetSessionToken", [("DurationSeconds", "129601")]) }
            #expect(range?.code == "ValidationError")
        }
    }

    @Test func accessKeyInfoNamesTheAccount() async throws {
        try await withSTSWorld { h in
            let session = try #require(credentials(in: try await h.client(alice).query("sts", "AssumeRole", [("RoleArn", "arn:aws:iam::222222222222:role/cross-role"), ("RoleSessionName", "x1")])))
            let xml = try await h.client(alice).query("sts", "GetAccessKeyInfo", [("AccessKeyId", session.accessKeyId)])
            #expect(element("Account", xml) == "222222222222")
            // A key glueshim never issued is read as AWS reads key ids.
            let generated = CredentialStore.newAccessKeyId(prefix: "AKIA", account: "333333333333")
            #expect(element("Account", try await h.client(alice).query("sts", "GetAccessKeyInfo", [("AccessKeyId", generated)])) == "333333333333")
            let invalid = await awsError { _ = try await h.client(alice).query("sts", "GetAccessKeyInfo", [("AccessKeyId", "short")]) }
            #expect(invalid?.code == "ValidationError")
        }
    }

    @Test func authorizationMessagesDecodeForPermittedCallers() async throws {
        try await withSTSWorld { h in
            let principal = PrincipalIdentity(kind: .user, arn: "arn:aws:iam::111111111111:user/bob", account: "111111111111", userId: "AIDAEXAMPLE")
            let encoded = EncodedAuthorizationMessage.encode(principal: principal, action: "s3:GetObject", resource: "arn:aws:s3:::b/k",
                                                             decision: Decision(outcome: .implicitDeny, deniedBy: .identity))
            let xml = try await h.client(alice).query("sts", "DecodeAuthorizationMessage", [("EncodedMessage", encoded)])
            let decoded = try #require(element("DecodedMessage", xml)).replacingOccurrences(of: "&quot;", with: "\"")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(decoded.utf8)) as? [String: Any])
            #expect(object["allowed"] as? Bool == false)
            #expect((object["context"] as? [String: Any])?["action"] as? String == "s3:GetObject")
            let denied = await awsError { _ = try await h.client(bob).query("sts", "DecodeAuthorizationMessage", [("EncodedMessage", encoded)]) }
            #expect(denied?.code == "AccessDenied")
            let invalid = await awsError { _ = try await h.client(alice).query("sts", "DecodeAuthorizationMessage", [("EncodedMessage", "garbage")]) }
            #expect(invalid?.code == "InvalidAuthorizationMessageException")
        }
    }
}

/// `2024-06-28T10:00:00Z`
enum XMLDate {
    static func seconds(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }
}
