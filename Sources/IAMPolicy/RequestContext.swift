import Foundation

/// The request's condition keys, looked up case-insensitively, with the keys AWS
/// derives from the caller and the clock filled in.
struct RequestContext: Sendable {
    private var values: [String: [String]] = [:]

    init(_ request: AuthorizationRequest) {
        for (key, v) in request.context { set(key, v) }
        let p = request.principal
        // AWS derives these from the authenticated caller, so they cannot be supplied.
        if let arn = Self.principalArn(p) { set("aws:PrincipalArn", [arn]) }
        if let account = p.account { set("aws:PrincipalAccount", [account]) }
        if let userId = p.userId ?? (p.kind == .root ? p.account : nil) { set("aws:userid", [userId]) }
        if p.kind == .anonymous { set("aws:userid", ["anonymous"]) }
        if p.kind == .user, let name = p.userName { set("aws:username", [name]) }
        if let type = Self.principalType(p.kind) { set("aws:PrincipalType", [type]) }
        set("aws:PrincipalIsAWSService", [p.kind == .service ? "true" : "false"])
        if p.kind == .service { set("aws:PrincipalServiceName", [p.arn]) }
        for (k, v) in p.tags { set("aws:PrincipalTag/\(k)", [v]) }
        set("aws:CurrentTime", [Self.iso8601(request.now)])
        set("aws:EpochTime", [String(Int64(request.now.timeIntervalSince1970.rounded(.down)))])
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

    private mutating func set(_ key: String, _ v: [String]) {
        values[key.lowercased()] = v
    }

    /// nil when the key is absent; an empty list counts as absent, as AWS treats a key
    /// with no values.
    func values(for key: String) -> [String]? {
        guard let v = values[key.lowercased()], !v.isEmpty else { return nil }
        return v
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
