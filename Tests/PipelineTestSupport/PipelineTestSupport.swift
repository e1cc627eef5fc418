/// Pipelines written, loaded and run in a temporary folder, for the tests of stages and the audit.
import Foundation
import LongweaveTestSupport
import LongweaveCore
import LongweaveIO
import LongweaveStages

/// Writes `yaml` as `dir/p.yaml` and loads it with the standard registry, `dir` as the root.
public func loadPipeline(_ yaml: String, in dir: String = TestPaths.temporaryDirectory()) throws -> PipelineSpec {
    try yaml.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
    return try PipelineLoader.load(file: dir + "/p.yaml", root: dir, registry: .standard)
}

/// A pipeline over the real HotpotQA slice whose only stage is `stage` (on line 7), then
/// `rest` (sections such as `models:`) from line 8.
public func hotpotPipeline(stage: String, then rest: String = "") -> String {
    """
    version: 1
    name: x
    seed: 1
    inputs:
      - {id: dev, path: "\(TestPaths.data("hotpotqa/hotpot_dev_distractor_v1_100.json"))", format: hotpotqa}
    stages:
      - \(stage)
    \(rest)
    """
}

/// The problems the loader reports for a pipeline file, none when it loads.
public func pipelineDiagnostics(_ yaml: String) throws -> [Diagnostic] {
    do {
        _ = try loadPipeline(yaml)
    } catch let error as PipelineValidationError {
        return error.diagnostics
    }
    return []
}

/// The inputs of the HotpotQA-and-2WikiMultihopQA pipelines the tests run: HotpotQA dev
/// (`dev`), LongBench 2wikimqa (`2wikimqa`) and the Wikipedia paragraphs (`wiki`), as YAML.
public let hotpotWikiInputs = """
    inputs:
      - {id: dev, path: "\(TestPaths.data("hotpotqa/hotpot_dev_distractor_v1_100.json"))", format: hotpotqa}
      - {id: 2wikimqa, path: "\(TestPaths.data("longbench/2wikimqa.jsonl"))", format: longbench}
      - {id: wiki, path: "\(TestPaths.data("wiki_paragraphs/2wikimultihopqa_corpus.json"))", format: paragraphs}
    """

/// Runs `spec` with its outputs under `dir/build`.
public func runPipeline(_ spec: PipelineSpec, in dir: String, threads: Int = 2) throws -> RunSummary {
    try Runner(spec: spec, registry: .standard, options: RunOptions(threads: threads, outputBase: dir + "/build", progress: false), root: dir).run()
}

/// A pipeline spec around one input, for calling formats directly.
public func makeSpec(inputs: [(id: String, path: String, format: String)], language: String = "en") throws -> PipelineSpec {
    var yaml = "version: 1\nname: test/ingest\nseed: 1\nlanguage: \(language)\ninputs:\n"
    for input in inputs { yaml += "  - {id: \(input.id), path: \"\(input.path)\", format: \(input.format)}\n" }
    yaml += "stages: []\n"
    return try loadPipeline(yaml)
}

/// Reads one input through its format, with extra input keys written as YAML flow pairs.
public func ingest(_ format: String, _ path: String, _ extra: String = "", language: String = "en") throws -> IngestResult {
    let spec = try loadPipeline("""
        version: 1
        name: test/formats
        seed: 1
        language: \(language)
        inputs:
          - {id: in, path: "\(path)", format: \(format)\(extra.isEmpty ? "" : ", " + extra)}
        stages: []

        """)
    return try Registry.standard.formats[format]!.read(spec.inputs[0], pipeline: spec)
}

public func writeTemporary(_ bytes: [UInt8], _ name: String) throws -> String {
    let path = TestPaths.temporaryDirectory() + "/" + name
    try FileSystem.writeAtomically(bytes, to: path)
    return path
}

/// The records of every shard of an output folder (a level, or `all`), in order.
public func records(_ dir: String) throws -> [[String: Any]] {
    var out: [[String: Any]] = []
    for shard in try DatasetReader.shards(at: dir) {
        try LineReader.forEachLine(in: shard) { line, _ in
            out.append(try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any])
        }
    }
    return out
}
