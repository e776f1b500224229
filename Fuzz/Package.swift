// swift-tools-version: 6.0
// libFuzzer targets for glueshim's parsers and decoders. Build and run with scripts/fuzz.sh
// (see docs/fuzzing.md); each executable is a libFuzzer binary, built with -sanitize=fuzzer.
import PackageDescription

let package = Package(
    name: "glueshim-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "glueshim", path: ".."),
    ],
    targets: [
        // libFuzzer's driver entry point, declared for Swift.
        .target(name: "FuzzMain"),
        // IAM policy JSON: parse, validate for each policy type, evaluate.
        .executableTarget(name: "FuzzPolicy", dependencies: ["FuzzMain", .product(name: "IAMPolicy", package: "glueshim")]),
        // SigV4: Authorization header and presigned query parsing, dates, verification.
        .executableTarget(name: "FuzzSigV4", dependencies: ["FuzzMain", .product(name: "SigV4", package: "glueshim")]),
        // aws-chunked bodies: the whole-body decoder and the endpoint's streaming decoder.
        .executableTarget(name: "FuzzChunked", dependencies: [
            "FuzzMain", .product(name: "SigV4", package: "glueshim"), .product(name: "Endpoint", package: "glueshim"),
        ]),
        // Signed requests through the endpoint's router: S3 XML bodies, STS/IAM forms, Glue and Logs JSON.
        .executableTarget(name: "FuzzEndpoint", dependencies: [
            "FuzzMain", .product(name: "Endpoint", package: "glueshim"), .product(name: "SigV4", package: "glueshim"),
            .product(name: "World", package: "glueshim"), .product(name: "ObjectStore", package: "glueshim"),
            .product(name: "GlueDomain", package: "glueshim"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
