/// IAM's attachment-specific rules, reported with IAM's MalformedPolicyDocument texts.
enum PolicyValidator {
    static func validate(_ policy: Policy, as type: PolicyType) throws(PolicyError) {
        var sids: Set<String> = []
        for (i, s) in policy.statements.enumerated() {
            let at = "Statement[\(i)]"
            if let sid = s.sid, !sid.isEmpty, !sids.insert(sid).inserted {
                throw PolicyError(message: "Statement IDs (SID) in a single policy must be unique.", location: "\(at).Sid")
            }
            try checkPrincipal(s, type: type, at: at)
            if s.action == nil, s.notAction == nil {
                throw PolicyError(message: "Policy statement must contain actions.", location: at)
            }
            for a in (s.action ?? s.notAction ?? []) where !isValidAction(a) {
                throw PolicyError(message: "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.", location: "\(at).\(s.action != nil ? "Action" : "NotAction")")
            }
            if (s.action ?? s.notAction)?.isEmpty == true {
                throw PolicyError(message: "Policy statement must contain actions.", location: at)
            }
            try checkResources(s, type: type, at: at)
            try checkConditions(s, at: at)
        }
    }

    private static func checkPrincipal(_ s: PolicyStatement, type: PolicyType, at: String) throws(PolicyError) {
        let hasPrincipal = s.principal != nil || s.notPrincipal != nil
        switch type {
        case .identity, .permissionsBoundary, .session, .scp:
            if hasPrincipal {
                throw PolicyError(message: "Policy document should not specify a principal.", location: "\(at).\(s.principal != nil ? "Principal" : "NotPrincipal")")
            }
        case .resource, .vpcEndpoint:
            // An endpoint policy, too, must contain a Principal element (VPC User Guide).
            if !hasPrincipal { throw PolicyError(message: "Missing required field Principal", location: at) }
            let p = s.principal ?? s.notPrincipal!
            for value in p.aws where !isValidAWSPrincipal(value) {
                throw PolicyError(message: "Invalid principal in policy: \"AWS\":\"\(value)\"", location: "\(at).\(s.principal != nil ? "Principal" : "NotPrincipal").AWS")
            }
        case .rcp:
            // Resource control policies apply to every caller and may only say "*".
            if s.notPrincipal != nil || (s.principal != nil && s.principal != .wildcard && s.principal?.aws != ["*"]) {
                throw PolicyError(message: "Invalid principal in policy", location: "\(at).Principal")
            }
        }
    }

    /// A lone `*`, an account id, or an IAM/STS ARN without wildcards (IAM does not
    /// support partial wildcards in principals), or a unique id.
    static func isValidAWSPrincipal(_ v: String) -> Bool {
        if v == "*" { return true }
        if v.count == 12, v.allSatisfy({ $0.isASCII && $0.isNumber }) { return true }
        if v.hasPrefix("AIDA") || v.hasPrefix("AROA") { return !v.contains("*") }
        guard let parts = Wildcard.splitARN(v), parts[0] == "arn", parts[2] == "iam" || parts[2] == "sts" else { return false }
        return !v.contains("*") && !v.contains("?") && parts[4].count == 12
    }

    static func isValidAction(_ a: String) -> Bool {
        if a == "*" { return true }
        let parts = a.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return false }
        return parts[0].allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "*" || $0 == "?" }
    }

    private static func checkResources(_ s: PolicyStatement, type: PolicyType, at: String) throws(PolicyError) {
        guard let list = s.resource ?? s.notResource else {
            // Trust policies are the one place a statement names no resource.
            if type != .resource {
                throw PolicyError(message: "Policy statement must contain resources.", location: at)
            }
            return
        }
        if list.isEmpty { throw PolicyError(message: "Policy statement must contain resources.", location: at) }
        for r in list where !isValidResource(r) {
            throw PolicyError(message: "Resource \(r) must be in ARN format or \"*\".", location: "\(at).\(s.resource != nil ? "Resource" : "NotResource")")
        }
    }

    static func isValidResource(_ r: String) -> Bool {
        if r == "*" { return true }
        guard let parts = Wildcard.splitARN(r) else { return false }
        return parts[0] == "arn" && !parts[1].isEmpty && !parts[2].isEmpty
    }

    private static func checkConditions(_ s: PolicyStatement, at: String) throws(PolicyError) {
        for c in s.conditions {
            let where_ = "\(at).Condition.\(c.operatorName)"
            guard let op = ConditionOperator(c.operatorName) else {
                throw PolicyError(message: "Invalid Condition type : \(c.operatorName).", location: where_)
            }
            if c.key.isEmpty {
                throw PolicyError(message: "Condition operator \(c.operatorName) has no condition keys.", location: where_)
            }
            if c.values.isEmpty {
                throw PolicyError(message: "Condition key \(c.key) has no values.", location: "\(where_).\(c.key)")
            }
            if op.test == .null, c.values.contains(where: { !["true", "false"].contains($0.lowercased()) }) {
                throw PolicyError(message: "Null condition values must be true or false.", location: "\(where_).\(c.key)")
            }
            if !c.key.contains(":") {
                throw PolicyError(message: "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.", location: "\(where_).\(c.key)")
            }
        }
    }

    /// IAM counts every character except white space outside strings.
    static func checkSize(_ json: String, quota: Int) throws(PolicyError) {
        var size = 0
        var inString = false
        var escaped = false
        for ch in json {
            if inString {
                size += 1
                if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { inString = false }
            } else if ch == "\"" {
                inString = true
                size += 1
            } else if !ch.isWhitespace {
                size += 1
            }
        }
        if size > quota {
            throw PolicyError(code: "LimitExceeded", message: "Cannot exceed quota for PolicySize: \(quota)", location: nil)
        }
    }
}
