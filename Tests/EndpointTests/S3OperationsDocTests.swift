import Foundation
import TestSupport
import Testing
@testable import Endpoint

/// `docs/s3-operations.md` is the routing table as it is: every S3 operation, its request shape,
/// its IAM action and whether glueshim serves it. Regenerate it with
/// `GLUESHIM_WRITE_DOCS=1 swift test --filter S3OperationsDocTests`.
@Suite struct S3OperationsDocTests {
    static func render() -> String {
        let routes = S3Routes.table
        let served = routes.filter(\.served).count
        var text = """
        # S3 operations

        Every request shape of the Amazon S3 API that glueshim knows, as its routing table holds it
        (`Sources/Endpoint/S3Routes.swift`): the method, what the path names (the service, a bucket or
        an object), the subresource keys of the query, the operation of the S3 API reference and the
        IAM action the Service Authorization Reference authorizes it as. \(served) of \(routes.count) are served;
        the others answer `501 NotImplemented` in S3's XML, are recorded as `unsupported`, and change
        nothing. A request of any other shape answers the same. This file is checked against the table
        by `S3OperationsDocTests`.

        | operation | request | IAM action | served |
        |---|---|---|---|

        """
        for route in routes.sorted(by: { ($0.operation, $0.method) < ($1.operation, $1.method) }) {
            let query = route.subresources.sorted().joined(separator: "&")
            var request = "\(route.method) \(route.level.rawValue)" + (query.isEmpty ? "" : "?\(query)")
            switch route.variant {
            case .always: break
            case .parameter(let name, let value): request += " (\(name)=\(value))"
            case .parameterPresent(let name): request += " (with \(name))"
            case .parameterAbsent(let name): request += " (without \(name))"
            case .headerPresent(let name): request += " (with header \(name))"
            case .headerAbsent(let name): request += " (without header \(name))"
            }
            text += "| \(route.operation) | `\(request)` | `\(route.action.isEmpty ? "-" : route.action)` | \(route.served ? "yes" : "501") |\n"
        }
        return text
    }

    @Test func theDocumentIsTheTable() throws {
        let file = repoRoot.appendingPathComponent("docs/s3-operations.md")
        let rendered = Self.render()
        if ProcessInfo.processInfo.environment["GLUESHIM_WRITE_DOCS"] == "1" {
            try rendered.write(to: file, atomically: true, encoding: .utf8)
        }
        let written = try String(contentsOf: file, encoding: .utf8)
        #expect(written == rendered, "docs/s3-operations.md is not the routing table: regenerate it with GLUESHIM_WRITE_DOCS=1 swift test --filter S3OperationsDocTests")
    }
}
