import Testing
@testable import LongweaveMarkup

@Suite struct HTMLMainTextTests {
    func extract(_ html: String) throws -> HTMLMainText {
        HTMLMainText(try HTMLTree(bytes: Array(html.utf8), path: "test.html"))
    }

    @Test func mainContentWithoutBoilerplate() throws {
        let page = try extract("""
            <html><head><title>T - Site</title><style>p{}</style><script>var x = "<p>no</p>";</script></head>
            <body><nav>Menu Home</nav><div id="sidebar">Side</div>
            <main><h1>Caf&eacute; story</h1><p>First   para<sup class="reference">[1]</sup> with <a href="#">link</a>.</p>
            <div class="navbox">Nav box</div><ul><li>One</li><li>Two</li></ul>
            <ol class="references"><li>Ref text</li></ol></main><footer>Footer</footer></body></html>
            """)
        #expect(page.title == "Café story")
        #expect(page.text == "Café story\nFirst para with link.\nOne\nTwo")
    }

    @Test func withoutAMainElementTheWholeBodyCounts() throws {
        let page = try extract("<html><head><title>Only title</title></head><body><p>A</p><p>B &amp; C</p></body></html>")
        #expect(page.title == "Only title")
        #expect(page.text == "A\nB & C")
    }
}
