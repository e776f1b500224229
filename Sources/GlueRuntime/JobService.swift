import Endpoint
import Foundation
import GlueDomain
import World

/// Glue job runs for `glueshim serve`: StartJobRun runs jobs on the serving endpoint, and the
/// jobs in a `jobs/` folder are there from the start, as if created with CreateJob.
public enum JobService {
    /// Lets the endpoint run jobs (provisions the job's Python environment once).
    public static func enableJobRuns(_ configuration: inout EndpointConfiguration, options: RunOptions) throws(RunError) {
        let environment = try PythonEnvironments.provision(options)
        configuration.launcher = RuntimeJobLauncher(world: configuration.world, environment: environment, options: options, events: nil, store: configuration.store,
                                                     credentials: configuration.credentials)
    }

    /// Registers every job folder under `folder` (each with a job.yaml/job.json); returns their names.
    @discardableResult
    public static func loadJobFolders(_ folder: URL, world: World, into registry: GlueJobRegistry, now: Date) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var loaded: [String] = []
        for name in names.sorted() {
            guard let source = try? JobSource.load(folder.appendingPathComponent(name).path, role: nil) else { continue }
            let account = world.role(nameOrArn: source.definition.Role, defaultAccount: nil)?.account ?? world.accounts.keys.sorted().first ?? ""
            if registry.create(StoredJob(definition: source.definition, createdOn: now, account: account,
                                         localScript: source.localScript, folder: source.folder)) {
                loaded.append(source.definition.Name)
            }
        }
        return loaded
    }
}
