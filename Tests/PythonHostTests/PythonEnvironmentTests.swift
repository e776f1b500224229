import Foundation
import TestSupport
import Testing
@testable import PythonHost

@Suite struct PythonEnvironmentCacheTests {
    @Test func cacheDirectoryPrecedence() {
        #expect(PythonEnvironment.cacheDirectory(environment: ["GLUESHIM_CACHE": "/c", "XDG_CACHE_HOME": "/x", "HOME": "/h"]) == "/c")
        #expect(PythonEnvironment.cacheDirectory(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]) == "/x/glueshim")
        #expect(PythonEnvironment.cacheDirectory(environment: ["GLUESHIM_CACHE": "", "HOME": "/h"]) == "/h/.cache/glueshim")
    }

    @Test func aVenvWithoutTheMarkerIsNotTakenAsGood() throws {
        let folder = temporaryFolder("venv")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: folder.appendingPathComponent("bin/python3").path, withDestinationPath: "/usr/bin/python3")
        #expect(!VenvBuilder.isComplete(folder.path))
        try "boto3==0.0.1\n".write(to: folder.appendingPathComponent(VenvBuilder.markerName), atomically: true, encoding: .utf8)
        #expect(!VenvBuilder.isComplete(folder.path))
        try VenvBuilder.marker.write(to: folder.appendingPathComponent(VenvBuilder.markerName), atomically: true, encoding: .utf8)
        #expect(VenvBuilder.isComplete(folder.path))
    }

    @Test func supportFolderIsCopiedOnceByContent() throws {
        let cache = temporaryFolder("cache")
        defer { try? FileManager.default.removeItem(at: cache) }
        let first = try SupportFolder.install(from: PythonEnvironment.bundledSupportFolder, cache: cache.path)
        let second = try SupportFolder.install(from: PythonEnvironment.bundledSupportFolder, cache: cache.path)
        #expect(first == second)
        #expect(FileManager.default.fileExists(atPath: first + "/awsglue/utils.py"))
        #expect(FileManager.default.fileExists(atPath: first + "/glueshim_hostguard.py"))
    }
}

extension InProcessPython {
    /// The real venv in the user's cache: the first run installs boto3 from PyPI (about 15 s), later runs reuse it.
    @Suite struct PythonEnvironmentTests {
        @Test(.timeLimit(.minutes(5))) func provisionsAVenvWithPinnedBoto3() throws {
            let lines = LineCollector()
            let cache = PythonEnvironment.cacheDirectory(environment: ProcessInfo.processInfo.environment)
            let environment = try PythonEnvironment.provision(cache: cache) { lines.add($0) }
            #expect(FileManager.default.isExecutableFile(atPath: environment.pythonExecutable))
            #expect(FileManager.default.fileExists(atPath: environment.sitePackages + "/boto3/__init__.py"))
            #expect(FileManager.default.fileExists(atPath: environment.supportPath + "/awsglue/utils.py"))

            // Later calls return at once.
            let start = ContinuousClock.now
            let again = try PythonEnvironment.provision(cache: cache) { _ in Issue.record("no progress expected once the cache is ready") }
            #expect(again == environment)
            #expect(ContinuousClock.now - start < .milliseconds(500))

            let run = runScript(
                """
                import time
                start = time.perf_counter()
                import boto3, botocore
                elapsed = time.perf_counter() - start
                emit([boto3.__version__, botocore.__version__, boto3.__file__, elapsed])
                """,
                modulePaths: environment.modulePaths, pythonExecutable: environment.pythonExecutable)
            #expect(run.status == 0, "\(run.stderr)")
            let values = try #require(run.result as? [Any])
            #expect(values[0] as? String == PythonEnvironment.boto3Version)
            #expect(values[1] as? String == PythonEnvironment.boto3Version)
            #expect((values[2] as? String)?.hasPrefix(environment.sitePackages) == true)
        }
    }
}

/// Collects progress lines from a @Sendable callback.
final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func add(_ line: String) { lock.withLock { storage.append(line) } }
    var lines: [String] { lock.withLock { storage } }
}
