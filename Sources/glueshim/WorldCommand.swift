import ArgumentParser
import Foundation
import World

/// `glueshim world`: build a world from real accounts, and check one.
struct WorldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "world",
        abstract: "Import a world from real AWS accounts' exports, or check a world.",
        subcommands: [WorldImportCommand.self, WorldCheckCommand.self]
    )
}

/// `glueshim world import AUTHZ.json ...`
struct WorldImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Build a world from `aws iam get-account-authorization-details` outputs.",
        discussion: """
        Each export names its account through its ARNs; several exports (accounts) are merged \
        into one world. Policy documents may be URL-encoded (IAM's API) or plain JSON (the AWS \
        CLI); default policy versions are used. AWS managed policies glueshim ships stay ARNs; \
        one it lacks is copied from the export as a customer managed policy \
        (policy/aws-managed/NAME), or reported. Groups' policies are given to their members. \
        Users get no secrets. Objects are not imported.

        Bucket policies: --bucket-policy BUCKET=FILE (or BUCKET@ACCOUNT=FILE with several \
        accounts), FILE being `aws s3api get-bucket-policy` output or a policy document; \
        --bucket-ownership-controls and --bucket-public-access-block take \
        `aws s3api get-bucket-ownership-controls` and `get-public-access-block` outputs alike.

        Organizations: --organization-policies FILE for each output of `aws organizations \
        describe-organization`, `list-accounts`, `list-roots`, `list-policies` and \
        `describe-policy` (with `list-targets-for-policy`'s Targets merged in), and \
        --account-path ACCOUNT=r-xxxx/ou-.../ou-... for where each account sits.

        Without --into the world is printed on stdout. With --into an existing world, the \
        imported accounts' roles, users and managed policies replace the file's; everything \
        else stays (comments are not kept).
        """
    )

    @Argument(help: "`aws iam get-account-authorization-details` outputs, one or several accounts.")
    var exports: [String] = []

    @Option(name: .customLong("account-alias"), help: "Alias of the imported account (ALIAS, or ACCOUNT=ALIAS with several accounts).")
    var aliases: [String] = []

    @Option(name: .customLong("bucket-policy"), help: "BUCKET=FILE or BUCKET@ACCOUNT=FILE.")
    var bucketPolicies: [String] = []
    @Option(name: .customLong("bucket-ownership-controls"), help: "BUCKET=FILE or BUCKET@ACCOUNT=FILE: `aws s3api get-bucket-ownership-controls` output.")
    var bucketOwnershipControls: [String] = []
    @Option(name: .customLong("bucket-public-access-block"), help: "BUCKET=FILE or BUCKET@ACCOUNT=FILE: `aws s3api get-public-access-block` output.")
    var bucketPublicAccessBlocks: [String] = []

    @Option(name: .customLong("organization-policies"), help: "An `aws organizations` output (describe-organization, list-accounts, list-roots, list-policies, describe-policy).")
    var organizationFiles: [String] = []

    @Option(name: .customLong("account-path"), help: "ACCOUNT=r-xxxx/ou-.../ou-...: where the account sits in the organization.")
    var accountPaths: [String] = []

    @Option(help: "Region of the world (default: the --into world's, else us-east-1).")
    var region: String?

    @Option(help: "World file to write (merged into when it exists); default: stdout.")
    var into: String?

    func validate() throws {
        if exports.isEmpty && bucketPolicies.isEmpty && organizationFiles.isEmpty {
            throw ValidationError("give at least one `aws iam get-account-authorization-details` output")
        }
    }

    func run() throws {
        var options = WorldImport.Options()
        options.region = region
        for alias in aliases {
            let parts = alias.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { options.aliases[parts[0]] = parts[1] } else { options.aliases[""] = alias }
        }
        func bucketEntries(_ values: [String], option: String) -> [(bucket: String, account: String?, file: URL)] {
            values.map { entry in
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { usage("--\(option) takes BUCKET=FILE or BUCKET@ACCOUNT=FILE, got '\(entry)'") }
                let target = parts[0].split(separator: "@", maxSplits: 1).map(String.init)
                return (target[0], target.count == 2 ? target[1] : nil, URL(fileURLWithPath: parts[1]))
            }
        }
        options.bucketPolicies = bucketEntries(bucketPolicies, option: "bucket-policy")
        options.bucketOwnershipControls = bucketEntries(bucketOwnershipControls, option: "bucket-ownership-controls")
        options.bucketPublicAccessBlocks = bucketEntries(bucketPublicAccessBlocks, option: "bucket-public-access-block")
        options.organizationFiles = organizationFiles.map { URL(fileURLWithPath: $0) }
        for entry in accountPaths {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { usage("--account-path takes ACCOUNT=r-xxxx/ou-.../..., got '\(entry)'") }
            options.accountPaths[parts[0]] = parts[1]
        }
        let target = into.map { URL(fileURLWithPath: $0) }
        var existing: String?
        if let target, FileManager.default.fileExists(atPath: target.path) {
            guard let data = FileManager.default.contents(atPath: target.path) else { usage("cannot read \(target.path)") }
            existing = String(decoding: data, as: UTF8.self)
        }
        var importer = WorldImport(options: options)
        let yaml = importer.run(exports: exports.map { URL(fileURLWithPath: $0) }, existing: existing)
        for message in importer.messages { FileHandle.standardError.write(Data("\(message)\n".utf8)) }
        guard let yaml else {
            FileHandle.standardError.write(Data("glueshim world import: nothing written (errors above)\n".utf8))
            throw ExitCode(1)
        }
        // The world must load as it is written: read it back from beside its destination.
        let folder = target?.deletingLastPathComponent() ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let probe = folder.appendingPathComponent(".glueshim-import-\(UUID().uuidString).yaml")
        do { try Data(yaml.utf8).write(to: probe) } catch { usage("cannot write in \(folder.path): \(error.localizedDescription)") }
        defer { try? FileManager.default.removeItem(at: probe) }
        do {
            _ = try World.load(from: probe)
        } catch {
            FileHandle.standardError.write(Data("glueshim world import: the imported world does not load: \(error.message) (line \(error.line ?? 0)); nothing written\n".utf8))
            throw ExitCode(1)
        }
        if let target {
            do { try Data(yaml.utf8).write(to: target, options: .atomic) } catch { usage("cannot write \(target.path): \(error.localizedDescription)") }
            FileHandle.standardError.write(Data("glueshim world import: wrote \(target.path); check it with `glueshim world check \(target.path)`\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(yaml.utf8))
        }
    }

    func usage(_ message: String) -> Never {
        FileHandle.standardError.write(Data("glueshim world import: \(message)\n".utf8))
        Foundation.exit(2)
    }
}

/// `glueshim world check [FILE]`
struct WorldCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a world: policies as IAM validates them, references resolved.",
        discussion: """
        Prints FILE:LINE:COLUMN: error|warning: message for each problem. Exit status 1 when \
        there is an error, 0 otherwise (warnings alone). FILE may be a folder of YAML/JSON files.
        """
    )

    @Argument(help: "World file or folder.")
    var file: String = "sandbox/world.yaml"

    func run() throws {
        let diagnostics = WorldCheck.check(URL(fileURLWithPath: file))
        // Paths as the user wrote them: relative to the current folder when under it.
        let cwd = FileManager.default.currentDirectoryPath + "/"
        for var diagnostic in diagnostics {
            if diagnostic.file.hasPrefix(cwd) { diagnostic.file.removeFirst(cwd.count) }
            print(diagnostic)
        }
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.count - errors
        FileHandle.standardError.write(Data("\(file): \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")\n".utf8))
        if errors > 0 { throw ExitCode(1) }
    }
}
