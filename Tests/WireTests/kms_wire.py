"""KMS through boto3 against glueshim serve on kms-world.yaml: keys, aliases, key policies,
state, tags, real encryption with encryption context, grants, and KMS's authorization."""
import base64
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})
failures = []


def kms(key_id, secret):
    return boto3.client("kms", aws_access_key_id=key_id, aws_secret_access_key=secret, region_name="us-east-1", config=NO_RETRIES)


admin = kms("AKIAGLUESHIMKMSADMIN", "local-test-secret-for-kms-admin-000000")
app = kms("AKIAGLUESHIMKMSAPP01", "local-test-secret-for-kms-app-00000000")
grantee = kms("AKIAGLUESHIMKMSGRANT", "local-test-secret-for-kms-grantee-0000")
partner = kms("AKIAGLUESHIMPARTNER1", "local-test-secret-for-partner-000000000")
stranger = kms("AKIAGLUESHIMSTRANGER", "local-test-secret-for-stranger-00000000")


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


# Keys and aliases
created = admin.create_key(Description="made by the test", Tags=[{"TagKey": "purpose", "TagValue": "test"}])["KeyMetadata"]
check("CreateKey returns the key's metadata", created["KeyState"] == "Enabled" and created["KeyManager"] == "CUSTOMER"
      and created["Arn"] == "arn:aws:kms:us-east-1:111111111111:key/" + created["KeyId"], created)
key_id = created["KeyId"]
admin.create_alias(AliasName="alias/made", TargetKeyId=key_id)
described = admin.describe_key(KeyId="alias/made")["KeyMetadata"]
check("DescribeKey by alias name", described["KeyId"] == key_id, described)
check("DescribeKey by alias ARN", admin.describe_key(KeyId="arn:aws:kms:us-east-1:111111111111:alias/made")["KeyMetadata"]["KeyId"] == key_id)
listed = [k["KeyId"] for k in admin.list_keys()["Keys"]]
check("ListKeys lists the world's keys and the new one", key_id in listed and len(listed) == 4, listed)
aliases = {a["AliasName"]: a.get("TargetKeyId") for a in admin.list_aliases()["Aliases"]}
check("ListAliases", aliases.get("alias/made") == key_id and "alias/app-key" in aliases, aliases)
check("CreateAlias of an alias that exists: AlreadyExistsException", error(lambda: admin.create_alias(AliasName="alias/made", TargetKeyId=key_id))[0] == "AlreadyExistsException")
check("an alias under alias/aws/ is refused", error(lambda: admin.create_alias(AliasName="alias/aws/mine", TargetKeyId=key_id))[0] is not None)
check("an unknown key: NotFoundException", error(lambda: admin.describe_key(KeyId="alias/nothing"))[0] == "NotFoundException")
check("ListResourceTags", admin.list_resource_tags(KeyId=key_id)["Tags"] == [{"TagKey": "purpose", "TagValue": "test"}])
admin.tag_resource(KeyId=key_id, Tags=[{"TagKey": "stage", "TagValue": "dev"}])
admin.untag_resource(KeyId=key_id, TagKeys=["purpose"])
check("TagResource and UntagResource", admin.list_resource_tags(KeyId=key_id)["Tags"] == [{"TagKey": "stage", "TagValue": "dev"}])

# Encryption
blob = admin.encrypt(KeyId="alias/made", Plaintext=b"secret value", EncryptionContext={"app": "etl"})["CiphertextBlob"]
plain = admin.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "etl"})
check("Encrypt then Decrypt (the blob names its key)", plain["Plaintext"] == b"secret value" and plain["KeyId"].endswith(key_id), plain)
check("Decrypt with another encryption context: InvalidCiphertextException",
      error(lambda: admin.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "other"}))[0] == "InvalidCiphertextException")
check("Decrypt without the context: InvalidCiphertextException", error(lambda: admin.decrypt(CiphertextBlob=blob))[0] == "InvalidCiphertextException")
check("Decrypt naming another key: IncorrectKeyException",
      error(lambda: admin.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "etl"}, KeyId="alias/app-key"))[0] == "IncorrectKeyException")
tampered = bytearray(blob)
tampered[-1] ^= 1
check("a tampered blob: InvalidCiphertextException",
      error(lambda: admin.decrypt(CiphertextBlob=bytes(tampered), EncryptionContext={"app": "etl"}))[0] == "InvalidCiphertextException")
data_key = admin.generate_data_key(KeyId=key_id, KeySpec="AES_256")
check("GenerateDataKey: 32 bytes, and its blob decrypts to them",
      len(data_key["Plaintext"]) == 32 and admin.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"] == data_key["Plaintext"])
without = admin.generate_data_key_without_plaintext(KeyId=key_id, NumberOfBytes=16)
check("GenerateDataKeyWithoutPlaintext", "Plaintext" not in without and len(admin.decrypt(CiphertextBlob=without["CiphertextBlob"])["Plaintext"]) == 16)
check("GenerateRandom", len(admin.generate_random(NumberOfBytes=24)["Plaintext"]) == 24)
moved = admin.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext={"app": "etl"}, DestinationKeyId="alias/app-key")
check("ReEncrypt to another key", admin.decrypt(CiphertextBlob=moved["CiphertextBlob"])["Plaintext"] == b"secret value"
      and moved["KeyId"].endswith(admin.describe_key(KeyId="alias/app-key")["KeyMetadata"]["KeyId"]), moved)

# Key state
admin.disable_key(KeyId=key_id)
check("a disabled key: DisabledException", error(lambda: admin.encrypt(KeyId=key_id, Plaintext=b"x"))[0] == "DisabledException")
admin.enable_key(KeyId=key_id)
scheduled = admin.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
check("ScheduleKeyDeletion", scheduled["KeyState"] == "PendingDeletion" and scheduled["PendingWindowInDays"] == 7, scheduled)
code, message = error(lambda: admin.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "etl"}))
check("a key pending deletion: KMSInvalidStateException", code == "KMSInvalidStateException" and "pending deletion" in message, (code, message))
admin.cancel_key_deletion(KeyId=key_id)
check("CancelKeyDeletion leaves the key disabled", admin.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled")
admin.enable_key(KeyId=key_id)

# Key policies
check("ListKeyPolicies", admin.list_key_policies(KeyId=key_id)["PolicyNames"] == ["default"])
policy = admin.get_key_policy(KeyId="alias/private-key", PolicyName="default")["Policy"]
check("GetKeyPolicy returns the world's key policy", "AdminOnly" in policy, policy)
lockout = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:user/app"}, "Action": "kms:Decrypt", "Resource": "*"}]}'
check("a key policy that locks the caller out: MalformedPolicyDocumentException",
      error(lambda: admin.put_key_policy(KeyId=key_id, PolicyName="default", Policy=lockout))[0] == "MalformedPolicyDocumentException")

# Authorization: the key policy must allow; an account-root statement delegates to IAM.
app_blob = app.encrypt(KeyId="alias/app-key", Plaintext=b"app data")["CiphertextBlob"]
check("app encrypts with the key that delegates to IAM", app.decrypt(CiphertextBlob=app_blob)["Plaintext"] == b"app data")
code, message = error(lambda: app.encrypt(KeyId="alias/private-key", Plaintext=b"x"))
check("app is refused the key whose policy names only admin, whatever its IAM policy says",
      code == "AccessDeniedException" and "kms:Encrypt" in message and "arn:aws:iam::111111111111:user/app" in message, (code, message))
code, message = error(lambda: grantee.encrypt(KeyId="alias/app-key", Plaintext=b"x"))
check("without an IAM policy, delegation to IAM gives nothing", code == "AccessDeniedException", (code, message))

# Across accounts: both the key policy and the caller's IAM policy; the key named by ARN.
shared = admin.describe_key(KeyId="alias/shared-key")["KeyMetadata"]["Arn"]
shared_blob = admin.encrypt(KeyId=shared, Plaintext=b"for the partner")["CiphertextBlob"]
check("the partner decrypts with the shared key", partner.decrypt(CiphertextBlob=shared_blob)["Plaintext"] == b"for the partner")
check("the partner describes it by ARN", partner.describe_key(KeyId=shared)["KeyMetadata"]["Arn"] == shared)
code, message = error(lambda: stranger.decrypt(CiphertextBlob=shared_blob))
check("a principal of the partner account without an IAM policy is refused", code == "AccessDeniedException", (code, message))
code, message = error(lambda: partner.decrypt(CiphertextBlob=app_blob))
check("the partner is refused a key whose policy does not name its account",
      code == "AccessDeniedException" and "kms:Decrypt" in message, (code, message))
check("an alias name means the caller's own account", error(lambda: partner.describe_key(KeyId="alias/shared-key"))[0] == "NotFoundException")

# Grants
grant = admin.create_grant(KeyId=key_id, GranteePrincipal="arn:aws:iam::111111111111:user/grantee", Operations=["Decrypt", "Encrypt"],
                           Constraints={"EncryptionContextSubset": {"app": "etl"}}, Name="etl-grant")
grants = admin.list_grants(KeyId=key_id)["Grants"]
check("CreateGrant and ListGrants", [g["GrantId"] for g in grants] == [grant["GrantId"]] and grants[0]["Operations"] == ["Decrypt", "Encrypt"], grants)
check("the grantee decrypts through the grant", grantee.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "etl"})["Plaintext"] == b"secret value")
other_blob = admin.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext={"app": "billing"})["CiphertextBlob"]
check("outside the grant's constraints it is refused",
      error(lambda: grantee.decrypt(CiphertextBlob=other_blob, EncryptionContext={"app": "billing"}))[0] == "AccessDeniedException")
check("and for operations the grant does not give",
      error(lambda: grantee.generate_data_key(KeyId=key_id, KeySpec="AES_128", EncryptionContext={"app": "etl"}))[0] == "AccessDeniedException")
admin.revoke_grant(KeyId=key_id, GrantId=grant["GrantId"])
check("after RevokeGrant the grantee is refused",
      error(lambda: grantee.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "etl"}))[0] == "AccessDeniedException")
second = admin.create_grant(KeyId=key_id, GranteePrincipal="arn:aws:iam::111111111111:user/grantee", Operations=["Decrypt"],
                            RetiringPrincipal="arn:aws:iam::111111111111:user/grantee")
grantee.retire_grant(GrantToken=second["GrantToken"])
check("the retiring principal retires a grant", admin.list_grants(KeyId=key_id)["Grants"] == [])

if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)
print("kms checks passed")
