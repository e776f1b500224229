/// How a resource-based policy's Principal names the caller. The strength decides what
/// else must allow within one account (IAM User Guide, "Policy evaluation logic"):
/// naming the account delegates to the account's identity policies, naming the role
/// stands in for the role's identity policies but not its boundary or session policies,
/// naming the exact user or session needs nothing else.
public enum PrincipalGrant: Int, Sendable, Hashable, Comparable {
    case account = 0
    case roleOrEveryone = 1
    case exact = 2

    public static func < (a: PrincipalGrant, b: PrincipalGrant) -> Bool { a.rawValue < b.rawValue }
}

/// Principal and NotPrincipal matching for resource-based policies.
enum PrincipalMatcher {
    /// The strongest way `principal` names `caller`, or nil when it does not.
    static func match(_ principal: PolicyPrincipal, _ caller: PrincipalIdentity) -> PrincipalGrant? {
        if principal.isWildcard { return caller.kind == .root ? .exact : .roleOrEveryone }
        var best: PrincipalGrant?
        func offer(_ g: PrincipalGrant?) {
            if let g, best == nil || g > best! { best = g }
        }
        for value in principal.aws { offer(matchAWS(value, caller)) }
        if caller.kind == .service {
            for value in principal.service where value.lowercased() == caller.arn.lowercased() { offer(.exact) }
        }
        for value in principal.federated where value == caller.arn { offer(.exact) }
        for value in principal.canonicalUser where value == caller.userId || value == caller.arn { offer(.exact) }
        return best
    }

    /// One entry of `"AWS": [...]`. Wildcards other than a lone `*` are not supported by
    /// IAM in principals, so everything else is compared exactly.
    static func matchAWS(_ value: String, _ caller: PrincipalIdentity) -> PrincipalGrant? {
        if value == "*" { return caller.kind == .root ? .exact : .roleOrEveryone }
        if let account = accountOf(value) {
            guard caller.isIAMPrincipal, caller.account == account else { return nil }
            return caller.kind == .root ? .exact : .account
        }
        switch caller.kind {
        case .assumedRole:
            if value == caller.arn { return .exact }
            if let role = caller.roleArn, value == role { return .roleOrEveryone }
            // A deleted-and-recreated role shows up in policies as its unique id (AROA...).
            if let uid = caller.userId, value.hasPrefix("AROA"), uid.split(separator: ":").first.map(String.init) == value {
                return .roleOrEveryone
            }
            return nil
        case .user:
            if value == caller.arn || (value.hasPrefix("AIDA") && value == caller.userId) { return .exact }
            return nil
        case .federatedUser:
            return value == caller.arn ? .exact : nil
        case .root, .service, .anonymous:
            return nil
        }
    }

    /// The account a Principal entry stands for when it names a whole account: a bare
    /// 12-digit id or arn:PARTITION:iam::ACCOUNT:root.
    static func accountOf(_ value: String) -> String? {
        if value.utf8.count == 12, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) { return value }
        guard value.hasSuffix(":root"), let parts = Wildcard.splitARN(value), parts[0] == "arn", parts[2] == "iam", parts[5] == "root" else { return nil }
        return parts[4]
    }

    /// Every name the caller goes by. NotPrincipal exempts a caller only when all of
    /// them are listed, which is why AWS's documentation tells you to list the account,
    /// the role and the session together.
    static func names(of caller: PrincipalIdentity) -> [String] {
        let root = caller.account.map { "arn:aws:iam::\($0):root" }
        switch caller.kind {
        case .root: return [root ?? caller.arn]
        case .user, .federatedUser: return [caller.arn] + (root.map { [$0] } ?? [])
        case .assumedRole: return [caller.arn] + (caller.roleArn.map { [$0] } ?? []) + (root.map { [$0] } ?? [])
        case .service, .anonymous: return [caller.arn]
        }
    }

    /// Whether a NotPrincipal statement applies to the caller.
    static func notPrincipalApplies(_ notPrincipal: PolicyPrincipal, _ caller: PrincipalIdentity, effect: Effect, hasBoundary: Bool) -> Bool {
        if notPrincipal.isWildcard { return false }
        // Documented: Deny with NotPrincipal always applies to principals with a permissions boundary.
        if effect == .deny, hasBoundary, caller.isIAMPrincipal, caller.kind != .root { return true }
        func listed(_ name: String) -> Bool {
            if notPrincipal.aws.contains("*") { return true }
            if caller.kind == .service {
                return notPrincipal.service.contains { $0.lowercased() == name.lowercased() }
            }
            return notPrincipal.aws.contains { entry in
                if entry == name { return true }
                // A bare account id stands for that account's root ARN.
                if let account = accountOf(entry), let nameAccount = accountOf(name) { return account == nameAccount }
                return false
            } || notPrincipal.federated.contains(name)
        }
        return !names(of: caller).allSatisfy(listed)
    }
}
