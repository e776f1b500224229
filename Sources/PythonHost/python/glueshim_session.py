"""glueshim's interactive-session interpreter: one live Python per Glue session.

Started by glueshim as the script of a sandboxed worker (its own /tmp, the runtime role's
credentials behind the container-credentials endpoint). It reads statements as JSON lines
({"id": N, "code": "..."}) on standard input and answers each on file descriptor 3 with one
JSON line: {"status": "ok", "text": ...} or {"status": "error", "ename", "evalue",
"traceback", "text"}, or {"status": "cancelled", ...} after an interrupt (SIGINT).
Statements share one namespace, as the cells of a notebook do. The printed output and the
value of a final expression make the statement's text, as a notebook shows them.
"""

import ast
import builtins
import io
import json
import os
import signal
import sys
import traceback
import types

SPARK_NAMES = {"spark", "sc", "glueContext", "sqlContext", "SparkContext", "GlueContext", "SparkSession",
               "SQLContext", "DynamicFrame", "Job"}
SPARK_MODULES = ("pyspark", "awsglue.context", "awsglue.dynamicframe", "awsglue.transforms", "awsglue.job",
                 "awsglue.gluetypes")
SPARK_NOTE = ("glueshim runs session statements in plain Python: Spark does not exist locally, so "
              "SparkContext, GlueContext and the spark/glueContext names are not defined; plain Python, "
              "boto3 and awsglue.utils work")
FILENAME = "<stdin>"


class _Capture(io.StringIO):
    """Collects what a statement prints, from print() and from sys.stdout/sys.stderr writes."""

    @property
    def encoding(self):
        return "utf-8"

    def isatty(self):
        return False


def _needs_spark(error):
    if isinstance(error, NameError) and getattr(error, "name", None) in SPARK_NAMES:
        return True
    if isinstance(error, ImportError):
        name = getattr(error, "name", None) or ""
        return any(name == m or name.startswith(m + ".") for m in SPARK_MODULES)
    return False


def _user_traceback(error):
    # Only the statement's own frames, as `python3 -i` would show them.
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != FILENAME:
        tb = tb.tb_next
    if isinstance(error, SyntaxError):
        return traceback.format_exception_only(type(error), error)
    return traceback.format_exception(type(error), error, tb)


def execute(code, namespace):
    capture = _Capture()
    saved = sys.stdout, sys.stderr
    reply = {"status": "ok"}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        sys.stdout = sys.stderr = capture
        try:
            tree = ast.parse(code, FILENAME, "exec")
            last = None
            if tree.body and isinstance(tree.body[-1], ast.Expr):
                last = ast.Expression(tree.body.pop().value)
            exec(compile(tree, FILENAME, "exec"), namespace)
            if last is not None:
                value = eval(compile(last, FILENAME, "eval"), namespace)
                if value is not None:
                    namespace["_"] = value
                    print(repr(value))
        except KeyboardInterrupt:
            reply = {"status": "cancelled", "ename": "KeyboardInterrupt", "evalue": "the statement was cancelled",
                     "traceback": []}
        except SystemExit as error:
            reply = {"status": "error", "ename": "SystemExit", "evalue": str(error.code),
                     "traceback": ["SystemExit: %s\n" % error.code]}
        except BaseException as error:
            value = str(error)
            if _needs_spark(error):
                value = "%s (%s)" % (value, SPARK_NOTE)
            reply = {"status": "error", "ename": type(error).__name__, "evalue": value,
                     "traceback": _user_traceback(error)}
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sys.stdout, sys.stderr = saved
    text = capture.getvalue()
    reply["text"] = text[:-1] if text.endswith("\n") else text
    return reply


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Statements come on stdin; the statements themselves get an empty stdin, as in Glue.
    commands = os.fdopen(os.dup(0), "r", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    replies = os.fdopen(os.dup(3), "w", encoding="utf-8")
    os.close(3)
    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = module
    sys.argv = [""]
    replies.write(json.dumps({"status": "ready", "pid": os.getpid()}) + "\n")
    replies.flush()
    for line in commands:
        if not line.strip():
            continue
        request = json.loads(line)
        reply = execute(request.get("code", ""), module.__dict__)
        reply["id"] = request.get("id")
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
