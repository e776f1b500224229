import CPython
import Foundation

/// The one embedded CPython of this process: started once, never finalized (finalizing after boto3
/// costs 100+ ms and the worker exits right after the script anyway).
enum PythonInterpreter {
    struct StartError: Error, CustomStringConvertible { var description: String }

    /// Guards start-up and serializes runs: `sys.argv`, `sys.path` and the working directory are
    /// process-wide, so two scripts cannot run at once in one interpreter.
    static let lock = NSRecursiveLock()
    nonisolated(unsafe) private static var started = false
    /// Set once under `lock`; read only under `lock` afterwards.
    nonisolated(unsafe) private static var runnerModule: UnsafeMutablePointer<PyObject>?

    /// Starts the interpreter with an isolated configuration (no site, no environment variables,
    /// no user site-packages) and loads the runner module. `argv` and `executable` become
    /// `sys.argv`/`sys.executable`; the runner resets them for each script anyway.
    static func start(executable: String, argv: [String], installSignalHandlers: Bool) throws(StartError) {
        lock.lock()
        defer { lock.unlock() }
        if started { return }

        // UTF-8 mode: scripts get UTF-8 stdio and file names whatever the host's locale is
        // (a job started from a service often has LANG unset, which would mean ASCII).
        var preconfig = PyPreConfig()
        PyPreConfig_InitIsolatedConfig(&preconfig)
        preconfig.utf8_mode = 1
        try check(Py_PreInitialize(&preconfig), "pre-initialization")

        // PyConfig lives on the heap: passing `&config` and `&config.field` to one call would be
        // an exclusivity violation in Swift.
        let config = UnsafeMutablePointer<PyConfig>.allocate(capacity: 1)
        defer { PyConfig_Clear(config); config.deallocate() }
        PyConfig_InitIsolatedConfig(config)
        config.pointee.site_import = 0
        config.pointee.parse_argv = 0
        config.pointee.buffered_stdio = 0  // the host streams the job's output live through a pipe
        config.pointee.install_signal_handlers = installSignalHandlers ? 1 : 0
        try check(PyConfig_SetBytesString(config, &config.pointee.program_name, executable), "program name")
        try check(PyConfig_SetBytesString(config, &config.pointee.executable, executable), "executable")
        let cArgs = argv.map { strdup($0) }
        defer { cArgs.forEach { free($0) } }
        var argvPointers: [UnsafeMutablePointer<CChar>?] = cArgs
        try check(
            PyConfig_SetBytesArgv(config, Py_ssize_t(argv.count), &argvPointers), "argv")
        // sys.path is left to the interpreter's own path computation (from /usr/bin/python3.11 or the
        // venv's pyvenv.cfg): the runner keeps exactly those stdlib entries and puts the script's
        // folder and the module paths in front for every run.
        try check(Py_InitializeFromConfig(config), "start-up")

        let module = try loadRunner()
        runnerModule = module
        started = true
        // Release the GIL: every run takes it with PyGILState_Ensure, from whatever thread calls.
        _ = PyEval_SaveThread()
    }

    /// Calls `name(argument)` in the runner module with the GIL held and returns its integer result;
    /// nil if the call itself failed (the error has been printed).
    static func callRunner(_ name: String, _ argument: String) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard let module = runnerModule else { return nil }
        let gil = PyGILState_Ensure()
        defer { PyGILState_Release(gil) }
        guard let function = PyObject_GetAttrString(module, name) else {
            printPythonError()
            return nil
        }
        defer { glueshim_Py_DecRef(function) }
        guard let arg = PyUnicode_FromString(argument) else {
            printPythonError()
            return nil
        }
        defer { glueshim_Py_DecRef(arg) }
        guard let result = PyObject_CallOneArg(function, arg) else {
            printPythonError()
            return nil
        }
        defer { glueshim_Py_DecRef(result) }
        let value = PyLong_AsLong(result)
        if PyErr_Occurred() != nil {
            printPythonError()
            return nil
        }
        return value
    }

    private static func loadRunner() throws(StartError) -> UnsafeMutablePointer<PyObject> {
        guard let code = Py_CompileString(runnerSource, "<glueshim runner>", glueshim_Py_file_input()) else {
            printPythonError()
            throw StartError(description: "glueshim: the embedded runner does not compile (a bug in glueshim)")
        }
        defer { glueshim_Py_DecRef(code) }
        guard let module = PyImport_ExecCodeModule("_glueshim_runner", code) else {
            printPythonError()
            throw StartError(
                description: "glueshim: the Python standard library does not load; "
                    + "reinstall it with `apt-get install --reinstall libpython3.11-stdlib`")
        }
        return module
    }

    /// Prints a pending Python error without PyErr_Print, which would exit the process on SystemExit.
    private static func printPythonError() {
        var type: UnsafeMutablePointer<PyObject>?
        var value: UnsafeMutablePointer<PyObject>?
        var traceback: UnsafeMutablePointer<PyObject>?
        PyErr_Fetch(&type, &value, &traceback)
        defer { glueshim_Py_DecRef(type); glueshim_Py_DecRef(value); glueshim_Py_DecRef(traceback) }
        var text = "unknown error"
        if let value, let string = PyObject_Str(value) {
            if let utf8 = PyUnicode_AsUTF8(string) { text = String(cString: utf8) }
            glueshim_Py_DecRef(string)
        }
        PyErr_Clear()
        writeStandardError("glueshim: internal Python error: \(text)")
    }

    private static func check(_ status: PyStatus, _ step: String) throws(StartError) {
        guard PyStatus_Exception(status) != 0 else { return }
        let message = status.err_msg.map { String(cString: $0) } ?? "unknown error"
        throw StartError(
            description: "glueshim: the embedded Python failed at \(step): \(message); "
                + "check that `libpython3.11` and `libpython3.11-stdlib` are installed (`apt-get install libpython3-dev`)")
    }
}
