import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A small XML tree for S3 request bodies (CreateBucketConfiguration, Tagging, Delete,
/// CompleteMultipartUpload). Namespaces are ignored, as S3 does for these documents.
final class XMLDoc {
    let name: String
    var text: String = ""
    var children: [XMLDoc] = []

    init(name: String) { self.name = name }

    func child(_ name: String) -> XMLDoc? { children.first { $0.name == name } }

    /// The root element, or nil when the body is not well-formed XML.
    ///
    /// Bodies that are not UTF-8 are refused before the parser sees them: libxml2 hands names
    /// with invalid UTF-8 on to FoundationXML when it recovers from an encoding error, and
    /// FoundationXML then traps (a crash of the whole endpoint, reachable without credentials
    /// through DeleteObjects). Documents with a DOCTYPE are refused too: S3's request documents
    /// have none, and entity declarations are where XML expands beyond its size. So are
    /// processing instructions other than the XML declaration: FoundationXML reads the data of
    /// `<?name?>`, which libxml2 passes as NULL, and crashes.
    static func parse(_ data: Data) -> XMLDoc? {
        guard String(validating: data, as: UTF8.self) != nil, data.range(of: Data("<!DOCTYPE".utf8)) == nil,
              !hasProcessingInstruction(data) else { return nil }
        let parser = XMLParser(data: data)
        let builder = Builder()
        parser.delegate = builder
        parser.shouldProcessNamespaces = true
        guard parser.parse(), builder.failed == false else { return nil }
        return builder.root
    }

    /// Whether `<?` appears anywhere but in an XML declaration (`<?xml` and white space) at the
    /// start, after an optional byte order mark.
    static func hasProcessingInstruction(_ data: Data) -> Bool {
        var start = data.startIndex
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { start += 3 }
        let head = data[start...]
        if head.starts(with: Data("<?xml".utf8)), head.count > 5, [0x20, 0x09, 0x0D, 0x0A].contains(head[start + 5]),
           let end = head.range(of: Data("?>".utf8)) {
            start = end.upperBound
        }
        return data[start...].range(of: Data("<?".utf8)) != nil
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var stack: [XMLDoc] = []
        var root: XMLDoc?
        var failed = false

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            let node = XMLDoc(name: local)
            if let parent = stack.last { parent.children.append(node) } else if root == nil { root = node } else { failed = true }
            stack.append(node)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { failed = true }
    }
}
