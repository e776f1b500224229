/// Turns policy JSON into `Policy`, rejecting what IAM would reject on shape alone.
enum PolicyParser {
    static let syntaxError = "Syntax errors in policy."
    static let knownVersions: Set<String> = ["2012-10-17", "2008-10-17"]
    static let topLevelFields: Set<String> = ["Version", "Id", "Statement"]
    static let statementFields: Set<String> = [
        "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
        "Resource", "NotResource", "Condition",
    ]

    static func parse(_ text: String) throws(PolicyError) -> Policy {
        let root: JSONValue
        do {
            root = try JSONReader.parse(text)
        } catch {
            throw PolicyError(message: syntaxError, location: "offset \(error.offset): \(error.reason)")
        }
        guard case .object(let members) = root else {
            throw PolicyError(message: syntaxError, location: nil)
        }
        try rejectDuplicates(members, location: nil)
        var version: String?
        var id: String?
        var statementValue: JSONValue?
        for (key, value) in members {
            guard topLevelFields.contains(key) else {
                throw PolicyError(message: "Unknown field \(key)", location: key)
            }
            switch key {
            case "Version":
                guard case .string(let v) = value else { throw PolicyError(message: syntaxError, location: "Version") }
                guard knownVersions.contains(v) else {
                    throw PolicyError(message: "The policy failed legacy parsing", location: "Version")
                }
                version = v
            case "Id":
                guard case .string(let v) = value else { throw PolicyError(message: syntaxError, location: "Id") }
                id = v
            default:
                statementValue = value
            }
        }
        guard let statementValue else {
            throw PolicyError(message: "Missing required field Statement", location: nil)
        }
        var statements: [PolicyStatement] = []
        switch statementValue {
        case .object:
            statements.append(try parseStatement(statementValue, location: "Statement"))
        case .array(let items):
            for (i, item) in items.enumerated() {
                statements.append(try parseStatement(item, location: "Statement[\(i)]"))
            }
        default:
            throw PolicyError(message: syntaxError, location: "Statement")
        }
        return Policy(version: version, id: id, statements: statements)
    }

    private static func rejectDuplicates(_ members: [(key: String, value: JSONValue)], location: String?) throws(PolicyError) {
        var seen: Set<String> = []
        for m in members where !seen.insert(m.key).inserted {
            let at = location.map { "\($0).\(m.key)" } ?? m.key
            throw PolicyError(message: "Duplicate field \(m.key)", location: at)
        }
    }

    private static func parseStatement(_ value: JSONValue, location: String) throws(PolicyError) -> PolicyStatement {
        guard case .object(let members) = value else {
            throw PolicyError(message: syntaxError, location: location)
        }
        try rejectDuplicates(members, location: location)
        var fields: [String: JSONValue] = [:]
        for (key, v) in members {
            guard statementFields.contains(key) else {
                throw PolicyError(message: "Unknown field \(key)", location: "\(location).\(key)")
            }
            fields[key] = v
        }
        guard let effectValue = fields["Effect"] else {
            throw PolicyError(message: "Missing required field Effect", location: location)
        }
        guard case .string(let effectText) = effectValue, let effect = Effect(rawValue: effectText) else {
            throw PolicyError(message: "Invalid effect: \(effectValue.scalarText ?? effectValue.typeName)", location: "\(location).Effect")
        }
        var sid: String?
        if let s = fields["Sid"] {
            guard case .string(let text) = s else { throw PolicyError(message: syntaxError, location: "\(location).Sid") }
            sid = text
        }
        try exclusive("Principal", "NotPrincipal", fields, location)
        try exclusive("Action", "NotAction", fields, location)
        try exclusive("Resource", "NotResource", fields, location)
        return PolicyStatement(
            sid: sid,
            effect: effect,
            principal: try fields["Principal"].map { v throws(PolicyError) in try parsePrincipal(v, location: "\(location).Principal") },
            notPrincipal: try fields["NotPrincipal"].map { v throws(PolicyError) in try parsePrincipal(v, location: "\(location).NotPrincipal") },
            action: try fields["Action"].map { v throws(PolicyError) in try stringList(v, location: "\(location).Action") },
            notAction: try fields["NotAction"].map { v throws(PolicyError) in try stringList(v, location: "\(location).NotAction") },
            resource: try fields["Resource"].map { v throws(PolicyError) in try stringList(v, location: "\(location).Resource") },
            notResource: try fields["NotResource"].map { v throws(PolicyError) in try stringList(v, location: "\(location).NotResource") },
            conditions: try fields["Condition"].map { v throws(PolicyError) in try parseConditions(v, location: "\(location).Condition") } ?? []
        )
    }

    private static func exclusive(_ a: String, _ b: String, _ fields: [String: JSONValue], _ location: String) throws(PolicyError) {
        if fields[a] != nil, fields[b] != nil {
            throw PolicyError(message: "Statement cannot contain both \(a) and \(b)", location: location)
        }
    }

    /// A string or a list of strings; IAM rejects other shapes, and an empty list grants nothing.
    private static func stringList(_ value: JSONValue, location: String) throws(PolicyError) -> [String] {
        switch value {
        case .string(let s):
            return [s]
        case .array(let items):
            var out: [String] = []
            for (i, item) in items.enumerated() {
                guard case .string(let s) = item else {
                    throw PolicyError(message: syntaxError, location: "\(location)[\(i)]")
                }
                out.append(s)
            }
            return out
        default:
            throw PolicyError(message: syntaxError, location: location)
        }
    }

    private static func parsePrincipal(_ value: JSONValue, location: String) throws(PolicyError) -> PolicyPrincipal {
        switch value {
        case .string("*"):
            return .wildcard
        case .object(let members):
            guard !members.isEmpty else {
                throw PolicyError(message: "Invalid principal in policy", location: location)
            }
            try rejectDuplicates(members, location: location)
            var p = PolicyPrincipal()
            for (key, v) in members {
                let at = "\(location).\(key)"
                let list = try stringList(v, location: at)
                guard !list.isEmpty else { throw PolicyError(message: "Invalid principal in policy", location: at) }
                switch key {
                case "AWS": p.aws = list
                case "Service": p.service = list
                case "Federated": p.federated = list
                case "CanonicalUser": p.canonicalUser = list
                default:
                    throw PolicyError(message: "Invalid principal in policy: \"\(key)\"", location: at)
                }
            }
            return p
        default:
            throw PolicyError(message: "Invalid principal in policy", location: location)
        }
    }

    private static func parseConditions(_ value: JSONValue, location: String) throws(PolicyError) -> [PolicyCondition] {
        guard case .object(let operators) = value else {
            throw PolicyError(message: syntaxError, location: location)
        }
        try rejectDuplicates(operators, location: location)
        var out: [PolicyCondition] = []
        for (op, block) in operators {
            let at = "\(location).\(op)"
            guard case .object(let keys) = block else {
                throw PolicyError(message: syntaxError, location: at)
            }
            if keys.isEmpty {
                // Kept so validation can report it; an empty block constrains nothing.
                out.append(PolicyCondition(operatorName: op, key: "", values: []))
                continue
            }
            try rejectDuplicates(keys, location: at)
            for (key, raw) in keys {
                let keyAt = "\(at).\(key)"
                var values: [String] = []
                switch raw {
                case .array(let items):
                    for (i, item) in items.enumerated() {
                        guard let s = item.scalarText else {
                            throw PolicyError(message: syntaxError, location: "\(keyAt)[\(i)]")
                        }
                        values.append(s)
                    }
                default:
                    guard let s = raw.scalarText else { throw PolicyError(message: syntaxError, location: keyAt) }
                    values = [s]
                }
                out.append(PolicyCondition(operatorName: op, key: key, values: values))
            }
        }
        return out
    }
}
