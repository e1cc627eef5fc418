import Yams

/// Checks beyond one key: older stage spellings, and pipelines run together.
extension PipelineLoader {
    /// Pipelines run together must write apart: two with the same name, or one whose output
    /// folder lies inside another's (`grp/child` beside `grp`, `x/16k` beside `x`'s levels),
    /// are errors at the later one's `name:`.
    public static func checkNames(_ specs: [PipelineSpec]) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        for (j, later) in specs.enumerated() {
            for earlier in specs[..<j] {
                let problem: String
                if earlier.name == later.name {
                    problem = "name '\(later.name)' is also the name of \(earlier.file): both would write the same folder"
                } else if later.name.hasPrefix(earlier.name + "/") {
                    problem = "name '\(later.name)' puts this output inside the output of \(earlier.file) ('\(earlier.name)'); give one of them another name"
                } else if earlier.name.hasPrefix(later.name + "/") {
                    problem = "name '\(later.name)' would hold the output of \(earlier.file) ('\(earlier.name)') inside this one; give one of them another name"
                } else {
                    continue
                }
                problems.append(Diagnostic(file: later.file, line: later.nameLine, column: later.nameColumn, message: problem))
            }
        }
        return problems
    }

    /// The stage an older spelling's key picks, and the keys left for it.
    /// A key that belongs to another of the spelling's stages is an error that says which.
    static func resolve(_ spelling: StageSpelling, config: Node?, registry: Registry, validator: inout ConfigValidator) -> (String, Node?)? {
        guard case .mapping(let mapping)? = config else {
            return spelling.stages[spelling.defaultValue].map { ($0, config) }
        }
        let choices = spelling.stages.keys.sorted()
        var value = spelling.defaultValue
        var rest: [(Node, Node)] = []
        for (key, node) in mapping {
            guard key.string == spelling.key else {
                rest.append((key, node))
                continue
            }
            guard let text = node.string, spelling.stages[text] != nil else {
                validator.report(node, "stage '\(spelling.name)' key '\(spelling.key)': expected one of \(choices.joined(separator: "|")), found \(node.string.map { "'\($0)'" } ?? "a non-scalar")",
                                 suggestion: Suggestion.closest(to: node.string ?? "", in: choices))
                return nil
            }
            value = text
        }
        let target = spelling.stages[value]!
        let keys = Set(registry.stages[target]?.descriptor.parameters.map(\.name) ?? [])
        var misplaced = false
        for (key, _) in rest {
            guard let name = key.string, !keys.contains(name) else { continue }
            let owners = spelling.stages.filter { registry.stages[$0.value]?.descriptor.parameters.contains { $0.name == name } == true }.keys.sorted()
            guard !owners.isEmpty else { continue }
            validator.report(key, "stage '\(spelling.name)' (\(spelling.key) \(value)): key '\(name)' belongs to \(spelling.key) \(owners.joined(separator: " or ")), not \(value)")
            misplaced = true
        }
        if misplaced { return nil }
        return (target, .mapping(Node.Mapping(rest, mapping.tag, mapping.style, mapping.mark)))
    }
}
