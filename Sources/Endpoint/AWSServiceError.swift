import Foundation
import SigV4

/// An error as an AWS service returns it: code, HTTP status and message, rendered in the
/// wire format of the protocol that carries it.
public struct AWSServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var status: Int
    public var message: String
    /// S3 answers some errors (HEAD requests) with a status and no body.
    public var bareStatus: Bool = false
    /// Extra S3 error fields (`<Condition>`, `<Key>`, `<BucketName>`...).
    public var extraFields: [(String, String)] = []
    /// Response headers the error carries (S3's `x-amz-delete-marker`).
    public var headers: [(String, String)] = []

    public init(code: String, status: Int, message: String, extraFields: [(String, String)] = []) {
        self.code = code
        self.status = status
        self.message = message
        self.extraFields = extraFields
    }

    public var description: String { "\(code) (\(status)): \(message)" }

    public static func == (a: Self, b: Self) -> Bool {
        a.code == b.code && a.status == b.status && a.message == b.message && a.bareStatus == b.bareStatus
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(code); hasher.combine(status); hasher.combine(message) }

    public static func accessDenied(_ message: String) -> Self { Self(code: ErrorCode.accessDenied, status: 403, message: message) }

    static func internalError(_ detail: String) -> Self {
        Self(code: ErrorCode.internalError, status: 500, message: "We encountered an internal error. Please try again. (\(detail))")
    }
}

/// The wire formats of AWS errors.
enum ErrorProtocol: Sendable {
    case restXML      // S3: <Error><Code>...</Code></Error>
    case query        // STS, IAM: <ErrorResponse><Error><Type>...</Type><Code>...</Code></Error></ErrorResponse>
    case json         // JSON 1.1 (Glue, Logs): {"__type": ..., "message": ...}
    case json10       // JSON 1.0 (DynamoDB, Step Functions): the same body, another content type
    case restJSON     // REST-JSON (Lambda): the code in x-amzn-ErrorType, the message in the body
}

extension AWSServiceError {
    func response(_ proto: ErrorProtocol, requestId: String) -> EndpointResponse {
        var headers: [(String, String)] = [("x-amz-request-id", requestId)] + self.headers
        if bareStatus { return EndpointResponse(status: status, headers: headers, body: Data()) }
        let body: String
        switch proto {
        case .restXML:
            var extra = ""
            for (name, value) in extraFields { extra += "<\(name)>\(XML.escape(value))</\(name)>" }
            body = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n" +
                "<Error><Code>\(XML.escape(code))</Code><Message>\(XML.escape(message))</Message>\(extra)<RequestId>\(requestId)</RequestId><HostId>\(XML.hostId(requestId))</HostId></Error>"
            headers.append(("Content-Type", "application/xml"))
            headers.append(("x-amz-id-2", XML.hostId(requestId)))
        case .query:
            let type = status >= 500 ? "Receiver" : "Sender"
            body = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>\(type)</Type>\n    <Code>\(XML.escape(code))</Code>\n    <Message>\(XML.escape(message))</Message>\n  </Error>\n  <RequestId>\(requestId)</RequestId>\n</ErrorResponse>\n"
            headers.append(("Content-Type", "text/xml"))
            headers.append(("x-amzn-RequestId", requestId))
        case .json, .json10, .restJSON:
            let object: [String: String] = ["__type": code, "message": message, "Message": message]
            body = String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
            let contentType = switch proto {
            case .json10: "application/x-amz-json-1.0"
            case .restJSON: "application/json"
            default: "application/x-amz-json-1.1"
            }
            headers.append(("Content-Type", contentType))
            headers.append(("x-amzn-RequestId", requestId))
            headers.append(("x-amzn-ErrorType", code))
        }
        return EndpointResponse(status: status, headers: headers, body: Data(body.utf8))
    }
}

/// Small XML helpers for hand-written AWS responses.
enum XML {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\r": out += "&#13;"
            default:
                if c.value < 0x20 && c != "\n" && c != "\t" { out += "&#\(c.value);" } else { out.unicodeScalars.append(c) }
            }
        }
        return out
    }

    static func element(_ name: String, _ value: String?) -> String {
        guard let value else { return "" }
        return "<\(name)>\(escape(value))</\(name)>"
    }

    /// S3's x-amz-id-2 look-alike, derived from the request id.
    static func hostId(_ requestId: String) -> String {
        Data((requestId + requestId).utf8).base64EncodedString()
    }

    /// `2024-06-28T10:00:00.000Z`, as S3 writes times in XML.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// `2024-06-28T10:00:00Z`, as STS writes them.
    static func timestampSeconds(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    /// RFC 1123 (`Fri, 28 Jun 2024 10:00:00 GMT`) for HTTP headers.
    /// Computed from the calendar fields (a DateFormatter per response was a visible share of a small GET).
    static func httpDate(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var t = tm()
        gmtime_r(&seconds, &t)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let day = Self.weekdays[Int(t.tm_wday)], month = Self.months[Int(t.tm_mon)]
        return "\(day), \(two(t.tm_mday)) \(month) \(t.tm_year + 1900) \(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec)) GMT"
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// An HTTP date in any of the three forms HTTP allows (RFC 1123, RFC 850, asctime), or ISO 8601.
    static func parseHTTPDate(_ s: String) -> Date? {
        // The form clients send, without building formatters.
        if let date = AmzDate.parseHTTPDate(s) { return date }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            f.dateFormat = format
            if let d = f.date(from: s) { return d }
        }
        return ISO8601DateFormatter().date(from: s)
    }
}
