import boto3
from botocore.exceptions import ClientError

sts = boto3.client("sts")
role = "arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed"
try:
    sts.assume_role(RoleArn=role, RoleSessionName="no-external-id")
    print("without ExternalId: allowed")
except ClientError as error:
    print(f"without ExternalId: {error.response['Error']['Code']}")
arn = sts.assume_role(RoleArn=role, RoleSessionName="with-external-id", ExternalId="glue-job-7f3a")["AssumedRoleUser"]["Arn"]
print(f"with ExternalId: {arn}")
