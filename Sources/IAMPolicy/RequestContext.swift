import Foundation

/// The request's condition keys, looked up case-insensitively, with the keys AWS
/// derives from the caller and the clock filled in. Nothing is copied or formatted up
/// front: derived keys are computed when a condition asks for them.
struct RequestContext: Sendable {
    private let given: [String: [String]]
    private let principal: PrincipalIdentity
    private let now: Date
    private let derives: Bool

    init(_ request: AuthorizationRequest) {
        given = request.context
        principal = request.principal
        now = request.now
        derives = request.derivesContext
    }

    private enum Derived {
        case value([String])
        /// A key AWS derives, which this caller does not have (and which cannot be supplied).
        case absent
        case notDerived
    }

    /// AWS derives these from the authenticated caller and the clock, so they cannot be supplied.
    private func derived(_ lower: String) -> Derived {
        let p = principal
        switch lower {
        case "aws:principalarn": return Self.principalArn(p).map { .value([$0]) } ?? .absent
        case "aws:principalaccount": return p.account.map { .value([$0]) } ?? .absent
        case "aws:userid":
            if p.kind == .anonymous { return .value(["anonymous"]) }
            return (p.userId ?? (p.kind == .root ? p.account : nil)).map { .value([$0]) } ?? .absent
        case "aws:username": return p.kind == .user ? p.userName.map { .value([$0]) } ?? .absent : .absent
        case "aws:principaltype": return Self.principalType(p.kind).map { .value([$0]) } ?? .absent
        case "aws:principalisawsservice": return .value([p.kind == .service ? "true" : "false"])
        case "aws:principalservicename": return p.kind == .service ? .value([p.arn]) : .absent
        case "aws:currenttime": return .value([Self.iso8601(now)])
        case "aws:epochtime": return .value([String(Int64(now.timeIntervalSince1970.rounded(.down)))])
        case "aws:tokenissuetime":
            guard let issued = p.tokenIssueTime, p.kind == .assumedRole || p.kind == .federatedUser else { return .notDerived }
            return .value([Self.iso8601(issued)])
        case "aws:sourceidentity":
            return p.sourceIdentity.map { .value([$0]) } ?? .notDerived
        default:
            if lower.hasPrefix("aws:principaltag/") {
                let tag = lower.dropFirst("aws:principaltag/".count)
                let tags = p.effectiveTags
                if let v = tags.first(where: { $0.key.lowercased() == tag })?.value { return .value([v]) }
                return .absent
            }
            return .notDerived
        }
    }

    /// nil when the key is absent; an empty list counts as absent, as AWS treats a key
    /// with no values.
    func values(for key: String) -> [String]? {
        values(lowercasedKey: key.lowercased(), key: key)
    }

    /// `values(for:)` with the key's lowercased form given (prepared with the policy).
    func values(lowercasedKey lower: String, key: String) -> [String]? {
        if derives {
            switch derived(lower) {
            case .value(let v): return v.isEmpty ? nil : v
            case .absent: return nil
            case .notDerived: break
            }
        }
        if let v = given[key] { return v.isEmpty ? nil : v }
        for (k, v) in given where k.count == key.count && Self.equalFolded(k, key) { return v.isEmpty ? nil : v }
        return nil
    }

    /// ASCII case-insensitive equality (condition keys are ASCII), falling back to Unicode.
    private static func equalFolded(_ a: String, _ b: String) -> Bool {
        var x = a, y = b
        let fast: Bool? = x.withUTF8 { xa in
            y.withUTF8 { yb -> Bool? in
                guard xa.count == yb.count else { return false }
                for i in 0..<xa.count {
                    let c = xa[i], d = yb[i]
                    if c >= 0x80 || d >= 0x80 { return nil }
                    if c != d, ASCIIGlob.fold(c) != ASCIIGlob.fold(d) { return false }
                }
                return true
            }
        }
        return fast ?? (a.lowercased() == b.lowercased())
    }

    /// For role sessions AWS reports the role, not the session, as aws:PrincipalArn.
    static func principalArn(_ p: PrincipalIdentity) -> String? {
        switch p.kind {
        case .assumedRole: p.roleArn ?? p.arn
        case .user, .root, .federatedUser: p.arn
        case .service, .anonymous: nil
        }
    }

    static func principalType(_ kind: PrincipalIdentity.Kind) -> String? {
        switch kind {
        case .root: "Account"
        case .user: "User"
        case .assumedRole: "AssumedRole"
        case .federatedUser: "FederatedUser"
        case .anonymous: "Anonymous"
        case .service: nil
        }
    }

    static func iso8601(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secOfDay = seconds - days * 86400
        let (y, m, d) = DateValue.civil(fromDays: days)
        func pad(_ n: Int64, _ w: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secOfDay / 3600, 2)):\(pad(secOfDay % 3600 / 60, 2)):\(pad(secOfDay % 60, 2))Z"
    }
}
