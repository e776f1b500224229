"""Wire tests: every service's AccessDenied and the answer for an unserved service parse in botocore.

Run by WireTests.swift against `glueshim serve --as bob` (bob has no policy at all) with
AWS_ENDPOINT_URL and bob's keys in the environment. Each check prints `ok NAME`; the first
failure raises and the script exits non-zero.
"""
import boto3
import botocore.exceptions
from botocore.config import Config

BOB = "arn:aws:iam::111111111111:user/bob"
SERVED = "glue, iam, kms, logs, s3, sts"
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})


def check(name, condition, detail=""):
    if not condition:
        raise AssertionError(f"{name}: {detail}")
    print(f"ok {name}", flush=True)


def error_of(call):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message", ""), e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, None, None


def client(service):
    return boto3.client(service, config=NO_RETRIES)


# GetCallerIdentity needs no permission: bob has none and still gets his identity.
check("sts get-caller-identity without any policy", client("sts").get_caller_identity()["Arn"] == BOB)

# Denials, one per protocol, each with AWS's code, status and the engine's message.
denials = [
    ("s3 (REST-XML)", lambda: client("s3").list_buckets(), "AccessDenied", 403,
     f"User: {BOB} is not authorized to perform: s3:ListAllMyBuckets because no identity-based policy allows the s3:ListAllMyBuckets action"),
    ("sts (query)", lambda: client("sts").assume_role(RoleArn="arn:aws:iam::111111111111:role/plain-role", RoleSessionName="s1"),
     "AccessDenied", 403, f"User: {BOB} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/plain-role"),
    ("iam (query)", lambda: client("iam").get_role(RoleName="plain-role"), "AccessDenied", 403,
     f"User: {BOB} is not authorized to perform: iam:GetRole on resource: role plain-role because no identity-based policy allows the iam:GetRole action"),
    ("glue (JSON 1.1)", lambda: client("glue").get_job(JobName="nightly"), "AccessDeniedException", 400,
     f"User: {BOB} is not authorized to perform: glue:GetJob on resource: arn:aws:glue:us-east-1:111111111111:job/nightly because no identity-based policy allows the glue:GetJob action"),
    ("logs (JSON 1.1)", lambda: client("logs").describe_log_groups(), "AccessDeniedException", 400,
     f"User: {BOB} is not authorized to perform: logs:DescribeLogGroups on resource: arn:aws:logs:us-east-1:111111111111:log-group:* because no identity-based policy allows the logs:DescribeLogGroups action"),
]
for name, call, code, status, message in denials:
    got = error_of(call)
    check(f"denial parses: {name}", got == (code, message, status), got)

# Services glueshim does not serve: NotImplemented in each service's own protocol.
unserved = [
    ("secretsmanager", "JSON 1.1", lambda: client("secretsmanager").list_secrets()),
    ("ssm", "JSON 1.1", lambda: client("ssm").get_parameter(Name="/app/db")),
    ("athena", "JSON 1.1", lambda: client("athena").list_work_groups()),
    ("dynamodb", "JSON 1.0", lambda: client("dynamodb").list_tables()),
    ("sns", "query", lambda: client("sns").list_topics()),
    ("lambda", "REST-JSON", lambda: client("lambda").list_functions()),
]
for service, protocol, call in unserved:
    code, message, status = error_of(call)
    check(f"unserved service parses: {service} ({protocol})",
          code == "NotImplemented" and status == 501 and f"'{service}'" in message and f"served: {SERVED}" in message,
          (code, message, status))

print("all protocol checks passed")
