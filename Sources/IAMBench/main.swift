// Decisions per second of the IAM engine on one core, on a realistic mix of requests:
// the seed job role's policies, AmazonS3FullAccess, a bucket policy with conditions and a
// role trust policy. Run in release mode:
//
//     swift run -c release IAMBench [seconds-per-run] [runs]
//
// Prints the decisions per second of each run, their median, and the time per decision of
// each request of the mix on its own.
import Foundation
import IAMPolicy

let arguments = CommandLine.arguments.dropFirst()
/// `IAMBench --decisions N`: decides the mix N times over and exits, with no clock; for
/// instruction counts (`valgrind --tool=callgrind`), which do not depend on machine load.
let fixedRounds: Int? = arguments.first == "--decisions" ? arguments.dropFirst().first.flatMap(Int.init) ?? 1000 : nil
let secondsPerRun = arguments.first.flatMap(Double.init) ?? 1.0
let runs = arguments.dropFirst().first.flatMap(Int.init) ?? 7

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func policy(_ json: String, as type: PolicyType) -> Policy {
    do {
        return try Policy.parse(json, as: type)
    } catch {
        fatalError("bench policy does not parse: \(error)")
    }
}

func file(_ path: String) -> String {
    guard let text = try? String(contentsOf: repoRoot.appendingPathComponent(path), encoding: .utf8) else { fatalError("missing \(path)") }
    return text
}

/// The Document of a managed policy file (`get-policy-version` output).
func managedDocument(_ path: String) -> String {
    let data = Data(file(path).utf8)
    guard let outer = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let version = outer["PolicyVersion"] as? [String: Any], let document = version["Document"],
          let json = try? JSONSerialization.data(withJSONObject: document) else { fatalError("bad managed policy \(path)") }
    return String(decoding: json, as: UTF8.self)
}

let jobRolePolicy = NamedPolicy(name: "role/glue-role-test inline policy glue-role-test-policy",
                                policy: policy(file("sandbox/policies/glue-role-test-policy.json"), as: .identity))
let assumeDataRole = NamedPolicy(name: "role/glue-role-test inline policy assume-data-role", policy: policy("""
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed"}]}
""", as: .identity))
let s3FullAccess = NamedPolicy(name: "arn:aws:iam::aws:policy/AmazonS3FullAccess",
                               policy: policy(managedDocument("Sources/World/ManagedPolicies/AmazonS3FullAccess.json"), as: .identity))
let bucketPolicy = NamedPolicy(name: "bucket policy of bucket-kjshadjas-3432-dsadas", policy: policy("""
{"Version":"2012-10-17","Statement":[
  {"Sid":"DataRoleRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed"},
   "Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::bucket-kjshadjas-3432-dsadas","arn:aws:s3:::bucket-kjshadjas-3432-dsadas/*"]},
  {"Sid":"OrgWrite","Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::bucket-kjshadjas-3432-dsadas/incoming/${aws:userid}/*",
   "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-gl7eshim01"},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}},
  {"Sid":"TLSOnly","Effect":"Deny","Principal":"*","Action":"s3:*",
   "Resource":["arn:aws:s3:::bucket-kjshadjas-3432-dsadas","arn:aws:s3:::bucket-kjshadjas-3432-dsadas/*"],
   "Condition":{"Bool":{"aws:SecureTransport":"false"}}}
]}
""", as: .resource))
let trustPolicy = NamedPolicy(name: "trust policy of role/glue-role-test-to-be-assumed", policy: policy("""
{"Version":"2012-10-17","Statement":[{"Sid":"Statement1","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/glue-role-test"},"Action":"sts:AssumeRole",
  "Condition":{"StringLike":{"sts:RoleSessionName":"*"}}}]}
""", as: .resource))

let now = Date(timeIntervalSince1970: 1_769_860_800)
let jobSession = PrincipalIdentity(kind: .assumedRole, arn: "arn:aws:sts::111111111111:assumed-role/glue-role-test/GlueJobRunnerSession",
                                   account: "111111111111", userId: "AROAJOBROLEEXAMPLE:GlueJobRunnerSession",
                                   roleArn: "arn:aws:iam::111111111111:role/glue-role-test", tags: ["team": "data"], tokenIssueTime: now)
let dataSession = PrincipalIdentity(kind: .assumedRole, arn: "arn:aws:sts::222222222222:assumed-role/glue-role-test-to-be-assumed/assume-role",
                                    account: "222222222222", userId: "AROADATAROLEEXAMPLE:assume-role",
                                    roleArn: "arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed", tokenIssueTime: now)
let object = "arn:aws:s3:::bucket-kjshadjas-3432-dsadas/test_path/some_demo_file.gz"
let endpointContext: [String: [String]] = [
    "aws:SourceIp": ["10.1.2.3"], "aws:SecureTransport": ["true"], "aws:RequestedRegion": ["us-east-1"],
    "aws:PrincipalOrgID": ["o-gl7eshim01"], "aws:ResourceAccount": ["222222222222"],
]
var plainHTTP = endpointContext
plainHTTP["aws:SecureTransport"] = ["false"]

struct Scenario {
    var name: String
    var request: AuthorizationRequest
    var policies: PolicySet
}

let jobPolicies = [jobRolePolicy, assumeDataRole]
let mix: [Scenario] = [
    Scenario(name: "job role GetObject cross-account (implicit deny)",
             request: AuthorizationRequest(principal: jobSession, action: "s3:GetObject", resource: object, resourceAccount: "222222222222", context: endpointContext, now: now),
             policies: PolicySet(identity: jobPolicies, resource: bucketPolicy)),
    Scenario(name: "data role GetObject (S3FullAccess + bucket policy, allow)",
             request: AuthorizationRequest(principal: dataSession, action: "s3:GetObject", resource: object, resourceAccount: "222222222222", context: endpointContext, now: now),
             policies: PolicySet(identity: [s3FullAccess], resource: bucketPolicy)),
    Scenario(name: "data role PutObject over plain HTTP (explicit deny)",
             request: AuthorizationRequest(principal: dataSession, action: "s3:PutObject", resource: object, resourceAccount: "222222222222", context: plainHTTP, now: now),
             policies: PolicySet(identity: [s3FullAccess], resource: bucketPolicy)),
    Scenario(name: "job role PutObject incoming/${aws:userid} (conditions, variables)",
             request: AuthorizationRequest(principal: jobSession, action: "s3:PutObject",
                                           resource: "arn:aws:s3:::bucket-kjshadjas-3432-dsadas/incoming/AROAJOBROLEEXAMPLE:GlueJobRunnerSession/part-0.gz",
                                           resourceAccount: "222222222222", context: endpointContext, now: now),
             policies: PolicySet(identity: jobPolicies + [s3FullAccess], resource: bucketPolicy)),
    Scenario(name: "job role AssumeRole data role (trust policy, allow)",
             request: AuthorizationRequest(principal: jobSession, action: "sts:AssumeRole", resource: "arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed",
                                           resourceAccount: "222222222222", context: endpointContext.merging(["sts:RoleSessionName": ["assume-role"]]) { $1 }, now: now),
             policies: PolicySet(identity: jobPolicies, resource: trustPolicy)),
    Scenario(name: "job role ListBucket on its assets bucket (identity only)",
             request: AuthorizationRequest(principal: jobSession, action: "s3:ListBucket", resource: "arn:aws:s3:::aws-glue-assets-111111111111-us-east-1",
                                           resourceAccount: "111111111111", context: endpointContext, now: now),
             policies: PolicySet(identity: jobPolicies)),
]

// The decisions are checked once, so the benchmark measures the right work.
let expected: [Decision.Outcome] = [.implicitDeny, .allow, .explicitDeny, .allow, .allow, .allow]
for (scenario, outcome) in zip(mix, expected) {
    let d = PolicyEvaluator.evaluate(scenario.request, policies: scenario.policies)
    guard d.outcome == outcome else { fatalError("\(scenario.name): \(d.outcome), expected \(outcome)\n" + d.explanation.joined(separator: "\n")) }
}

if let fixedRounds {
    var allowed = 0
    for _ in 0..<fixedRounds {
        for s in mix where PolicyEvaluator.evaluate(s.request, policies: s.policies).isAllowed { allowed += 1 }
    }
    print("\(fixedRounds * mix.count) decisions, \(allowed) allowed")
    exit(0)
}

/// Decisions per second over the whole mix, for about `seconds`.
func measure(_ scenarios: [Scenario], seconds: Double) -> Double {
    let clock = ContinuousClock()
    var decisions = 0
    var allowed = 0
    let start = clock.now
    let deadline = start + .milliseconds(Int64(seconds * 1000))
    while clock.now < deadline {
        for _ in 0..<100 {
            for s in scenarios where PolicyEvaluator.evaluate(s.request, policies: s.policies).isAllowed { allowed += 1 }
            decisions += scenarios.count
        }
    }
    let elapsed = clock.now - start
    let total = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    if allowed < 0 { print(allowed) } // keeps the work observable
    return Double(decisions) / total
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

_ = measure(mix, seconds: 0.3) // warm up
var results: [Double] = []
for i in 1...runs {
    let rate = measure(mix, seconds: secondsPerRun)
    results.append(rate)
    print("run \(i): \(Int(rate)) decisions/s")
}
print("median: \(Int(median(results))) decisions/s over \(runs) runs of \(secondsPerRun) s (min \(Int(results.min()!)), max \(Int(results.max()!)))")
print("per request of the mix (median of 3 runs of \(secondsPerRun / 2) s):")
for s in mix {
    let rate = median((0..<3).map { _ in measure([s], seconds: secondsPerRun / 2) })
    print("  " + String(format: "%6.2f", 1e6 / rate) + " µs  " + s.name)
}
