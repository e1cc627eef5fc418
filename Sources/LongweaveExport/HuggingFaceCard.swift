import Foundation
import LongweaveCore
import LongweaveIO
import Yams

/// The `README.md` of a Hugging Face dataset folder: YAML `configs:` that
/// `datasets.load_dataset(folder, config)` reads (one config per split and level, its `test`
/// split the level's shards), then a card built from the outputs' manifests.
enum HuggingFaceCard {
    /// `{dataset}_{level}` (LV-Eval's own config names), or `{task}_{bucket}` for M4LE.
    static func configName(_ input: ExportInput, _ stream: ExportInput.Stream) -> String {
        Exporter.splitName(input) + "_" + stream.name
    }

    static func render(_ inputs: [ExportInput], emptyLevels: [String], root: String) throws -> String {
        func quoted(_ text: String) -> String {
            var json = JSONWriter()
            json.string(text)
            return String(decoding: json.bytes, as: UTF8.self)
        }
        var card = "---\nconfigs:\n"
        for input in inputs {
            for stream in input.streams {
                let config = configName(input, stream)
                card += "- config_name: \(quoted(config))\n  data_files:\n  - split: test\n    path: \(quoted("data/\(config)/*.jsonl.zst"))\n"
            }
        }
        // An M4LE task also as one config of every bucket, as M4LE's own Hub dataset has it, so
        // that its `inference.py` reads `load_dataset(folder, task, split="test")`.
        for input in inputs where input.kind == .m4le {
            card += "- config_name: \(quoted(M4LETaskName(input).name))\n  data_files:\n  - split: test\n    path:\n"
            for stream in input.streams.sorted(by: { Exporter.bucketSize($0.name) < Exporter.bucketSize($1.name) }) {
                card += "    - \(quoted("data/\(configName(input, stream))/*.jsonl.zst"))\n"
            }
        }
        let languages = Set(inputs.compactMap(\.language)).sorted()
        if !languages.isEmpty { card += "language:\n" + languages.map { "- \($0)\n" }.joined() }
        card += "---\n\n"
        card += "# Long-context evaluation splits built by longweave\n\n"
        card += "Built by longweave \(Runner.toolVersion) from the pipeline outputs below. Each config is one split at one length level "
        card += "(and each M4LE task is also one config of all its buckets, named as M4LE names the task); "
        card += "its `test` split is the level's shards (zstd-compressed JSON Lines, the `zstandard` Python package reads them):\n\n"
        card += "```python\nfrom datasets import load_dataset\ndata = load_dataset(\"path/to/this/folder\", \"\(inputs.first.flatMap { input in input.streams.first.map { configName(input, $0) } } ?? "config")\", split=\"test\")\n```\n\n"

        card += "## Configs\n\n| config | pipeline | records | min length | mean length | max length |\n|---|---|---:|---:|---:|---:|\n"
        for input in inputs {
            for stream in input.streams {
                let level = input.manifest["levels"]?[stream.name]
                func number(_ key: String) -> String { level?[key].map { value in value.intValue.map(String.init) ?? value.numberValue.map { String(format: "%.1f", $0) } ?? "" } ?? "" }
                card += "| \(configName(input, stream)) | \(input.pipeline) | \(stream.records) | \(number("min_length")) | \(number("mean_length")) | \(number("max_length")) |\n"
            }
        }

        if !emptyLevels.isEmpty {
            card += "\nLevels that no sample reached have no config: \(emptyLevels.joined(separator: ", ")).\n"
        }

        let licenses = try sourceLicenses(root: root)
        card += "\n## Sources\n\n| pipeline | input | file | sha256 | license |\n|---|---|---|---|---|\n"
        for input in inputs {
            for source in input.manifest["inputs"]?.arrayValue ?? [] {
                let path = source["path"]?.stringValue ?? ""
                let name = path.hasPrefix("raw/") ? String(path.dropFirst(4)) : path
                card += "| \(input.pipeline) | \(source["id"]?.stringValue ?? "") | \(path) | \(source["sha256"]?.stringValue ?? "") | \(licenses[name] ?? "see raw/SOURCES.yaml") |\n"
            }
        }

        card += "\n## Pipelines\n\n| pipeline | file | sha256 | seed |\n|---|---|---|---:|\n"
        for input in inputs {
            let pipeline = input.manifest["pipeline"]
            let seed = input.manifest["seed"].map { $0.intValue.map(String.init) ?? "\($0)" } ?? ""
            card += "| \(input.pipeline) | \(pipeline?["file"]?.stringValue ?? "") | \(pipeline?["sha256"]?.stringValue ?? "") | \(seed) |\n"
        }

        card += "\n## Rejects\n\nSamples a pipeline left out, by reason (each with its record in the output's `rejects.jsonl`).\n\n| pipeline | rejected | reasons |\n|---|---:|---|\n"
        for input in inputs {
            let rejects = input.manifest["rejects"]
            let reasons = rejects?["by_reason"]?.objectValue?.members.map { "\($0.key): \($0.value.intValue ?? 0)" }.joined(separator: "; ") ?? ""
            card += "| \(input.pipeline) | \(rejects?["count"]?.intValue ?? 0) | \(reasons.isEmpty ? "none" : reasons) |\n"
        }
        card += "\nEvery file of this folder, with its sha256, is listed in `export-manifest.json`.\n"
        return card
    }

    /// `raw/SOURCES.yaml`'s license per file name, when the project's file is at `root`.
    static func sourceLicenses(root: String) throws -> [String: String] {
        let path = root + "/raw/SOURCES.yaml"
        guard FileSystem.kind(path) == .file, let text = String(data: try Data(contentsOf: URL(fileURLWithPath: path)), encoding: .utf8),
              let top = try Yams.load(yaml: text) as? [String: Any], let sources = top["sources"] as? [[String: Any]] else { return [:] }
        var licenses: [String: String] = [:]
        for source in sources {
            if let name = source["name"] as? String, let license = source["license"] as? String { licenses[name] = license }
        }
        return licenses
    }
}
