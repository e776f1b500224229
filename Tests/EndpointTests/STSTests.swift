import AWSClient
import Endpoint
import Foundation
import IAMPolicy
import SigV4
import Testing
import World

@Suite(.serialized) struct STSTests {
    @Test func glueAssumesTheJobRoleAndTheSessionKnowsWhoItIs() async throws {
        try await Harness.with { h in
            let session = try await h.glueService().assumeRole(roleArn: glueRoleArn, sessionName: "GlueJobRunnerSession")
            #expect(session.assumedRoleArn == "arn:aws:sts::111111111111:assumed-role/glue-role-test/GlueJobRunnerSession")
            #expect(session.assumedRoleId.hasPrefix("AROA") && session.assumedRoleId.hasSuffix(":GlueJobRunnerSession"))
            #expect(session.credentials.accessKeyId.hasPrefix("ASIA") && session.credentials.accessKeyId.count == 20)
            #expect(session.credentials.sessionToken?.isEmpty == false)
            #expect(abs(session.expiration.timeIntervalSince(h.clock.read()) - 3600) < 2)

            let (data, _) = try await h.client(session.credentials).send(
                service: "sts", method: "POST", path: "/", query: "",
                body: Data("Action=GetCallerIdentity&Version=2011-06-15".utf8),
                headers: [("content-type", "application/x-www-form-urlencoded")])
            let xml = String(decoding: data, as: UTF8.self)
            #expect(xml.contains("<Arn>arn:aws:sts::111111111111:assumed-role/glue-role-test/GlueJobRunnerSession</Arn>"))
            #expect(xml.contains("<Account>111111111111</Account>"))
            #expect(xml.contains("<UserId>\(session.assumedRoleId)</UserId>"))
        }
    }

    @Test func crossAccountChainIsAllowedByTrustAndIdentityPolicies() async throws {
        try await Harness.with { h in
            let job = try await h.jobRole()
            let data = try await job.assumeRole(roleArn: dataRoleArn, sessionName: "assume-role")
            #expect(data.assumedRoleArn == "arn:aws:sts::222222222222:assumed-role/glue-role-test-to-be-assumed/assume-role")
            let event = try #require(h.events.events.last)
            #expect(event.action == "sts:AssumeRole" && event.decision == "allow")
        }
    }

    @Test func serviceNotTrustedByRoleCannotAssumeIt() async throws {
        try await Harness.with { h in
            let error = await awsError { _ = try await h.glueService().assumeRole(roleArn: dataRoleArn, sessionName: "s1") }
            #expect(error?.code == "AccessDenied")
            #expect(error?.status == 403)
            #expect(error?.message == "User: glue.amazonaws.com is not authorized to perform: sts:AssumeRole on resource: \(dataRoleArn)")
        }
    }

    @Test func trustPolicyNotNamingTheCallerDeniesWithAWSMessage() async throws {
        var world = try Harness.loadDefaultWorld()
        let other = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/some-other-role"},"Action":"sts:AssumeRole"}]}"#
        world.accounts["222222222222"]!.roles["glue-role-test-to-be-assumed"]!.trustPolicy = NamedPolicy(name: "trust", policy: try Policy.parse(other))
        try await Harness.with(world: world) { h in
            let error = await awsError { _ = try await h.dataRole() }
            #expect(error?.code == "AccessDenied")
            #expect(error?.message == "User: arn:aws:sts::111111111111:assumed-role/glue-role-test/GlueJobRunnerSession is not authorized to perform: sts:AssumeRole on resource: \(dataRoleArn)")
            #expect(h.events.events.last?.decision == "deny")
        }
    }

    @Test func missingRoleIsDeniedLikeAForbiddenOne() async throws {
        try await Harness.with { h in
            let error = await awsError { _ = try await h.jobRole().assumeRole(roleArn: "arn:aws:iam::222222222222:role/nope", sessionName: "s1") }
            #expect(error?.code == "AccessDenied")
        }
    }

    @Test(arguments: [("a", "greater than or equal to 2"), (String(repeating: "x", count: 65), "less than or equal to 64"), ("bad name!", "regular expression")])
    func sessionNameIsValidated(name: String, expected: String) async throws {
        try await Harness.with { h in
            let error = await awsError { _ = try await h.jobRole().assumeRole(roleArn: dataRoleArn, sessionName: name) }
            #expect(error?.code == "ValidationError")
            #expect(error?.message.contains(expected) == true)
        }
    }

    @Test func roleChainingIsCappedAtOneHour() async throws {
        try await Harness.with { h in
            let error = await awsError { _ = try await h.jobRole().assumeRole(roleArn: dataRoleArn, sessionName: "s1", durationSeconds: 7200) }
            #expect(error?.message == "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
        }
    }
}

@Suite(.serialized) struct AuthenticationTests {
    @Test func unknownAccessKeyIsRejected() async throws {
        try await Harness.with { h in
            let stranger = h.client(AWSCredentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
            let s3 = await awsError { _ = try await stranger.getObject(bucket: dataBucket, key: dataKey) }
            #expect(s3?.code == "InvalidAccessKeyId" && s3?.status == 403)
            let sts = await awsError { _ = try await stranger.assumeRole(roleArn: dataRoleArn, sessionName: "s1") }
            #expect(sts?.code == "InvalidClientTokenId" && sts?.status == 403)
        }
    }

    @Test func wrongSecretIsSignatureDoesNotMatch() async throws {
        try await Harness.with { h in
            let session = try await h.glueService().assumeRole(roleArn: glueRoleArn, sessionName: "s1")
            var forged = session.credentials
            forged.secretAccessKey = String(forged.secretAccessKey.reversed())
            let error = await awsError { _ = try await h.client(forged).getObject(bucket: "aws-glue-assets-111111111111-us-east-1", key: "x") }
            #expect(error?.code == "SignatureDoesNotMatch" && error?.status == 403)
        }
    }

    @Test func wrongSessionTokenIsRejected() async throws {
        try await Harness.with { h in
            let session = try await h.glueService().assumeRole(roleArn: glueRoleArn, sessionName: "s1")
            var forged = session.credentials
            forged.sessionToken = "not-the-token"
            let error = await awsError { _ = try await h.client(forged).getObject(bucket: dataBucket, key: dataKey) }
            #expect(error?.code == "InvalidToken")
        }
    }

    @Test func expiredSessionIsExpiredToken() async throws {
        try await Harness.with { h in
            let job = try await h.jobRole()
            h.clock.advance(3601)
            let s3 = await awsError { _ = try await job.getObject(bucket: "aws-glue-assets-111111111111-us-east-1", key: "x") }
            #expect(s3?.code == "ExpiredToken" && s3?.status == 400)
            let sts = await awsError { _ = try await job.assumeRole(roleArn: dataRoleArn, sessionName: "s1") }
            #expect(sts?.code == "ExpiredToken")
        }
    }
}
