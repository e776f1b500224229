import Foundation
import Testing
@testable import Endpoint

/// Last-Modified and other HTTP dates, in RFC 1123's fixed English form whatever the locale.
@Suite struct HTTPDateTests {
    @Test(arguments: [
        (0.0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (1_719_568_800, "Fri, 28 Jun 2024 10:00:00 GMT"),
        (951_782_399.9, "Mon, 28 Feb 2000 23:59:59 GMT"),
        (951_868_800, "Wed, 01 Mar 2000 00:00:00 GMT"),
        (1_798_761_599, "Thu, 31 Dec 2026 23:59:59 GMT"),
    ])
    func rfc1123(seconds: Double, expected: String) {
        #expect(XML.httpDate(Date(timeIntervalSince1970: seconds)) == expected)
    }
}
