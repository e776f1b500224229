import Foundation

/// Why the job's Python environment could not be made ready: one line with the cause and the fix.
public struct PythonEnvironmentError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The job's Python: Debian's interpreter plus a cached venv with pinned boto3/botocore, and the folder
/// holding glueshim's own `awsglue` package and host guard.
public struct PythonEnvironment: Sendable, Codable, Hashable {
    public static let boto3Version = "1.44.5"  // botocore is pinned to the same version
    /// The interpreter the venv is made from (Debian's; its libpython is the one glueshim embeds).
    public static let basePython = "/usr/bin/python3"
    static let pythonVersion = "3.11"

    /// The venv's bin/python3.
    public var pythonExecutable: String
    /// The venv's lib/python3.11/site-packages.
    public var sitePackages: String
    /// Folder holding glueshim's own `awsglue` package (copied from the bundle's python/ folder).
    public var supportPath: String

    public init(pythonExecutable: String, sitePackages: String, supportPath: String) {
        self.pythonExecutable = pythonExecutable
        self.sitePackages = sitePackages
        self.supportPath = supportPath
    }

    /// The module paths a worker needs, in order: glueshim's support folder, then the venv.
    public var modulePaths: [String] { [supportPath, sitePackages] }

    /// The python/ folder inside this build's resource bundle (awsglue, the host guard).
    public static var bundledSupportFolder: String {
        Bundle.module.url(forResource: "python", withExtension: nil)!.path
    }

    /// Cache folder for the host's `environment` (read by the command line): $GLUESHIM_CACHE, else
    /// $XDG_CACHE_HOME/glueshim, else ~/.cache/glueshim.
    public static func cacheDirectory(environment: [String: String]) -> String {
        if let path = environment["GLUESHIM_CACHE"], !path.isEmpty { return path }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/glueshim" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.cache/glueshim"
    }

    /// ~/.cache/glueshim, for callers that were given no cache folder.
    public static var defaultCacheDirectory: String { NSHomeDirectory() + "/.cache/glueshim" }

    /// Makes the environment ready and returns it. The first call creates the venv (`python3 -m venv`,
    /// then `pip install boto3==V botocore==V`, pip's lines passed to `progress`) in a temporary folder
    /// and renames it into place with a marker of the pinned versions, so an interrupted install is never
    /// taken as good; later calls return at once. Concurrent callers (other glueshim processes) wait
    /// on a lock file instead of installing twice. `cache` is the cache folder (`cacheDirectory(environment:)`).
    public static func provision(cache: String, progress: @Sendable (String) -> Void) throws(PythonEnvironmentError) -> PythonEnvironment {
        let files = FileManager.default
        do {
            try files.createDirectory(atPath: cache, withIntermediateDirectories: true)
        } catch {
            throw PythonEnvironmentError("glueshim: cannot create the cache folder \(cache) (\(error.localizedDescription)); make it writable or point GLUESHIM_CACHE at a writable folder")
        }
        let support = try SupportFolder.install(from: bundledSupportFolder, cache: cache)
        let venv = cache + "/venv-py\(pythonVersion)-boto3-\(boto3Version)"
        let environment = PythonEnvironment(
            pythonExecutable: venv + "/bin/python3",
            sitePackages: venv + "/lib/python\(pythonVersion)/site-packages",
            supportPath: support)
        if VenvBuilder.isComplete(venv) { return environment }

        let lock = try FileLock(path: cache + "/provision.lock")
        defer { lock.unlock() }
        // Another process may have finished while this one waited for the lock.
        if VenvBuilder.isComplete(venv) { return environment }
        try VenvBuilder.build(at: venv, cache: cache, progress: progress)
        return environment
    }
}
