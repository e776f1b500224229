import Endpoint
import Foundation
import World

extension SimulateCommand {
    /// `simulate --replay events.jsonl`: every recorded policy decision of a run, decided again
    /// against the world the run used (its `world.json`), or `--world`. Exit status 1 when any
    /// decision or reason differs.
    func runReplay(file: String) {
        let url = URL(fileURLWithPath: file)
        let eventsFile = url.hasDirectoryPath || (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true
            ? url.appendingPathComponent("events.jsonl") : url
        let loaded: World
        do {
            if let world {
                loaded = try World.load(from: URL(fileURLWithPath: world))
            } else {
                let originFile = eventsFile.deletingLastPathComponent().appendingPathComponent("world.json")
                guard FileManager.default.fileExists(atPath: originFile.path) else {
                    fail("\(originFile.path) does not exist: pass the world the run used with --world FILE")
                }
                loaded = try WorldOrigin.read(from: originFile).load()
            }
        } catch {
            fail(error.description)
        }
        let events: [CallEvent]
        do {
            events = try EventReplay.read(eventsFile)
        } catch {
            fail("\(error)")
        }
        var (agreed, differed, skipped) = (0, 0, 0)
        var out = ""
        for event in events {
            let outcome = EventReplay.decide(event, world: loaded)
            let call = "\(event.action) \(event.resource) by \(event.principal)"
            if let reason = outcome.skipped {
                skipped += 1
                if json {
                    out += JSONOut.object([("call", .string(call)), ("recorded", .string(event.decision)), ("skipped", .string(reason))]).text + "\n"
                }
                continue
            }
            let replayed = outcome.replayedDecision ?? ""
            let reason = outcome.decision?.reason ?? ""
            if outcome.agrees { agreed += 1 } else { differed += 1 }
            if json {
                out += JSONOut.object([
                    ("call", .string(call)), ("recorded", .string(event.decision)), ("recordedReason", .string(event.reason)),
                    ("replayed", .string(replayed)), ("replayedReason", .string(reason)), ("agrees", .bool(outcome.agrees)),
                ]).text + "\n"
            } else if !outcome.agrees {
                out += "DIFFERS \(call)\n  recorded: \(event.decision) \(event.reason)\n  replayed: \(replayed) \(reason)\n"
            }
        }
        if !json { out += "\(agreed) agree, \(differed) differ, \(skipped) not policy decisions\n" }
        print(out, terminator: "")
        if differed > 0 { Foundation.exit(1) }
    }
}
