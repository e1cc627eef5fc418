import LongweaveCore
import LongweaveIO

/// `kpr.tsv`: every replacement that reaches the output, as `_id<TAB>from<TAB>to`, so that a
/// reader can undo or audit them without opening the shards.
extension KeywordReplacer: SideFileStage {
    func sideFiles(for pool: [Sample]) -> [SideFile] {
        var lines = "_id\tfrom\tto\n"
        var pairs = 0
        // A tab or a line break inside a field would break the table's columns.
        func field(_ text: String) -> String { String(text.map { $0 == "\t" || $0 == "\n" ? " " : $0 }) }
        for sample in pool {
            for (from, to) in Sample.keywordPairs(in: sample.meta["kpr"]) {
                lines += field(sample.id) + "\t" + field(from) + "\t" + field(to) + "\n"
                pairs += 1
            }
        }
        guard pairs > 0 else { return [] }
        return [SideFile(file: "kpr.tsv", section: "kpr", fields: [("pairs", .number(Double(pairs)))], bytes: Array(lines.utf8))]
    }
}
