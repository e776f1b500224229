import Foundation
import TestSupport
import Testing

/// boto3 and the AWS CLI against a real `glueshim serve`.
@Suite(.serialized) struct S3WireTests {
    @Test func boto3Operations() async throws {
        // Waits on child processes: off Swift's cooperative threads, which in-process endpoints need.
        try await offPool { try self.boto3OperationsBody() }
    }

    func boto3OperationsBody() throws {
        let python = try tool("python3")
        let state = temporaryFolder("wire-state")
        defer { try? FileManager.default.removeItem(at: state) }
        let serve = try wireServe(state: state)
        defer { serve.stop() }
        let result = try runProcess(python, [scripts.appendingPathComponent("boto3_wire.py").path, "wire-boto3-bucket"], environment: serve.wireEnvironment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("boto3 wire checks passed"))
    }

    @Test func awsCLICopySyncAndS3API() async throws {
        // Waits on child processes: off Swift's cooperative threads, which in-process endpoints need.
        try await offPool { try self.awsCLICopySyncAndS3APIBody() }
    }

    func awsCLICopySyncAndS3APIBody() throws {
        let aws = try tool("aws")
        let state = temporaryFolder("wire-state")
        let files = temporaryFolder("wire-files")
        defer { try? FileManager.default.removeItem(at: state); try? FileManager.default.removeItem(at: files) }
        let serve = try wireServe(state: state)
        defer { serve.stop() }
        let env = serve.wireEnvironment
        func cli(_ args: [String]) throws -> ProcessOutput {
            let out = try runProcess(aws, args, environment: env, cwd: files)
            #expect(out.status == 0, "aws \(args.joined(separator: " ")): \(out.stderr)")
            return out
        }
        _ = try cli(["s3api", "create-bucket", "--bucket", "wire-cli-bucket"])
        let source = files.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: source.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("one".utf8).write(to: source.appendingPathComponent("one.txt"))
        try Data("two".utf8).write(to: source.appendingPathComponent("sub/two.txt"))
        var big = Data(count: 9 * 1024 * 1024)
        big.withUnsafeMutableBytes { raw in for i in stride(from: 0, to: raw.count, by: 4096) { raw[i] = UInt8(i / 4096 % 251) } }
        try big.write(to: source.appendingPathComponent("big.bin"))
        _ = try cli(["s3", "cp", source.appendingPathComponent("one.txt").path, "s3://wire-cli-bucket/cp/one.txt"])
        _ = try cli(["s3", "sync", source.path, "s3://wire-cli-bucket/sync/"])
        let listing = try cli(["s3", "ls", "--recursive", "s3://wire-cli-bucket/"]).stdout
        #expect(listing.contains("cp/one.txt") && listing.contains("sync/sub/two.txt") && listing.contains("sync/big.bin"))
        // A second sync has nothing to upload.
        #expect(try cli(["s3", "sync", source.path, "s3://wire-cli-bucket/sync/"]).stdout.isEmpty)
        let back = files.appendingPathComponent("back")
        _ = try cli(["s3", "sync", "s3://wire-cli-bucket/sync/", back.path])
        #expect(try Data(contentsOf: back.appendingPathComponent("big.bin")) == big)
        #expect(try Data(contentsOf: back.appendingPathComponent("sub/two.txt")) == Data("two".utf8))
        let head = try cli(["s3api", "head-object", "--bucket", "wire-cli-bucket", "--key", "sync/big.bin"]).stdout
        #expect(head.contains("-2\\\""))
        _ = try cli(["s3api", "put-object-tagging", "--bucket", "wire-cli-bucket", "--key", "cp/one.txt", "--tagging", "TagSet=[{Key=k,Value=v}]"])
        #expect(try cli(["s3api", "get-object-tagging", "--bucket", "wire-cli-bucket", "--key", "cp/one.txt"]).stdout.contains("\"Key\": \"k\""))
        let denied = try runProcess(aws, ["s3api", "delete-bucket", "--bucket", "wire-cli-bucket"], environment: env)
        #expect(denied.status != 0 && denied.stderr.contains("BucketNotEmpty"))
        _ = try cli(["s3", "rm", "--recursive", "s3://wire-cli-bucket/"])
        _ = try cli(["s3api", "delete-bucket", "--bucket", "wire-cli-bucket"])

        // A versioned bucket: as in AWS, `rb --force` removes only the current objects (each becomes a
        // delete marker), so the versions left keep the bucket from being deleted.
        _ = try cli(["s3api", "create-bucket", "--bucket", "wire-cli-versioned"])
        _ = try cli(["s3api", "put-bucket-versioning", "--bucket", "wire-cli-versioned", "--versioning-configuration", "Status=Enabled"])
        #expect(try cli(["s3api", "get-bucket-versioning", "--bucket", "wire-cli-versioned"]).stdout.contains("\"Enabled\""))
        // `s3 sync` into a versioned bucket: a second sync uploads nothing, a changed file becomes a
        // second version of its key.
        _ = try cli(["s3", "sync", source.path, "s3://wire-cli-versioned/sync/"])
        #expect(try cli(["s3", "sync", source.path, "s3://wire-cli-versioned/sync/"]).stdout.isEmpty)
        try Data("one, changed".utf8).write(to: source.appendingPathComponent("sub/two.txt"))
        #expect(try cli(["s3", "sync", source.path, "s3://wire-cli-versioned/sync/"]).stdout.contains("sync/sub/two.txt"))
        let synced = try cli(["s3api", "list-object-versions", "--bucket", "wire-cli-versioned", "--prefix", "sync/sub/two.txt"]).stdout
        #expect(synced.components(separatedBy: "\"VersionId\"").count - 1 == 2, "\(synced)")
        _ = try cli(["s3", "cp", source.appendingPathComponent("one.txt").path, "s3://wire-cli-versioned/one.txt"])
        let rb = try runProcess(aws, ["s3", "rb", "--force", "s3://wire-cli-versioned"], environment: env)
        #expect(rb.status != 0 && rb.stderr.contains("BucketNotEmpty"), "\(rb.stderr)")
        let versions = try cli(["s3api", "list-object-versions", "--bucket", "wire-cli-versioned"]).stdout
        #expect(versions.contains("\"DeleteMarkers\"") && versions.contains("\"Versions\"") && versions.contains("\"Key\": \"one.txt\""))
    }

    /// 100 writers upload objects, a quarter of them multipart, while `glueshim serve` is killed with
    /// SIGKILL; after a restart on the same state every acknowledged object is whole (sha256), none is
    /// lost, and nothing partial is visible.
    @Test func killNineLeavesOnlyWholeObjects() async throws {
        // Waits on child processes: off Swift's cooperative threads, which in-process endpoints need.
        try await offPool { try self.killNineLeavesOnlyWholeObjectsBody() }
    }

    func killNineLeavesOnlyWholeObjectsBody() throws {
        let python = try tool("python3")
        let state = temporaryFolder("wire-kill")
        defer { try? FileManager.default.removeItem(at: state) }
        let serve = try wireServe(state: state)
        let writer = Process()
        writer.executableURL = python
        writer.arguments = [scripts.appendingPathComponent("kill_writer.py").path, "write", "bucket-kjshadjas-3432-dsadas", "100"]
        writer.environment = serve.wireEnvironment
        let out = Pipe()
        writer.standardOutput = out
        writer.standardError = FileHandle.nullDevice
        try writer.run()
        // Read acknowledgements as they come; kill once enough single and multipart uploads are in.
        nonisolated(unsafe) var acknowledged = ""
        let reader = DispatchSemaphore(value: 0)
        let enough = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            var signalled = false
            while true {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                acknowledged += String(decoding: chunk, as: UTF8.self)
                let lines = acknowledged.split(separator: "\n")
                if !signalled, lines.count >= 120, lines.filter({ (Int($0.split(separator: " ")[0]) ?? 0) % 4 == 3 }).count >= 10 {
                    signalled = true
                    enough.signal()
                }
            }
            reader.signal()
        }
        _ = enough.wait(timeout: .now() + 120)
        serve.kill9()
        writer.waitUntilExit()
        reader.wait()
        let lines = acknowledged.split(separator: "\n")
        #expect(lines.count >= 120, "the writers got objects in before the kill: \(lines.count)")
        let ackFile = state.appendingPathComponent("acknowledged.txt")
        try Data(acknowledged.utf8).write(to: ackFile)
        let restarted = try wireServe(state: state)
        defer { restarted.stop() }
        let check = try runProcess(python, [scripts.appendingPathComponent("kill_writer.py").path, "check", "bucket-kjshadjas-3432-dsadas", ackFile.path],
                            environment: restarted.wireEnvironment)
        #expect(check.stdout.contains("torn 0, lost 0"), "\(check.stdout)")
        #expect(check.status == 0, "\(check.stderr)")
    }
}

/// S3 Object Ownership, ACLs in authorization and Block Public Access through boto3: two accounts,
/// a cross-account writer, ACL grants, and public policies.
@Suite struct S3OwnershipWireTests {
    @Test func ownershipACLsAndBlockPublicAccess() async throws {
        // Waits on child processes: off Swift's cooperative threads, which in-process endpoints need.
        try await offPool { try self.ownershipACLsAndBlockPublicAccessBody() }
    }

    func ownershipACLsAndBlockPublicAccessBody() throws {
        let python = try tool("python3")
        let state = temporaryFolder("wire-state")
        defer { try? FileManager.default.removeItem(at: state) }
        let serve = try wireServe(state: state, assume: nil)
        defer { serve.stop() }
        let result = try runProcess(python, [scripts.appendingPathComponent("ownership_wire.py").path], environment: serve.wireEnvironment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("ownership wire checks passed"))
    }
}
