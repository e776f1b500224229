"""S3 server-side encryption with KMS keys through boto3 (kms-world.yaml): writing needs
kms:GenerateDataKey and reading kms:Decrypt through S3, on the key's policy; the AWS managed key
aws/s3 serves only its own account."""
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"}, s3={"addressing_style": "path"})
failures = []


def clients(key_id, secret):
    session = boto3.session.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name="us-east-1")
    return session.client("s3", config=NO_RETRIES), session.client("kms", config=NO_RETRIES)


admin_s3, admin_kms = clients("AKIAGLUESHIMKMSADMIN", "local-test-secret-for-kms-admin-000000")
partner_s3, _ = clients("AKIAGLUESHIMPARTNER1", "local-test-secret-for-partner-000000000")
stranger_s3, _ = clients("AKIAGLUESHIMSTRANGER", "local-test-secret-for-stranger-00000000")
app_s3, _ = clients("AKIAGLUESHIMKMSAPP01", "local-test-secret-for-kms-app-00000000")


def check(name, condition, detail=""):
    print(("ok  " if condition else "FAIL ") + name)
    if not condition:
        failures.append("%s: %s" % (name, detail))


def error(call):
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message", "")
    return None, ""


B = "enc-bucket"
shared = admin_kms.describe_key(KeyId="alias/shared-key")["KeyMetadata"]["Arn"]
app_key = admin_kms.describe_key(KeyId="alias/app-key")["KeyMetadata"]["Arn"]

put = admin_s3.put_object(Bucket=B, Key="plain.txt", Body=b"plain")
check("every object is SSE-S3 by default", put["ServerSideEncryption"] == "AES256", put)
put = admin_s3.put_object(Bucket=B, Key="shared.txt", Body=b"for the partner", ServerSideEncryption="aws:kms", SSEKMSKeyId=shared)
check("PutObject with SSE-KMS answers its key", put["ServerSideEncryption"] == "aws:kms" and put["SSEKMSKeyId"] == shared, put)
admin_s3.put_object(Bucket=B, Key="app.txt", Body=b"app only", ServerSideEncryption="aws:kms", SSEKMSKeyId="alias/app-key")
managed = admin_s3.put_object(Bucket=B, Key="managed.txt", Body=b"aws/s3", ServerSideEncryption="aws:kms")
aws_s3 = admin_kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
check("SSE-KMS without a key uses aws/s3, created on first use",
      managed["SSEKMSKeyId"] == aws_s3["Arn"] and aws_s3["KeyManager"] == "AWS", (managed, aws_s3))
head = admin_s3.head_object(Bucket=B, Key="shared.txt")
check("HeadObject tells the encryption", head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == shared, head)

check("the partner reads an object under the key its account may use",
      partner_s3.get_object(Bucket=B, Key="shared.txt")["Body"].read() == b"for the partner")
code, message = error(lambda: partner_s3.get_object(Bucket=B, Key="app.txt"))
check("the partner is refused an object under a key that does not admit its account, with KMS's reason",
      code == "AccessDenied" and "kms:Decrypt" in message and app_key in message, (code, message))
code, message = error(lambda: partner_s3.get_object(Bucket=B, Key="managed.txt"))
check("aws/s3 cannot be used from another account", code == "AccessDenied" and "kms:Decrypt" in message, (code, message))
code, message = error(lambda: stranger_s3.get_object(Bucket=B, Key="shared.txt"))
check("the key policy admits the account, but its IAM policy must too", code == "AccessDenied" and "kms:Decrypt" in message, (code, message))
check("HeadObject needs no kms:Decrypt", partner_s3.head_object(Bucket=B, Key="app.txt")["ServerSideEncryption"] == "aws:kms")
check("the owner reads its aws/s3 object", admin_s3.get_object(Bucket=B, Key="managed.txt")["Body"].read() == b"aws/s3")

admin_s3.put_bucket_encryption(Bucket=B, ServerSideEncryptionConfiguration={"Rules": [{
    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": shared}, "BucketKeyEnabled": True}]})
rules = admin_s3.get_bucket_encryption(Bucket=B)["ServerSideEncryptionConfiguration"]["Rules"]
check("PutBucketEncryption / GetBucketEncryption", rules[0]["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == shared, rules)
defaulted = admin_s3.put_object(Bucket=B, Key="defaulted.txt", Body=b"d")
check("the bucket's default encryption applies with its bucket key",
      defaulted["ServerSideEncryption"] == "aws:kms" and defaulted["SSEKMSKeyId"] == shared and defaulted.get("BucketKeyEnabled") is True, defaulted)
check("and the partner reads it", partner_s3.get_object(Bucket=B, Key="defaulted.txt")["Body"].read() == b"d")
admin_s3.delete_bucket_encryption(Bucket=B)
check("DeleteBucketEncryption: back to SSE-S3",
      admin_s3.get_bucket_encryption(Bucket=B)["ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256")

copied = admin_s3.copy_object(Bucket=B, Key="copy.txt", CopySource={"Bucket": B, "Key": "app.txt"}, ServerSideEncryption="aws:kms", SSEKMSKeyId=shared)
check("CopyObject re-encrypts under the key it names", copied["ServerSideEncryption"] == "aws:kms" and copied["SSEKMSKeyId"] == shared, copied)
check("so the partner reads the copy", partner_s3.get_object(Bucket=B, Key="copy.txt")["Body"].read() == b"app only")

check("app writes under the key that delegates to IAM",
      app_s3.put_object(Bucket=B, Key="by-app.txt", Body=b"a", ServerSideEncryption="aws:kms", SSEKMSKeyId=app_key)["SSEKMSKeyId"] == app_key)
code, message = error(lambda: app_s3.put_object(Bucket=B, Key="x.txt", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId="alias/private-key"))
check("writing needs kms:GenerateDataKey on the key: S3 allows, the key policy does not",
      code == "AccessDenied" and "kms:GenerateDataKey" in message, (code, message))
check("and nothing was written", error(lambda: admin_s3.head_object(Bucket=B, Key="x.txt"))[0] in ("404", "NoSuchKey"))
code, _ = error(lambda: admin_s3.put_object(Bucket=B, Key="x.txt", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId="alias/nothing"))
check("an unknown key: KMS.NotFoundException", code == "KMS.NotFoundException", code)
code, _ = error(lambda: admin_s3.put_object(Bucket=B, Key="x.txt", Body=b"x", ServerSideEncryption="bogus"))
check("an unknown algorithm: InvalidArgument", code == "InvalidArgument", code)
admin_kms.disable_key(KeyId=shared)
code, _ = error(lambda: partner_s3.get_object(Bucket=B, Key="shared.txt"))
check("a disabled key: KMS.DisabledException", code == "KMS.DisabledException", code)
admin_kms.enable_key(KeyId=shared)

if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)
print("sse-kms checks passed")
