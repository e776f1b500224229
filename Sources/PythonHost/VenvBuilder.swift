import Foundation

/// Creates the cached venv: built in a temporary folder, checked, marked, then renamed into place.
enum VenvBuilder {
    static let markerName = ".glueshim-venv"

    static var marker: String {
        "boto3==\(PythonEnvironment.boto3Version)\nbotocore==\(PythonEnvironment.boto3Version)\npython=\(PythonEnvironment.pythonVersion)\n"
    }

    /// Only a venv that reached the rename carries the marker, so a half install never counts.
    static func isComplete(_ venv: String) -> Bool {
        guard let text = try? String(contentsOfFile: venv + "/" + markerName, encoding: .utf8) else { return false }
        return text == marker && FileManager.default.isExecutableFile(atPath: venv + "/bin/python3")
    }

    /// Call with the provisioning lock held.
    static func build(at venv: String, cache: String, progress: @Sendable (String) -> Void) throws(PythonEnvironmentError) {
        let files = FileManager.default
        let python = PythonEnvironment.basePython
        guard files.isExecutableFile(atPath: python) else {
            throw PythonEnvironmentError("glueshim: \(python) is missing; install Debian's Python with `apt-get install python3 python3-venv`")
        }
        // Leftovers of an interrupted install (the lock guarantees nobody else is building now).
        if let names = try? files.contentsOfDirectory(atPath: cache) {
            for name in names where name.hasPrefix(".venv-building-") {
                try? files.removeItem(atPath: cache + "/" + name)
            }
        }
        let building = cache + "/.venv-building-\(getpid())"
        defer { try? files.removeItem(atPath: building) }

        progress("Creating the Python environment in \(venv) (once; later runs reuse it)")
        let venvRun = Subprocess.run(python, ["-m", "venv", building], progress: { _ in })
        guard venvRun.status == 0 else {
            let output = venvRun.tail.joined(separator: " ")
            if output.contains("ensurepip") || output.contains("No module named venv") {
                throw PythonEnvironmentError("glueshim: \(python) cannot create a venv (ensurepip is not available); install it with `apt-get install python3-venv`")
            }
            throw PythonEnvironmentError("glueshim: `\(python) -m venv` failed (exit \(venvRun.status)): \(output); check that \(cache) is writable and has free space")
        }

        let pin = PythonEnvironment.boto3Version
        progress("Installing boto3 \(pin) and botocore \(pin) with pip")
        let pip = Subprocess.run(
            building + "/bin/python3",
            ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
             "boto3==\(pin)", "botocore==\(pin)"],
            progress: progress)
        guard pip.status == 0 else {
            let output = pip.tail.suffix(3).joined(separator: " ")
            throw PythonEnvironmentError("glueshim: pip could not install boto3==\(pin) botocore==\(pin) (exit \(pip.status)): \(output); check the network access to PyPI (or set PIP_INDEX_URL to a mirror) and retry")
        }

        let check = Subprocess.run(
            building + "/bin/python3", ["-c", "import boto3, botocore; print(boto3.__version__, botocore.__version__)"],
            progress: { _ in })
        guard check.status == 0, check.tail.last == "\(pin) \(pin)" else {
            throw PythonEnvironmentError("glueshim: the new environment does not import boto3 \(pin) (\(check.tail.joined(separator: " "))); delete \(cache) and retry")
        }

        rewritePaths(in: building + "/bin", from: building, to: venv)
        guard files.createFile(atPath: building + "/" + markerName, contents: Data(marker.utf8)) else {
            throw PythonEnvironmentError("glueshim: cannot write in \(building); check that \(cache) is writable and has free space")
        }
        // A venv without our marker (interrupted by an older build) is replaced.
        if files.fileExists(atPath: venv) { try? files.removeItem(atPath: venv) }
        guard rename(building, venv) == 0 else {
            throw PythonEnvironmentError("glueshim: cannot move the new environment into \(venv) (\(String(cString: strerror(errno)))); delete \(venv) and retry")
        }
        progress("Python environment ready")
    }

    /// pip's and activate's scripts name the venv's folder; the venv itself does not depend on it
    /// (bin/python3 links to /usr/bin/python3, pyvenv.cfg names /usr/bin), so only bin/ needs fixing.
    private static func rewritePaths(in bin: String, from old: String, to new: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: bin) else { return }
        for name in names {
            let path = bin + "/" + name
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                attributes[.type] as? FileAttributeType == .typeRegular,
                let text = try? String(contentsOfFile: path, encoding: .utf8), text.contains(old)
            else { continue }
            try? text.replacingOccurrences(of: old, with: new).write(toFile: path, atomically: true, encoding: .utf8)
            if name.hasPrefix("pip") || !name.contains(".") { chmod(path, 0o755) }
        }
    }
}
