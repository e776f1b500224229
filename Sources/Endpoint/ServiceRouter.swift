import Foundation
import HTTPTypes
import HummingbirdCore
import IAMPolicy
import NIOCore
import SigV4
import Synchronization
import World

/// Reads a request, authenticates it, and hands it to the service its credential scope names.
final class ServiceRouter: Sendable {
    let configuration: EndpointConfiguration
    let containerTokens = Mutex<[String: String]>([:])
    let sts: STSService
    let s3: S3Service
    let iam: IAMService
    let glue: GlueService
    let logs: LogsService

    init(configuration: EndpointConfiguration) {
        self.configuration = configuration
        let authorizer = Authorizer(world: configuration.world)
        self.sts = STSService(configuration: configuration, authorizer: authorizer)
        self.s3 = S3Service(configuration: configuration, authorizer: authorizer)
        self.iam = IAMService(configuration: configuration, authorizer: authorizer)
        self.glue = GlueService(configuration: configuration, authorizer: authorizer)
        self.logs = LogsService(configuration: configuration, authorizer: authorizer)
    }

    func handle(_ request: Request, responseWriter: consuming ResponseWriter, channel: any Channel, endpoint: LocalEndpoint) async throws {
        var request = request
        let requestId = Self.newRequestId()
        let target = request.head.path ?? "/"
        let (rawPath, rawQuery) = Self.split(target)
        var headers: [(name: String, value: String)] = []
        if let authority = request.head.authority { headers.append(("host", authority)) }
        for field in request.head.headerFields { headers.append((field.name.rawName, field.value)) }

        // Clients that send `Expect: 100-continue` (botocore on every upload) wait for this
        // before sending the body; without it each upload would stall for a second.
        if request.head.headerFields[.expect]?.lowercased() == "100-continue" {
            try await responseWriter.writeInformationalHead(HTTPResponse(status: .continue))
        }
        let response: EndpointResponse
        var endpointRequest = EndpointRequest(method: request.head.method.rawValue, rawPath: rawPath, rawQuery: rawQuery,
                                              headers: headers, body: Data(), requestId: requestId)
        if let secret = streamedUpload(endpointRequest) {
            // Object and part uploads go to disk as they arrive, never whole in memory.
            do {
                let stager = S3BodyStager(store: configuration.store, headers: headers, method: endpointRequest.method,
                                          rawPath: rawPath, rawQuery: rawQuery, secretAccessKey: secret.value)
                endpointRequest.staged = try await stager.stage(request.body)
                response = await route(endpointRequest, endpoint: endpoint)
            } catch {
                response = AWSServiceError(code: "IncompleteBody", status: 400, message: "The request body terminated unexpectedly")
                    .response(.restXML, requestId: requestId)
            }
        } else {
            do {
                let buffer = try await request.collectBody(upTo: min(configuration.maxBodySize, Self.smallBodyLimit))
                endpointRequest.body = Data(buffer.readableBytesView)
                response = await route(endpointRequest, endpoint: endpoint)
            } catch {
                response = AWSServiceError(code: "EntityTooLarge", status: 400, message: "Your proposed upload exceeds the maximum allowed size")
                    .response(guessProtocol(endpointRequest), requestId: requestId)
            }
        }
        var head = HTTPResponse(status: .init(code: response.status))
        for (name, value) in response.headers {
            if let field = HTTPField.Name(name) { head.headerFields.append(HTTPField(name: field, value: value)) }
        }
        if let file = response.file {
            head.headerFields[.contentLength] = String(file.length)
            try await Self.writeFile(file, head: head, to: responseWriter)
        } else if let length = response.headContentLength {
            head.headerFields[.contentLength] = String(length)
            try await responseWriter.writeResponse(head)
        } else {
            head.headerFields[.contentLength] = String(response.body.count)
            try await responseWriter.write(response: head, body: ResponseBody(byteBuffer: ByteBuffer(bytes: response.body)))
        }
    }

    /// Bodies other than object and part uploads (XML, JSON, forms) are read into memory up to this.
    static let smallBodyLimit = 16 << 20
    /// Piece size of file bodies on the wire.
    static let filePieceSize = 256 << 10

    /// Whether a request is an S3 PutObject or UploadPart whose body should be streamed to disk;
    /// if so, the secret of the access key it names (to check aws-chunked signatures), if known.
    func streamedUpload(_ request: EndpointRequest) -> (value: String?, Void)? {
        guard request.method == "PUT", request.header("x-amz-copy-source") == nil else { return nil }
        let query = request.queryItems.keys.filter { !$0.hasPrefix("X-Amz-") && !$0.hasPrefix("x-amz-") }
        guard query.isEmpty || Set(query) == ["uploadId", "partNumber"] else { return nil }
        let signed = SigV4Request(method: request.method, path: request.rawPath, query: request.rawQuery,
                                  headers: request.headers, payloadHash: request.header("x-amz-content-sha256") ?? "UNSIGNED-PAYLOAD")
        let authorization = try? SigV4Verifier.authorization(of: signed)
        if let authorization {
            guard authorization.service == "s3" else { return nil }
        } else if guessProtocol(request) != .restXML {
            return nil
        }
        guard s3.address(of: request).key != nil else { return nil }
        let secret = authorization.flatMap { configuration.credentials.lookup(accessKeyId: $0.accessKeyId)?.credentials.secretAccessKey }
        return (secret, ())
    }

    /// Sends a file body in pieces read as they are written, so memory stays flat whatever the size.
    static func writeFile(_ file: FileBody, head: HTTPResponse, to responseWriter: consuming ResponseWriter) async throws {
        var writer = try await responseWriter.writeHead(head)
        let allocator = ByteBufferAllocator()
        var offset = file.offset
        var remaining = file.length
        while remaining > 0 {
            let want = min(filePieceSize, remaining)
            var buffer = allocator.buffer(capacity: want)
            var failed: Int32 = 0
            let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { raw -> Int in
                let n = file.object.read(into: raw.baseAddress!, count: want, at: offset)
                if n < 0 { failed = errno; return 0 }
                return n
            }
            // The announced length cannot be honored: end the connection rather than send a short body.
            if count == 0 { throw FileBodyError(errno: failed) }
            offset += count
            remaining -= count
            try await writer.write(buffer)
        }
        try await writer.finish(nil)
    }

    func route(_ request: EndpointRequest, endpoint: LocalEndpoint) async -> EndpointResponse {
        if request.rawPath.hasPrefix("/_glueshim/credentials/") {
            return await containerCredentials(request, endpoint: endpoint)
        }
        let now = configuration.clock()
        let payloadHash = request.header("x-amz-content-sha256") ?? request.staged?.sha256Hex ?? SigV4.hexSHA256(request.body)
        let signed = SigV4Request(method: request.method, path: request.rawPath, query: request.rawQuery,
                                  headers: request.headers, payloadHash: payloadHash)
        let authorization: SigV4Authorization?
        do {
            authorization = try SigV4Verifier.authorization(of: signed)
        } catch {
            return AWSServiceError(code: error.code, status: error.httpStatus, message: error.message)
                .response(guessProtocol(request), requestId: request.requestId)
        }
        guard let authorization else {
            // Unsigned: only S3 serves anonymous callers (a bucket policy may allow "*").
            if guessProtocol(request) == .restXML { return await s3.handle(request, caller: .anonymous, now: now) }
            return AWSServiceError(code: "MissingAuthenticationToken", status: 403, message: "Request is missing Authentication Token")
                .response(.query, requestId: request.requestId)
        }
        let service = authorization.service
        let proto: ErrorProtocol = service == "s3" ? .restXML : (["glue", "logs"].contains(service) ? .json : .query)
        switch authenticate(request, signed: signed, authorization: authorization, now: now) {
        case .failure(let error):
            return error.response(proto, requestId: request.requestId)
        case .success(let caller):
            switch service {
            case "s3": return await s3.handle(request, caller: caller, now: now)
            case "sts": return await sts.handle(request, caller: caller, now: now)
            case "iam": return await iam.handle(request, caller: caller, now: now)
            case "glue": return await glue.handle(request, caller: caller, now: now, endpoint: endpoint)
            case "logs": return logs.handle(request, caller: caller, now: now)
            default:
                return AWSServiceError(code: "InvalidAction", status: 400,
                                       message: "glueshim does not serve the '\(service)' service yet (served: s3, sts, iam, glue, logs)")
                    .response(proto, requestId: request.requestId)
            }
        }
    }

    /// Finds who signed the request and checks the signature, the session token and its expiry.
    func authenticate(_ request: EndpointRequest, signed: SigV4Request, authorization: SigV4Authorization, now: Date) -> Result<Caller, AWSServiceError> {
        let s3 = authorization.service == "s3"
        guard let issued = configuration.credentials.lookup(accessKeyId: authorization.accessKeyId) else {
            return .failure(s3
                ? AWSServiceError(code: "InvalidAccessKeyId", status: 403, message: "The AWS Access Key Id you provided does not exist in our records.", extraFields: [("AWSAccessKeyId", authorization.accessKeyId)])
                : AWSServiceError(code: "InvalidClientTokenId", status: 403, message: "The security token included in the request is invalid."))
        }
        do {
            try SigV4Verifier.verify(signed, authorization: authorization, secretAccessKey: issued.credentials.secretAccessKey, now: now)
        } catch {
            return .failure(AWSServiceError(code: error.code, status: error.httpStatus, message: error.message))
        }
        // The signature covers the declared hash; only then is the body held against it.
        if s3, let declared = request.header("x-amz-content-sha256"), declared.count == 64, declared != (request.staged?.sha256Hex ?? SigV4.hexSHA256(request.body)) {
            return .failure(AWSServiceError(code: "XAmzContentSHA256Mismatch", status: 400, message: "The provided 'x-amz-content-sha256' header does not match what was computed."))
        }
        if let token = issued.credentials.sessionToken {
            let presented = request.header("x-amz-security-token") ?? request.queryItems["X-Amz-Security-Token"]
            guard presented == token else {
                return .failure(s3
                    ? AWSServiceError(code: "InvalidToken", status: 400, message: "The provided token is malformed or otherwise invalid.")
                    : AWSServiceError(code: "InvalidClientTokenId", status: 403, message: "The security token included in the request is invalid."))
            }
        }
        if let expiration = issued.expiration, expiration <= now {
            return .failure(s3
                ? AWSServiceError(code: "ExpiredToken", status: 400, message: "The provided token has expired.")
                : AWSServiceError(code: "ExpiredToken", status: 403, message: "The security token included in the request is expired"))
        }
        return .success(Caller(principal: issued.principal, credential: issued))
    }

    /// `GET /_glueshim/credentials/ID` with `Authorization: TOKEN`, answered in the container-credentials JSON shape.
    func containerCredentials(_ request: EndpointRequest, endpoint: LocalEndpoint) async -> EndpointResponse {
        let id = String(request.rawPath.dropFirst("/_glueshim/credentials/".count))
        let expected = containerTokens.withLock { $0[id] }
        guard let expected, let provider = endpoint.containerProvider(id: id), request.header("authorization") == expected else {
            return Self.json(401, ["code": "Unauthorized", "message": "unknown credentials id or wrong authorization token"])
        }
        do {
            let (credentials, expiration) = try await provider()
            return Self.json(200, [
                "AccessKeyId": credentials.accessKeyId,
                "SecretAccessKey": credentials.secretAccessKey,
                "Token": credentials.sessionToken ?? "",
                "Expiration": XML.timestampSeconds(expiration),
            ])
        } catch {
            return Self.json(500, ["code": "CredentialsUnavailable", "message": "\(error)"])
        }
    }

    static func json(_ status: Int, _ object: [String: String]) -> EndpointResponse {
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return EndpointResponse(status: status, headers: [("Content-Type", "application/json")], body: body)
    }

    /// Unsigned or unparsable requests: tell the protocol from the request's shape.
    func guessProtocol(_ request: EndpointRequest) -> ErrorProtocol {
        if request.header("x-amz-target") != nil { return .json }
        if request.method == "POST", request.rawPath == "/",
           request.header("content-type")?.hasPrefix("application/x-www-form-urlencoded") == true { return .query }
        return .restXML
    }

    static func split(_ target: String) -> (String, String) {
        guard let q = target.firstIndex(of: "?") else { return (target, "") }
        return (String(target[..<q]), String(target[target.index(after: q)...]))
    }

    static func newRequestId() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = Array("0123456789ABCDEF")
        return String((0..<16).map { _ in hex[Int(generator.next(upperBound: 16 as UInt64))] })
    }
}

struct FileBodyError: Error {
    var errno: Int32
}
