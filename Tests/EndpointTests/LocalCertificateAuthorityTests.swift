import Foundation
import Testing
@testable import Endpoint

/// The local certificate authority's files: made once, reused, repaired when they cannot serve.
@Suite struct LocalCertificateAuthorityTests {
    func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-ca-\(UUID().uuidString)/tls").path
    }

    func read(_ folder: String, _ name: String) throws -> String {
        try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
    }

    @Test func madeOnceThenReused() throws {
        let folder = folder()
        let now = Date()
        let first = try LocalCertificateAuthority(folder: folder).serverIdentity(now: now)
        #expect(first.caBundlePath == folder + "/ca.pem")
        let ca = try read(folder, "ca.pem"), leaf = try read(folder, "server.pem")
        #expect(first.certificateChainPEM == leaf + ca)
        #expect(first.privateKeyPEM == (try read(folder, "server-key.pem")))
        for key in ["ca-key.pem", "server-key.pem"] {
            let mode = try FileManager.default.attributesOfItem(atPath: folder + "/" + key)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(key)")
        }
        let again = try LocalCertificateAuthority(folder: folder).serverIdentity(now: now.addingTimeInterval(3600))
        #expect(again.certificateChainPEM == first.certificateChainPEM)
        #expect(again.privateKeyPEM == first.privateKeyPEM)
    }

    @Test func expiringServerCertificateIsMadeAgainBySameAuthority() throws {
        let folder = folder()
        let now = Date()
        _ = try LocalCertificateAuthority(folder: folder).serverIdentity(now: now)
        let ca = try read(folder, "ca.pem"), leaf = try read(folder, "server.pem")
        // 397 days of validity: on day 397 it is within a day of its end.
        _ = try LocalCertificateAuthority(folder: folder).serverIdentity(now: now.addingTimeInterval(397 * 86_400))
        #expect(try read(folder, "ca.pem") == ca)
        #expect(try read(folder, "server.pem") != leaf)
        // Past the authority's ten years, both are new.
        let renewedLeaf = try read(folder, "server.pem")
        _ = try LocalCertificateAuthority(folder: folder).serverIdentity(now: now.addingTimeInterval(11 * 365 * 86_400))
        #expect(try read(folder, "ca.pem") != ca)
        #expect(try read(folder, "server.pem") != renewedLeaf)
    }

    @Test func corruptOrForeignFilesAreReplaced() throws {
        let folder = folder()
        _ = try LocalCertificateAuthority(folder: folder).serverIdentity()
        let ca = try read(folder, "ca.pem"), leaf = try read(folder, "server.pem")

        // A torn server certificate: a new one, same authority.
        try "-----BEGIN CERTIFICATE-----\nMIIB".write(toFile: folder + "/server.pem", atomically: false, encoding: .utf8)
        _ = try LocalCertificateAuthority(folder: folder).serverIdentity()
        #expect(try read(folder, "ca.pem") == ca)
        let repaired = try read(folder, "server.pem")
        #expect(repaired != leaf && repaired.hasPrefix("-----BEGIN CERTIFICATE-----"))

        // A server certificate and key of another authority: not signed by this one, replaced.
        let other = self.folder()
        _ = try LocalCertificateAuthority(folder: other).serverIdentity()
        for name in ["server.pem", "server-key.pem"] {
            try FileManager.default.removeItem(atPath: folder + "/" + name)
            try FileManager.default.copyItem(atPath: other + "/" + name, toPath: folder + "/" + name)
        }
        _ = try LocalCertificateAuthority(folder: folder).serverIdentity()
        #expect(try read(folder, "server.pem") != (try read(other, "server.pem")))
        #expect(try read(folder, "ca.pem") == ca)

        // A missing authority key: a new authority, and a server certificate it signed.
        try FileManager.default.removeItem(atPath: folder + "/ca-key.pem")
        let before = try read(folder, "server.pem")
        _ = try LocalCertificateAuthority(folder: folder).serverIdentity()
        #expect(try read(folder, "ca.pem") != ca)
        #expect(try read(folder, "server.pem") != before)
    }

    @Test func concurrentFirstUseAgreesOnOneAuthority() async throws {
        let folder = folder()
        let chains = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await withCheckedThrowingContinuation { continuation in
                        Thread.detachNewThread {
                            do {
                                continuation.resume(returning: try LocalCertificateAuthority(folder: folder).serverIdentity().certificateChainPEM)
                            } catch {
                                continuation.resume(throwing: error)
                            }
                        }
                    }
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(chains.count == 4)
        #expect(Set(chains).count == 1)
        #expect(chains.first?.hasSuffix(try read(folder, "ca.pem")) == true)
    }

    @Test func unwritableFolderIsOneLineWithTheFix() throws {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("glueshim-ca-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        // A file where the folder should be.
        try Data().write(to: parent.appendingPathComponent("tls"))
        #expect {
            _ = try LocalCertificateAuthority(folder: parent.appendingPathComponent("tls").path).serverIdentity()
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("glueshim: cannot create the certificate authority folder") && text.contains("GLUESHIM_CACHE") && !text.contains("\n")
        }
    }
}
