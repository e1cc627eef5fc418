import LongweaveCore
import LongweavePrompts

extension Registry {
    /// Every stage and ingest format that pipeline files can name. Adding one is a new
    /// file (or folder) plus one line here.
    public static let standard = Registry(
        stages: [
            CleanStage.self,
            SelectStage.self,
            KeywordReplacementStage.self,
            ConfusingFactsStage.self,
            AnswerKeywordsStage.self,
            ContaminationStage.self,
            FillStage.self,
            NeedleStage.self,
            M4LEStage.self,
        ],
        formats: [
            HotpotQAFormat.self,
            ParagraphsFormat.self,
            SQuADFormat.self,
            CMRC2018Format.self,
            LongBenchFormat.self,
            DuReaderFormat.self,
            LooGLEFormat.self,
            MediaWikiFormat.self,
            HTMLFormat.self,
            TextFormat.self,
            ContinuationFormat.self,
            JSONLinesFormat.self,
        ],
        spellings: [
            // One stage with three modes before they became stages of their own.
            StageSpelling(name: "length_buckets", key: "mode", stages: ["fill": "fill", "needle": "needle", "m4le": "m4le"], defaultValue: "fill"),
        ],
        promptMeasure: ModelPrompts.self)
}
