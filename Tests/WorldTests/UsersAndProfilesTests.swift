import Foundation
import IAMPolicy
import TestSupport
import Testing
@testable import World

@Suite struct UsersAndProfilesTests {
    let url = repoRoot.appendingPathComponent("Tests/WireTests/sts-iam-world.yaml")

    @Test func usersCarryDeclaredKeysDevicesAndGroups() throws {
        let world = try World.load(from: url)
        let alice = try #require(world.user(arn: "arn:aws:iam::111111111111:user/alice"))
        #expect(alice.accessKeys.map(\.accessKeyId) == ["AKIAGLUESHIMALICE001"])
        #expect(alice.mfaDevices == [MFADevice(serialNumber: "arn:aws:iam::111111111111:mfa/alice-phone", code: "123456")])
        #expect(alice.groups == ["developers"])
        #expect(alice.inlinePolicyNames == ["alice-policy"])
        #expect(world.user(accessKeyId: "AKIAGLUESHIMBOB00001")?.user.name == "bob")
        let store = CredentialStore()
        store.registerDeclaredKeys(of: world)
        #expect(store.lookup(accessKeyId: "AKIAGLUESHIMALICE001")?.principal.arn == alice.arn)
        #expect(world.root(arn: "arn:aws:iam::222222222222:root")?.kind == .root)
        #expect(world.root(arn: "arn:aws:iam::999999999999:root") == nil)
    }

    @Test func documentsKeepTheWorldsText() throws {
        let world = try World.load(from: url)
        let role = try #require(world.role(arn: "arn:aws:iam::111111111111:role/tagged-role"))
        #expect(world.document(of: role.trustPolicy).contains(#""Principal": {"AWS": "arn:aws:iam::111111111111:user/alice"}"#))
        let rendered = PolicyRenderer.json(role.trustPolicy.policy)
        #expect(try Policy.parse(rendered) == role.trustPolicy.policy)
    }

    @Test func configFileProfilesRender() throws {
        let world = try World.load(from: url)
        let text = world.awsConfigFile()
        #expect(text == """
        [profile external]
        role_arn = arn:aws:iam::111111111111:role/external-role
        credential_source = Environment
        external_id = ext-123
        region = us-east-1

        [profile tagged]
        role_arn = arn:aws:iam::111111111111:role/tagged-role
        credential_source = Environment
        duration_seconds = 1800
        role_session_name = from-profile
        region = us-east-1


        """)
    }

    @Test func badProfilesAndKeysAreReportedWithTheirPlace() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-world-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("world.yaml")
        try "profiles:\n  p:\n    role_arn: arn:aws:iam::111111111111:role/r\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: WorldError.self) { try World.load(from: file) }
        try "accounts:\n  \"111111111111\":\n    users:\n      u:\n        accessKeys:\n          - accessKeyId: NOTAKEY\n            secretAccessKey: x\n".write(to: file, atomically: true, encoding: .utf8)
        do { _ = try World.load(from: file); Issue.record("expected an error") } catch {
            #expect(error.line != nil)
            #expect(error.message.contains("must start with AKIA"))
        }
    }

    @Test func keyIdsCarryTheirAccount() {
        for account in ["111111111111", "000000000042", "999999999999"] {
            let id = CredentialStore.newAccessKeyId(prefix: "ASIA", account: account)
            #expect(id.count == 20)
            #expect(CredentialStore.account(ofAccessKeyId: id) == account)
        }
    }
}
