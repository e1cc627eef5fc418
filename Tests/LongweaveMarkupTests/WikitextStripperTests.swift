import Testing
@testable import LongweaveMarkup

@Suite struct WikitextStripperTests {
    func strip(_ text: String) -> String { WikitextStripper.plainText(Array(text.utf8)) }

    @Test func linksKeepTheirText() {
        #expect(strip("A [[political philosophy]] of [[self-governance|self-governed]] [[dog]]s.") == "A political philosophy of self-governed dogs.")
        #expect(strip("See [[:Category:Cats|the cat list]] and [http://example.org the site] [http://bare.org].") == "See the cat list and the site .")
    }

    @Test func filesCategoriesInterwikiTemplatesTablesAndReferencesGo() {
        let text = """
            {{Infobox person|name=X|birth={{birth date|1900|1|1}}}}
            '''X''' was a ''writer''.<ref name="a">Source {{cite web|url=x}}</ref><ref name="b"/> Later.<!-- hidden -->
            [[File:X.jpg|thumb|A [[caption]] here]]
            {| class="wikitable"
            |-
            | cell || cell
            |}
            == Life ==
            * Born in [[Paris]].
            [[Category:Writers]]
            [[de:X]]
            """
        #expect(strip(text) == "X was a writer. Later.\nLife\nBorn in Paris.")
    }

    @Test func entitiesAndTagsAfterMarkup() {
        #expect(strip("5&nbsp;km &amp; <span style=\"x\">more</span><br/>text &lt;math&gt;") == "5 km & more text <math>")
        #expect(strip("<math>x^2</math>Area") == "Area")
    }
}
