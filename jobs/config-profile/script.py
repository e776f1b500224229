import boto3

data = boto3.Session(profile_name="data")
print("identity:", data.client("sts").get_caller_identity()["Arn"])
body = data.client("s3").get_object(Bucket="bucket-kjshadjas-3432-dsadas", Key="test_path/some_demo_file.gz")["Body"].read()
print("read", len(body), "bytes")
