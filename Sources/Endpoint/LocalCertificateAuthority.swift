import Crypto
import Foundation
import SwiftASN1
import X509

/// A certificate authority of this machine, made on first use and kept in a folder (glueshim's
/// cache, `tls/`): its certificate is what clients trust (`AWS_CA_BUNDLE`), and it signs the
/// endpoint's server certificate for `127.0.0.1` and `localhost`.
///
/// Files: `ca.pem` (the certificate to trust), `ca-key.pem`, `server.pem`, `server-key.pem`
/// (keys 0600). Each is written to a temporary file and renamed into place, under an exclusive
/// lock on `tls.lock`, so two processes starting at once agree on one authority. The server
/// certificate is made again when it is missing, unreadable, not signed by the authority, or
/// within a day of expiring; the authority itself only when its own files are missing or unreadable
/// (or it expired), since clients may already trust it.
public struct LocalCertificateAuthority: Sendable {
    /// What the HTTPS listener serves.
    public struct ServerIdentity: Sendable {
        /// The server certificate then the authority's, PEM.
        public var certificateChainPEM: String
        public var privateKeyPEM: String
        /// The authority's certificate, the file clients trust.
        public var caBundlePath: String
    }

    public let folder: String
    public var caBundlePath: String { folder + "/ca.pem" }
    var caKeyPath: String { folder + "/ca-key.pem" }
    var serverCertificatePath: String { folder + "/server.pem" }
    var serverKeyPath: String { folder + "/server-key.pem" }

    /// The names the server certificate is valid for. `*.localhost` is not among them: OpenSSL
    /// (Python's ssl) matches no wildcard whose remainder is a single label, so it would not help
    /// virtual-hosted style addresses.
    static let dnsNames = ["localhost"]
    static let ipAddresses: [[UInt8]] = [[127, 0, 0, 1]]
    static let authorityLifetime: TimeInterval = 10 * 365 * 86_400
    static let serverLifetime: TimeInterval = 397 * 86_400
    /// A server certificate this close to its end is made again.
    static let renewalMargin: TimeInterval = 86_400

    public init(folder: String) {
        self.folder = folder
    }

    /// The authority's folder under a cache folder.
    public static func folder(inCache cache: String) -> String { cache + "/tls" }

    /// Loads the authority and a valid server certificate, making whatever is missing or unusable.
    public func serverIdentity(now: Date = Date()) throws(LocalCertificateAuthorityError) -> ServerIdentity {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw LocalCertificateAuthorityError("cannot create the certificate authority folder \(folder) (\(error.localizedDescription)); make the cache folder writable or set GLUESHIM_CACHE")
        }
        let lock = try Self.lock(folder + "/tls.lock")
        defer { flock(lock, LOCK_UN); close(lock) }

        let authority: (certificate: Certificate, key: P256.Signing.PrivateKey)
        if let loaded = loadAuthority(now: now) {
            authority = loaded
        } else {
            authority = try makeAuthority(now: now)
        }
        let server: (certificate: Certificate, keyPEM: String)
        if let loaded = loadServer(authority: authority.certificate, now: now) {
            server = loaded
        } else {
            server = try makeServer(authority: authority, now: now)
        }
        do {
            let chain = try server.certificate.serializeAsPEM().pemString + "\n" + authority.certificate.serializeAsPEM().pemString + "\n"
            return ServerIdentity(certificateChainPEM: chain, privateKeyPEM: server.keyPEM, caBundlePath: caBundlePath)
        } catch {
            throw LocalCertificateAuthorityError("cannot encode the server certificate (\(error)); remove \(folder) to make a new authority")
        }
    }

    // MARK: Loading

    func loadAuthority(now: Date) -> (certificate: Certificate, key: P256.Signing.PrivateKey)? {
        guard let certificatePEM = try? String(contentsOfFile: caBundlePath, encoding: .utf8),
              let keyPEM = try? String(contentsOfFile: caKeyPath, encoding: .utf8),
              let certificate = try? Certificate(pemEncoded: certificatePEM),
              let key = try? P256.Signing.PrivateKey(pemRepresentation: keyPEM),
              certificate.publicKey == Certificate.PublicKey(key.publicKey),
              certificate.notValidAfter > now.addingTimeInterval(Self.renewalMargin)
        else { return nil }
        return (certificate, key)
    }

    func loadServer(authority: Certificate, now: Date) -> (certificate: Certificate, keyPEM: String)? {
        guard let certificatePEM = try? String(contentsOfFile: serverCertificatePath, encoding: .utf8),
              let keyPEM = try? String(contentsOfFile: serverKeyPath, encoding: .utf8),
              let certificate = try? Certificate(pemEncoded: certificatePEM),
              let key = try? P256.Signing.PrivateKey(pemRepresentation: keyPEM),
              certificate.publicKey == Certificate.PublicKey(key.publicKey),
              certificate.issuer == authority.subject,
              authority.publicKey.isValidSignature(certificate.signature, for: certificate),
              certificate.notValidBefore <= now,
              certificate.notValidAfter > now.addingTimeInterval(Self.renewalMargin),
              let names = try? certificate.extensions.subjectAlternativeNames,
              Set(names.map { "\($0)" }) == Set(Self.subjectAlternativeNames.map { "\($0)" })
        else { return nil }
        return (certificate, keyPEM)
    }

    static var subjectAlternativeNames: SubjectAlternativeNames {
        SubjectAlternativeNames(dnsNames.map { GeneralName.dnsName($0) }
            + ipAddresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: $0[...])) })
    }

    // MARK: Making

    func makeAuthority(now: Date) throws(LocalCertificateAuthorityError) -> (certificate: Certificate, key: P256.Signing.PrivateKey) {
        let key = P256.Signing.PrivateKey()
        let certificate: Certificate
        do {
            let name = try DistinguishedName {
                OrganizationName("glueshim")
                CommonName("glueshim local certificate authority \(Self.hostName())")
            }
            let publicKey = Certificate.PublicKey(key.publicKey)
            certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(Self.authorityLifetime),
                issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: publicKey)
                },
                issuerPrivateKey: Certificate.PrivateKey(key))
        } catch {
            throw LocalCertificateAuthorityError("cannot make the local certificate authority (\(error)); remove \(folder) and try again")
        }
        try store(key.pemRepresentation, to: caKeyPath, mode: 0o600)
        try store(try pem(certificate), to: caBundlePath, mode: 0o644)
        return (certificate, key)
    }

    func makeServer(authority: (certificate: Certificate, key: P256.Signing.PrivateKey), now: Date) throws(LocalCertificateAuthorityError) -> (certificate: Certificate, keyPEM: String) {
        let key = P256.Signing.PrivateKey()
        let certificate: Certificate
        do {
            let publicKey = Certificate.PublicKey(key.publicKey)
            let authorityKeyId = try authority.certificate.extensions.subjectKeyIdentifier?.keyIdentifier
                ?? SubjectKeyIdentifier(hash: authority.certificate.publicKey).keyIdentifier
            certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(Self.serverLifetime),
                issuer: authority.certificate.subject,
                subject: try DistinguishedName {
                    OrganizationName("glueshim")
                    CommonName("localhost")
                },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectKeyIdentifier(hash: publicKey)
                    AuthorityKeyIdentifier(keyIdentifier: authorityKeyId)
                    Self.subjectAlternativeNames
                },
                issuerPrivateKey: Certificate.PrivateKey(authority.key))
        } catch {
            throw LocalCertificateAuthorityError("cannot make the server certificate (\(error)); remove \(folder) and try again")
        }
        try store(key.pemRepresentation, to: serverKeyPath, mode: 0o600)
        try store(try pem(certificate), to: serverCertificatePath, mode: 0o644)
        return (certificate, key.pemRepresentation)
    }

    func pem(_ certificate: Certificate) throws(LocalCertificateAuthorityError) -> String {
        do {
            return try certificate.serializeAsPEM().pemString + "\n"
        } catch {
            throw LocalCertificateAuthorityError("cannot encode a certificate (\(error)); remove \(folder) and try again")
        }
    }

    /// Writes `text` to a temporary file created with `mode`, then renames it over `path`.
    func store(_ text: String, to path: String, mode: mode_t) throws(LocalCertificateAuthorityError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw LocalCertificateAuthorityError("cannot write \(temporary) (\(String(cString: strerror(errno)))); make \(folder) writable or set GLUESHIM_CACHE")
        }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let cause = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw LocalCertificateAuthorityError("cannot write \(temporary) (\(cause)); free space in \(folder) or set GLUESHIM_CACHE")
            }
            written += n
        }
        fchmod(fd, mode)
        fsync(fd)
        close(fd)
        guard rename(temporary, path) == 0 else {
            let cause = String(cString: strerror(errno))
            unlink(temporary)
            throw LocalCertificateAuthorityError("cannot rename \(temporary) to \(path) (\(cause)); make \(folder) writable or set GLUESHIM_CACHE")
        }
    }

    static func lock(_ path: String) throws(LocalCertificateAuthorityError) -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw LocalCertificateAuthorityError("cannot open the lock file \(path) (\(String(cString: strerror(errno)))); make the cache folder writable or set GLUESHIM_CACHE")
        }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let cause = String(cString: strerror(errno))
            close(fd)
            throw LocalCertificateAuthorityError("cannot lock \(path) (\(cause)); put the cache on a local file system (GLUESHIM_CACHE)")
        }
        return fd
    }

    static func hostName() -> String { ProcessInfo.processInfo.hostName }
}

/// The local certificate authority could not be made or read: one line with the cause and the fix.
public struct LocalCertificateAuthorityError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = "glueshim: " + description }
}
