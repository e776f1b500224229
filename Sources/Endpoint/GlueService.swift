import Foundation
import IAMPolicy
import World

/// Glue on the JSON 1.1 protocol (`X-Amz-Target: AWSGlue.<Operation>`).
struct GlueService: Sendable {
    let configuration: EndpointConfiguration
    let authorizer: Authorizer

    func handle(_ request: EndpointRequest, caller: Caller, now: Date) async -> EndpointResponse {
        let target = request.header("x-amz-target") ?? ""
        let operation = target.hasPrefix("AWSGlue.") ? String(target.dropFirst("AWSGlue.".count)) : target
        return AWSServiceError(code: "UnknownOperationException", status: 400, message: "Unknown operation \(operation)")
            .response(.json, requestId: request.requestId)
    }
}
