import Foundation
import FuzzMain
import IAMPolicy

// Input: one selector byte, then the policy document.
//   selector % 6        the policy type to validate for, and the slot it is evaluated in
//   selector & 0x40     also check IAM's size quota (6144 characters)
//   selector >> 7       which principal makes the evaluated requests
// Every document that parses is evaluated against fixed requests; the decision, its reason
// and its explanation (a replay of the evaluation) are all read.

private let types: [PolicyType] = [.identity, .resource, .permissionsBoundary, .session, .scp, .rcp]
private let now = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

private let principals: [PrincipalIdentity] = [
    PrincipalIdentity(kind: .assumedRole, arn: "arn:aws:sts::111111111111:assumed-role/glue-role/session", account: "111111111111",
                      userId: "AROAEXAMPLEROLEID0001:session", roleArn: "arn:aws:iam::111111111111:role/service/glue-role",
                      tags: ["team": "data", "owner": "alice"], sessionTags: ["owner": "bob"],
                      tokenIssueTime: now.addingTimeInterval(-600), sourceIdentity: "alice"),
    PrincipalIdentity(kind: .user, arn: "arn:aws:iam::222222222222:user/dev/alice", account: "222222222222",
                      userId: "AIDAEXAMPLEUSERID0001", userName: "alice", tags: ["team": "data"]),
]

private let allowAll = NamedPolicy(name: "allow-all", policy: Policy(statements: [
    PolicyStatement(effect: .allow, action: ["*"], resource: ["*"]),
]))

private let requests: [(action: String, resource: String, account: String?, context: [String: [String]])] = [
    ("s3:GetObject", "arn:aws:s3:::data-bucket/reports/2026/q1.csv", "111111111111",
     ["aws:SourceIp": ["10.1.2.3"], "s3:prefix": ["reports/"], "aws:SecureTransport": ["true"], "s3:max-keys": ["100"],
      "aws:PrincipalOrgID": ["o-example01"], "aws:ResourceOrgID": ["o-example01"]]),
    ("sts:AssumeRole", "arn:aws:iam::111111111111:role/target", "111111111111",
     ["sts:ExternalId": ["ext-1"], "aws:RequestTag/project": ["glueshim"], "aws:TagKeys": ["project", "cost"]]),
    ("glue:StartJobRun", "arn:aws:glue:us-east-1:222222222222:job/nightly", "222222222222",
     ["aws:MultiFactorAuthPresent": ["false"], "aws:MultiFactorAuthAge": ["3600"], "aws:ResourceTag/env": ["prod"]]),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPolicy(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let selector = data[0]
    let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
    let type = types[Int(selector) % types.count]

    if selector & 0x40 != 0 {
        _ = try? Policy.parse(text, as: type, sizeQuota: 6144)
    }
    guard let policy = try? Policy.parse(text) else { return 0 }
    _ = try? policy.validate(as: type)

    let named = NamedPolicy(name: "arn:aws:iam::111111111111:policy/fuzzed", policy: policy)
    var set = PolicySet(identity: [allowAll])
    switch type {
    case .identity: set.identity = [named]
    case .resource: set.resource = named
    case .permissionsBoundary: set.permissionsBoundary = named
    case .session: set.session = [named]
    case .scp: set.scps = [[named], [allowAll]]
    case .rcp: set.rcps = [[named]]
    }
    let principal = principals[Int(selector >> 7)]
    for r in requests {
        let request = AuthorizationRequest(principal: principal, action: r.action, resource: r.resource,
                                           resourceAccount: r.account, context: r.context, now: now)
        let decision = PolicyEvaluator.evaluate(request, policies: set)
        _ = decision.reason(action: r.action)
        _ = decision.explanation
    }
    return 0
}

@_cdecl("FuzzPolicy_main")
public func fuzzPolicyMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzzPolicy)
}
