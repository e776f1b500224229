import Endpoint
import Foundation
import GlueRuntime

/// The summary `glueshim run` prints after the script's output.
enum RunSummary {
    static func text(_ result: RunResult, cwd: String) -> String {
        let r = result.record
        var folder = result.folder.path
        if folder.hasPrefix(cwd + "/") { folder = String(folder.dropFirst(cwd.count + 1)) }
        let duration = (r.CompletedOn ?? r.StartedOn).timeIntervalSince(r.StartedOn)
        var lines = ["", "── glueshim run \(r.Id)"]
        lines.append("job        \(r.JobName)")
        lines.append("state      \(r.JobRunState)" + (r.ErrorMessage.map { "  (\($0))" } ?? ""))
        if result.attempts.count > 1 {
            lines.append("attempts   " + result.attempts.map { "\($0.Id.prefix(11))… \($0.JobRunState)" }.joined(separator: ", "))
        }
        lines.append("duration   " + String(format: "%.2f s", duration))
        lines.append("run folder \(folder)/  (tmp/, output.log, error.log, events.jsonl, run.json)")
        let denied = result.events.filter { $0.decision == "deny" }.count
        let unsupported = result.events.filter { $0.decision == "unsupported" }.count
        lines.append("AWS calls  \(result.events.count), \(denied) denied" + (unsupported > 0 ? ", \(unsupported) unsupported" : ""))
        for e in result.events {
            let mark = e.mark
            // Padded to a column, never cut: a long action name stays whole.
            let action = e.action + String(repeating: " ", count: max(0, 22 - e.action.count))
            var line = "  \(mark) \(action) \(e.resource)"
            line += "\n         by \(e.principal)"
            if e.decision != "allow" { line += "\n         \(e.reason)" }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
