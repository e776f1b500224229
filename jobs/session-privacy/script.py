import time

import boto3
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::111111111111:role/AwsGlueSessionUserRestrictedServiceRole-glueshim"


def glue_as(key_id, secret):
    session = boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret)
    return session.client("glue"), session.client("sts").get_caller_identity()["UserId"]


alice, alice_id = glue_as("AKIAGLUESHIMUSERA001", "local-test-secret-for-session-user-a")
bob, bob_id = glue_as("AKIAGLUESHIMUSERB001", "local-test-secret-for-session-user-b")


def attempt(label, call, **kwargs):
    try:
        call(**kwargs)
        print(f"{label}: allowed")
    except ClientError as error:
        print(f"{label}: {error.response['Error']['Code']}")


# The owner tag must be the creator's own user id.
attempt("alice creates a session owned by bob", alice.create_session, Id="not-mine", Role=ROLE,
        Command={"Name": "glueetl", "PythonVersion": "3"}, Tags={"owner": bob_id})
alice.create_session(Id="alice-session", Role=ROLE, Command={"Name": "glueetl", "PythonVersion": "3"}, Tags={"owner": alice_id})
while alice.get_session(Id="alice-session")["Session"]["Status"] != "READY":
    time.sleep(0.2)
statement = alice.run_statement(SessionId="alice-session", Code="answer = 6 * 7\nprint(answer)")["Id"]
while True:
    result = alice.get_statement(SessionId="alice-session", Id=statement)["Statement"]
    if result["State"] in ("AVAILABLE", "ERROR", "CANCELLED"):
        break
    time.sleep(0.2)
print("alice's statement:", result["Output"]["Data"]["TextPlain"].strip())

# Bob may not see, use or stop Alice's session; Alice may not drop her owner tag.
attempt("bob gets alice's session", bob.get_session, Id="alice-session")
attempt("bob runs a statement in alice's session", bob.run_statement, SessionId="alice-session", Code="print(answer)")
attempt("bob stops alice's session", bob.stop_session, Id="alice-session")
attempt("alice removes her owner tag", alice.untag_resource,
        ResourceArn="arn:aws:glue:us-east-1:111111111111:session/alice-session", TagsToRemove=["owner"])
alice.stop_session(Id="alice-session")
print("alice stopped her session")
