"""Wire tests: boto3 and the AWS CLI against `glueshim serve` for STS and IAM.

Run by WireTests.swift with AWS_ENDPOINT_URL and alice's keys in the environment.
Each check prints `ok NAME`; the first failure raises and the script exits non-zero.
"""
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse

import boto3
import botocore.exceptions

ALICE_MFA = "arn:aws:iam::111111111111:mfa/alice-phone"
TAGGED = "arn:aws:iam::111111111111:role/tagged-role"


def check(name, condition, detail=""):
    if not condition:
        raise AssertionError(f"{name}: {detail}")
    print(f"ok {name}", flush=True)


def error_of(call):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, None, None


def session_client(service, creds):
    return boto3.client(service, aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


sts = boto3.client("sts")
iam = boto3.client("iam")
bob_sts = boto3.client("sts", aws_access_key_id="AKIAGLUESHIMBOB00001", aws_secret_access_key="local-test-secret-for-bob-00000000000")

me = sts.get_caller_identity()
check("caller identity of a user", me["Arn"] == "arn:aws:iam::111111111111:user/alice" and me["UserId"].startswith("AIDA") and me["Account"] == "111111111111", me)

r = sts.assume_role(RoleArn=TAGGED, RoleSessionName="wire", DurationSeconds=7200, ExternalId="anything-ok",
                    Tags=[{"Key": "project", "Value": "lake"}], TransitiveTagKeys=["project"], SourceIdentity="alice",
                    Policy=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}]}),
                    PolicyArns=[{"arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}])
check("assume role with every parameter", r["AssumedRoleUser"]["Arn"] == "arn:aws:sts::111111111111:assumed-role/tagged-role/wire"
      and r["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA") and r["AssumedRoleUser"]["AssumedRoleId"].endswith(":wire")
      and r["Credentials"]["AccessKeyId"].startswith("ASIA") and r["SourceIdentity"] == "alice" and r["PackedPolicySize"] >= 1, r)
role_sts = session_client("sts", r["Credentials"])
check("caller identity of a session", role_sts.get_caller_identity()["Arn"] == "arn:aws:sts::111111111111:assumed-role/tagged-role/wire")
chained = role_sts.assume_role(RoleArn="arn:aws:iam::111111111111:role/chain-target", RoleSessionName="next")
check("source identity carried along a chain", chained["SourceIdentity"] == "alice", chained)
code, msg, _ = error_of(lambda: role_sts.assume_role(RoleArn="arn:aws:iam::111111111111:role/chain-target", RoleSessionName="n1", DurationSeconds=7200))
check("role chaining capped at an hour", code == "ValidationError" and msg == "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.", msg)

code, msg, status = error_of(lambda: sts.assume_role(RoleArn="arn:aws:iam::111111111111:role/plain-role", RoleSessionName="s1", Tags=[{"Key": "a", "Value": "b"}]))
check("tags need sts:TagSession", code == "AccessDenied" and status == 403 and "sts:TagSession" in msg, msg)
code, msg, _ = error_of(lambda: bob_sts.assume_role(RoleArn="arn:aws:iam::222222222222:role/cross-role", RoleSessionName="s1"))
check("cross-account needs the caller's permission", code == "AccessDenied" and msg == "User: arn:aws:iam::111111111111:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/cross-role", msg)
code, msg, _ = error_of(lambda: sts.assume_role(RoleArn="arn:aws:iam::111111111111:role/external-role", RoleSessionName="s1", ExternalId="wrong-id"))
check("external id must match", code == "AccessDenied", msg)
code, msg, _ = error_of(lambda: sts.assume_role(RoleArn=TAGGED, RoleSessionName="bad name!"))
check("session name validated", code == "ValidationError" and "regular expression pattern" in msg, msg)
code, msg, _ = error_of(lambda: sts.assume_role(RoleArn=TAGGED, RoleSessionName="s1", DurationSeconds=7201))
check("duration beyond MaxSessionDuration", code == "ValidationError" and msg == "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", msg)
code, msg, _ = error_of(lambda: sts.assume_role(RoleArn=TAGGED, RoleSessionName="s1", Policy='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"'))
check("malformed session policy", code == "MalformedPolicyDocument", msg)
big_tags = [{"Key": f"k{i}-" + "x" * 100, "Value": "v" * 250} for i in range(50)]
code, msg, _ = error_of(lambda: sts.assume_role(RoleArn=TAGGED, RoleSessionName="s1", Tags=big_tags))
check("packed policy too large", code == "PackedPolicyTooLarge", msg)
code, msg, _ = error_of(lambda: sts.assume_role(RoleArn="arn:aws:iam::111111111111:role/mfa-role", RoleSessionName="s1"))
check("mfa role without mfa", code == "AccessDenied", msg)
mfa = sts.assume_role(RoleArn="arn:aws:iam::111111111111:role/mfa-role", RoleSessionName="s1", SerialNumber=ALICE_MFA, TokenCode="123456")
check("mfa role with the device's code", mfa["AssumedRoleUser"]["Arn"].endswith("/mfa-role/s1"))

token = sts.get_session_token(DurationSeconds=900, SerialNumber=ALICE_MFA, TokenCode="123456")["Credentials"]
check("session token for a user", token["AccessKeyId"].startswith("ASIA") and token["SessionToken"])
check("session token user can call IAM with MFA", session_client("iam", token).get_user()["User"]["UserName"] == "alice")
code, msg, _ = error_of(lambda: role_sts.get_session_token())
check("no session token from a role session", code == "AccessDenied", msg)
check("access key info", sts.get_access_key_info(AccessKeyId=chained["Credentials"]["AccessKeyId"])["Account"] == "111111111111")
code, msg, _ = error_of(lambda: sts.decode_authorization_message(EncodedMessage="not-a-message"))
check("invalid authorization message", code == "InvalidAuthorizationMessageException", msg)
code, msg, _ = error_of(lambda: boto3.client("sts", aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x" * 40).get_caller_identity())
check("unknown key", code == "InvalidClientTokenId", msg)

role = iam.get_role(RoleName="tagged-role")["Role"]
check("get role with decoded trust policy", role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"] == "arn:aws:iam::111111111111:user/alice"
      and role["MaxSessionDuration"] == 7200 and role["RoleId"].startswith("AROA") and {"Key": "project", "Value": "glueshim"} in role["Tags"], role)
check("list roles", sorted(r["RoleName"] for r in iam.list_roles()["Roles"]) == ["chain-target", "external-role", "mfa-role", "plain-role", "tagged-role"])
paginated = [r["RoleName"] for page in iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 2}) for r in page["Roles"]]
check("list roles paginated", len(paginated) == 5, paginated)
check("role policy document", iam.get_role_policy(RoleName="tagged-role", PolicyName="chain")["PolicyDocument"]["Statement"][0]["Effect"] == "Allow")
check("list role policies", iam.list_role_policies(RoleName="tagged-role")["PolicyNames"] == ["chain"])
check("attached role policies", iam.list_attached_role_policies(RoleName="tagged-role")["AttachedPolicies"][0]["PolicyName"] == "read-buckets")
check("get policy", iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")["Policy"]["DefaultVersionId"] == "v2")
version = iam.get_policy_version(PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess", VersionId="v2")["PolicyVersion"]
check("policy version document", "s3:*" in version["Document"]["Statement"][0]["Action"], version)
check("list AWS managed policies", any(p["PolicyName"] == "AWSGlueServiceRole" for p in iam.list_policies(Scope="AWS")["Policies"]))
check("get user", iam.get_user()["User"]["Arn"] == "arn:aws:iam::111111111111:user/alice")
check("user policies", iam.list_user_policies(UserName="alice")["PolicyNames"] == ["alice-policy"]
      and iam.get_user_policy(UserName="alice", PolicyName="alice-policy")["PolicyDocument"]["Statement"][0]["Sid"] == "AssumeAny")
check("attached user policies", iam.list_attached_user_policies(UserName="alice")["AttachedPolicies"][0]["PolicyArn"] == "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
check("groups for user", iam.list_groups_for_user(UserName="alice")["Groups"][0]["GroupName"] == "developers")
check("tags", iam.list_user_tags(UserName="alice")["Tags"] == [{"Key": "team", "Value": "data"}] and iam.list_role_tags(RoleName="tagged-role")["Tags"] == [{"Key": "project", "Value": "glueshim"}])
details = iam.get_account_authorization_details()
check("account authorization details", {u["UserName"] for u in details["UserDetailList"]} == {"alice", "bob"}
      and any(p["PolicyName"] == "read-buckets" and p["PolicyVersionList"][0]["Document"]["Statement"] for p in details["Policies"]), details.keys())
code, msg, status = error_of(lambda: iam.get_role(RoleName="nope"))
check("no such role", code == "NoSuchEntity" and status == 404 and msg == "The role with name nope cannot be found.", msg)
code, msg, _ = error_of(lambda: boto3.client("iam", aws_access_key_id="AKIAGLUESHIMBOB00001", aws_secret_access_key="local-test-secret-for-bob-00000000000").get_role(RoleName="tagged-role"))
check("iam calls are authorized", code == "AccessDenied" and "iam:GetRole" in msg, msg)

sim = iam.simulate_principal_policy(PolicySourceArn="arn:aws:iam::111111111111:user/alice", ActionNames=["s3:GetObject", "s3:DeleteObject", "ec2:RunInstances"],
                                    ResourceArns=["arn:aws:s3:::b/k"])["EvaluationResults"]
check("simulate principal policy", [e["EvalDecision"] for e in sim] == ["allowed", "explicitDeny", "implicitDeny"]
      and sim[0]["MatchedStatements"][0]["SourcePolicyId"] == "AmazonS3ReadOnlyAccess", sim)
sim = iam.simulate_principal_policy(PolicySourceArn="arn:aws:iam::111111111111:user/alice", ActionNames=["s3:PutObject"],
                                    ContextEntries=[{"ContextKeyName": "s3:x-amz-server-side-encryption", "ContextKeyValues": ["AES256"], "ContextKeyType": "string"}])["EvaluationResults"]
check("simulate with context entries", sim[0]["EvalDecision"] == "allowed", sim)
sim = iam.simulate_principal_policy(PolicySourceArn="arn:aws:iam::111111111111:user/alice", ActionNames=["s3:PutObject"])["EvaluationResults"]
check("missing context values", sim[0]["EvalDecision"] == "implicitDeny" and sim[0]["MissingContextValues"] == ["s3:x-amz-server-side-encryption"], sim)
custom = iam.simulate_custom_policy(PolicyInputList=[json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]})],
                                    ActionNames=["s3:GetObject", "s3:PutObject"])["EvaluationResults"]
check("simulate custom policy", [e["EvalDecision"] for e in custom] == ["allowed", "implicitDeny"], custom)

# The AWS CLI, and config-file profiles with role_arn.
def cli(*args, env=None):
    out = subprocess.run(["aws", *args, "--output", "json"], capture_output=True, text=True, env=env or os.environ)
    return out.returncode, out.stdout, out.stderr

rc, out, err = cli("sts", "get-caller-identity")
check("cli get-caller-identity", rc == 0 and json.loads(out)["Arn"] == "arn:aws:iam::111111111111:user/alice", err)
rc, out, err = cli("iam", "simulate-principal-policy", "--policy-source-arn", "arn:aws:iam::111111111111:user/alice", "--action-names", "s3:GetObject", "s3:DeleteObject")
check("cli simulate-principal-policy", rc == 0 and [e["EvalDecision"] for e in json.loads(out)["EvaluationResults"]] == ["allowed", "explicitDeny"], err)
rc, out, err = cli("iam", "get-role", "--role-name", "tagged-role")
check("cli get-role", rc == 0 and json.loads(out)["Role"]["AssumeRolePolicyDocument"]["Version"] == "2012-10-17", err)
rc, out, err = cli("sts", "assume-role", "--role-arn", TAGGED, "--role-session-name", "x1", "--duration-seconds", "7201")
check("cli assume-role validation error", rc != 0 and "ValidationError" in err and "MaxSessionDuration" in err, err)
rc, out, err = cli("sts", "assume-role", "--role-arn", "arn:aws:iam::111111111111:role/plain-role", "--role-session-name", "x1", "--tags", "Key=a,Value=b")
check("cli assume-role access denied", rc != 0 and "AccessDenied" in err and "sts:TagSession" in err, err)

config_text = os.environ["GLUESHIM_PROFILES"]
with tempfile.NamedTemporaryFile("w", suffix=".config", delete=False) as f:
    f.write(config_text)
env = dict(os.environ, AWS_CONFIG_FILE=f.name, AWS_SHARED_CREDENTIALS_FILE=f.name + ".none")
os.environ["AWS_CONFIG_FILE"] = f.name
tagged = boto3.Session(profile_name="tagged").client("sts").get_caller_identity()
check("profile with role_arn and credential_source", tagged["Arn"] == "arn:aws:sts::111111111111:assumed-role/tagged-role/from-profile", tagged)
external = boto3.Session(profile_name="external").client("sts").get_caller_identity()
check("profile with external_id", external["Arn"].startswith("arn:aws:sts::111111111111:assumed-role/external-role/"), external)
rc, out, err = cli("sts", "get-caller-identity", "--profile", "tagged", env=env)
check("cli profile with role_arn", rc == 0 and json.loads(out)["Arn"].endswith("/tagged-role/from-profile"), err)
print("all wire checks passed")
