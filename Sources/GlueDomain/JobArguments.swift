/// How Glue turns a job's and a run's arguments into the script's argv.
public enum JobArguments {
    /// Run arguments override DefaultArguments key by key; NonOverridableArguments win over both.
    public static func merge(job: JobDefinition, run: [String: String]) -> [String: String] {
        var merged = job.DefaultArguments ?? [:]
        for (k, v) in run { merged[k] = v }
        for (k, v) in job.NonOverridableArguments ?? [:] { merged[k] = v }
        return merged
    }

    /// The script location after `--scriptLocation` overrides Command.ScriptLocation.
    public static func scriptLocation(job: JobDefinition, merged: [String: String]) -> String {
        merged["--scriptLocation"] ?? job.Command.ScriptLocation
    }

    /// `sys.argv` as Glue builds it for a Python shell job: the script's path, then each argument
    /// as `--key value` (a bare `--key` when the value is empty), plus the arguments Glue adds itself.
    public static func argv(scriptPath: String, job: JobDefinition, merged: [String: String], passJobName: Bool = true) -> [String] {
        var arguments = merged
        arguments["--scriptLocation"] = scriptLocation(job: job, merged: merged)
        if arguments["--job-bookmark-option"] == nil { arguments["--job-bookmark-option"] = "job-bookmark-disable" }
        arguments["--job-language"] = "python"
        if passJobName, arguments["--JOB_NAME"] == nil { arguments["--JOB_NAME"] = job.Name }
        var argv = [scriptPath]
        for key in arguments.keys.sorted() {
            guard let value = arguments[key] else { continue }
            // `library-set` is the one key Glue takes without dashes; it configures the
            // environment and is not passed to the script.
            if key == "library-set" { continue }
            argv.append(key)
            if !value.isEmpty { argv.append(value) }
        }
        return argv
    }

    /// Checks argument keys as StartJobRun does.
    public static func validate(_ arguments: [String: String]) -> String? {
        for key in arguments.keys.sorted() where !key.hasPrefix("--") && key != "library-set" {
            return "argument key '\(key)' must start with '--'"
        }
        return nil
    }
}
