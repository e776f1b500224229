import Foundation
import TestSupport

let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts")
let dataRoleArn = "arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed"
let glueRoleArn = "arn:aws:iam::111111111111:role/glue-role-test"

struct WireError: Error, CustomStringConvertible {
    var description: String
}

/// A tool the wire tests need, found on PATH; a missing tool is a failure, not a skip.
func tool(_ name: String) throws -> URL {
    let override = ProcessInfo.processInfo.environment["GLUESHIM_WIRE_" + name.uppercased()]
    if let override { return URL(fileURLWithPath: override) }
    if let path = onPath(name) { return URL(fileURLWithPath: path) }
    throw WireError(description: "the S3 wire tests need '\(name)' on PATH (python3 with boto3>=1.36, and the AWS CLI: pip install 'boto3>=1.43,<1.45' awscli)")
}

/// `glueshim serve` on `state` as `principal`; with `assume`, its credentials are replaced by
/// those of that role, assumed from the served session.
func wireServe(state: URL, as principal: String = glueRoleArn, assume: String? = dataRoleArn) throws -> ServeProcess {
    let serve = try ServeProcess(as: principal, state: .folder(state))
    // The data role trusts the job role, not a service: assume it from the served session, as the seed job does.
    if let assume {
        let script = "import boto3; c = boto3.client('sts').assume_role(RoleArn='\(assume)', RoleSessionName='wire')['Credentials']; print(c['AccessKeyId'], c['SecretAccessKey'], c['SessionToken'])"
        let out = try runProcess(try tool("python3"), ["-c", script], environment: serve.wireEnvironment)
        let parts = out.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard out.status == 0, parts.count == 3 else { throw WireError(description: "cannot assume \(assume): \(out.stderr)") }
        serve.environment["AWS_ACCESS_KEY_ID"] = parts[0]
        serve.environment["AWS_SECRET_ACCESS_KEY"] = parts[1]
        serve.environment["AWS_SESSION_TOKEN"] = parts[2]
    }
    return serve
}

extension ServeProcess {
    /// The environment for a client: the exports and nothing of the user's own AWS setup.
    var wireEnvironment: [String: String] { clientEnvironment(["AWS_EC2_METADATA_DISABLED": "true"]) }
}
