import Testing
import LibXMLShim

@Suite struct LibXMLShimTests {
    /// Reads `xml` and returns the element names and text it saw, or the error.
    func read(_ xml: String) -> (names: [String], text: String, error: String?) {
        var bytes = Array(xml.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            let reader = buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                lw_xml_reader_open_memory($0, buffer.count, "test.xml")
            }!
            defer { lw_xml_reader_free(reader) }
            var names: [String] = []
            var text = ""
            var status: Int32 = 0
            repeat {
                status = lw_xml_reader_next(reader)
                guard status == 1 else { break }
                switch lw_xml_reader_node_type(reader) {
                case Int32(LW_XML_ELEMENT): names.append(String(cString: lw_xml_reader_name(reader)))
                case Int32(LW_XML_TEXT), Int32(LW_XML_CDATA):
                    text += String(cString: lw_xml_reader_value(reader))
                default: break
                }
            } while true
            let error = status < 0 ? lw_xml_reader_error(reader).map { String(cString: $0) } : nil
            return (names, text, error)
        }
    }

    @Test func readsElementsAndText() {
        let result = read("<mediawiki><page><title>Ed Wood</title><text>American &amp; filmmaker</text></page></mediawiki>")
        #expect(result.names == ["mediawiki", "page", "title", "text"])
        #expect(result.text == "Ed WoodAmerican & filmmaker")
        #expect(result.error == nil)
    }

    @Test func neverLoadsExternalEntities() {
        let xml = """
        <?xml version="1.0"?>
        <!DOCTYPE page [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
        <page>before &secret; after</page>
        """
        let result = read(xml)
        #expect(!result.text.contains("root:"))
    }

    @Test func malformedXMLIsAnErrorWithALine() {
        let result = read("<page>\n<title>unclosed\n</page>")
        #expect(result.error != nil)
        #expect(result.error?.hasPrefix("line ") == true)
    }
}
