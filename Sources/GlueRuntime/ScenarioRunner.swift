import Crypto
import Endpoint
import Foundation
import World

/// The outcome of one scenario.
public struct ScenarioResult: Sendable {
    public var name: String
    public var passed: Bool { failures.isEmpty }
    public var seconds: Double
    /// One line per failed expectation, with the actual value.
    public var failures: [String]
    public var runFolder: URL?
}

/// Runs scenarios (in parallel, each from a fresh copy of its world) and checks their expectations.
public enum ScenarioRunner {
    public static func run(_ scenarios: [Scenario], options: RunOptions, parallelism: Int,
                           onResult: @escaping @Sendable (ScenarioResult) -> Void) async -> [ScenarioResult] {
        await withTaskGroup(of: (Int, ScenarioResult).self) { group in
            var next = 0
            var results = [ScenarioResult?](repeating: nil, count: scenarios.count)
            func add(_ index: Int) {
                group.addTask {
                    let result = await runOne(scenarios[index], options: options)
                    onResult(result)
                    return (index, result)
                }
            }
            while next < min(max(1, parallelism), scenarios.count) { add(next); next += 1 }
            while let (index, result) = await group.next() {
                results[index] = result
                if next < scenarios.count, !Task.isCancelled { add(next); next += 1 }
            }
            return results.compactMap { $0 }
        }
    }

    static func runOne(_ scenario: Scenario, options: RunOptions) async -> ScenarioResult {
        let started = ContinuousClock.now
        func elapsed() -> Double {
            let d = (ContinuousClock.now - started).components
            return Double(d.seconds) + Double(d.attoseconds) / 1e18
        }
        let world: World
        do {
            world = try World.load(from: scenario.world, patches: scenario.patches)
        } catch {
            return ScenarioResult(name: scenario.name, seconds: 0, failures: ["world: \(error.description)"], runFolder: nil)
        }
        var runOptions = options
        runOptions.arguments = scenario.arguments
        let result: RunResult
        do {
            result = try await RunEngine.run(scenario.job, world: world, options: runOptions)
        } catch {
            return ScenarioResult(name: scenario.name, seconds: elapsed(), failures: ["run: \(error.description)"], runFolder: nil)
        }
        let seconds = elapsed()
        return ScenarioResult(name: scenario.name, seconds: seconds,
                              failures: check(scenario.expectations, result: result, seconds: seconds), runFolder: result.folder)
    }

    /// Every expectation that does not hold, described with what actually happened.
    public static func check(_ e: Expectations, result: RunResult, seconds: Double) -> [String] {
        var failures: [String] = []
        let r = result.record
        if let state = e.state, state != r.JobRunState {
            failures.append("state: expected \(state), got \(r.JobRunState)" + (r.ErrorMessage.map { " (\($0))" } ?? ""))
        }
        if let code = e.exitCode, code != r.ExitCode {
            failures.append("exitCode: expected \(code), got \(r.ExitCode.map(String.init) ?? "none (\(r.ErrorMessage ?? r.JobRunState))")")
        }
        let output = (try? String(contentsOf: result.folder.appendingPathComponent("output.log"), encoding: .utf8)) ?? ""
        for text in e.outputContains where !output.contains(text) {
            failures.append("output: expected a line containing \(quote(text)); output was:\n" + indent(tail(output)))
        }
        for text in e.outputNotContains where output.contains(text) {
            failures.append("output: expected no \(quote(text)), but it was printed")
        }
        let tmp = result.folder.appendingPathComponent("tmp")
        for file in e.tmpFiles {
            let url = tmp.appendingPathComponent(file.path.hasPrefix("/tmp/") ? String(file.path.dropFirst(5)) : file.path)
            let data = FileManager.default.contents(atPath: url.path)
            if !file.exists {
                if data != nil { failures.append("tmpFiles: /tmp/\(url.lastPathComponent) should not exist, but it does") }
                continue
            }
            guard let data else { failures.append("tmpFiles: /tmp/\(file.path) does not exist"); continue }
            if let size = file.size, size != data.count { failures.append("tmpFiles: \(file.path) size: expected \(size), got \(data.count)") }
            if let sha = file.sha256, sha.lowercased() != sha256(data) { failures.append("tmpFiles: \(file.path) sha256: expected \(sha), got \(sha256(data))") }
        }
        for object in e.s3 {
            let record = result.store.record(bucket: object.bucket, key: object.key)
            if !object.exists {
                if record != nil { failures.append("s3: s3://\(object.bucket)/\(object.key) should not exist, but it does") }
                continue
            }
            guard let record else { failures.append("s3: s3://\(object.bucket)/\(object.key) does not exist"); continue }
            if let sha = object.sha256, let data = try? result.store.read(bucket: object.bucket, record: record), sha.lowercased() != sha256(data) {
                failures.append("s3: s3://\(object.bucket)/\(object.key) sha256: expected \(sha), got \(sha256(data))")
            }
            for (k, v) in object.metadata where record.metadata[k.lowercased()] != v {
                failures.append("s3: s3://\(object.bucket)/\(object.key) metadata \(k): expected \(quote(v)), got \(record.metadata[k.lowercased()].map(quote) ?? "none")")
            }
        }
        for call in e.calls {
            let matches = result.events.filter { event in
                (call.action.map { $0 == event.action } ?? true)
                    && (call.resource.map { $0 == event.resource } ?? true)
                    && (call.principal.map { $0 == event.principal } ?? true)
            }
            let decided = matches.filter { event in
                (call.decision.map { $0.lowercased() == event.decision } ?? true) && (call.reason.map { event.reason.contains($0) } ?? true)
            }
            if decided.isEmpty {
                let wanted = [call.decision, call.action, call.resource, call.principal.map { "by \($0)" }, call.reason.map { "reason ~ \(quote($0))" }]
                    .compactMap { $0 }.joined(separator: " ")
                var line = "calls: expected \(wanted)"
                if matches.isEmpty {
                    line += "; no such call was made"
                } else {
                    line += "; the calls made were:\n" + matches.map { event in
                        var text = "    \(event.decision) \(event.action) \(event.resource) by \(event.principal): \(event.reason)"
                        // For a denial, the engine's evaluation: which policies and statements were consulted.
                        for step in event.explanation ?? [] { text += "\n        " + step }
                        return text
                    }.joined(separator: "\n")
                }
                failures.append(line)
            }
        }
        let denied = result.events.filter { $0.decision == "deny" }
        if let count = e.deniedCalls, count != denied.count {
            failures.append("deniedCalls: expected \(count), got \(denied.count)" + denied.map { "\n    \($0.action) \($0.resource) by \($0.principal): \($0.reason)" }.joined())
        }
        if let limit = e.maxDurationSeconds, seconds > limit {
            failures.append(String(format: "maxDuration: expected at most %.1f s, took %.1f s", limit, seconds))
        }
        return failures
    }

    static func sha256(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }
    static func quote(_ s: String) -> String { "\"\(s)\"" }
    static func tail(_ s: String) -> String { s.split(separator: "\n", omittingEmptySubsequences: false).suffix(12).joined(separator: "\n") }
    static func indent(_ s: String) -> String { s.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n") }
}

/// JUnit XML for CI systems.
public enum JUnitReport {
    public static func xml(_ results: [ScenarioResult]) -> String {
        let failures = results.filter { !$0.passed }.count
        let total = results.reduce(0) { $0 + $1.seconds }
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += "<testsuites tests=\"\(results.count)\" failures=\"\(failures)\" time=\"\(String(format: "%.3f", total))\">\n"
        xml += "  <testsuite name=\"glueshim\" tests=\"\(results.count)\" failures=\"\(failures)\" time=\"\(String(format: "%.3f", total))\">\n"
        for r in results {
            xml += "    <testcase classname=\"glueshim.scenarios\" name=\"\(escape(r.name))\" time=\"\(String(format: "%.3f", r.seconds))\""
            if r.passed {
                xml += "/>\n"
            } else {
                xml += ">\n      <failure message=\"\(escape(r.failures.first ?? ""))\">\(escape(r.failures.joined(separator: "\n")))</failure>\n    </testcase>\n"
            }
        }
        return xml + "  </testsuite>\n</testsuites>\n"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
