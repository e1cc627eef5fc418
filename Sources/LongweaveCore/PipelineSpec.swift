import LongweaveIO
import Yams

/// One entry of `inputs:`.
public struct InputSpec: Sendable {
    public var id: String
    /// As written in the pipeline file (relative to the repository root).
    public var path: String
    /// `path` resolved against the root.
    public var resolvedPath: String
    public var format: String
    /// Whether the format gives samples or documents only.
    public var product: IngestProduct
    /// The format's own keys, validated, defaults filled.
    public var options: ConfigMapping
}

/// One entry of `stages:`.
public struct StageSpec: Sendable {
    /// The stage's name as the file writes it: it names the stage's stats, rejects and random streams.
    public var name: String
    /// The registered stage that runs it: `name`, or the stage an older spelling maps to
    /// (`length_buckets: {mode: fill}` runs `fill`).
    public var factoryName: String
    public var kind: StageKind
    public var config: ConfigMapping
    /// Where the stage is named in the file, for later messages.
    public var line: Int
    public var column: Int
}

/// The `output:` section.
public struct OutputSpec: Sendable, Equatable {
    public var limits: ShardLimits
    public var zstdLevel: Int
}

/// A validated pipeline file.
public struct PipelineSpec: Sendable {
    public var file: String
    /// The repository root that paths in the file are relative to.
    public var root: String
    /// sha256 of the file's bytes.
    public var fileSHA256: String
    public var version: Int
    public var name: String
    public var seed: UInt64
    public var language: String
    public var inputs: [InputSpec]
    public var stages: [StageSpec]
    public var output: OutputSpec
    /// `models:`: whose tokens every record is measured in (empty: none).
    public var models: [ModelSpec] = []
    /// `prompt:`: what a model receives of a record; nil: M4LE's `instruction + "\n" + input`.
    public var prompt: PromptSpec?
    /// The file's settings with every default filled in, for the manifest.
    public var resolved: JSONValue
    /// Where `name:` is written, for messages about the output folder it names.
    public var nameLine = 0
    public var nameColumn = 0

    public func input(_ id: String) -> InputSpec? {
        inputs.first { $0.id == id }
    }

    /// A path from the file, resolved against the root.
    public func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : root + "/" + path
    }
}

/// Reads and validates pipeline files.
public enum PipelineLoader {
    static let topLevelKeys = ["version", "name", "seed", "language", "inputs", "stages", "output", "models", "prompt"]

    /// The keys of the `output:` section.
    public static let outputParameters: [ParameterSpec] = [
        ParameterSpec("shard", .mapping([
            ParameterSpec("max_records", .integer(min: 1, max: Int.max), default: .int(500),
                          doc: "records per shard at most"),
            ParameterSpec("max_bytes", .byteSize, default: .int(256 << 20),
                          doc: "compressed bytes per shard at most"),
        ]), default: .mapping(ConfigMapping([("max_records", .int(500)), ("max_bytes", .int(256 << 20))])),
        doc: "when a shard ends"),
        ParameterSpec("zstd_level", .integer(min: 1, max: 22), default: .int(10), doc: "zstd compression level"),
    ]

    /// The folder that pipeline paths are relative to: the parent of the `pipelines/`
    /// folder that holds `file`, else the current directory.
    public static func defaultRoot(for file: String, currentDirectory: String) -> String {
        let absolute = file.hasPrefix("/") ? file : currentDirectory + "/" + file
        var components = absolute.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        while let last = components.popLast() {
            if last == "pipelines" { return "/" + components.joined(separator: "/") }
        }
        return currentDirectory
    }

    /// Loads and validates `file`; throws `PipelineValidationError` with every problem found.
    public static func load(file: String, root: String, registry: Registry) throws -> PipelineSpec {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readAll(file)
        } catch let error as IOError {
            throw PipelineValidationError([Diagnostic(file: file, line: 0, column: 0, message: "cannot read the pipeline file: \(error.message)")])
        }
        // A UTF-8 byte order mark (editors on Windows write one) is not part of the YAML.
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        guard let text = String(validating: body, as: UTF8.self) else {
            throw PipelineValidationError([Diagnostic(file: file, line: 1, column: 1, message: "the pipeline file is not valid UTF-8")])
        }
        return try load(text: text, file: file, sha256: Digest.sha256Hex(bytes), root: root, registry: registry)
    }

    /// Validates pipeline YAML held in memory (a pipeline a command builds for itself);
    /// `file` names it in messages.
    public static func load(text: String, file: String, root: String, registry: Registry) throws -> PipelineSpec {
        try load(text: text, file: file, sha256: Digest.sha256Hex(Array(text.utf8)), root: root, registry: registry)
    }

    static func load(text: String, file: String, sha256: String, root: String, registry: Registry) throws -> PipelineSpec {
        let node: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                throw PipelineValidationError([Diagnostic(file: file, line: 1, column: 1, message: "the pipeline file is empty, expected a mapping with keys \(topLevelKeys.joined(separator: ", "))")])
            }
            node = composed
        } catch let error as YamlError {
            throw PipelineValidationError([yamlDiagnostic(error, file: file)])
        }
        return try validate(node, file: file, sha256: sha256, root: root, registry: registry)
    }

    static func yamlDiagnostic(_ error: YamlError, file: String) -> Diagnostic {
        switch error {
        case let .scanner(context, problem, mark, _):
            return Diagnostic(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(problem)" + (context.map { " \($0.text)" } ?? ""))
        case let .parser(context, problem, mark, _):
            return Diagnostic(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(problem)" + (context.map { " \($0.text)" } ?? ""))
        case let .composer(context, problem, mark, _):
            return Diagnostic(file: file, line: mark.line, column: mark.column, message: "YAML: \(problem)" + (context.map { " \($0.text)" } ?? ""))
        case let .duplicatedKeysInMapping(duplicates, context):
            return Diagnostic(file: file, line: context.mark.line, column: context.mark.column,
                              message: duplicates.count == 1 ? "key '\(duplicates[0])' is given more than once in one mapping"
                                  : "keys '\(duplicates.joined(separator: "', '"))' are each given more than once in one mapping")
        default:
            return Diagnostic(file: file, line: 1, column: 1, message: "YAML: \(error)")
        }
    }

    static func validate(_ node: Node, file: String, sha256: String, root: String, registry: Registry) throws -> PipelineSpec {
        guard case .mapping(let top) = node else {
            throw PipelineValidationError([Diagnostic(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1,
                                                      message: "expected a mapping with keys \(topLevelKeys.joined(separator: ", "))")])
        }
        var keys: [String: (key: Node, value: Node)] = [:]
        var diagnostics: [Diagnostic] = []
        func report(_ node: Node?, _ message: String, suggestion: String? = nil) {
            diagnostics.append(Diagnostic(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0,
                                          message: message, suggestion: suggestion))
        }
        for (keyNode, valueNode) in top {
            guard let key = keyNode.string else {
                report(keyNode, "expected a key name")
                continue
            }
            if !topLevelKeys.contains(key) {
                report(keyNode, "unknown top-level key '\(key)', expected one of: \(topLevelKeys.joined(separator: ", "))",
                       suggestion: Suggestion.closest(to: key, in: topLevelKeys))
            } else if keys[key] != nil {
                report(keyNode, "key '\(key)' is given twice")
            } else {
                keys[key] = (keyNode, valueNode)
            }
        }
        for key in ["version", "name", "seed", "inputs", "stages"] where keys[key] == nil {
            report(node, "missing required key '\(key)'")
        }

        // Inputs first: stages refer to their ids.
        var inputIDs: [String] = []
        var inputNodes: [(Node, [(Node, Node)])] = []
        if let (_, inputsNode) = keys["inputs"] {
            if case .sequence(let sequence) = inputsNode, !sequence.isEmpty {
                for item in sequence {
                    guard case .mapping(let mapping) = item else {
                        report(item, "inputs: expected a mapping {id, path, format}, found \(item.string.map { "'\($0)'" } ?? "another type")")
                        continue
                    }
                    let pairs = mapping.map { ($0.key, $0.value) }
                    if let id = pairs.first(where: { $0.0.string == "id" })?.1.string {
                        if inputIDs.contains(id) { report(item, "inputs: id '\(id)' is used twice") }
                        inputIDs.append(id)
                    }
                    inputNodes.append((item, pairs))
                }
            } else {
                report(inputsNode, "inputs: expected a non-empty list of {id, path, format}")
            }
        }

        var validator = ConfigValidator(file: file, inputIDs: inputIDs)
        let version = keys["version"].flatMap { validator.value($0.value, type: .integer(min: 1, max: 1), context: "version") }
        let name = keys["name"].flatMap { validator.value($0.value, type: .string, context: "name") }
        if case .string(let n)? = name, !isValidName(n) {
            validator.report(keys["name"]?.value, "name: expected letters, digits, '_', '-', '.' and '/' separating parts (it names the output folder), found '\(n)'")
        }
        let seed = keys["seed"].flatMap { validator.value($0.value, type: .integer(min: 0, max: Int.max), context: "seed") }
        let language = keys["language"].map { validator.value($0.value, type: .choice(["en", "zh"]), context: "language") } ?? .string("en")
        let output = validator.mapping(keys["output"]?.value, specs: outputParameters, context: "output", at: node)
        let models = Self.models(keys["models"]?.value, validator: &validator)
        let prompt = Self.prompt(keys["prompt"]?.value, root: root, validator: &validator)
        if keys["prompt"] != nil && keys["models"] == nil {
            validator.report(keys["prompt"]?.key, "prompt: measures records for the models of 'models:', which this file does not list")
        }

        var inputs: [InputSpec] = []
        for (item, pairs) in inputNodes {
            let baseKeys = ["id", "path", "format", "as"]
            let formatNode = pairs.first { $0.0.string == "format" }?.1
            var format: (any IngestFormat.Type)?
            if let formatNode {
                let formatName = formatNode.string ?? ""
                format = registry.formats[formatName]
                if format == nil {
                    validator.report(formatNode, "inputs: unknown format '\(formatName)', expected one of: \(registry.formatNames.joined(separator: ", "))",
                                     suggestion: Suggestion.closest(to: formatName, in: registry.formatNames))
                }
            }
            let formatSpecs = format?.descriptor.parameters ?? []
            let specs = [
                ParameterSpec("id", .string, doc: "the input's name"),
                ParameterSpec("path", .string, doc: "file path relative to the repository root"),
                ParameterSpec("format", .string, doc: "ingest format"),
                ParameterSpec("as", .choice(["samples", "documents"]), default: .string(format?.descriptor.product.rawValue ?? "samples"),
                              doc: "documents: use the samples' documents as a documents input (distractors, haystack)"),
            ] + formatSpecs
            // Keys that belong to an unknown format are not reported twice.
            let knownPairs = format == nil ? pairs.filter { baseKeys.contains($0.0.string ?? "") } : pairs
            let filtered = Node.mapping(Node.Mapping(knownPairs, Tag(.map), .flow, item.mark))
            guard let mapping = validator.mapping(filtered, specs: specs, context: "input", at: item), let format else { continue }
            let path = mapping.string("path")
            let resolved = path.hasPrefix("/") ? path : root + "/" + path
            if FileSystem.exists(resolved) && !FileSystem.isRegularFile(resolved) && !FileSystem.isDirectory(resolved) {
                validator.report(pairs.first { $0.0.string == "path" }?.1,
                                 "input '\(mapping.string("id"))': \(resolved) is not a regular file (a device, a FIFO or a socket); longweave reads files only")
                continue
            }
            if !FileSystem.exists(resolved) || (FileSystem.isDirectory(resolved) && !format.descriptor.readsFolders) {
                validator.report(pairs.first { $0.0.string == "path" }?.1,
                                 "input '\(mapping.string("id"))': missing input file \(resolved)" + (path.hasPrefix("raw/") ? " (run `make raw` to fetch raw sources)" : ""))
                continue
            }
            let product = IngestProduct(rawValue: mapping.string("as"))!
            if product == .samples && format.descriptor.product == .documents {
                validator.report(pairs.first { $0.0.string == "as" }?.1,
                                 "input '\(mapping.string("id"))': format \(format.descriptor.name) gives documents only, it cannot be read as samples")
                continue
            }
            let options = ConfigMapping(mapping.entries.filter { !baseKeys.contains($0.0) })
            inputs.append(InputSpec(id: mapping.string("id"), path: path, resolvedPath: resolved, format: format.descriptor.name,
                                    product: product, options: options))
        }

        var stageSpecs: [StageSpec] = []
        var assemblingIndex: Int?
        if let (_, stagesNode) = keys["stages"] {
            guard case .sequence(let sequence) = stagesNode else {
                validator.report(stagesNode, "stages: expected a list of single-key mappings like '- length_buckets: {...}'")
                return try finish()
            }
            for (index, item) in sequence.enumerated() {
                var stageName: String?
                var configNode: Node?
                var nameNode: Node = item
                switch item {
                case .mapping(let mapping) where mapping.count == 1:
                    nameNode = mapping.first!.key
                    stageName = nameNode.string
                    configNode = mapping.first!.value
                case .scalar(let scalar):
                    stageName = scalar.string
                default:
                    validator.report(item, "stages: expected a stage name with its keys, like '- length_buckets: {...}'")
                    continue
                }
                var factoryName = stageName ?? ""
                if let stageName, let spelling = registry.spellings[stageName] {
                    guard let (target, rest) = Self.resolve(spelling, config: configNode, registry: registry, validator: &validator) else { continue }
                    factoryName = target
                    configNode = rest
                }
                guard let stageName, let factory = registry.stages[factoryName] else {
                    validator.report(nameNode, "stages: unknown stage '\(stageName ?? "")', expected one of: \(registry.stageNames.joined(separator: ", "))",
                                     suggestion: Suggestion.closest(to: stageName ?? "", in: registry.stageNames + registry.spellings.keys.sorted()))
                    continue
                }
                let descriptor = factory.descriptor
                if descriptor.kind == .assembling {
                    if assemblingIndex != nil {
                        validator.report(nameNode, "stages: only one assembling stage (\(stageName)) may run, and it must be last")
                    }
                    assemblingIndex = index
                } else if assemblingIndex != nil {
                    validator.report(nameNode, "stages: '\(stageName)' comes after an assembling stage; the assembling stage must be last")
                }
                let context = factoryName == stageName ? "stage '\(stageName)'" : "stage '\(stageName)' (\(factoryName))"
                guard let config = validator.mapping(configNode, specs: descriptor.parameters, context: context, at: nameNode) else { continue }
                stageSpecs.append(StageSpec(name: stageName, factoryName: factoryName, kind: descriptor.kind, config: config, line: nameNode.mark?.line ?? 0, column: nameNode.mark?.column ?? 0))
            }
        }
        return try finish()

        func finish() throws -> PipelineSpec {
            diagnostics.append(contentsOf: validator.diagnostics)
            guard diagnostics.isEmpty, case .int(let v)? = version, case .string(let n)? = name, case .int(let s)? = seed,
                  case .string(let lang)? = language, let output
            else {
                if diagnostics.isEmpty { diagnostics.append(Diagnostic(file: file, line: 1, column: 1, message: "invalid pipeline file")) }
                throw PipelineValidationError(diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
            }
            let shard = output.mapping("shard")
            let outputSpec = OutputSpec(limits: ShardLimits(maxRecords: shard.int("max_records"), maxBytes: shard.int("max_bytes")),
                                        zstdLevel: output.int("zstd_level"))
            var resolved = JSONObject()
            resolved.set("version", .number(Double(v)))
            resolved.set("name", .string(n))
            resolved.set("seed", .number(Double(s)))
            resolved.set("language", .string(lang))
            resolved.set("inputs", .array(inputs.map { input in
                var object = JSONObject([("id", .string(input.id)), ("path", .string(input.path)), ("format", .string(input.format))])
                for (k, v) in input.options.entries { object.set(k, v.json) }
                return .object(object)
            }))
            resolved.set("stages", .array(stageSpecs.map { .object(JSONObject([($0.name, ConfigValue.mapping($0.config).json)])) }))
            resolved.set("output", ConfigValue.mapping(output).json)
            if !models.isEmpty {
                resolved.set("models", .array(models.map { model in
                    var object = JSONObject([("name", .string(model.name)), ("tokenizer", .string(model.tokenizer))])
                    if let template = model.chatTemplate { object.set("chat_template", .string(template)) }
                    object.set("window", .number(Double(model.window)))
                    object.set("answer_tokens", .number(Double(model.answerTokens)))
                    return .object(object)
                }))
            }
            if let prompt { resolved.set("prompt", .object(JSONObject([("origin", .string(prompt.origin)), ("template", .string(prompt.template))]))) }
            var spec = PipelineSpec(file: file, root: root, fileSHA256: sha256, version: v, name: n, seed: UInt64(s), language: lang,
                                    inputs: inputs, stages: stageSpecs, output: outputSpec, resolved: .object(resolved))
            spec.models = models
            spec.prompt = prompt
            // Stage-specific checks that key types cannot express.
            var setupProblems: [Diagnostic] = []
            for stage in stageSpecs {
                do {
                    _ = try registry.stages[stage.factoryName]!.make(StageSetup(config: stage.config, pipeline: spec))
                } catch {
                    setupProblems.append(Diagnostic(file: file, line: stage.line, column: stage.column, message: "stage '\(stage.name)': \(error.message)"))
                }
            }
            if !models.isEmpty {
                var problems: [Diagnostic] = []
                let assembling = stageSpecs.last { $0.kind == .assembling }
                if assembling == nil {
                    problems.append(Diagnostic(file: file, line: keys["models"]?.key.mark?.line ?? 0, column: keys["models"]?.key.mark?.column ?? 0,
                                               message: "models: measures the records of an assembling stage (fill, needle, m4le), which this pipeline does not have"))
                } else if prompt == nil && assembling?.factoryName != "m4le" {
                    problems.append(Diagnostic(file: file, line: keys["models"]?.key.mark?.line ?? 0, column: keys["models"]?.key.mark?.column ?? 0,
                                               message: "models: the records of '\(assembling!.name)' need a 'prompt:' (template, or template_file and key) to say what a model receives"))
                } else if let prompt, let assembling {
                    // The fields the stage's records have: M4LE's instruction and input, LV-Eval's context and input.
                    let fields = assembling.factoryName == "m4le" ? ["instruction", "input"] : ["context", "input"]
                    for name in PromptTemplate.placeholders(prompt.template) where !fields.contains(name) {
                        problems.append(Diagnostic(file: file, line: prompt.line, column: prompt.column,
                                                   message: "prompt: '{\(name)}' is not a field of the records of '\(assembling.name)' (\(assembling.factoryName)), which have \(fields.map { "{\($0)}" }.joined(separator: " and "))"))
                    }
                }
                if registry.promptMeasure == nil {
                    problems.append(Diagnostic(file: file, line: keys["models"]?.key.mark?.line ?? 0, column: keys["models"]?.key.mark?.column ?? 0,
                                               message: "models: this registry has no prompt measure, so records cannot be measured for models"))
                }
                if let factory = registry.promptMeasure {
                    for (index, message) in factory.check(spec) {
                        let model = index.map { models[$0] }
                        problems.append(Diagnostic(file: file, line: model?.line ?? prompt?.line ?? 0, column: model?.column ?? prompt?.column ?? 0,
                                                   message: (model.map { "model '\($0.name)': " } ?? "") + message))
                    }
                }
                setupProblems += problems
            }
            if !setupProblems.isEmpty { throw PipelineValidationError(setupProblems.sorted { ($0.line, $0.column) < ($1.line, $1.column) }) }
            spec.resolved = .object(resolved)
            spec.nameLine = keys["name"]?.value.mark?.line ?? 0
            spec.nameColumn = keys["name"]?.value.mark?.column ?? 0
            return spec
        }
    }

    /// Output folder names: `lveval/hotpotqa_fill`.
    static func isValidName(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return parts.allSatisfy { part in
            !part.isEmpty && part != "." && part != ".."
                && part.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0) }
        }
    }
}
