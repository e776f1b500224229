import AWSClient
import Foundation
import SigV4

/// The job role's session as Glue keeps it: assumed by `glue.amazonaws.com` through STS, and
/// assumed again before it expires so the script never sees expired credentials.
actor JobRoleSession {
    let client: AWSClient
    let roleArn: String
    let sessionName: String
    private var current: AssumedRoleCredentials?
    /// Renew this long before expiry; botocore itself refreshes 15 minutes ahead.
    let renewBefore: TimeInterval = 20 * 60

    /// Told of every session obtained (the first and each renewal), before anyone uses it.
    let issued: @Sendable (AssumedRoleCredentials) -> Void

    init(client: AWSClient, roleArn: String, sessionName: String = "GlueJobRunnerSession",
         issued: @escaping @Sendable (AssumedRoleCredentials) -> Void = { _ in }) {
        self.client = client
        self.roleArn = roleArn
        self.sessionName = sessionName
        self.issued = issued
    }

    func credentials() async throws(AWSClientError) -> AssumedRoleCredentials {
        if let current, current.expiration.timeIntervalSince(client.clock()) > renewBefore { return current }
        let fresh = try await client.assumeRole(roleArn: roleArn, sessionName: sessionName)
        issued(fresh)
        current = fresh
        return fresh
    }
}
