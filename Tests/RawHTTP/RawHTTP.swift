import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP/1.1 client on a plain TCP socket, for tests that must send what no HTTP library
/// sends: unnormalized paths, wrong lengths, oversized headers, bytes one at a time.
public final class RawConnection: @unchecked Sendable {
    public let fd: Int32
    private var buffer: [UInt8] = []

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Connects to 127.0.0.1:`port`; reads give up after `timeout` seconds.
    public init(port: Int, timeout: Double = 30) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw Failure(description: "connect 127.0.0.1:\(port): errno \(errno)")
        }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { Glibc.close(fd) }

    /// Sends all of `bytes`; false when the peer closed the connection (or reset it) first.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Half-closes the sending side, as a client does once its request is written.
    public func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads one response (status line, headers, body by Content-Length or chunked); nil on a
    /// closed connection or a timeout before a whole response arrived.
    public func readResponse() -> RawResponse? {
        guard let headEnd = fill(until: { Self.find([13, 10, 13, 10], in: $0) }) else { return nil }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        let headers: [(String, String)] = lines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]).lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = RawResponse(status: status, headers: headers, body: [])
        if status == 100 { return response }
        if response.header("transfer-encoding")?.lowercased() == "chunked" {
            while true {
                guard let lineEnd = fill(until: { Self.find([13, 10], in: $0) }) else { return nil }
                let sizeText = String(decoding: buffer[..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
                buffer.removeFirst(lineEnd + 2)
                guard fill(until: { $0.count >= size + 2 ? size : nil }) != nil else { return nil }
                response.body += buffer[..<size]
                buffer.removeFirst(size + 2)
                if size == 0 { break }
            }
        } else if let length = response.header("content-length").flatMap({ Int($0) }) {
            guard fill(until: { $0.count >= length ? length : nil }) != nil else { return nil }
            response.body = Array(buffer[..<length])
            buffer.removeFirst(length)
        }
        return response
    }

    /// True once the server has closed the connection (a read returns end of file or a reset) within the read timeout.
    public func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        while true {
            let n = recv(fd, &byte, 1, 0)
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }

    private func fill(until found: ([UInt8]) -> Int?) -> Int? {
        while true {
            if let index = found(buffer) { return index }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            buffer += chunk[..<n]
        }
    }

    public static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}

public struct RawResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.0 == name.lowercased() }?.1
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The error code: S3's and STS's `<Code>` or the JSON protocols' `__type` (without its namespace).
    public var code: String? {
        if let start = text.range(of: "<Code>"), let end = text.range(of: "</Code>", range: start.upperBound..<text.endIndex) {
            return String(text[start.upperBound..<end.lowerBound])
        }
        if let data = text.data(using: .utf8), let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let type = json["__type"] as? String {
            return String(type.split(separator: "#").last ?? "")
        }
        return header("x-amzn-errortype").map { String($0.split(separator: ":").first ?? "") }
    }
}

/// One request on a new connection: the request line, `headers` as given (no Host is added; Content-Length
/// is added for a body unless present), `body`; the response, or nil when the server closed without one.
public func rawRequest(port: Int, method: String, target: String, headers: [(String, String)], body: [UInt8] = [], timeout: Double = 30) throws -> RawResponse? {
    let connection = try RawConnection(port: port, timeout: timeout)
    var head = "\(method) \(target) HTTP/1.1\r\n"
    var all = headers
    if !body.isEmpty, !all.contains(where: { ["content-length", "transfer-encoding"].contains($0.0.lowercased()) }) {
        all.append(("Content-Length", String(body.count)))
    }
    for (name, value) in all { head += "\(name): \(value)\r\n" }
    head += "\r\n"
    connection.send(Array(head.utf8) + body)
    return connection.readResponse()
}
