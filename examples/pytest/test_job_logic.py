from job_logic import copy_latest

JOB_ROLE = "arn:aws:iam::111111111111:role/glue-role-test"
DATA_ROLE = "arn:aws:iam::222222222222:role/glue-role-test-to-be-assumed"
DATA_BUCKET = "bucket-kjshadjas-3432-dsadas"


def test_job_role_cannot_read_the_data_bucket(glueshim_endpoint):
    s3 = glueshim_endpoint(JOB_ROLE).client("s3")
    assert copy_latest(s3, DATA_BUCKET, "test_path/", "aws-glue-assets-111111111111-us-east-1") == "AccessDenied"


def test_data_role_copies_within_its_account(glueshim_endpoint):
    s3 = glueshim_endpoint(DATA_ROLE).client("s3")
    assert copy_latest(s3, DATA_BUCKET, "test_path/", DATA_BUCKET) == "test_path/some_demo_file.gz"


def test_identity_is_the_role_session(glueshim_endpoint):
    arn = glueshim_endpoint(JOB_ROLE).client("sts").get_caller_identity()["Arn"]
    assert arn.startswith("arn:aws:sts::111111111111:assumed-role/glue-role-test/")
