import Foundation
import TestSupport
import Testing

/// Glue interactive sessions through boto3 against `glueshim serve`: a user with
/// AwsGlueSessionUserRestrictedPolicy creates a private session (owner tag = their UserId, as
/// the sessions kernel does) and runs statements in its live Python under the runtime role.
@Suite(.serialized) struct GlueSessionEndToEndTests {
    static let userA = "arn:aws:iam::111111111111:user/session-user-a"

    static let prelude = """
    import json, time, boto3
    from botocore.exceptions import ClientError
    glue = boto3.client("glue")
    ROLE = "arn:aws:iam::111111111111:role/AwsGlueSessionUserRestrictedServiceRole-glueshim"
    OWNER = boto3.client("sts").get_caller_identity()["UserId"].replace(",", "")
    def wait_session(sid, states=("READY",), timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            s = glue.get_session(Id=sid)["Session"]
            if s["Status"] in states or s["Status"] in ("FAILED", "TIMEOUT", "STOPPED"):
                return s
            time.sleep(0.1)
        raise SystemExit("session did not reach " + str(states))
    def run(sid, code, timeout=60):
        sid_ = glue.run_statement(SessionId=sid, Code=code)["Id"]
        end = time.time() + timeout
        while time.time() < end:
            st = glue.get_statement(SessionId=sid, Id=sid_)["Statement"]
            if st["State"] in ("AVAILABLE", "CANCELLED", "ERROR"):
                return st
            time.sleep(0.1)
        raise SystemExit("statement did not finish")
    def error(fn, **kw):
        try:
            fn(**kw)
            return None
        except ClientError as e:
            return [e.response["Error"]["Code"], e.response["Error"]["Message"]]

    """

    @Test func statementsRunInALivePythonUnderTheRuntimeRole() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.statementsRunInALivePythonUnderTheRuntimeRoleBody() }

    }


    func statementsRunInALivePythonUnderTheRuntimeRoleBody() throws {
        _ = try glueshim(["run", "bench/hello.py", "--role", "glue-role-test", "--runs-dir", temporaryFolder("warm").path])
        let serve = try ServeProcess(as: Self.userA)
        let result = try serve.python(Self.prelude + """
        denied = error(glue.create_session, Id="no-owner", Role=ROLE, Command={"Name": "glueetl", "PythonVersion": "3"})
        created = glue.create_session(Id="mine", Role=ROLE, Command={"Name": "glueetl", "PythonVersion": "3"},
                                      Tags={"owner": OWNER}, IdleTimeout=60)["Session"]["Status"]
        ready = wait_session("mine")["Status"]
        first = run("mine", "x = 41\\nprint('set')")
        second = run("mine", "x + 1")
        failing = run("mine", "def f():\\n    return 1/0\\nf()")
        spark = run("mine", "df = spark.read.json('s3://b/k')")
        who = run("mine", "import boto3\\nboto3.client('sts').get_caller_identity()['Arn']")
        tmp = run("mine", "open('/tmp/session-file.txt', 'w').write('x')\\nimport os\\nsorted(os.listdir('/tmp'))")
        listed = [s["Id"] for s in glue.list_statements(SessionId="mine")["Statements"]]
        stop = glue.stop_session(Id="mine")["Id"]
        stopped = wait_session("mine", ("STOPPED",))["Status"]
        print(json.dumps({"denied": denied, "created": created, "ready": ready,
                          "first": first["Output"], "second": second["Output"], "failing": failing["Output"],
                          "spark": spark["Output"], "who": who["Output"], "tmp": tmp["Output"],
                          "listed": listed, "stop": stop, "stopped": stopped}))
        """)
        let denied = try #require(result["denied"] as? [String])
        #expect(denied.first == "AccessDeniedException")
        #expect(denied.last?.hasSuffix("because no identity-based policy allows the glue:CreateSession action") == true)
        #expect(result["created"] as? String == "PROVISIONING")
        #expect(result["ready"] as? String == "READY")
        let first = try #require(result["first"] as? [String: Any])
        #expect(first["Status"] as? String == "ok")
        #expect((first["Data"] as? [String: String])?["TextPlain"] == "set")
        let second = try #require(result["second"] as? [String: Any])
        #expect((second["Data"] as? [String: String])?["TextPlain"] == "42")
        let failing = try #require(result["failing"] as? [String: Any])
        #expect(failing["Status"] as? String == "error")
        #expect(failing["ErrorName"] as? String == "ZeroDivisionError")
        #expect(failing["ErrorValue"] as? String == "division by zero")
        let traceback = (failing["Traceback"] as? [String])?.joined() ?? ""
        #expect(traceback.contains("File \"<stdin>\", line 2, in f"))
        #expect(!traceback.contains("glueshim_session"))
        let spark = try #require(result["spark"] as? [String: Any])
        #expect(spark["ErrorName"] as? String == "NameError")
        #expect((spark["ErrorValue"] as? String)?.contains("Spark does not exist locally") == true)
        let who = try #require(result["who"] as? [String: Any])
        #expect((who["Data"] as? [String: String])?["TextPlain"] == "'arn:aws:sts::111111111111:assumed-role/AwsGlueSessionUserRestrictedServiceRole-glueshim/GlueJobRunnerSession'")
        let tmp = try #require(result["tmp"] as? [String: Any])
        #expect((tmp["Data"] as? [String: String])?["TextPlain"] == "['session-file.txt']")
        #expect(result["listed"] as? [Int] == [0, 1, 2, 3, 4, 5])
        #expect(result["stopped"] as? String == "STOPPED")
    }

    @Test func cancelInterruptsARunningStatementAndTheSessionGoesOn() async throws {

        // Waits on child processes: off Swift's cooperative threads, which the in-process endpoints of other tests need.

        try await offPool { try self.cancelInterruptsARunningStatementAndTheSessionGoesOnBody() }

    }


    func cancelInterruptsARunningStatementAndTheSessionGoesOnBody() throws {
        let serve = try ServeProcess(as: Self.userA)
        let result = try serve.python(Self.prelude + """
        glue.create_session(Id="c", Role=ROLE, Command={"Name": "glueetl"}, Tags={"owner": OWNER})
        wait_session("c")
        run("c", "n = 5")
        sid = glue.run_statement(SessionId="c", Code="import time\\ntime.sleep(60)")["Id"]
        time.sleep(1.0)
        glue.cancel_statement(SessionId="c", Id=sid)
        end = time.time() + 30
        while time.time() < end:
            st = glue.get_statement(SessionId="c", Id=sid)["Statement"]
            if st["State"] in ("CANCELLED", "AVAILABLE", "ERROR"):
                break
            time.sleep(0.1)
        after = run("c", "n * 2")
        glue.delete_session(Id="c")
        gone = error(glue.get_session, Id="c")
        print(json.dumps({"cancelled": st["State"], "after": after["Output"], "gone": gone}))
        """)
        #expect(result["cancelled"] as? String == "CANCELLED")
        #expect(((result["after"] as? [String: Any])?["Data"] as? [String: String])?["TextPlain"] == "10")
        // UntagOnDelete: with the owner tag gone, the restricted policy no longer allows GetSession.
        #expect((result["gone"] as? [String])?.first == "AccessDeniedException")
    }
}
