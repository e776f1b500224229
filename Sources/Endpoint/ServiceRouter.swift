import Foundation
import HTTPTypes
import HummingbirdCore
import IAMPolicy
import NIOCore
import NIOSSL
import SigV4
import Synchronization
import World

/// One AWS service the endpoint serves: the SigV4 signing name that selects it, its wire
/// protocol (for errors the router answers on its behalf), and its handler.
protocol EndpointService: Sendable {
    var signingName: String { get }
    var wireProtocol: ErrorProtocol { get }
    func handle(_ request: EndpointRequest, caller: Caller, now: Date, endpoint: LocalEndpoint) async -> EndpointResponse
}

/// Reads a request's head, authenticates it before its body is accepted, then hands it to the
/// service its credential scope names.
final class ServiceRouter: Sendable {
    let configuration: EndpointConfiguration
    let containerTokens = Mutex<[String: String]>([:])
    let access: AccessControl
    let s3: S3Service
    /// KMS keys, shared by KMS and the services that encrypt with them.
    let keyring: KMSKeyring
    /// The served services by signing name.
    let services: [String: any EndpointService]

    init(configuration: EndpointConfiguration) {
        self.configuration = configuration
        let access = AccessControl(world: configuration.world, events: configuration.events)
        self.access = access
        let keyring = KMSKeyring(world: configuration.world, root: configuration.store.root)
        self.keyring = keyring
        self.s3 = S3Service(configuration: configuration, access: access, keyring: keyring)
        let served: [any EndpointService] = [
            s3,
            STSService(configuration: configuration, access: access),
            IAMService(configuration: configuration, access: access),
            GlueService(configuration: configuration, access: access),
            LogsService(configuration: configuration, access: access),
            KMSService(configuration: configuration, access: access, keyring: keyring),
        ]
        self.services = Dictionary(uniqueKeysWithValues: served.map { ($0.signingName, $0) })
    }

    /// Serves one request that arrived on `channel` of the listener for `transport`.
    func handle(_ request: Request, responseWriter: consuming ResponseWriter, channel: any Channel, transport: Transport,
                endpoint: LocalEndpoint) async throws {
        let requestId = Self.newRequestId()
        let target = request.head.path ?? "/"
        let (rawPath, rawQuery) = Self.split(target)
        var headers: [(name: String, value: String)] = []
        if let authority = request.head.authority { headers.append(("host", authority)) }
        for field in request.head.headerFields { headers.append((field.name.rawName, field.value)) }
        var head = EndpointRequest(method: request.head.method.rawValue, rawPath: rawPath, rawQuery: rawQuery,
                                   headers: headers, body: Data(), requestId: requestId)
        if transport == .https {
            head.transport = .https
            // The version the handshake settled on, read off the connection's TLS handler.
            let names: [TLSVersion: String] = [.tlsv13: "1.3", .tlsv12: "1.2", .tlsv11: "1.1", .tlsv1: "1.0"]
            head.tlsVersion = (try? await channel.nioSSL_tlsVersion().get()).flatMap { names[$0] }
        }
        let response: EndpointResponse
        switch await accept(head, endpoint: endpoint) {
        case .answered(let answer):
            response = answer
        case .accepted(let accepted):
            // Clients that send `Expect: 100-continue` (botocore on every upload) wait for this
            // before sending the body; it goes out once the head is accepted.
            if head.header("expect")?.lowercased() == "100-continue" {
                try await responseWriter.writeInformationalHead(HTTPResponse(status: .continue))
            }
            response = await complete(accepted, body: request.body, endpoint: endpoint)
        }
        var responseHead = HTTPResponse(status: .init(code: response.status))
        for (name, value) in response.headers {
            if let field = HTTPField.Name(name) { responseHead.headerFields.append(HTTPField(name: field, value: value)) }
        }
        if let file = response.file {
            responseHead.headerFields[.contentLength] = String(file.length)
            try await Self.writeFile(file, head: responseHead, to: responseWriter)
        } else if let length = response.headContentLength {
            responseHead.headerFields[.contentLength] = String(length)
            try await responseWriter.writeResponse(responseHead)
        } else {
            responseHead.headerFields[.contentLength] = String(response.body.count)
            try await responseWriter.write(response: responseHead, body: ResponseBody(byteBuffer: ByteBuffer(bytes: response.body)))
        }
    }

    /// A request whose head was accepted: who sent it, to which service, and what is left to check.
    struct Accepted: Sendable {
        var head: EndpointRequest
        var service: any EndpointService
        var caller: Caller
        var authorization: SigV4Authorization?
        var secret: String?
        /// The payload hash the head declared (S3), already covered by the checked signature.
        var declaredHash: String?
        var now: Date
    }

    enum HeadOutcome: Sendable {
        case answered(EndpointResponse)
        case accepted(Accepted)
    }

    /// A request already read whole (tests, fuzzing): the same path as one from the socket.
    func route(_ request: EndpointRequest, endpoint: LocalEndpoint) async -> EndpointResponse {
        var head = request
        head.body = Data()
        switch await accept(head, endpoint: endpoint) {
        case .answered(let response): return response
        case .accepted(let accepted):
            return await complete(accepted, body: RequestBody(buffer: ByteBuffer(bytes: request.body)), endpoint: endpoint)
        }
    }

    /// The first half of a request's path: who signed it, checked against the head alone
    /// whenever the payload's hash is declared, and which service serves it. Nothing of the
    /// body has been read.
    func accept(_ head: EndpointRequest, endpoint: LocalEndpoint) async -> HeadOutcome {
        if head.rawPath.hasPrefix("/_glueshim/credentials/") {
            return .answered(await containerCredentials(head, endpoint: endpoint))
        }
        let now = configuration.clock()
        // S3's Signature Version 2 (botocore's presigned URLs when given an endpoint URL).
        do {
            if let v2 = try SigV2.authorization(headers: head.headers, query: head.queryItems) {
                return acceptSigV2(head, v2, now: now)
            }
        } catch {
            return .answered(AWSServiceError(code: error.code, status: error.httpStatus, message: error.message).response(.restXML, requestId: head.requestId))
        }
        let authorization: SigV4Authorization?
        do {
            authorization = try SigV4Verifier.authorization(of: SigV4Request(method: head.method, path: head.rawPath, query: head.rawQuery,
                                                                            headers: head.headers, payloadHash: SigV4.unsignedPayload))
        } catch {
            return .answered(AWSServiceError(code: error.code, status: error.httpStatus, message: error.message)
                .response(guessProtocol(head), requestId: head.requestId))
        }
        // S3 declares the payload's hash in the head, so its signature is checked before the body;
        // other services sign the body's hash.
        let declaredHash = authorization?.service == s3.signingName ? declaredPayloadHash(head) : nil
        let signedHead = SigV4Request(method: head.method, path: head.rawPath, query: head.rawQuery,
                                      headers: head.headers, payloadHash: declaredHash ?? SigV4.unsignedPayload)

        var caller = Caller.anonymous
        caller.transport = head.transport
        var service: (any EndpointService)?
        var secret: String?
        if let authorization {
            let proto = services[authorization.service]?.wireProtocol ?? UnservedService.wireProtocol(authorization.service, head)
            // Who signed, with a good signature and live credentials, before any byte of the body.
            let issued: IssuedCredential
            switch identify(authorization) {
            case .failure(let error): return .answered(error.response(proto, requestId: head.requestId))
            case .success(let found): issued = found
            }
            secret = issued.credentials.secretAccessKey
            if declaredHash != nil {
                do {
                    try SigV4Verifier.verify(signedHead, authorization: authorization, secretAccessKey: issued.credentials.secretAccessKey, now: now)
                } catch {
                    return .answered(AWSServiceError(code: error.code, status: error.httpStatus, message: error.message).response(proto, requestId: head.requestId))
                }
            }
            if let error = checkSession(head, issued, service: authorization.service, now: now) {
                return .answered(error.response(proto, requestId: head.requestId))
            }
            caller = Caller(principal: issued.principal, credential: issued, transport: head.transport)
            service = services[authorization.service]
            if service == nil {
                return .answered(unserved(head, service: authorization.service, caller: caller, now: now))
            }
        } else if head.method == "OPTIONS" || guessProtocol(head) == .restXML {
            // Unsigned: only S3 serves anonymous callers (a bucket policy may allow "*"), and
            // answers browsers' CORS preflights (OPTIONS), whatever headers they ask about.
            service = s3
        } else {
            return .answered(AWSServiceError(code: ErrorCode.missingAuthenticationToken, status: 403, message: "Request is missing Authentication Token")
                .response(.query, requestId: head.requestId))
        }
        guard let service else { return .answered(AWSServiceError.internalError("no service chosen").response(.restXML, requestId: head.requestId)) }
        return .accepted(Accepted(head: head, service: service, caller: caller, authorization: authorization, secret: secret,
                                  declaredHash: declaredHash, now: now))
    }

    /// A request signed with S3's Signature Version 2: checked against its head (the signature
    /// covers Content-MD5, not the body), then S3 serves it as any other caller's.
    func acceptSigV2(_ head: EndpointRequest, _ v2: SigV2.Authorization, now: Date) -> HeadOutcome {
        func answer(_ error: AWSServiceError) -> HeadOutcome { .answered(error.response(.restXML, requestId: head.requestId)) }
        let issued: IssuedCredential
        switch identify(accessKeyId: v2.accessKeyId, service: s3.signingName) {
        case .failure(let error): return answer(error)
        case .success(let found): issued = found
        }
        do {
            try SigV2.verify(v2, method: head.method, path: head.rawPath, rawQuery: head.rawQuery, headers: head.headers,
                             bucket: S3Service.virtualHostBucket(head.header("host")), secretAccessKey: issued.credentials.secretAccessKey, now: now)
        } catch {
            var fields: [(String, String)] = [("AWSAccessKeyId", v2.accessKeyId)]
            if error.code == ErrorCode.signatureDoesNotMatch {
                // As S3 answers: what it signed, so the client can see where the two differ.
                let expires = v2.form == .query ? head.queryItems["Expires"] : nil
                let text = SigV2.stringToSign(method: head.method, path: head.rawPath, rawQuery: head.rawQuery, headers: head.headers,
                                              bucket: S3Service.virtualHostBucket(head.header("host")), expires: expires)
                fields += [("StringToSign", text), ("SignatureProvided", v2.signature)]
            }
            if error.code == ErrorCode.accessDenied, let expires = v2.expires {
                fields = [("Expires", XML.timestamp(expires)), ("ServerTime", XML.timestamp(now))]
            }
            return answer(AWSServiceError(code: error.code, status: error.httpStatus, message: error.message, extraFields: fields))
        }
        if let error = checkSession(head, issued, service: s3.signingName, now: now) { return answer(error) }
        let caller = Caller(principal: issued.principal, credential: issued, transport: head.transport)
        return .accepted(Accepted(head: head, service: s3, caller: caller, authorization: nil, secret: issued.credentials.secretAccessKey,
                                  declaredHash: nil, now: now))
    }

    /// The second half: the body (staged to disk for uploads, read into memory otherwise), the
    /// signature of services that sign the body, then the service.
    func complete(_ accepted: Accepted, body: RequestBody, endpoint: LocalEndpoint) async -> EndpointResponse {
        let (head, service, caller, now) = (accepted.head, accepted.service, accepted.caller, accepted.now)
        let (authorization, secret, declaredHash) = (accepted.authorization, accepted.secret, accepted.declaredHash)
        var request = head
        if service.signingName == s3.signingName, streamedUpload(head) {
            // Object and part uploads go to disk as they arrive, never whole in memory.
            do {
                let stager = S3BodyStager(store: configuration.store, headers: head.headers, method: head.method,
                                          rawPath: head.rawPath, rawQuery: head.rawQuery, secretAccessKey: secret)
                request.staged = try await stager.stage(body)
            } catch {
                return AWSServiceError(code: ErrorCode.incompleteBody, status: 400, message: "The request body terminated unexpectedly")
                    .response(.restXML, requestId: head.requestId)
            }
        } else {
            do {
                let buffer = try await body.collect(upTo: min(configuration.maxBodySize, Self.smallBodyLimit))
                request.body = Data(buffer.readableBytesView)
            } catch {
                return AWSServiceError(code: ErrorCode.entityTooLarge, status: 400, message: "Your proposed upload exceeds the maximum allowed size")
                    .response(service.wireProtocol, requestId: head.requestId)
            }
        }
        if let authorization, let secret {
            if declaredHash == nil {
                // Services whose clients declare no payload hash sign the body itself: checked now it is here.
                let signed = SigV4Request(method: head.method, path: head.rawPath, query: head.rawQuery, headers: head.headers,
                                          payloadHash: SigV4.hexSHA256(request.body))
                do {
                    try SigV4Verifier.verify(signed, authorization: authorization, secretAccessKey: secret, now: now)
                } catch {
                    return AWSServiceError(code: error.code, status: error.httpStatus, message: error.message)
                        .response(service.wireProtocol, requestId: head.requestId)
                }
            } else if let error = payloadMismatch(request) {
                return error.response(service.wireProtocol, requestId: head.requestId)
            }
        }
        return await service.handle(request, caller: caller, now: now, endpoint: endpoint)
    }

    /// The payload hash a request declares in its head (S3's `x-amz-content-sha256`, or an S3
    /// presigned URL's unsigned payload), so its signature can be checked before the body; nil
    /// when the signature covers the body itself.
    func declaredPayloadHash(_ request: EndpointRequest) -> String? {
        if let declared = request.header("x-amz-content-sha256") { return declared }
        if request.queryItems["X-Amz-Signature"] != nil { return SigV4.unsignedPayload }
        return nil
    }

    /// The signature covered the declared hash; now the body is held against it.
    func payloadMismatch(_ request: EndpointRequest) -> AWSServiceError? {
        guard let declared = request.header("x-amz-content-sha256"), declared.count == 64,
              declared != (request.staged?.sha256Hex ?? SigV4.hexSHA256(request.body)) else { return nil }
        return AWSServiceError(code: ErrorCode.xAmzContentSHA256Mismatch, status: 400, message: "The provided 'x-amz-content-sha256' header does not match what was computed.")
    }

    /// A request for a service glueshim does not serve: an error its SDK can parse, in its own
    /// protocol, naming the service and those served, recorded as a call.
    func unserved(_ request: EndpointRequest, service: String, caller: Caller, now: Date) -> EndpointResponse {
        let proto = UnservedService.wireProtocol(service, request)
        let operation = UnservedService.operation(request)
        let served = services.keys.sorted().joined(separator: ", ")
        let error = AWSServiceError(code: ErrorCode.notImplemented, status: 501,
                                    message: "glueshim does not serve the '\(service)' service (served: \(served))")
        access.record(AccessRequest(caller: caller, action: "\(service):\(operation)", resource: "*"), service: service, operation: operation,
                      decision: "unsupported", reason: "glueshim does not serve \(service)", error: error, now: now)
        return error.response(proto, requestId: request.requestId)
    }

    /// Bodies other than object and part uploads (XML, JSON, forms) are read into memory up to this.
    static let smallBodyLimit = 16 << 20
    /// Piece size of file bodies on the wire.
    static let filePieceSize = 256 << 10

    /// Whether a request is an S3 PutObject or UploadPart whose body should be streamed to disk.
    func streamedUpload(_ request: EndpointRequest) -> Bool {
        guard request.method == "PUT", request.header("x-amz-copy-source") == nil else { return false }
        let query = request.queryItems.keys.filter { !$0.hasPrefix("X-Amz-") && !$0.hasPrefix("x-amz-") && $0 != "x-id" }
        guard query.isEmpty || Set(query) == ["uploadId", "partNumber"] else { return false }
        return s3.address(of: request).key != nil
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

    /// The credential whose access key signed the request.
    func identify(_ authorization: SigV4Authorization) -> Result<IssuedCredential, AWSServiceError> {
        identify(accessKeyId: authorization.accessKeyId, service: authorization.service)
    }

    func identify(accessKeyId: String, service: String) -> Result<IssuedCredential, AWSServiceError> {
        if let issued = configuration.credentials.lookup(accessKeyId: accessKeyId) { return .success(issued) }
        return .failure(service == s3.signingName
            ? AWSServiceError(code: ErrorCode.invalidAccessKeyId, status: 403, message: "The AWS Access Key Id you provided does not exist in our records.", extraFields: [("AWSAccessKeyId", accessKeyId)])
            : AWSServiceError(code: ErrorCode.invalidClientTokenId, status: 403, message: "The security token included in the request is invalid."))
    }

    /// A session credential needs its own token and must not have expired.
    func checkSession(_ request: EndpointRequest, _ issued: IssuedCredential, service: String, now: Date) -> AWSServiceError? {
        let s3 = service == self.s3.signingName
        if let token = issued.credentials.sessionToken {
            let query = request.queryItems
            let presented = request.header("x-amz-security-token") ?? query["X-Amz-Security-Token"] ?? query["x-amz-security-token"]
            guard presented == token else {
                return s3
                    ? AWSServiceError(code: ErrorCode.invalidToken, status: 400, message: "The provided token is malformed or otherwise invalid.")
                    : AWSServiceError(code: ErrorCode.invalidClientTokenId, status: 403, message: "The security token included in the request is invalid.")
            }
        }
        if let expiration = issued.expiration, expiration <= now {
            return s3
                ? AWSServiceError(code: ErrorCode.expiredToken, status: 400, message: "The provided token has expired.")
                : AWSServiceError(code: ErrorCode.expiredToken, status: 403, message: "The security token included in the request is expired")
        }
        return nil
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
        if request.header("x-amz-target") != nil { return UnservedService.jsonVersion(request) }
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

/// What the endpoint knows of services it does not serve: their wire protocol (from their
/// service models), so that their SDKs can parse the error.
enum UnservedService {
    static let protocols: [String: ErrorProtocol] = [
        "secretsmanager": .json, "ssm": .json, "athena": .json, "events": .json, "firehose": .json,
        "kinesis": .json, "ecr": .json, "codebuild": .json, "cloudtrail": .json, "ecs": .json, "emr-serverless": .restJSON,
        "lakeformation": .restJSON, "states": .json10, "dynamodb": .json10, "sqs": .json10, "timestream": .json10,
        "redshift-data": .json, "elasticmapreduce": .json, "sns": .query, "monitoring": .query, "rds": .query,
        "cloudformation": .query, "elasticloadbalancing": .query, "ec2": .query, "redshift": .query,
        "lambda": .restJSON, "execute-api": .restJSON, "apigateway": .restJSON, "batch": .restJSON,
    ]

    static func wireProtocol(_ service: String, _ request: EndpointRequest) -> ErrorProtocol {
        if let known = protocols[service] { return known }
        if request.header("x-amz-target") != nil { return jsonVersion(request) }
        if request.method == "POST", request.header("content-type")?.hasPrefix("application/x-www-form-urlencoded") == true { return .query }
        if request.header("content-type")?.contains("json") == true { return .restJSON }
        return .restXML
    }

    static func jsonVersion(_ request: EndpointRequest) -> ErrorProtocol {
        request.header("content-type")?.contains("json-1.0") == true ? .json10 : .json
    }

    /// The operation a request names: `X-Amz-Target`'s, the query protocol's `Action`, or the method and path.
    static func operation(_ request: EndpointRequest) -> String {
        if let target = request.header("x-amz-target"), let name = target.split(separator: ".").last { return String(name) }
        if let action = request.queryItems["Action"] { return action }
        if request.method == "POST", let form = String(data: request.body, encoding: .utf8), let action = EndpointRequest.parseForm(form)["Action"] {
            return action
        }
        return "\(request.method) \(request.rawPath)"
    }
}
