import Foundation
import IAMPolicy
import World

/// IAM on the query protocol: the read side of the world's IAM and the policy simulator.
struct IAMService: Sendable {
    let configuration: EndpointConfiguration
    let authorizer: Authorizer

    func handle(_ request: EndpointRequest, caller: Caller, now: Date) async -> EndpointResponse {
        var params = request.queryItems
        if request.method == "POST" {
            for (k, v) in EndpointRequest.parseForm(String(decoding: request.body, as: UTF8.self)) { params[k] = v }
        }
        let action = params["Action"] ?? ""
        return AWSServiceError(code: "InvalidAction", status: 400, message: "Could not find operation \(action) for version \(params["Version"] ?? "")")
            .response(.query, requestId: request.requestId)
    }
}
