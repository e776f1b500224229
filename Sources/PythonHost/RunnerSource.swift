extension PythonInterpreter {
    /// The Python side of ScriptRunner, compiled into the private module `_glueshim_runner` at start-up.
    /// It is embedded rather than read from the support folder so a run never depends on files the
    /// sandbox might hide. `run` returns the exit status the way `python3 script.py` would end.
    static let runnerSource = #"""
import os
import sys
import json
import runpy

# The interpreter computed these from its own prefix at start-up (no site, no PYTHONPATH):
# the standard library and nothing else.
STDLIB_PATHS = list(sys.path)


def _write_error(text):
    try:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    except Exception:
        pass


def _script_traceback(tb, script):
    # Drop the frames of this runner and of runpy, so the traceback reads like `python3 script.py`.
    frame = tb
    while frame is not None:
        if frame.tb_frame.f_code.co_filename == script:
            return frame
        frame = frame.tb_next
    return tb


def _exit_status(code):
    # Same rules as the interpreter's own handling of SystemExit at the top level.
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    _write_error(str(code))
    return 1


def _is_glue_argument_error(error):
    # Glue ends a job whose getResolvedOptions finds a required argument missing with status 2.
    for cls in type(error).__mro__:
        if cls.__name__ == "GlueArgumentError" and cls.__module__ == "awsglue.utils":
            return True
    return False


def _prepare(spec):
    script = spec["scriptPath"]
    sys.argv = list(spec["argv"]) or [script]
    sys.executable = spec["pythonExecutable"]
    sys._base_executable = spec["pythonExecutable"]
    # Like a venv's own python: sys.prefix names the venv (pip, sysconfig and "am I in a venv?" checks).
    venv = os.path.dirname(os.path.dirname(spec["pythonExecutable"]))
    if os.path.isfile(os.path.join(venv, "pyvenv.cfg")):
        sys.prefix = sys.exec_prefix = venv
    else:
        sys.prefix, sys.exec_prefix = sys.base_prefix, sys.base_exec_prefix
    sys.path[:] = [os.path.dirname(os.path.abspath(script))] + list(spec["modulePaths"]) + STDLIB_PATHS
    # .pth files in the module paths (setuptools' distutils hack, namespace packages) are honoured
    # as the site module would; site itself stays off so nothing from the host leaks in.
    import site
    for folder in spec["modulePaths"]:
        site.addsitedir(folder)
    # exit(), quit() and help() are builtins only because site adds them; scripts use them.
    site.setquit()
    site.sethelper()
    os.chdir(spec["workingDirectory"])
    suffixes = spec.get("blockedHostSuffixes") or []
    # Once installed the guard stays wrapped around socket; a later run in the same process resets its list.
    if suffixes or "glueshim_hostguard" in sys.modules:
        import glueshim_hostguard
        glueshim_hostguard.install(suffixes)


def run(spec_json):
    spec = json.loads(spec_json)
    script = spec["scriptPath"]
    try:
        _prepare(spec)
    except ImportError as error:
        _write_error("glueshim: cannot load glueshim's support package (%s); pass the support folder "
                     "(PythonEnvironment.supportPath) in modulePaths" % error)
        return 2
    except OSError as error:
        _write_error("glueshim: cannot prepare the job (%s); check the working directory and module paths "
                     "in the worker spec" % error)
        return 2
    if not os.path.isfile(script):
        _write_error("glueshim: can't open the job script %r: no such file inside the worker; "
                     "write it into the run folder before starting the worker" % script)
        return 2
    try:
        runpy.run_path(script, run_name="__main__")
        status = 0
    except SystemExit as error:
        status = _exit_status(error.code)
    except BaseException as error:
        import traceback  # only when needed: it costs a few ms at start-up
        traceback.print_exception(type(error), error, _script_traceback(error.__traceback__, script))
        if _is_glue_argument_error(error):
            status = 2
        elif isinstance(error, KeyboardInterrupt):
            status = 130
        else:
            status = 1
    _flush()
    return status


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def finish(_unused=None):
    # What Py_FinalizeEx would do that a script can observe: wait for non-daemon threads, run
    # atexit handlers (logging.shutdown among them), flush. The worker then _exits.
    try:
        import threading
        threading._shutdown()
    except BaseException:
        pass
    try:
        import atexit
        atexit._run_exitfuncs()
    except BaseException:
        pass
    _flush()
    return 0
"""#
}
