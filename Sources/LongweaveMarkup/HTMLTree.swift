import LibXMLShim
import LongweaveIO

/// An HTML page as libxml2's forgiving parser reads it, flattened into document-order events.
public struct HTMLTree: Sendable {
    public enum Event: Sendable, Equatable {
        /// A start tag: lower-case name, and its class, id and role joined by spaces.
        case start(name: String, attributes: String)
        case text(String)
        case end(name: String)
    }

    public var events: [Event] = []

    /// Parses `bytes` (entities decoded, scripts kept as text of their element). Throws only
    /// when libxml2 cannot make a tree at all.
    public init(bytes: [UInt8], path: String) throws {
        final class Sink { var events: [Event] = [] }
        let sink = Sink()
        let status = bytes.withUnsafeBytes { raw in
            lw_html_walk(raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count, path, { context, kind, name, text, attributes in
                let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
                switch kind {
                case Int32(LW_HTML_START):
                    sink.events.append(.start(name: String(cString: name!), attributes: attributes.map { String(cString: $0) } ?? ""))
                case Int32(LW_HTML_END):
                    sink.events.append(.end(name: String(cString: name!)))
                default:
                    sink.events.append(.text(String(cString: text!)))
                }
            }, Unmanaged.passUnretained(sink).toOpaque())
        }
        if status == -2 { throw NestedTooDeep(path: path) }
        guard status == 0 else { throw IOError(path: path, "not an HTML page libxml2 can parse") }
        events = sink.events
    }
}

/// A page whose elements nest deeper than libxml2 reads, which would lose the text from
/// that point on: the page is refused whole instead.
public struct NestedTooDeep: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var description: String { "\(path): elements nest deeper than libxml2 reads; the page cannot be read whole" }
}
