# S3 Object Ownership, ACLs in authorization and Block Public Access, through boto3.
# Account A (111111111111) is the served job role; account B (222222222222) is the data role it assumes.
import sys

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def error_of(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message", ""), e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, "", 200


a = boto3.client("s3")
creds = boto3.client("sts").assume_role(RoleArn="arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed",
                                        RoleSessionName="owner")["Credentials"]
b = boto3.client("s3", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                 aws_session_token=creds["SessionToken"])
anonymous = boto3.client("s3", config=Config(signature_version=UNSIGNED))
a_id = a.list_buckets()["Owner"]["ID"]
b_id = b.list_buckets()["Owner"]["ID"]
check(a_id != b_id, "two canonical ids")

# Ownership controls round trip, on a bucket created with ObjectWriter (which needs s3:PutBucketOwnershipControls too).
shared = "aws-glue-shared-ownership"
b.create_bucket(Bucket=shared, ObjectOwnership="ObjectWriter")
rules = b.get_bucket_ownership_controls(Bucket=shared)["OwnershipControls"]["Rules"]
check(rules == [{"ObjectOwnership": "ObjectWriter"}], f"ownership controls {rules}")
b.put_bucket_policy(Bucket=shared, Policy='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                    '"Principal": {"AWS": "arn:aws:iam::111111111111:role/glue-role-test"}, "Action": "s3:PutObject", '
                    '"Resource": "arn:aws:s3:::aws-glue-shared-ownership/*"}]}')

# A writes without an ACL: A owns the object, and B's role (AmazonS3FullAccess, B's bucket) cannot read it.
a.put_object(Bucket=shared, Key="from-a/plain.txt", Body=b"written by A")
code, message, status = error_of(lambda: b.get_object(Bucket=shared, Key="from-a/plain.txt"))
check(code == "AccessDenied" and status == 403, f"B reads A's object: {code} {message}")
code, _, _ = error_of(lambda: b.get_object_acl(Bucket=shared, Key="from-a/plain.txt"))
check(code == "AccessDenied", f"B reads the ACL of A's object: {code}")
# The bucket owner may still delete it.
b.delete_object(Bucket=shared, Key="from-a/plain.txt")

# With bucket-owner-full-control, B reads it, and the ACL shows A as owner with B's full control.
a.put_object(Bucket=shared, Key="from-a/granted.txt", Body=b"granted", ACL="bucket-owner-full-control")
check(b.get_object(Bucket=shared, Key="from-a/granted.txt")["Body"].read() == b"granted", "B reads with bucket-owner-full-control")
acl = b.get_object_acl(Bucket=shared, Key="from-a/granted.txt")
check(acl["Owner"]["ID"] == a_id, f"owner {acl['Owner']}")
check({(g["Grantee"].get("ID"), g["Permission"]) for g in acl["Grants"]} == {(a_id, "FULL_CONTROL"), (b_id, "FULL_CONTROL")}, f"grants {acl['Grants']}")

owners = {o["Key"]: o["Owner"]["ID"] for o in b.list_objects_v2(Bucket=shared, FetchOwner=True)["Contents"]}
check(owners == {"from-a/granted.txt": a_id}, f"listed owners {owners}")

# An ACL grant lets another account read: B's object, read by A only once B's ACL grants A READ.
b.put_object(Bucket=shared, Key="from-b/private.txt", Body=b"B's")
code, _, _ = error_of(lambda: a.get_object(Bucket=shared, Key="from-b/private.txt"))
check(code == "AccessDenied", f"A reads B's private object: {code}")
b.put_object(Bucket=shared, Key="from-b/shared.txt", Body=b"B's shared", GrantRead=f'id="{a_id}"')
check(a.get_object(Bucket=shared, Key="from-b/shared.txt")["Body"].read() == b"B's shared", "A reads through the ACL grant")

# A bucket ACL grant: READ lets A list B's bucket (A's own policy allows s3:ListBucket everywhere).
code, _, _ = error_of(lambda: a.list_objects_v2(Bucket=shared))
check(code == "AccessDenied", f"A lists before the grant: {code}")
b.put_bucket_acl(Bucket=shared, GrantRead=f'id="{a_id}"', GrantFullControl=f'id="{b_id}"')
check(len(a.list_objects_v2(Bucket=shared)["Contents"]) == 3, "A lists through the bucket ACL")
b.put_bucket_acl(Bucket=shared, ACL="private")

# BucketOwnerPreferred: the bucket owner owns objects written with bucket-owner-full-control.
b.put_bucket_ownership_controls(Bucket=shared, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
a.put_object(Bucket=shared, Key="from-a/preferred.txt", Body=b"preferred", ACL="bucket-owner-full-control")
check(b.get_object_acl(Bucket=shared, Key="from-a/preferred.txt")["Owner"]["ID"] == b_id, "BucketOwnerPreferred owner")
b.delete_bucket_ownership_controls(Bucket=shared)
code, _, status = error_of(lambda: b.get_bucket_ownership_controls(Bucket=shared))
check(code == "OwnershipControlsNotFoundError" and status == 404, f"deleted ownership controls: {code}")

# BucketOwnerEnforced (the default): ACLs are refused, bucket-owner-full-control is taken, ACLs read as the owner's.
enforced = "aws-glue-enforced-ownership"
b.create_bucket(Bucket=enforced)
check(b.get_bucket_ownership_controls(Bucket=enforced)["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}], "default ownership")
code, message, status = error_of(lambda: b.put_object(Bucket=enforced, Key="k", Body=b"x", ACL="public-read"))
check((code, message, status) == ("AccessControlListNotSupported", "The bucket does not allow ACLs", 400), f"public-read refused: {code} {message}")
b.put_object(Bucket=enforced, Key="k", Body=b"x", ACL="bucket-owner-full-control")
code, _, _ = error_of(lambda: b.put_object_acl(Bucket=enforced, Key="k", ACL="authenticated-read"))
check(code == "AccessControlListNotSupported", f"put_object_acl refused: {code}")
code, _, _ = error_of(lambda: b.put_bucket_acl(Bucket=enforced, ACL="public-read"))
check(code == "AccessControlListNotSupported", f"put_bucket_acl refused: {code}")
acl = b.get_object_acl(Bucket=enforced, Key="k")
check(acl["Owner"]["ID"] == b_id and [(g["Grantee"].get("ID"), g["Permission"]) for g in acl["Grants"]] == [(b_id, "FULL_CONTROL")], f"enforced acl {acl}")
# Disabling ACLs on a bucket whose ACL grants others is refused.
public_acl = "aws-glue-acl-ownership"
b.create_bucket(Bucket=public_acl, ObjectOwnership="ObjectWriter", ACL="authenticated-read")
code, _, _ = error_of(lambda: b.put_bucket_ownership_controls(Bucket=public_acl, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}))
check(code == "InvalidBucketAclWithObjectOwnership", f"enforce with a public bucket ACL: {code}")

# Block Public Access on the bucket: a public policy refused under BlockPublicPolicy.
public = "aws-glue-public-ownership"
b.create_bucket(Bucket=public)
b.put_object(Bucket=public, Key="open.txt", Body=b"open")
everyone = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", '
            '"Resource": "arn:aws:s3:::aws-glue-public-ownership/*"}]}')
b.put_public_access_block(Bucket=public, PublicAccessBlockConfiguration={"BlockPublicPolicy": True})
got = b.get_public_access_block(Bucket=public)["PublicAccessBlockConfiguration"]
check(got == {"BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": True, "RestrictPublicBuckets": False}, f"block {got}")
code, message, status = error_of(lambda: b.put_bucket_policy(Bucket=public, Policy=everyone))
check(code == "AccessDenied" and status == 403 and "because public policies are blocked by the BlockPublicPolicy block public access setting" in message,
      f"public policy refused: {code} {message}")
# Without the block the policy is taken and public: A and anonymous callers read.
b.delete_public_access_block(Bucket=public)
code, _, _ = error_of(lambda: b.get_public_access_block(Bucket=public))
check(code == "NoSuchPublicAccessBlockConfiguration", f"deleted block: {code}")
b.put_bucket_policy(Bucket=public, Policy=everyone)
check(b.get_bucket_policy_status(Bucket=public)["PolicyStatus"]["IsPublic"] is True, "policy status public")
check(a.get_object(Bucket=public, Key="open.txt")["Body"].read() == b"open", "A reads through the public policy")
check(anonymous.get_object(Bucket=public, Key="open.txt")["Body"].read() == b"open", "anonymous reads through the public policy")
# RestrictPublicBuckets: the public policy no longer grants callers outside B; B's own role still reads.
b.put_public_access_block(Bucket=public, PublicAccessBlockConfiguration={"RestrictPublicBuckets": True})
code, _, _ = error_of(lambda: a.get_object(Bucket=public, Key="open.txt"))
check(code == "AccessDenied", f"A under RestrictPublicBuckets: {code}")
code, _, _ = error_of(lambda: anonymous.get_object(Bucket=public, Key="open.txt"))
check(code == "AccessDenied", f"anonymous under RestrictPublicBuckets: {code}")
check(b.get_object(Bucket=public, Key="open.txt")["Body"].read() == b"open", "B under RestrictPublicBuckets")
# BlockPublicAcls refuses a public ACL where ACLs are enabled.
b.put_public_access_block(Bucket=shared, PublicAccessBlockConfiguration={"BlockPublicAcls": True})
code, message, _ = error_of(lambda: b.put_object(Bucket=shared, Key="from-b/public.txt", Body=b"x", ACL="public-read"))
check(code == "AccessDenied" and "BlockPublicAcls" in message, f"public ACL refused: {code} {message}")

print("ownership wire checks passed")
