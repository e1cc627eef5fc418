import LibXMLShim
import LongweaveIO

/// A streaming XML reader over libxml2's `xmlTextReader`: one node at a time, memory bounded
/// by the largest node rather than the document. External entities, DTDs and the network are
/// never loaded; entity references other than XML's five are reported, not expanded.
public final class XMLPullReader {
    public enum NodeType: Int32, Sendable {
        case element = 1, text = 3, cdata = 4, entityReference = 5, significantWhitespace = 14, endElement = 15, other = 0
    }

    /// Owns the byte source for libxml2's read callback and remembers why a read failed.
    private final class Feed {
        let source: any ByteSource
        var error: Error?
        init(_ source: any ByteSource) { self.source = source }
    }

    private let handle: OpaquePointer
    private let feed: Feed
    public var path: String { feed.source.path }

    /// Reads from `source` (a file, or a decompressor over one).
    public init(source: any ByteSource) throws {
        feed = Feed(source)
        let context = Unmanaged.passUnretained(feed).toOpaque()
        guard let handle = lw_xml_reader_open_io({ context, buffer, length in
            let feed = Unmanaged<Feed>.fromOpaque(context!).takeUnretainedValue()
            do {
                return Int32(try feed.source.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: Int(length))))
            } catch {
                feed.error = error
                return -1
            }
        }, context, source.path) else {
            throw IOError(path: source.path, "cannot create an XML reader")
        }
        self.handle = handle
    }

    deinit {
        lw_xml_reader_free(handle)
    }

    /// Moves to the next node; false at the end of the document. Throws `XMLSyntaxError` on
    /// malformed XML (with libxml2's line and message), or the source's own error when
    /// reading failed (a truncated stream).
    public func next() throws -> Bool {
        let status = lw_xml_reader_next(handle)
        if status == 1 { return true }
        if status == 0 { return false }
        if let error = feed.error { throw error }
        let message = lw_xml_reader_error(handle).map { String(cString: $0) } ?? "malformed XML"
        throw XMLSyntaxError(path: path, message: message)
    }

    public var nodeType: NodeType { NodeType(rawValue: lw_xml_reader_node_type(handle)) ?? .other }
    public var depth: Int { Int(lw_xml_reader_depth(handle)) }
    public var isEmptyElement: Bool { lw_xml_reader_is_empty_element(handle) == 1 }
    public var line: Int { Int(lw_xml_reader_line(handle)) }
    public var name: String { lw_xml_reader_name(handle).map { String(cString: $0) } ?? "" }

    /// Appends the current node's value (text, CDATA) as UTF-8 bytes.
    public func appendValue(to bytes: inout [UInt8]) {
        guard let value = lw_xml_reader_value(handle) else { return }
        let count = strlen(value)
        value.withMemoryRebound(to: UInt8.self, capacity: count) { bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: count)) }
    }

    /// Whether the current node's name is `name`, without making a String.
    public func nameIs(_ name: StaticString) -> Bool {
        guard let current = lw_xml_reader_name(handle) else { return false }
        return strcmp(current, UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)) == 0
    }
}

/// XML that libxml2 cannot parse: the file and libxml2's line and message.
public struct XMLSyntaxError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

#if canImport(Glibc)
import Glibc
#endif
