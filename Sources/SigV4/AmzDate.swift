import Foundation

/// The UTC timestamps SigV4 uses: ISO 8601 basic (`20130524T000000Z`) and the HTTP Date header form.
public enum AmzDate {
    /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
    public static func format(_ date: Date) -> String {
        let (y, mo, d, h, mi, s) = components(of: date)
        return pad(y, 4) + pad(mo, 2) + pad(d, 2) + "T" + pad(h, 2) + pad(mi, 2) + pad(s, 2) + "Z"
    }

    /// Parses `yyyyMMdd'T'HHmmss'Z'`.
    public static func parse(_ s: String) -> Date? {
        let b = Array(s.utf8)
        guard b.count == 16, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z"),
              let y = number(b[0..<4]), let mo = number(b[4..<6]), let d = number(b[6..<8]),
              let h = number(b[9..<11]), let mi = number(b[11..<13]), let sec = number(b[13..<15])
        else { return nil }
        return make(y, mo, d, h, mi, sec)
    }

    /// Parses an HTTP date (`Fri, 24 May 2013 00:00:00 GMT`; the weekday is optional).
    public static func parseHTTPDate(_ s: String) -> Date? {
        var parts = s.split(separator: " ").map(String.init)
        if let first = parts.first, first.hasSuffix(",") { parts.removeFirst() }
        guard parts.count == 5, parts[4] == "GMT" || parts[4] == "UTC",
              let d = Int(parts[0]), let y = Int(parts[2]),
              let moIndex = months.firstIndex(of: parts[1].lowercased())
        else { return nil }
        let t = parts[3].split(separator: ":")
        guard t.count == 3, let h = Int(t[0]), let mi = Int(t[1]), let sec = Int(t[2]) else { return nil }
        return make(y, moIndex + 1, d, h, mi, sec)
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private static func make(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> Date? {
        // Four-digit years only: an HTTP date's year is any integer the client wrote, and the day
        // arithmetic below overflows (a trap) long before Int's range ends.
        guard (0...9999).contains(y), (1...12).contains(mo), (1...31).contains(d), (0...23).contains(h), (0...59).contains(mi), (0...60).contains(s)
        else { return nil }
        let days = daysFromCivil(y, mo, d)
        guard components(ofDays: days) == (y, mo, d) else { return nil }  // rejects 31 Feb
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + h * 3600 + mi * 60 + s))
    }

    private static func number(_ b: ArraySlice<UInt8>) -> Int? {
        var n = 0
        for c in b {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            n = n * 10 + Int(c - UInt8(ascii: "0"))
        }
        return n
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    private static func components(of date: Date) -> (Int, Int, Int, Int, Int, Int) {
        let secs = Int(date.timeIntervalSince1970.rounded(.down))
        let days = secs >= 0 ? secs / 86_400 : (secs - 86_399) / 86_400
        let rem = secs - days * 86_400
        let (y, mo, d) = components(ofDays: days)
        return (y, mo, d, rem / 3600, rem % 3600 / 60, rem % 60)
    }

    // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    private static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func components(ofDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
