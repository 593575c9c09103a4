import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import NIOCore

/// The little of XML that S3's answers need: every element's text with its path below the root
/// (`Contents/Key` in a `ListBucketResult`), in document order, and escaping for the bodies sent.
/// Paths leave the root out because S3-compatible servers name it differently (moto answers
/// ListParts with `ListPartsResponse` where AWS says `ListPartsResult`).
enum XMLText {
    struct Element: Equatable {
        let path: String
        let text: String
    }

    struct Document {
        /// The root element's name (`Error` for S3's error bodies).
        var root = ""
        var elements: [Element] = []

        func values(_ path: String) -> [String] { elements.filter { $0.path == path }.map(\.text) }
        func first(_ path: String) -> String? { elements.first { $0.path == path }?.text }
        /// False when the body was not well-formed XML (a cut answer): nothing in it is trusted.
        var wellFormed = true
        /// S3's error code when the body is an `<Error>`.
        var errorCode: String? { root == "Error" ? first("Code") : nil }
    }

    static func parse(_ buffer: ByteBuffer) -> Document {
        guard buffer.readableBytes > 0 else { return Document() }
        let collector = Collector()
        let parser = XMLParser(data: Data(buffer.readableBytesView))
        parser.delegate = collector
        let wellFormed = parser.parse()
        var document = collector.document
        document.wellFormed = wellFormed
        if !wellFormed { document.elements = [] }
        return document
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&apos;")
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var document = Document()
        private var stack: [String] = []
        private var text = ""

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if stack.isEmpty { document.root = name }
            stack.append(name)
            text = ""
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            text += string
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if stack.count > 1 { document.elements.append(Element(path: stack.dropFirst().joined(separator: "/"), text: text)) }
            stack.removeLast()
            text = ""
        }
    }
}
