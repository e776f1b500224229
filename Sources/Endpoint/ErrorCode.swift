/// The AWS error codes the endpoint answers with, exactly as they go on the wire.
/// Codes more than one service family answers with sit at the top; the rest under their family.
enum ErrorCode {
    // MARK: Any service (signing, transport, routing)

    static let accessDenied = "AccessDenied"
    /// The JSON services' (Glue, Logs) form of AccessDenied.
    static let accessDeniedException = "AccessDeniedException"
    static let notImplemented = "NotImplemented"
    static let internalError = "InternalError"
    static let missingAuthenticationToken = "MissingAuthenticationToken"
    static let invalidAccessKeyId = "InvalidAccessKeyId"
    static let invalidClientTokenId = "InvalidClientTokenId"
    static let invalidToken = "InvalidToken"
    static let signatureDoesNotMatch = "SignatureDoesNotMatch"
    static let expiredToken = "ExpiredToken"
    static let incompleteBody = "IncompleteBody"
    static let entityTooLarge = "EntityTooLarge"
    /// The body does not hash to the declared `x-amz-content-sha256`.
    static let xAmzContentSHA256Mismatch = "XAmzContentSHA256Mismatch"

    // MARK: Query services (STS, IAM)

    static let invalidAction = "InvalidAction"
    static let missingAction = "MissingAction"
    /// A parameter breaks its documented constraints.
    static let validationError = "ValidationError"
    static let malformedPolicyDocument = "MalformedPolicyDocument"

    // MARK: JSON services (Glue, Logs)

    /// The target header names no operation of the service.
    static let unknownOperationException = "UnknownOperationException"

    // MARK: -

    enum S3 {
        static let noSuchBucket = "NoSuchBucket"
        static let noSuchKey = "NoSuchKey"
        static let noSuchVersion = "NoSuchVersion"
        static let noSuchUpload = "NoSuchUpload"
        static let noSuchBucketPolicy = "NoSuchBucketPolicy"
        static let noSuchTagSet = "NoSuchTagSet"
        static let noSuchCORSConfiguration = "NoSuchCORSConfiguration"
        static let noSuchLifecycleConfiguration = "NoSuchLifecycleConfiguration"
        static let ownershipControlsNotFoundError = "OwnershipControlsNotFoundError"
        static let noSuchPublicAccessBlockConfiguration = "NoSuchPublicAccessBlockConfiguration"
        /// An ACL sent to a bucket whose Object Ownership disables ACLs.
        static let accessControlListNotSupported = "AccessControlListNotSupported"
        static let invalidBucketAclWithObjectOwnership = "InvalidBucketAclWithObjectOwnership"
        /// An AccessControlPolicy document that is not one.
        static let malformedACLError = "MalformedACLError"
        static let unresolvableGrantByEmailAddress = "UnresolvableGrantByEmailAddress"
        /// A body sent with an ACL given in headers.
        static let unexpectedContent = "UnexpectedContent"
        /// A CORS request (preflight) the bucket's CORS rules do not allow.
        static let accessForbidden = "AccessForbidden"
        static let invalidTargetBucketForLogging = "InvalidTargetBucketForLogging"
        static let invalidArgument = "InvalidArgument"
        static let invalidRequest = "InvalidRequest"
        static let invalidBucketName = "InvalidBucketName"
        static let invalidRange = "InvalidRange"
        static let invalidPart = "InvalidPart"
        static let invalidPartOrder = "InvalidPartOrder"
        /// GetObject/HeadObject's partNumber beyond the object's parts.
        static let invalidPartNumber = "InvalidPartNumber"
        static let invalidTag = "InvalidTag"
        /// The Content-MD5 header is not a base64 MD5.
        static let invalidDigest = "InvalidDigest"
        /// The body does not hash to the declared Content-MD5.
        static let badDigest = "BadDigest"
        static let badRequest = "BadRequest"
        static let invalidLocationConstraint = "InvalidLocationConstraint"
        /// CreateBucket's location constraint does not match the region the request was signed for.
        static let illegalLocationConstraintException = "IllegalLocationConstraintException"
        /// Signed for another region than the bucket's (Authorization header form).
        static let authorizationHeaderMalformed = "AuthorizationHeaderMalformed"
        /// Signed for another region than the bucket's (presigned URL form).
        static let authorizationQueryParametersError = "AuthorizationQueryParametersError"
        static let bucketAlreadyExists = "BucketAlreadyExists"
        static let bucketAlreadyOwnedByYou = "BucketAlreadyOwnedByYou"
        static let bucketNotEmpty = "BucketNotEmpty"
        static let methodNotAllowed = "MethodNotAllowed"
        static let malformedXML = "MalformedXML"
        static let malformedPolicy = "MalformedPolicy"
        static let policyTooLarge = "PolicyTooLarge"
        static let keyTooLongError = "KeyTooLongError"
        static let metadataTooLarge = "MetadataTooLarge"
        /// A part other than the last is under the minimum part size.
        static let entityTooSmall = "EntityTooSmall"
        static let preconditionFailed = "PreconditionFailed"
        /// A conditional write lost a race to another write of the same key.
        static let conditionalRequestConflict = "ConditionalRequestConflict"
        /// Carried by a bare 304; never rendered as a body.
        static let notModified = "NotModified"
        /// The trailer of an aws-chunked body is not well formed.
        static let malformedTrailerError = "MalformedTrailerError"
        /// An aws-chunked body has a chunk other than the last under 8 KiB.
        static let invalidChunkSizeError = "InvalidChunkSizeError"
    }

    enum STS {
        static let invalidParameterValue = "InvalidParameterValue"
        /// The session policies and tags, packed, exceed STS's limit.
        static let packedPolicyTooLarge = "PackedPolicyTooLarge"
        static let invalidAuthorizationMessageException = "InvalidAuthorizationMessageException"
    }

    enum IAM {
        static let noSuchEntity = "NoSuchEntity"
        static let invalidInput = "InvalidInput"
    }

    enum Glue {
        static let invalidInputException = "InvalidInputException"
        static let entityNotFoundException = "EntityNotFoundException"
        static let alreadyExistsException = "AlreadyExistsException"
        /// The session or statement is not in a state that allows the operation.
        static let illegalSessionStateException = "IllegalSessionStateException"
        static let concurrentRunsExceededException = "ConcurrentRunsExceededException"
        /// The request body is not valid JSON.
        static let serializationException = "SerializationException"
        static let validationException = "ValidationException"
    }

    enum Logs {
        static let invalidParameterException = "InvalidParameterException"
        static let resourceNotFoundException = "ResourceNotFoundException"
    }

    enum KMS {
        static let notFoundException = "NotFoundException"
        static let disabledException = "DisabledException"
        static let kmsInvalidStateException = "KMSInvalidStateException"
        static let invalidCiphertextException = "InvalidCiphertextException"
        static let incorrectKeyException = "IncorrectKeyException"
        static let alreadyExistsException = "AlreadyExistsException"
        static let validationException = "ValidationException"
        static let malformedPolicyDocumentException = "MalformedPolicyDocumentException"
        static let limitExceededException = "LimitExceededException"
        static let invalidGrantTokenException = "InvalidGrantTokenException"
        static let invalidGrantIdException = "InvalidGrantIdException"
        static let unsupportedOperationException = "UnsupportedOperationException"
        static let serializationException = "SerializationException"
        /// Operations on AWS managed keys and their reserved aliases.
        static let notAuthorized = "NotAuthorizedException"
    }
}
