import Foundation
import LongweaveCore
import LongweaveStages
import LongweaveTestSupport
import LongweaveText
import PipelineTestSupport
import Testing

/// The README's "Adding a stage" example is `Examples/QuestionLengthStage.swift`, compiled
/// with these tests: one file, plus one line in the registry, and a pipeline can use it.
@Suite struct AddingAStageTests {
    @Test func theReadmeShowsTheExampleAsItIsCompiled() throws {
        let readme = try String(contentsOfFile: TestPaths.packageRoot + "/README.md", encoding: .utf8)
        let example = try String(contentsOfFile: TestPaths.packageRoot + "/Tests/LongweaveStagesTests/Examples/QuestionLengthStage.swift", encoding: .utf8)
        #expect(readme.contains("```swift\n" + example + "```\n"))
        #expect(readme.contains("QuestionLengthStage.self,"))
    }

    @Test func aRegisteredExampleStageRunsInAPipeline() throws {
        var registry = Registry.standard
        registry.stages[QuestionLengthStage.descriptor.name] = QuestionLengthStage.self
        let dir = TestPaths.temporaryDirectory()
        try """
            version: 1
            name: test/short-questions
            seed: 1
            inputs:
              - {id: dev, path: "\(TestPaths.data("hotpotqa/hotpot_dev_distractor_v1_100.json"))", format: hotpotqa}
            stages:
              - question_length: {max_words: 12}
            """.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        let spec = try PipelineLoader.load(file: dir + "/p.yaml", root: dir, registry: registry)
        let summary = try Runner(spec: spec, registry: registry, options: RunOptions(threads: 2, outputBase: dir + "/build", progress: false), root: dir).run()
        let stage = try #require(summary.stages.first { $0.stage == "question_length" })
        let kept = try records(dir + "/build/test/short-questions/all")
        #expect(stage.recordsIn > 90 && stage.recordsOut == kept.count)
        #expect(stage.dropped["question over 12 words"] == stage.recordsIn - kept.count)
        #expect(kept.count > 10 && kept.count < 90)
        #expect(kept.allSatisfy { WordCount.count($0["question"] as! String) <= 12 })
        // Its keys are checked like every other stage's.
        try "version: 1\nname: x\nseed: 1\ninputs: []\nstages:\n  - question_length: {max_words: 0}\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        #expect { _ = try PipelineLoader.load(file: dir + "/bad.yaml", root: dir, registry: registry) } throws: {
            "\($0)".contains("bad.yaml:6:34") && "\($0)".contains("key 'max_words': expected integer 1...10000, found 0")
        }
    }
}
