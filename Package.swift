// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "glueshim",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "glueshim", targets: ["glueshim"]),
        .library(name: "IAMPolicy", targets: ["IAMPolicy"]),
        .library(name: "SigV4", targets: ["SigV4"]),
        // For the fuzz targets in Fuzz/, which drive the endpoint in-process on a world and a store.
        .library(name: "Endpoint", targets: ["Endpoint"]),
        .library(name: "World", targets: ["World"]),
        .library(name: "GlueDomain", targets: ["GlueDomain"]),
        .library(name: "ObjectStore", targets: ["ObjectStore"]),
        .library(name: "GlueShimTesting", targets: ["GlueShimTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    ],
    targets: [
        // The system CPython (Debian's libpython3-dev), linked through pkg-config.
        .systemLibrary(
            name: "CPython",
            pkgConfig: "python3-embed",
            providers: [.apt(["libpython3-dev"])]
        ),
        // Pure libraries: no I/O, time passed in.
        .target(name: "IAMPolicy"),
        .target(name: "SigV4", dependencies: ["CNative", .product(name: "Crypto", package: "swift-crypto")]),
        // C for what Swift cannot reach: CRC32 through zlib, CRC32C with the processor's
        // instruction, early writeback of files being written (sync_file_range), malloc tuning.
        .target(name: "CNative", linkerSettings: [.linkedLibrary("z")]),
        // Accounts, principals, policies, buckets and credentials of a local world.
        .target(
            name: "World",
            dependencies: ["IAMPolicy", "SigV4", .product(name: "Yams", package: "Yams")],
            resources: [.copy("ManagedPolicies")]
        ),
        // S3 objects on disk, written atomically.
        .target(name: "ObjectStore", dependencies: ["CNative", .product(name: "Crypto", package: "swift-crypto")]),
        // Swift AWS client (SigV4-signed STS and S3 calls), for the local endpoint or real AWS.
        .target(name: "AWSClient", dependencies: ["SigV4"]),
        // Glue's domain: job definitions and arguments, runs and their registry, interactive
        // sessions, log events; no HTTP. What it needs of the endpoint comes as a `GlueHost`.
        .target(name: "GlueDomain", dependencies: ["SigV4"]),
        // The local AWS endpoint: routing, SigV4 check, authorization, STS and S3, over HTTP and
        // over HTTPS with a certificate of its local certificate authority.
        .target(
            name: "Endpoint",
            dependencies: [
                "IAMPolicy", "SigV4", "World", "ObjectStore", "GlueDomain",
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Embedded CPython: the worker process, the /tmp sandbox, the job's Python environment.
        .target(name: "PythonHost", dependencies: ["CPython"], resources: [.copy("python")]),
        // Jobs, runs, logs and events, wiring every layer together.
        .target(
            name: "GlueRuntime",
            dependencies: ["PythonHost", "Endpoint", "GlueDomain", "AWSClient", "World", "ObjectStore", "IAMPolicy", "SigV4",
                           .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto")]
        ),
        // For Swift test suites: an endpoint on a world, clients as its principals, job runs.
        .target(name: "GlueShimTesting", dependencies: ["GlueRuntime", "Endpoint", "GlueDomain", "World", "ObjectStore", "AWSClient", "SigV4"]),
        .executableTarget(
            name: "glueshim",
            dependencies: ["GlueRuntime", "PythonHost", "Endpoint", "GlueDomain", "World", "IAMPolicy", "SigV4", "AWSClient", "ObjectStore", "CNative", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Decisions per second of the IAM engine (swift run -c release IAMBench).
        .executableTarget(name: "IAMBench", dependencies: ["IAMPolicy"]),
        // A raw HTTP/1.1 client for tests that send what HTTP libraries refuse to.
        .target(name: "RawHTTP", path: "Tests/RawHTTP"),
        // What several test targets share: `glueshim serve` and other child processes, the built
        // binary, temporary folders, and SigV4 signing of requests sent by hand.
        .target(name: "TestSupport", dependencies: ["SigV4"], path: "Tests/TestSupport"),
        .testTarget(name: "IAMPolicyTests", dependencies: ["IAMPolicy"]),
        .testTarget(name: "SigV4Tests", dependencies: ["SigV4"], exclude: ["Fixtures"]),
        .testTarget(name: "PythonHostTests", dependencies: ["PythonHost", "glueshim", "TestSupport"]),
        .testTarget(name: "WorldTests", dependencies: ["World", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "EndpointTests", dependencies: ["Endpoint", "GlueDomain", "AWSClient", "RawHTTP", "TestSupport", "World", "ObjectStore", "SigV4", "IAMPolicy", .product(name: "Crypto", package: "swift-crypto")]),
        // S3 against a real `glueshim serve` child process, driven by boto3 and the AWS CLI.
        .testTarget(name: "S3WireTests", dependencies: ["glueshim", "TestSupport"], exclude: ["Scripts"]),
        .testTarget(name: "EndToEndTests", dependencies: ["glueshim", "RawHTTP", "SigV4", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "GlueShimTestingTests", dependencies: ["GlueShimTesting", "AWSClient", "glueshim"]),
        // boto3 and the AWS CLI against a `glueshim serve` child process (needs python3 with boto3, and aws).
        .testTarget(name: "WireTests", dependencies: ["glueshim", "TestSupport"], exclude: ["wire_sts_iam.py", "wire_protocols.py", "sts-iam-world.yaml", "kms_wire.py", "kms-world.yaml", "sse_kms_wire.py"]),
    ],
    swiftLanguageModes: [.v6]
)

// The project's own Swift code builds without warnings: each one is an error.
for target in package.targets where target.type != .system && target.name != "CNative" {
    target.swiftSettings = (target.swiftSettings ?? []) + [.treatAllWarnings(as: .error)]
}
