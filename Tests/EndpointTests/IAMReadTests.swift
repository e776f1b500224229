import AWSClient
import Endpoint
import Foundation
import IAMPolicy
import SigV4
import Testing
import World

func urlDecoded(_ s: String?) -> String? { s?.removingPercentEncoding }

@Suite(.serialized) struct IAMReadTests {
    @Test func getRoleReturnsTheWorldsRoleWithAnEncodedTrustPolicy() async throws {
        try await withSTSWorld { h in
            let xml = try await h.client(alice).query("iam", "GetRole", [("RoleName", "tagged-role")])
            #expect(element("Arn", xml) == taggedRole)
            #expect(element("RoleId", xml)?.hasPrefix("AROA") == true)
            #expect(element("MaxSessionDuration", xml) == "7200")
            #expect(element("Description", xml) == "Assumable with session tags and a source identity")
            #expect(element("CreateDate", xml) == "2024-06-28T10:00:00Z")
            let trust = try #require(urlDecoded(element("AssumeRolePolicyDocument", xml)))
            #expect(try Policy.parse(trust).statements.first?.principal?.aws == ["arn:aws:iam::111111111111:user/alice"])
            #expect(xml.contains("<Key>project</Key>"))

            let missing = await awsError { _ = try await h.client(alice).query("iam", "GetRole", [("RoleName", "nope")]) }
            #expect(missing?.code == "NoSuchEntity" && missing?.status == 404)
            #expect(missing?.message == "The role with name nope cannot be found.")
            let denied = await awsError { _ = try await h.client(bob).query("iam", "GetRole", [("RoleName", "tagged-role")]) }
            #expect(denied?.code == "AccessDenied")
            #expect(denied?.message == "User: arn:aws:iam::111111111111:user/bob is not authorized to perform: iam:GetRole on resource: role tagged-role because no identity-based policy allows the iam:GetRole action")
            let invalid = await awsError { _ = try await h.client(alice).query("iam", "GetRole", [("RoleName", "bad name")]) }
            #expect(invalid?.code == "ValidationError")
        }
    }

    @Test func listsRolesPoliciesAndTagsWithPagination() async throws {
        try await withSTSWorld { h in
            let client = h.client(alice)
            let roles = try await client.query("iam", "ListRoles")
            #expect(roles.components(separatedBy: "<RoleName>").count - 1 == 5)
            #expect(element("IsTruncated", roles) == "false")
            let page = try await client.query("iam", "ListRoles", [("MaxItems", "2")])
            #expect(element("IsTruncated", page) == "true")
            let marker = try #require(element("Marker", page))
            let next = try await client.query("iam", "ListRoles", [("MaxItems", "10"), ("Marker", marker)])
            #expect(next.components(separatedBy: "<RoleName>").count - 1 == 3)

            #expect(element("member", try await client.query("iam", "ListRolePolicies", [("RoleName", "tagged-role")])) == "chain")
            let policy = try await client.query("iam", "GetRolePolicy", [("RoleName", "tagged-role"), ("PolicyName", "chain")])
            #expect(urlDecoded(element("PolicyDocument", policy))?.contains("sts:SetSourceIdentity") == true)
            let missingPolicy = await awsError { _ = try await client.query("iam", "GetRolePolicy", [("RoleName", "tagged-role"), ("PolicyName", "nope")]) }
            #expect(missingPolicy?.message == "The role policy with name nope cannot be found.")
            let attached = try await client.query("iam", "ListAttachedRolePolicies", [("RoleName", "tagged-role")])
            #expect(element("PolicyArn", attached) == "arn:aws:iam::111111111111:policy/read-buckets")
            #expect(element("Value", try await client.query("iam", "ListRoleTags", [("RoleName", "tagged-role")])) == "glueshim")
        }
    }

    @Test func usersTheirPoliciesGroupsAndTags() async throws {
        try await withSTSWorld { h in
            let client = h.client(alice)
            let me = try await client.query("iam", "GetUser")
            #expect(element("UserName", me) == "alice" && element("UserId", me)?.hasPrefix("AIDA") == true)
            #expect(element("UserName", try await client.query("iam", "GetUser", [("UserName", "bob")])) == "bob")
            #expect(element("member", try await client.query("iam", "ListUserPolicies", [("UserName", "alice")])) == "alice-policy")
            let doc = try await client.query("iam", "GetUserPolicy", [("UserName", "alice"), ("PolicyName", "alice-policy")])
            #expect(urlDecoded(element("PolicyDocument", doc))?.contains("\"Sid\": \"AssumeAny\"") == true)
            #expect(element("PolicyArn", try await client.query("iam", "ListAttachedUserPolicies", [("UserName", "alice")])) == "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
            #expect(element("GroupName", try await client.query("iam", "ListGroupsForUser", [("UserName", "alice")])) == "developers")
            #expect(element("Key", try await client.query("iam", "ListUserTags", [("UserName", "alice")])) == "team")
            let role = try #require(credentials(in: try await client.query("sts", "AssumeRole", [("RoleArn", taggedRole), ("RoleSessionName", "s1")])))
            let noName = await awsError { _ = try await h.client(role).query("iam", "GetUser") }
            #expect(noName?.message == "Must specify userName when calling with non-User credentials")
        }
    }

    @Test func managedPoliciesAWSAndLocal() async throws {
        try await withSTSWorld { h in
            let client = h.client(alice)
            let aws = try await client.query("iam", "GetPolicy", [("PolicyArn", "arn:aws:iam::aws:policy/AmazonS3FullAccess")])
            #expect(element("DefaultVersionId", aws) == "v2")
            #expect(element("PolicyId", aws)?.hasPrefix("ANPA") == true)
            let version = try await client.query("iam", "GetPolicyVersion", [("PolicyArn", "arn:aws:iam::aws:policy/AmazonS3FullAccess"), ("VersionId", "v2")])
            #expect(urlDecoded(element("Document", version))?.contains("s3-object-lambda:*") == true)
            let wrongVersion = await awsError { _ = try await client.query("iam", "GetPolicyVersion", [("PolicyArn", "arn:aws:iam::aws:policy/AmazonS3FullAccess"), ("VersionId", "v9")]) }
            #expect(wrongVersion?.code == "NoSuchEntity")
            let local = try await client.query("iam", "GetPolicy", [("PolicyArn", "arn:aws:iam::111111111111:policy/read-buckets")])
            #expect(element("AttachmentCount", local) == "1")
            #expect(element("Description", local) == "Read any bucket of the account")
            let missing = await awsError { _ = try await client.query("iam", "GetPolicy", [("PolicyArn", "arn:aws:iam::111111111111:policy/nope")]) }
            #expect(missing?.message == "Policy arn:aws:iam::111111111111:policy/nope does not exist or is not attachable.")
            let localList = try await client.query("iam", "ListPolicies", [("Scope", "Local")])
            #expect(localList.components(separatedBy: "<PolicyName>").count - 1 == 1)
            let awsList = try await client.query("iam", "ListPolicies", [("Scope", "AWS")])
            #expect(awsList.contains("<PolicyName>AWSGlueServiceRole</PolicyName>"))
            #expect(awsList.contains("<Path>/service-role/</Path>"))
            let attachedOnly = try await client.query("iam", "ListPolicies", [("OnlyAttached", "true")])
            #expect(attachedOnly.components(separatedBy: "<PolicyName>").count - 1 == 2)
        }
    }

    @Test func accountAuthorizationDetailsHoldEverything() async throws {
        try await withSTSWorld { h in
            let xml = try await h.client(alice).query("iam", "GetAccountAuthorizationDetails")
            #expect(xml.contains("<UserName>alice</UserName>") && xml.contains("<UserName>bob</UserName>"))
            #expect(xml.contains("<RoleName>tagged-role</RoleName>"))
            #expect(xml.contains("<PolicyName>read-buckets</PolicyName>"))
            #expect(xml.contains("<PolicyName>AmazonS3ReadOnlyAccess</PolicyName>"))
            let roles = try await h.client(alice).query("iam", "GetAccountAuthorizationDetails", [("Filter.member.1", "Role")])
            #expect(!roles.contains("<UserName>alice</UserName>") && roles.contains("<RoleName>mfa-role</RoleName>"))
        }
    }
}

@Suite(.serialized) struct IAMSimulatorTests {
    func results(_ xml: String) -> [String] {
        xml.components(separatedBy: "<EvalDecision>").dropFirst().map { String($0.prefix { $0 != "<" }) }
    }

    @Test func principalPolicyDecisionsMatchTheEngine() async throws {
        try await withSTSWorld { h in
            let xml = try await h.client(alice).query("iam", "SimulatePrincipalPolicy", [
                ("PolicySourceArn", "arn:aws:iam::111111111111:user/alice"),
                ("ActionNames.member.1", "s3:GetObject"), ("ActionNames.member.2", "s3:DeleteObject"), ("ActionNames.member.3", "ec2:RunInstances"),
                ("ActionNames.member.4", "s3:PutObject"),
                ("ResourceArns.member.1", "arn:aws:s3:::any-bucket/key")])
            #expect(results(xml) == ["allowed", "explicitDeny", "implicitDeny", "implicitDeny"])
            #expect(xml.contains("<SourcePolicyId>AmazonS3ReadOnlyAccess</SourcePolicyId>"))
            #expect(xml.contains("<SourcePolicyType>aws-managed</SourcePolicyType>"))
            #expect(xml.contains("<SourcePolicyId>alice-policy</SourcePolicyId>"))
            #expect(xml.contains("<member>s3:x-amz-server-side-encryption</member>"))

            let withContext = try await h.client(alice).query("iam", "SimulatePrincipalPolicy", [
                ("PolicySourceArn", "arn:aws:iam::111111111111:user/alice"), ("ActionNames.member.1", "s3:PutObject"),
                ("ContextEntries.member.1.ContextKeyName", "s3:x-amz-server-side-encryption"),
                ("ContextEntries.member.1.ContextKeyValues.member.1", "AES256"), ("ContextEntries.member.1.ContextKeyType", "string")])
            #expect(results(withContext) == ["allowed"])
            #expect(element("MissingContextValues", withContext)?.contains("<member>") == false)

            let role = try await h.client(alice).query("iam", "SimulatePrincipalPolicy", [("PolicySourceArn", taggedRole), ("ActionNames.member.1", "s3:GetObject")])
            #expect(results(role) == ["allowed"])
            #expect(role.contains("<SourcePolicyType>user-managed</SourcePolicyType>"))
            let unknown = await awsError { _ = try await h.client(alice).query("iam", "SimulatePrincipalPolicy", [("PolicySourceArn", "arn:aws:iam::111111111111:user/nobody"), ("ActionNames.member.1", "s3:GetObject")]) }
            #expect(unknown?.code == "NoSuchEntity")
            let denied = await awsError { _ = try await h.client(bob).query("iam", "SimulatePrincipalPolicy", [("PolicySourceArn", "arn:aws:iam::111111111111:user/bob"), ("ActionNames.member.1", "s3:GetObject")]) }
            #expect(denied?.code == "AccessDenied")
        }
    }

    @Test func customPolicyWithBoundaryAndResourcePolicy() async throws {
        try await withSTSWorld { h in
            let allowAll = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#
            let boundary = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#
            let xml = try await h.client(alice).query("iam", "SimulateCustomPolicy", [
                ("PolicyInputList.member.1", allowAll), ("PermissionsBoundaryPolicyInputList.member.1", boundary),
                ("ActionNames.member.1", "s3:GetObject"), ("ActionNames.member.2", "s3:PutObject")])
            #expect(results(xml) == ["allowed", "implicitDeny"])
            #expect(xml.contains("<SourcePolicyId>PolicyInputList.1</SourcePolicyId>"))
            #expect(xml.contains("<AllowedByPermissionsBoundary>false</AllowedByPermissionsBoundary>"))
            let malformed = await awsError { _ = try await h.client(alice).query("iam", "SimulateCustomPolicy", [("PolicyInputList.member.1", "{"), ("ActionNames.member.1", "s3:GetObject")]) }
            #expect(malformed?.code == "MalformedPolicyDocument")
            let missing = await awsError { _ = try await h.client(alice).query("iam", "SimulateCustomPolicy", [("ActionNames.member.1", "s3:GetObject")]) }
            #expect(missing?.code == "ValidationError")
        }
    }
}
