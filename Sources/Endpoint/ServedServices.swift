import Foundation
import World

// The services the router dispatches to, each with its signing name and wire protocol.

extension S3Service: EndpointService {
    var signingName: String { "s3" }
    var wireProtocol: ErrorProtocol { .restXML }
    func handle(_ request: EndpointRequest, caller: Caller, now: Date, endpoint: LocalEndpoint) async -> EndpointResponse {
        await handle(request, caller: caller, now: now)
    }
}

extension STSService: EndpointService {
    var signingName: String { "sts" }
    var wireProtocol: ErrorProtocol { .query }
    func handle(_ request: EndpointRequest, caller: Caller, now: Date, endpoint: LocalEndpoint) async -> EndpointResponse {
        await handle(request, caller: caller, now: now)
    }
}

extension IAMService: EndpointService {
    var signingName: String { "iam" }
    var wireProtocol: ErrorProtocol { .query }
    func handle(_ request: EndpointRequest, caller: Caller, now: Date, endpoint: LocalEndpoint) async -> EndpointResponse {
        await handle(request, caller: caller, now: now)
    }
}

extension GlueService: EndpointService {
    var signingName: String { "glue" }
    var wireProtocol: ErrorProtocol { .json }
}

extension LogsService: EndpointService {
    var signingName: String { "logs" }
    var wireProtocol: ErrorProtocol { .json }
    func handle(_ request: EndpointRequest, caller: Caller, now: Date, endpoint: LocalEndpoint) async -> EndpointResponse {
        handle(request, caller: caller, now: now)
    }
}

extension KMSService: EndpointService {
    var signingName: String { "kms" }
    var wireProtocol: ErrorProtocol { .json }
    func handle(_ request: EndpointRequest, caller: Caller, now: Date, endpoint: LocalEndpoint) async -> EndpointResponse {
        handle(request, caller: caller, now: now)
    }
}
