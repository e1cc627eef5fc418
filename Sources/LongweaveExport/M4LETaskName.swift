/// The name an M4LE split is exported under: M4LE's own task for the same source and ability
/// (a key of the task table in M4LE's `evaluation.py`), or, for a source M4LE has no task for,
/// a name by the same scheme, `{source}_{ability}_{kind}` (`ret` for explicit abilities,
/// whose answers are passage IDs; `qa` otherwise), which that table does not hold.
public struct M4LETaskName: Sendable, Equatable {
    public var name: String
    /// Whether M4LE's `evaluation.py` scores the task as it is.
    public var isM4LETask: Bool

    /// M4LE's tasks built from the same sources as longweave's, by source and ability.
    static let m4leTasks: [String: String] = [
        "hotpotqa/semantic-multiple": "hotpotqa",
        "dureader/semantic-single": "dureader",
        "wikitext/semantic-single": "wikitext-103",
    ]

    public init(source: String, ability: String) {
        if let own = Self.m4leTasks[source + "/" + ability] {
            name = own
            isM4LETask = true
        } else {
            name = "\(source)_\(ability)_\(ability.hasPrefix("explicit") ? "ret" : "qa")"
            isM4LETask = false
        }
    }

    /// An M4LE output's task: its source is its split's name without the ability
    /// (`hotpotqa_semantic_multiple` -> `hotpotqa`).
    init(_ input: ExportInput) {
        let split = input.pipeline.split(separator: "/").last.map(String.init) ?? input.pipeline
        let ability = input.ability ?? "global"
        let suffix = "_" + ability.replacingOccurrences(of: "-", with: "_")
        self.init(source: split.hasSuffix(suffix) ? String(split.dropLast(suffix.count)) : split, ability: ability)
    }
}
