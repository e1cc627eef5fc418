import LongweaveCore

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
            LengthBucketsStage.self,
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
        ])
}
