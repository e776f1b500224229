import Foundation
import Yams

/// A YAML document as glueshim writes world files: ordered mappings, quoted scalars, policy
/// documents as literal blocks of JSON.
indirect enum YAMLTree {
    case scalar(String)
    case null
    /// Multi-line text written as a literal block (`|`).
    case block(String)
    case list([YAMLTree])
    case map([(String, YAMLTree)])

    /// A tree read from a file, kept as it is (order and values).
    init(_ node: Node) {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain, node.null != nil {
                self = .null
            } else if scalar.string.contains("\n") {
                self = .block(scalar.string)
            } else {
                self = .scalar(scalar.string)
            }
        case .sequence(let seq): self = .list(seq.map(YAMLTree.init))
        case .mapping(let map): self = .map(map.map { ($0.key.string ?? "", YAMLTree($0.value)) })
        case .alias: self = .null
        }
    }

    subscript(key: String) -> YAMLTree? {
        get {
            guard case .map(let entries) = self else { return nil }
            return entries.first(where: { $0.0 == key })?.1
        }
        set {
            guard case .map(var entries) = self else { return }
            if let index = entries.firstIndex(where: { $0.0 == key }) {
                if let newValue { entries[index].1 = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                entries.append((key, newValue))
            }
            self = .map(entries)
        }
    }

    var isScalarLike: Bool {
        switch self {
        case .scalar, .null: true
        default: false
        }
    }

    /// The document as YAML text.
    func yaml() -> String {
        var out = ""
        switch self {
        case .map(let entries): YAMLTree.writeMap(entries, indent: 0, into: &out)
        default: out = inline() + "\n"
        }
        return out
    }

    func inline() -> String {
        switch self {
        case .scalar(let s): return YAMLTree.quote(s)
        case .null: return "null"
        case .block(let s): return YAMLTree.quote(s)
        case .list(let items):
            if items.isEmpty { return "[]" }
            return "[" + items.map { $0.inline() }.joined(separator: ", ") + "]"
        case .map(let entries):
            if entries.isEmpty { return "{}" }
            return "{" + entries.map { "\(YAMLTree.key($0.0)): \($0.1.inline())" }.joined(separator: ", ") + "}"
        }
    }

    static func writeMap(_ entries: [(String, YAMLTree)], indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for (k, v) in entries {
            out += pad + key(k) + ":"
            write(v, indent: indent, into: &out)
        }
    }

    /// Writes a value after `key:` (or `-`).
    static func write(_ value: YAMLTree, indent: Int, into out: inout String) {
        switch value {
        case .scalar, .null:
            out += " " + value.inline() + "\n"
        case .block(let text):
            let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            // A block's indentation is set by its first line: text starting with a space stays quoted.
            if let first = lines.first, first.hasPrefix(" ") || first.hasPrefix("\t") || first.isEmpty {
                out += " " + quote(text) + "\n"
                return
            }
            var body = lines
            let chomp = text.hasSuffix("\n") ? "" : "-"
            if text.hasSuffix("\n") { body.removeLast() }
            out += " |\(chomp)\n"
            let pad = String(repeating: " ", count: indent + 2)
            for line in body { out += line.isEmpty ? "\n" : pad + line + "\n" }
        case .list(let items):
            if items.allSatisfy(\.isScalarLike) {
                out += " " + value.inline() + "\n"
                return
            }
            out += "\n"
            let pad = String(repeating: " ", count: indent + 2)
            for item in items {
                out += pad + "-"
                if case .map(let entries) = item, !entries.isEmpty {
                    out += "\n"
                    writeMap(entries, indent: indent + 4, into: &out)
                } else {
                    write(item, indent: indent + 2, into: &out)
                }
            }
        case .map(let entries):
            if entries.isEmpty {
                out += " {}\n"
                return
            }
            out += "\n"
            writeMap(entries, indent: indent + 2, into: &out)
        }
    }

    static let reservedWords: Set<String> = ["true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"]

    static func key(_ k: String) -> String {
        let plain = k.first.map { $0.isLetter || $0 == "_" } == true
            && k.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
            && !reservedWords.contains(k.lowercased())
        return plain ? k : quote(k)
    }

    /// A double-quoted scalar: JSON string escaping is valid YAML.
    static func quote(_ s: String) -> String { JSONText.string(s) }
}

/// JSON text written from a YAML/JSON tree, keeping key order (IAM keeps documents as written).
enum JSONText {
    static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Pretty-printed JSON of a node read from JSON: plain numbers, booleans and null stay bare.
    static func pretty(_ node: Node, indent: Int = 0) -> String {
        let pad = String(repeating: " ", count: indent + 2)
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                let s = scalar.string
                if ["true", "false", "null"].contains(s) || Double(s) != nil && s.first.map({ $0 == "-" || $0.isNumber }) == true {
                    return s
                }
            }
            return string(scalar.string)
        case .sequence(let seq):
            if seq.isEmpty { return "[]" }
            if seq.allSatisfy({ if case .scalar = $0 { true } else { false } }) {
                return "[" + seq.map { pretty($0) }.joined(separator: ", ") + "]"
            }
            return "[\n" + seq.map { pad + pretty($0, indent: indent + 2) }.joined(separator: ",\n") + "\n" + String(repeating: " ", count: indent) + "]"
        case .mapping(let map):
            if map.isEmpty { return "{}" }
            return "{\n" + map.map { pad + string($0.key.string ?? "") + ": " + pretty($0.value, indent: indent + 2) }.joined(separator: ",\n")
                + "\n" + String(repeating: " ", count: indent) + "}"
        case .alias: return "null"
        }
    }
}
