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

    /// The three forms HTTP/1.1 allows for If-Modified-Since and the like (RFC 9110, 5.6.7), and ISO 8601.
    @Test(arguments: [
        "Fri, 28 Jun 2024 10:00:00 GMT",
        "Friday, 28-Jun-24 10:00:00 GMT",
        "Fri Jun 28 10:00:00 2024",
        "2024-06-28T10:00:00Z",
    ])
    func parsesEveryHTTPDateForm(_ text: String) {
        #expect(XML.parseHTTPDate(text) == Date(timeIntervalSince1970: 1_719_568_800))
    }

    @Test(arguments: ["", "yesterday", "Fri, 31 Feb 2024 10:00:00 GMT", "Fri, 28 Jun 99999999999 10:00:00 GMT"])
    func rejectsWhatIsNoDate(_ text: String) {
        #expect(XML.parseHTTPDate(text) == nil)
    }
}
