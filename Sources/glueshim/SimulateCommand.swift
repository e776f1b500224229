import ArgumentParser
import Endpoint
import Foundation
import IAMPolicy
import World

/// `glueshim simulate`: decide one request against a world, or a batch of self-contained
/// policy test cases, and say why.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Evaluate a request with AWS's IAM logic and explain the decision.",
        discussion: """
        One request against a world:
          glueshim simulate --principal ARN --action ACTION --resource ARN [--context KEY=VALUE ...] [--world FILE] [--json]
        PRINCIPAL is a role session (arn:aws:sts::ACCT:assumed-role/ROLE/SESSION), a role ARN \
        (a session of it), a user ARN, an account root (arn:aws:iam::ACCT:root), a service \
        name (glue.amazonaws.com) or `anonymous`. The resource's policy is found in the world: \
        a bucket's policy for arn:aws:s3:::BUCKET[/KEY], a role's trust policy for \
        sts:AssumeRole on a role ARN. Repeat --context KEY=VALUE for a multivalued key.

        A batch of self-contained cases (see docs/simulate.md):
          glueshim simulate --cases FILE.json
        prints one JSON line per case: {"id", "decision", "message"}.

        Exit status: 0 whatever the decisions; 2 for bad input.
        """
    )

    @Option(help: "Who calls: a role session, role, user or root ARN, a service name, or anonymous.")
    var principal: String?

    @Option(help: "The action, e.g. s3:GetObject.")
    var action: String?

    @Option(help: "The resource ARN (or * for actions without one).")
    var resource: String?

    @Option(name: .customLong("context"), help: "A condition key KEY=VALUE (repeat a key for several values).")
    var contextPairs: [String] = []

    @Option(help: "World file (default: sandbox/world.yaml).")
    var world: String?

    @Flag(help: "Print the decision as JSON.")
    var json = false

    @Option(help: "A JSON file of self-contained cases; prints one JSON line per case.")
    var cases: String?

    @Option(help: "How the request arrives: https (as jobs call the local endpoint, the default) or http; sets aws:SecureTransport.")
    var transport: String?

    @Option(help: "A run's events.jsonl: decide every call again against the world and compare.")
    var replay: String?

    @Option(help: "Place the caller in a subnet of the world (as a job run with a NETWORK connection): its VPC's endpoints and NAT decide the network keys.")
    var subnet: String?

    func run() throws {
        if let replay {
            if principal != nil || action != nil || resource != nil || !contextPairs.isEmpty || cases != nil || subnet != nil {
                fail("--replay takes only --world and --json: each event carries its own request")
            }
            runReplay(file: replay)
            return
        }
        if let cases {
            if principal != nil || action != nil || resource != nil || !contextPairs.isEmpty || world != nil || subnet != nil {
                fail("--cases takes no --principal/--action/--resource/--context/--world: each case carries its own request and policies")
            }
            runCases(file: cases)
            return
        }
        guard let principal, let action, let resource else {
            fail("missing --principal, --action or --resource; give all three, or --cases FILE.json")
        }
        runOne(principal: principal, action: action, resource: resource)
    }

    // MARK: one request against a world

    private func runOne(principal principalText: String, action: String, resource: String) {
        guard SimulationInput.isValidAction(action) else {
            fail("--action \(action): expected SERVICE:ACTION, e.g. s3:GetObject")
        }
        let worldURL = URL(fileURLWithPath: world ?? "sandbox/world.yaml")
        if world == nil, !FileManager.default.fileExists(atPath: worldURL.path) {
            fail("no world: sandbox/world.yaml is not in \(FileManager.default.currentDirectoryPath); run from the glueshim folder or pass --world FILE")
        }
        let loaded: World
        do {
            loaded = try World.load(from: worldURL)
        } catch {
            fail(error.description)
        }
        var context: [String: [String]] = [:]
        var contextOrder: [String] = []
        for pair in contextPairs {
            guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                fail("--context \(pair): expected KEY=VALUE, e.g. --context aws:SourceIp=10.0.0.1")
            }
            let key = String(pair[..<eq])
            if context[key] == nil { contextOrder.append(key) }
            context[key, default: []].append(String(pair[pair.index(after: eq)...]))
        }
        let now: Date
        switch SimulationInput.time(from: context) {
        case .success(let date): now = date ?? Date()
        case .failure(let error): fail(error.message)
        }

        let simulation: WorldSimulation
        do {
            simulation = try WorldSimulation(world: loaded, principal: principalText, now: now)
        } catch {
            fail(error.message)
        }
        if action.lowercased().hasPrefix("sts:assumerole") || action.lowercased() == "sts:tagsession" || action.lowercased() == "sts:setsourceidentity",
           loaded.role(arn: resource) == nil {
            fail("no role \(resource) in \(loaded.source): \(action) needs a role ARN such as arn:aws:iam::ACCOUNT:role/NAME")
        }
        let transport: Transport
        switch self.transport {
        case nil: transport = .jobs
        case let text?:
            guard let parsed = Transport(rawValue: text) else { fail("--transport \(text): expected http or https") }
            transport = parsed
        }
        var caller = simulation.caller
        if let subnet {
            guard let placement = loaded.placement(subnet: subnet) else {
                fail("--subnet \(subnet): no such subnet in \(loaded.source); declare it under an account's subnets")
            }
            caller.placement = placement
        }
        let access = AccessRequest(caller: caller, action: action, resource: resource, transport: transport, requestContext: context)
        let outcome = loaded.decide(access, now: now)
        let decision = outcome.decision
        let notes = simulation.notes + outcome.input.notes
        let principalArn = simulation.caller.principal.arn
        let message = decision.accessDeniedMessage(principalArn: principalArn, action: action, resource: resource,
                                                   quotesResource: SimulationInput.quotesResource(action))

        if json {
            var object: [(String, JSONOut)] = [
                ("decision", .string(decision.name)),
                ("principal", .string(principalArn)),
                ("action", .string(action)),
                ("resource", .string(resource)),
                ("resourceAccount", outcome.input.request.resourceAccount.map(JSONOut.string) ?? .null),
                ("deniedBy", decision.deniedBy.map { .string($0.rawValue) } ?? .null),
                ("statements", .array(decision.statements.map(Self.statementJSON))),
                ("message", message.map(JSONOut.string) ?? .null),
                ("notes", .array(notes.map(JSONOut.string))),
                ("explanation", .array(decision.explanation.map(JSONOut.string))),
            ]
            if !contextOrder.isEmpty {
                object.insert(("context", .object(contextOrder.map { ($0, .array(context[$0]!.map(JSONOut.string))) })), at: 5)
            }
            print(JSONOut.object(object).text)
            return
        }
        var out = "decision: \(decision.name)\n"
        out += "request: \(principalArn) calls \(action) on \(resource)\n"
        for note in notes { out += "note: \(note)\n" }
        if decision.isAllowed, decision.statements.isEmpty {
            out += "allowed: \(outcome.reason)\n"
        } else if decision.isAllowed {
            out += "allowed by:\n"
            for s in decision.statements { out += "  \(Self.describe(s))\n" }
        } else if decision.outcome == .explicitDeny {
            out += "denied by:\n"
            for s in decision.statements where s.effect == .deny { out += "  \(Self.describe(s))\n" }
        } else if let type = decision.deniedBy {
            out += "denied: no \(type.displayName) allows \(action)\n"
        }
        if let message { out += "message: \(message)\n" }
        out += "explanation:\n"
        for line in decision.explanation { out += "  \(line)\n" }
        print(out, terminator: "")
    }

    static func describe(_ s: MatchedStatement) -> String {
        "\(s.label) [\(s.policyType.displayName), \(s.effect.rawValue)]"
    }

    static func statementJSON(_ s: MatchedStatement) -> JSONOut {
        .object([
            ("policy", .string(s.policyName)),
            ("policyType", .string(s.policyType.rawValue)),
            ("policyArn", s.policyArn.map(JSONOut.string) ?? .null),
            ("statement", .number(s.statementIndex)),
            ("sid", s.sid.map(JSONOut.string) ?? .null),
            ("effect", .string(s.effect.rawValue)),
        ])
    }

    // MARK: a batch of cases

    private func runCases(file: String) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            fail("cannot read \(file): \(error.localizedDescription)")
        }
        let cases: [BatchCase]
        do {
            cases = try BatchCase.parseAll(data)
        } catch {
            fail("\(file): \(error.message)")
        }
        var out = ""
        for c in cases {
            let decision = PolicyEvaluator.evaluate(c.request, policies: c.policies)
            let message = decision.accessDeniedMessage(principalArn: c.request.principal.arn, action: c.request.action, resource: c.request.resource,
                                                       quotesResource: SimulationInput.quotesResource(c.request.action))
            out += JSONOut.object([
                ("id", .string(c.id)),
                ("decision", .string(decision.name)),
                ("message", message.map(JSONOut.string) ?? .null),
            ]).text + "\n"
        }
        print(out, terminator: "")
    }

    /// One line on stderr, exit status 2.
    func fail(_ message: String) -> Never {
        Terminal.err("glueshim: \(message)\n")
        Foundation.exit(2)
    }
}

/// A bad input, in one line: the cause and how to fix it.
struct SimulationInputError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

enum SimulationInput {
    /// S3 quotes the resource in its AccessDenied messages.
    static func quotesResource(_ action: String) -> Bool { action.lowercased().hasPrefix("s3:") }

    static func isValidAction(_ action: String) -> Bool {
        let parts = action.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && !action.contains(where: \.isWhitespace)
    }

    /// The request time: aws:CurrentTime or aws:EpochTime when the context gives one.
    static func time(from context: [String: [String]]) -> Result<Date?, SimulationInputError> {
        for (key, values) in context {
            switch key.lowercased() {
            case "aws:currenttime":
                guard values.count == 1, let date = parseISO8601(values[0]) else {
                    return .failure(SimulationInputError("aws:CurrentTime=\(values.joined(separator: ",")): expected one time such as 2026-01-31T12:00:00Z"))
                }
                return .success(date)
            case "aws:epochtime":
                guard values.count == 1, let seconds = Double(values[0]) else {
                    return .failure(SimulationInputError("aws:EpochTime=\(values.joined(separator: ",")): expected seconds since 1970, e.g. 1769860800"))
                }
                return .success(Date(timeIntervalSince1970: seconds))
            default:
                continue
            }
        }
        return .success(nil)
    }

    static func parseISO8601(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)
    }

    /// A principal named by ARN or name, without a world: the identity policies match on.
    static func principal(_ text: String) -> Result<PrincipalIdentity, SimulationInputError> {
        if text == "anonymous" || text == "*" {
            return .success(PrincipalIdentity(kind: .anonymous, arn: "anonymous", account: nil))
        }
        if !text.hasPrefix("arn:") {
            guard text.contains("."), !text.contains(where: \.isWhitespace) else {
                return .failure(SimulationInputError("principal \"\(text)\": expected a principal ARN, a service name such as glue.amazonaws.com, or anonymous"))
            }
            return .success(PrincipalIdentity(kind: .service, arn: text, account: nil))
        }
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[3].isEmpty, parts[4].count == 12, parts[4].allSatisfy(\.isNumber) else {
            return .failure(SimulationInputError("principal \(text): expected arn:aws:iam::ACCOUNT:user/NAME, :role/NAME, :root or arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION"))
        }
        let (service, account, res) = (parts[2], parts[4], parts[5])
        let segments = res.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch (service, segments.first ?? "") {
        case ("iam", "root") where segments.count == 1:
            return .success(PrincipalIdentity(kind: .root, arn: text, account: account, userId: account))
        case ("iam", "user") where segments.count >= 2 && !segments.last!.isEmpty:
            return .success(PrincipalIdentity(kind: .user, arn: text, account: account, userName: segments.last!))
        case ("iam", "role") where segments.count >= 2 && !segments.last!.isEmpty:
            return .success(PrincipalIdentity(kind: .assumedRole, arn: "arn:\(parts[1]):sts::\(account):assumed-role/\(segments.last!)/simulate",
                                              account: account, roleArn: text))
        case ("sts", "assumed-role") where segments.count == 3 && !segments[1].isEmpty && !segments[2].isEmpty:
            return .success(PrincipalIdentity(kind: .assumedRole, arn: text, account: account,
                                              roleArn: "arn:\(parts[1]):iam::\(account):role/\(segments[1])"))
        case ("sts", "federated-user") where segments.count == 2 && !segments[1].isEmpty:
            return .success(PrincipalIdentity(kind: .federatedUser, arn: text, account: account, userId: "\(account):\(segments[1])"))
        default:
            return .failure(SimulationInputError("principal \(text): expected arn:aws:iam::ACCOUNT:user/NAME, :role/NAME, :root or arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION"))
        }
    }

    /// The account field of an ARN, if it has one.
    static func account(ofResource arn: String) -> String? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, !parts[4].isEmpty else { return nil }
        return String(parts[4])
    }
}

/// A request against a world: the caller as the world defines it, decided through the same
/// authorization input as the endpoint's.
struct WorldSimulation {
    var caller: Caller
    var notes: [String] = []

    /// The caller named by `text` (an ARN, a service name or `anonymous`) as the world defines it.
    init(world: World, principal text: String, now: Date) throws(SimulationInputError) {
        var p: PrincipalIdentity
        switch SimulationInput.principal(text) {
        case .success(let parsed): p = parsed
        case .failure(let error): throw error
        }
        switch p.kind {
        case .assumedRole:
            let roleName = String(p.roleArn!.split(separator: "/").last!)
            guard let role = world.accounts[p.account!]?.roles[roleName] else {
                throw SimulationInputError("no role \(roleName) in account \(p.account!) of \(world.source); " + Self.known(world.accounts[p.account!]?.roles.keys, "roles"))
            }
            let session = String(p.arn.split(separator: "/").last!)
            p = PrincipalIdentity(kind: .assumedRole, arn: p.arn, account: role.account, userId: "\(role.roleId):\(session)",
                                  roleArn: role.arn, tags: role.tags, tokenIssueTime: now)
            if !text.contains(":assumed-role/") { notes.append("the role acts through a session named \"simulate\"") }
        case .user:
            guard let user = world.user(arn: p.arn), user.arn == p.arn || text.hasSuffix("user/\(user.name)") else {
                throw SimulationInputError("no user \(p.arn) in \(world.source); " + Self.known(world.accounts[p.account!]?.users.keys, "users"))
            }
            p = PrincipalIdentity(kind: .user, arn: user.arn, account: user.account, userId: user.userId, userName: user.name, tags: user.tags)
        default:
            break
        }
        caller = Caller(principal: p)
    }

    static func known(_ names: Dictionary<String, some Any>.Keys?, _ what: String) -> String {
        guard let names, !names.isEmpty else { return "the account has no \(what)" }
        return "\(what) there: " + names.sorted().joined(separator: ", ")
    }
}

/// One self-contained case of `simulate --cases`.
struct BatchCase {
    var id: String
    var request: AuthorizationRequest
    var policies: PolicySet

    static func parseAll(_ data: Data) throws(SimulationInputError) -> [BatchCase] {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw SimulationInputError("not valid JSON (\((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "syntax error")); expected a list of cases [{\"id\", \"request\", \"policies\"}, ...]")
        }
        guard let list = root as? [Any] else {
            throw SimulationInputError("expected a JSON list of cases [{\"id\", \"request\", \"policies\"}, ...] at the top level")
        }
        var result: [BatchCase] = []
        for (i, item) in list.enumerated() {
            result.append(try parse(item, index: i))
        }
        return result
    }

    static func parse(_ item: Any, index: Int) throws(SimulationInputError) -> BatchCase {
        let at = "case [\(index)]"
        guard let object = item as? [String: Any] else { throw SimulationInputError("\(at): expected an object with id, request and policies") }
        try checkKeys(object, ["id", "request", "policies"], at)
        guard let id = object["id"] as? String else { throw SimulationInputError("\(at): \"id\" must be a string") }
        let where_ = "case \"\(id)\""
        guard let request = object["request"] as? [String: Any] else {
            throw SimulationInputError("\(where_): \"request\" must be an object with principal, action and resource")
        }
        try checkKeys(request, ["principal", "action", "resource", "resourceAccount", "context"], "\(where_) request")
        guard let principalText = request["principal"] as? String else { throw SimulationInputError("\(where_): request.principal must be a string (an ARN, a service name or \"anonymous\")") }
        guard let action = request["action"] as? String, SimulationInput.isValidAction(action) else {
            throw SimulationInputError("\(where_): request.action must be a string SERVICE:ACTION such as s3:GetObject")
        }
        guard let resource = request["resource"] as? String else { throw SimulationInputError("\(where_): request.resource must be a string (an ARN or *)") }
        let principal: PrincipalIdentity
        switch SimulationInput.principal(principalText) {
        case .success(let p): principal = p
        case .failure(let e): throw SimulationInputError("\(where_): \(e.message)")
        }
        var resourceAccount: String?
        if let value = request["resourceAccount"], !(value is NSNull) {
            guard let text = value as? String else { throw SimulationInputError("\(where_): request.resourceAccount must be a string account id") }
            resourceAccount = text
        } else {
            resourceAccount = SimulationInput.account(ofResource: resource)
        }
        var context: [String: [String]] = [:]
        if let value = request["context"], !(value is NSNull) {
            guard let map = value as? [String: Any] else { throw SimulationInputError("\(where_): request.context must be an object of keys to a value or a list of values") }
            for (key, v) in map {
                if let list = v as? [Any] {
                    context[key] = try list.map { (x: Any) throws(SimulationInputError) -> String in try scalar(x, "\(where_) context \"\(key)\"") }
                } else {
                    context[key] = [try scalar(v, "\(where_) context \"\(key)\"")]
                }
            }
        }
        let now: Date
        switch SimulationInput.time(from: context) {
        case .success(let date): now = date ?? Date(timeIntervalSince1970: 0)
        case .failure(let e): throw SimulationInputError("\(where_): \(e.message)")
        }

        var set = PolicySet()
        if let value = object["policies"], !(value is NSNull) {
            guard let policies = value as? [String: Any] else { throw SimulationInputError("\(where_): \"policies\" must be an object") }
            try checkKeys(policies, ["identity", "resource", "permissionsBoundary", "session", "scp", "rcp", "vpcEndpoint"], "\(where_) policies")
            set.identity = try list(policies["identity"], "identity", .identity, where_)
            set.resource = try single(policies["resource"], "resource", .resource, where_)
            set.permissionsBoundary = try single(policies["permissionsBoundary"], "permissionsBoundary", .permissionsBoundary, where_)
            set.session = try single(policies["session"], "session", .session, where_).map { [$0] } ?? []
            set.scps = try levels(policies["scp"], "scp", .scp, where_)
            set.rcps = try levels(policies["rcp"], "rcp", .rcp, where_)
            set.vpcEndpoint = try single(policies["vpcEndpoint"], "vpcEndpoint", .vpcEndpoint, where_)
        }
        let authorization = AuthorizationRequest(principal: principal, action: action, resource: resource, resourceAccount: resourceAccount,
                                                 context: context, now: now, derivesContext: false)
        return BatchCase(id: id, request: authorization, policies: set)
    }

    private static func checkKeys(_ object: [String: Any], _ allowed: Set<String>, _ at: String) throws(SimulationInputError) {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw SimulationInputError("\(at): unknown field \"\(unknown)\"; expected " + allowed.sorted().joined(separator: ", "))
        }
    }

    private static func scalar(_ v: Any, _ at: String) throws(SimulationInputError) -> String {
        if let s = v as? String { return s }
        if let n = v as? NSNumber {
            if String(cString: n.objCType) == "c" { return n.boolValue ? "true" : "false" }
            return n.stringValue
        }
        throw SimulationInputError("\(at): values must be strings, numbers or booleans")
    }

    private static func policy(_ v: Any, name: String, _ type: PolicyType, _ at: String) throws(SimulationInputError) -> NamedPolicy {
        let text: String
        if let s = v as? String {
            text = s
        } else if v is [String: Any], let data = try? JSONSerialization.data(withJSONObject: v) {
            text = String(decoding: data, as: UTF8.self)
        } else {
            throw SimulationInputError("\(at): \(name) must be a policy document (a JSON object)")
        }
        do {
            return NamedPolicy(name: name, policy: try Policy.parse(text, as: type))
        } catch {
            throw SimulationInputError("\(at): \(name): \(error.description)")
        }
    }

    private static func single(_ v: Any?, _ name: String, _ type: PolicyType, _ at: String) throws(SimulationInputError) -> NamedPolicy? {
        guard let v, !(v is NSNull) else { return nil }
        return try policy(v, name: "\(name) policy", type, at)
    }

    private static func list(_ v: Any?, _ name: String, _ type: PolicyType, _ at: String) throws(SimulationInputError) -> [NamedPolicy] {
        guard let v, !(v is NSNull) else { return [] }
        guard let items = v as? [Any] else { throw SimulationInputError("\(at): policies.\(name) must be a list of policy documents") }
        var result: [NamedPolicy] = []
        for (i, item) in items.enumerated() { result.append(try policy(item, name: "\(name)[\(i)]", type, at)) }
        return result
    }

    private static func levels(_ v: Any?, _ name: String, _ type: PolicyType, _ at: String) throws(SimulationInputError) -> [[NamedPolicy]] {
        guard let v, !(v is NSNull) else { return [] }
        guard let outer = v as? [Any] else { throw SimulationInputError("\(at): policies.\(name) must be a list of levels (root first), each a list of policies") }
        var result: [[NamedPolicy]] = []
        for (level, item) in outer.enumerated() {
            guard let inner = item as? [Any] else { throw SimulationInputError("\(at): policies.\(name)[\(level)] must be a list of policies") }
            var policies: [NamedPolicy] = []
            for (i, p) in inner.enumerated() { policies.append(try policy(p, name: "\(name)[\(level)][\(i)]", type, at)) }
            result.append(policies)
        }
        return result
    }
}

/// Ordered JSON output.
indirect enum JSONOut {
    case string(String), number(Int), bool(Bool), null, array([JSONOut]), object([(String, JSONOut)])

    var text: String {
        switch self {
        case .string(let s): return Self.quote(s)
        case .number(let n): return String(n)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
        case .object(let pairs): return "{" + pairs.map { Self.quote($0.0) + ": " + $0.1.text }.joined(separator: ", ") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
