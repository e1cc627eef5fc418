import LongweaveCore
import LongweaveText

/// `question_length`: drops the samples whose question has more than `max_words` words.
public enum QuestionLengthStage: StageFactory {
    public static let descriptor = StageDescriptor(
        name: "question_length",
        summary: "drop samples whose question has more than max_words words",
        kind: .streaming,
        parameters: [
            ParameterSpec("max_words", .integer(min: 1, max: 10_000), default: .int(64), doc: "the longest question kept, in words"),
        ])

    public static func make(_ setup: StageSetup) throws(StageSetupError) -> StageInstance {
        .streaming(QuestionLength(maxWords: setup.config.int("max_words")))
    }
}

struct QuestionLength: StreamingStage {
    let maxWords: Int

    func process(_ sample: inout Sample, random: inout SeededRandom) -> StageVerdict {
        WordCount.count(sample.question) <= maxWords ? .keep : .drop(reason: "question over \(maxWords) words")
    }
}
