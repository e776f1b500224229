import Foundation
import IAMPolicy
import World

extension GlueService {
    /// Interactive-session operations (CreateSession, RunStatement, ...); nil for any other operation.
    func handleSession(_ call: Call, endpoint: LocalEndpoint) async -> Output? {
        nil
    }
}
