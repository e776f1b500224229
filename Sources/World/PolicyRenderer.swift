import Foundation
import IAMPolicy

/// Renders a parsed policy back to JSON, for policies the world holds no text for.
public enum PolicyRenderer {
    public static func json(_ policy: Policy) -> String {
        var object: [String: Any] = [:]
        if let version = policy.version { object["Version"] = version }
        if let id = policy.id { object["Id"] = id }
        object["Statement"] = policy.statements.map(statement)
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func statement(_ s: PolicyStatement) -> [String: Any] {
        var out: [String: Any] = ["Effect": s.effect.rawValue]
        if let sid = s.sid { out["Sid"] = sid }
        if let p = s.principal { out["Principal"] = principal(p) }
        if let p = s.notPrincipal { out["NotPrincipal"] = principal(p) }
        if let a = s.action { out["Action"] = one(a) }
        if let a = s.notAction { out["NotAction"] = one(a) }
        if let r = s.resource { out["Resource"] = one(r) }
        if let r = s.notResource { out["NotResource"] = one(r) }
        if !s.conditions.isEmpty {
            var block: [String: [String: Any]] = [:]
            for c in s.conditions { block[c.operatorName, default: [:]][c.key] = one(c.values) }
            out["Condition"] = block
        }
        return out
    }

    static func principal(_ p: PolicyPrincipal) -> Any {
        if p.isWildcard { return "*" }
        var out: [String: Any] = [:]
        if !p.aws.isEmpty { out["AWS"] = one(p.aws) }
        if !p.service.isEmpty { out["Service"] = one(p.service) }
        if !p.federated.isEmpty { out["Federated"] = one(p.federated) }
        if !p.canonicalUser.isEmpty { out["CanonicalUser"] = one(p.canonicalUser) }
        return out
    }

    static func one(_ values: [String]) -> Any { values.count == 1 ? values[0] as Any : values as Any }
}
