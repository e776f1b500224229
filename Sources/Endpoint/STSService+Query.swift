import Foundation

/// The parameters of a query-protocol request (STS, IAM): the URL query and, for POST, the form body.
struct QueryParameters: Sendable {
    var values: [String: String]

    init(_ request: EndpointRequest) {
        var params = request.queryItems
        if request.method == "POST" {
            for (k, v) in EndpointRequest.parseForm(String(decoding: request.body, as: UTF8.self)) { params[k] = v }
        }
        values = params
    }

    init(_ values: [String: String]) { self.values = values }

    subscript(_ name: String) -> String? { values[name] }

    /// `NAME.member.1`, `NAME.member.2`... (or `NAME.member.N.FIELD`), in order, stopping at the first gap.
    func list(_ name: String, field: String? = nil) -> [String] {
        var result: [String] = []
        var i = 1
        while let value = values["\(name).member.\(i)" + (field.map { ".\($0)" } ?? "")] {
            result.append(value)
            i += 1
        }
        return result
    }

    /// `NAME.member.N.Key` / `NAME.member.N.Value` pairs, in order.
    func tags(_ name: String) -> [(key: String, value: String)] {
        var result: [(String, String)] = []
        var i = 1
        while let key = values["\(name).member.\(i).Key"] {
            result.append((key, values["\(name).member.\(i).Value"] ?? ""))
            i += 1
        }
        return result
    }
}

/// Collects the model constraint failures of one request into AWS's ValidationError message
/// ("2 validation errors detected: Value '...' at 'roleSessionName' failed to satisfy constraint: ...; ...").
struct Validation {
    var problems: [String] = []

    mutating func required(_ value: String?, _ member: String) {
        if value == nil { problems.append("Value null at '\(member)' failed to satisfy constraint: Member must not be null") }
    }

    mutating func length(_ value: String?, _ member: String, _ min: Int, _ max: Int) {
        guard let value else { return }
        let count = value.count
        if count < min {
            problems.append("Value '\(value)' at '\(member)' failed to satisfy constraint: Member must have length greater than or equal to \(min)")
        } else if count > max {
            problems.append("Value '\(value)' at '\(member)' failed to satisfy constraint: Member must have length less than or equal to \(max)")
        }
    }

    mutating func pattern(_ value: String?, _ member: String, _ allowed: (Unicode.Scalar) -> Bool, _ text: String) {
        guard let value, !value.isEmpty else { return }
        if !value.unicodeScalars.allSatisfy(allowed) {
            problems.append("Value '\(value)' at '\(member)' failed to satisfy constraint: Member must satisfy regular expression pattern: \(text)")
        }
    }

    mutating func count(_ count: Int, _ member: String, max: Int) {
        if count > max {
            problems.append("Value '[\(count) items]' at '\(member)' failed to satisfy constraint: Member must have length less than or equal to \(max)")
        }
    }

    /// An integer member with its range; nil when absent or invalid.
    mutating func integer(_ text: String?, _ member: String, _ min: Int, _ max: Int) -> Int? {
        guard let text else { return nil }
        guard let value = Int(text) else {
            problems.append("Value '\(text)' at '\(member)' failed to satisfy constraint: Member must be an integer")
            return nil
        }
        if value < min {
            problems.append("Value '\(value)' at '\(member)' failed to satisfy constraint: Member must have value greater than or equal to \(min)")
        } else if value > max {
            problems.append("Value '\(value)' at '\(member)' failed to satisfy constraint: Member must have value less than or equal to \(max)")
        }
        return value
    }

    var error: AWSServiceError? {
        guard !problems.isEmpty else { return nil }
        let count = problems.count == 1 ? "1 validation error detected" : "\(problems.count) validation errors detected"
        return AWSServiceError(code: ErrorCode.validationError, status: 400, message: "\(count): " + problems.joined(separator: "; "))
    }

    static func isWord(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_"
    }
    static func sessionName(_ c: Unicode.Scalar) -> Bool { isWord(c) || "+=,.@-".unicodeScalars.contains(c) }
    static func externalId(_ c: Unicode.Scalar) -> Bool { isWord(c) || "+=,.@:/-".unicodeScalars.contains(c) }
    static func serialNumber(_ c: Unicode.Scalar) -> Bool { isWord(c) || "+=/:,.@-".unicodeScalars.contains(c) }
    static func digits(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
    static func word(_ c: Unicode.Scalar) -> Bool { isWord(c) }
    static func policyText(_ c: Unicode.Scalar) -> Bool { c == "\t" || c == "\n" || c == "\r" || (c.value >= 0x20 && c.value <= 0xFF) }
    static func tagText(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .spaceSeparator, .lineSeparator, .paragraphSeparator, .decimalNumber, .letterNumber, .otherNumber: true
        default: "_.:/=+-@".unicodeScalars.contains(c)
        }
    }
    /// IAM names (users, roles, policies): `[\w+=,.@-]+`.
    static func iamName(_ c: Unicode.Scalar) -> Bool { sessionName(c) }
}

/// Query-protocol responses: `<ActionResponse xmlns=...><ActionResult>...</ActionResult><ResponseMetadata>...`.
enum QueryResponse {
    static func render(action: String, namespace: String, result: Result<String, AWSServiceError>, requestId: String) -> EndpointResponse {
        switch result {
        case .success(let inner):
            let body = "<\(action)Response xmlns=\"\(namespace)\">\n\(inner)  <ResponseMetadata>\n    <RequestId>\(requestId)</RequestId>\n  </ResponseMetadata>\n</\(action)Response>\n"
            return EndpointResponse(status: 200, headers: [("Content-Type", "text/xml"), ("x-amzn-RequestId", requestId)], body: Data(body.utf8))
        case .failure(let error):
            return error.response(.query, requestId: requestId)
        }
    }
}
