import LongweaveCore
import LongweaveIO

/// `select`: keeps the samples whose field has one of the listed values, then, with
/// `sample: N`, N of them drawn with the seed (LV-Eval's 200 CMRC questions). Samples left
/// out are dropped on purpose and counted by reason, never rejected.
public enum SelectStage: StageFactory {
    public static let descriptor = StageDescriptor(
        name: "select",
        summary: "keep samples whose field has a listed value, then a seeded sample of N of them",
        kind: .pooled,
        parameters: [
            ParameterSpec("field", .string, default: .string(""),
                          doc: "id, dataset, language, question or meta.KEY; empty: no filter"),
            ParameterSpec("values", .list(.string, nonEmpty: false), default: .list([]),
                          doc: "the values kept (a meta number or boolean compares as its JSON text)"),
            ParameterSpec("sample", .integer(min: 0, max: Int.max), default: .int(0),
                          doc: "keep this many of the matching samples, drawn with the seed; 0 keeps all"),
        ])

    public static func make(_ setup: StageSetup) throws(StageSetupError) -> StageInstance {
        let config = setup.config
        let field = config.string("field")
        let values = config.list("values").compactMap { value -> String? in
            if case .string(let text) = value { return text }
            return nil
        }
        let path: SampleField?
        if field.isEmpty {
            if !values.isEmpty { throw StageSetupError("values: given without a field to compare") }
            path = nil
        } else {
            guard let parsed = SampleField(field) else {
                throw StageSetupError("field: expected id, dataset, language, question or meta.KEY, found '\(field)'")
            }
            if values.isEmpty { throw StageSetupError("values: field '\(field)' needs at least one value to keep") }
            path = parsed
        }
        return .pooled(Selection(field: path, values: Set(values), sampleSize: config.int("sample")))
    }
}

/// A top-level sample field, or a key of `meta`, read as text.
struct SampleField: Sendable {
    enum Path: Sendable {
        case id, dataset, language, question
        case meta(String)
    }
    let path: Path
    let name: String

    init?(_ name: String) {
        self.name = name
        switch name {
        case "id": path = .id
        case "dataset": path = .dataset
        case "language": path = .language
        case "question": path = .question
        default:
            guard name.hasPrefix("meta."), name.count > 5 else { return nil }
            path = .meta(String(name.dropFirst(5)))
        }
    }

    /// The field's text; nil when a meta key is missing or null.
    func value(of sample: Sample) -> String? {
        switch path {
        case .id: return sample.id
        case .dataset: return sample.dataset
        case .language: return sample.language
        case .question: return sample.question
        case .meta(let key):
            switch sample.meta[key] {
            case nil, .null?: return nil
            case .string(let text)?: return text
            case let value?:
                var json = JSONWriter()
                json.value(value)
                return String(decoding: json.bytes, as: UTF8.self)
            }
        }
    }
}

struct Selection: PooledStage {
    let field: SampleField?
    let values: Set<String>
    let sampleSize: Int

    func process(pool: [Sample], context: StageContext, counts: inout [String: Int]) -> PooledResult {
        var removed: [(id: String, verdict: StageVerdict)] = []
        var matching: [Int] = []
        for (index, sample) in pool.enumerated() {
            if let field {
                let value = field.value(of: sample)
                guard let value, values.contains(value) else {
                    removed.append((sample.id, .drop(reason: value == nil ? "\(field.name) missing" : "\(field.name) not listed")))
                    continue
                }
            }
            matching.append(index)
        }
        guard sampleSize > 0, matching.count > sampleSize else {
            return (matching.map { pool[$0] }, removed)
        }
        // Each sample's draw depends only on the seed and its id, so the chosen set does not
        // depend on the pool's order; the kept samples keep that order.
        let ranked = matching.map { index -> (UInt64, String, Int) in
            var random = context.random(pool[index].id)
            return (random.next(), pool[index].id, index)
        }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        var chosen = Set(ranked.prefix(sampleSize).map(\.2))
        var kept: [Sample] = []
        for index in matching {
            if chosen.remove(index) != nil {
                kept.append(pool[index])
            } else {
                removed.append((pool[index].id, .drop(reason: "not drawn (sample: \(sampleSize))")))
            }
        }
        return (kept, removed)
    }
}
