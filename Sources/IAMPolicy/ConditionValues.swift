import Foundation

/// Dates as IAM's Date operators read them: ISO 8601 (date, date-time, optional
/// fraction and offset) or epoch seconds. Parsed by hand so the result does not depend
/// on platform date formatters.
enum DateValue {
    /// Seconds since 1970-01-01T00:00:00Z, or nil when the text is not a date.
    static func parse(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if !t.isEmpty, !t.dropFirst().contains("-"), t.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "." || $0 == "-" }) {
            return Double(t)
        }
        let c = Array(t)
        var i = 0
        func number(_ width: Int) -> Int64? {
            guard i + width <= c.count else { return nil }
            var v: Int64 = 0
            for k in i..<i + width {
                guard let d = c[k].wholeNumberValue, c[k].isASCII else { return nil }
                v = v * 10 + Int64(d)
            }
            i += width
            return v
        }
        func expect(_ ch: Character) -> Bool {
            guard i < c.count, c[i] == ch else { return false }
            i += 1
            return true
        }
        guard let y = number(4), expect("-"), let mo = number(2), expect("-"), let d = number(2),
              (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var seconds = Double(days(fromCivil: y, mo, d) * 86400)
        if i == c.count { return seconds }
        guard expect("T") || expect(" ") || expect("t") else { return nil }
        guard let h = number(2), expect(":"), let mi = number(2), h < 24, mi < 60 else { return nil }
        seconds += Double(h * 3600 + mi * 60)
        if expect(":") {
            guard let s = number(2), s < 61 else { return nil }
            seconds += Double(s)
            if expect(".") {
                let start = i
                while i < c.count, c[i].isASCII, c[i].isNumber { i += 1 }
                guard i > start, let frac = Double("0." + String(c[start..<i])) else { return nil }
                seconds += frac
            }
        }
        if i == c.count || expect("Z") || expect("z") {
            return i == c.count ? seconds : nil
        }
        guard i < c.count, c[i] == "+" || c[i] == "-" else { return nil }
        let sign: Double = c[i] == "+" ? 1 : -1
        i += 1
        guard let oh = number(2) else { return nil }
        _ = expect(":")
        let om = number(2) ?? 0
        guard i == c.count else { return nil }
        return seconds - sign * Double(oh * 3600 + om * 60)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

/// IPv4 and IPv6 addresses and CIDR blocks for IpAddress / NotIpAddress.
struct IPAddressValue: Equatable {
    var bytes: [UInt8]

    init?(_ text: String) {
        if text.contains(":") {
            guard let b = Self.parseV6(text) else { return nil }
            bytes = b
        } else {
            guard let b = Self.parseV4(text) else { return nil }
            bytes = b
        }
    }

    static func parseV4(_ text: String) -> [UInt8]? {
        if let fast = parseV4Bytes(text) { return fast }
        return parseV4Text(text)
    }

    /// `parseV4Text` over the UTF-8 bytes, for ASCII text (nil otherwise or when invalid,
    /// and the general parser then decides).
    private static func parseV4Bytes(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(4)
        var value = 0, digits = 0
        for b in text.utf8 {
            if b == UInt8(ascii: ".") {
                guard digits > 0, out.count < 3 else { return nil }
                out.append(UInt8(value))
                value = 0
                digits = 0
            } else if b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") {
                digits += 1
                value = value * 10 + Int(b - UInt8(ascii: "0"))
                guard digits <= 3, value <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, out.count == 3 else { return nil }
        out.append(UInt8(value))
        return out
    }

    private static func parseV4Text(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let v = UInt8(p) else { return nil }
            out.append(v)
        }
        return out
    }

    static func parseV6(_ text: String) -> [UInt8]? {
        var head: [UInt8] = []
        var tail: [UInt8] = []
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String, allowV4Tail: Bool) -> [UInt8]? {
            if s.isEmpty { return [] }
            var out: [UInt8] = []
            let items = s.split(separator: ":", omittingEmptySubsequences: false)
            for (idx, g) in items.enumerated() {
                if idx == items.count - 1, allowV4Tail, g.contains(".") {
                    guard let v4 = parseV4(String(g)) else { return nil }
                    out += v4
                    continue
                }
                guard !g.isEmpty, g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
                out += [UInt8(v >> 8), UInt8(v & 0xFF)]
            }
            return out
        }
        if halves.count == 2 {
            guard let h = groups(halves[0], allowV4Tail: false), let t = groups(halves[1], allowV4Tail: true) else { return nil }
            head = h
            tail = t
            guard head.count + tail.count <= 14 else { return nil }
            return head + Array(repeating: 0, count: 16 - head.count - tail.count) + tail
        }
        guard let all = groups(text, allowV4Tail: true), all.count == 16 else { return nil }
        return all
    }
}

/// A CIDR block; a bare address means a single host.
struct CIDRBlock {
    var network: IPAddressValue
    var prefix: Int

    init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let addr = IPAddressValue(String(parts[0])) else { return nil }
        let maxBits = addr.bytes.count * 8
        if parts.count == 2 {
            guard let p = Int(parts[1]), (0...maxBits).contains(p) else { return nil }
            prefix = p
        } else {
            prefix = maxBits
        }
        network = addr
    }

    func contains(_ ip: IPAddressValue) -> Bool {
        guard ip.bytes.count == network.bytes.count else { return false }
        var bits = prefix
        for (a, b) in zip(ip.bytes, network.bytes) {
            if bits <= 0 { return true }
            let mask: UInt8 = bits >= 8 ? 0xFF : UInt8(0xFF << (8 - bits) & 0xFF)
            if a & mask != b & mask { return false }
            bits -= 8
        }
        return true
    }
}
