import Foundation
import Testing
@testable import IAMPolicy

/// VPC endpoint policies (VPC User Guide, "Control access to VPC endpoints using endpoint
/// policies"): a request through an endpoint must be allowed by the endpoint's policy as well
/// as by the policies that would decide it anyway; a Deny there denies. AccessDenied messages
/// name the policy type as the IAM User Guide's "Troubleshoot access denied error messages"
/// does ("VPC endpoint policy"), without a policy ARN (an endpoint policy has none).
@Suite struct VPCEndpointPolicyTests {
    static let caller = Fixture.session()
    static let object = "arn:aws:s3:::data-bucket/report.csv"
    static let readAll = Fixture.named("read", Fixture.doc(Fixture.allow("s3:GetObject", "arn:aws:s3:::*")))

    static func endpoint(_ statements: String...) -> NamedPolicy {
        let json = #"{"Version":"2012-10-17","Statement":["# + statements.joined(separator: ",") + "]}"
        // An endpoint policy must name its principals.
        return NamedPolicy(name: "VPC endpoint policy of vpce-1", policy: (try? Policy.parse(json, as: .vpcEndpoint)) ?? Policy(statements: []))
    }

    static func decide(_ endpoint: NamedPolicy?, identity: [NamedPolicy] = [readAll], resource: NamedPolicy? = nil,
                       principal: PrincipalIdentity = caller, target: String = object) -> Decision {
        PolicyEvaluator.evaluate(Fixture.request(principal, "s3:GetObject", target, resourceAccount: Fixture.jobAccount),
                                 policies: PolicySet(identity: identity, resource: resource, vpcEndpoint: endpoint))
    }

    @Test func anEndpointPolicyAllowingOnlyOneBucketDeniesAnother() {
        let onlyOther = Self.endpoint(#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other-bucket/*"}"#)
        let d = Self.decide(onlyOther)
        #expect(d.outcome == .implicitDeny)
        #expect(d.deniedBy == .vpcEndpoint)
        #expect(d.accessDeniedMessage(principalArn: Self.caller.arn, action: "s3:GetObject", resource: Self.object, quotesResource: true)
            == "User: arn:aws:sts::111111111111:assumed-role/glue-role-test/GlueJobRunnerSession is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::data-bucket/report.csv\" because no VPC endpoint policy allows the s3:GetObject action")
        // The same policy lets the other bucket through.
        #expect(Self.decide(onlyOther, target: "arn:aws:s3:::other-bucket/x").isAllowed)
    }

    @Test func aDenyInTheEndpointPolicyIsAnExplicitDenyWithoutAnArn() {
        let denying = Self.endpoint(#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}"#,
                                    #"{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::data-bucket/*"}"#)
        let d = Self.decide(denying)
        #expect(d.outcome == .explicitDeny)
        #expect(d.deniedBy == .vpcEndpoint)
        #expect(d.denyingPolicyArn == nil)
        #expect(d.reason(action: "s3:GetObject") == "with an explicit deny in a VPC endpoint policy")
    }

    @Test func theEndpointPolicyGrantsNothingOnItsOwn() {
        let open = Self.endpoint(#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}"#)
        #expect(Self.decide(open).isAllowed)
        let d = Self.decide(open, identity: [])
        #expect(d.outcome == .implicitDeny)
        #expect(d.deniedBy == .identity)
    }

    @Test func theEndpointPolicyNamesItsPrincipals() {
        let onlyAlice = Self.endpoint(#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/alice"},"Action":"s3:*","Resource":"*"}"#)
        #expect(Self.decide(onlyAlice, principal: Fixture.user("alice")).isAllowed)
        #expect(Self.decide(onlyAlice).deniedBy == .vpcEndpoint)
    }

    @Test func withoutAnEndpointTheRequestIsDecidedAsBefore() {
        #expect(Self.decide(nil).isAllowed)
    }

    @Test func anonymousCallersNeedTheEndpointPolicyToo() {
        let bucketOpen = Fixture.named("bucket policy", Fixture.doc(#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::data-bucket/*"}"#))
        let onlyAccount = Self.endpoint(#"{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"s3:*","Resource":"*"}"#)
        #expect(Self.decide(nil, identity: [], resource: bucketOpen, principal: Fixture.anonymous).isAllowed)
        #expect(Self.decide(onlyAccount, identity: [], resource: bucketOpen, principal: Fixture.anonymous).deniedBy == .vpcEndpoint)
    }

    @Test func anEndpointPolicyMustNameAPrincipal() {
        #expect(throws: PolicyError.self) {
            try Policy.parse(#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#, as: .vpcEndpoint)
        }
    }
}
