import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// botocore sends `Expect: 100-continue` on every upload and waits for the interim answer
/// before the body; without it each upload would stall for a second.
@Suite(.serialized) struct ExpectContinueTests {
    @Test func uploadGetsOneHundredContinueBeforeTheBody() async throws {
        try await Harness.with { h in
            let session = try await h.jobRole()
            let body = Data("payload".utf8)
            let path = "/aws-glue-assets-111111111111-us-east-1/continue.txt"
            let host = "127.0.0.1:\(h.endpoint.port)"
            let headers = RequestSigner(credentials: session.credentials)
                .sign("PUT", path, headers: [("host", host), ("content-length", String(body.count)), ("expect", "100-continue")], body: body, date: h.clock.read())

            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(h.endpoint.port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(connected == 0)
            var timeout = timeval(tv_sec: 60, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let head = "PUT \(path) HTTP/1.1\r\n" + headers.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n"
            _ = head.withCString { send(fd, $0, strlen($0), 0) }

            func readSome() -> String {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = recv(fd, &buffer, buffer.count, 0)
                return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
            }
            let interim = readSome()
            #expect(interim.hasPrefix("HTTP/1.1 100 Continue"))
            _ = body.withUnsafeBytes { send(fd, $0.baseAddress, body.count, 0) }
            var final = interim.contains("200 OK") ? interim : readSome()
            if !final.contains("\r\n\r\n") { final += readSome() }
            #expect(final.contains("HTTP/1.1 200 OK"))
        }
    }
}
