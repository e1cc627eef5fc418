import ArgumentParser
import Foundation
import LongweaveIO
import LongweavePrompts
import LongweaveText

extension Longweave {
    struct Tokenize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Token ids or counts of each line of text files, exactly as the reference libraries give them.")

        @Option(help: "words, chars, tiktoken:PATH or hf:PATH.")
        var tokenizer: String

        @Option(help: "The tiktoken encoding when the file name does not say it (gpt2, r50k_base, cl100k_base, o200k_base, qwen).")
        var encoding: String?

        @Flag(help: "Print one count per line instead of ids.")
        var count = false

        @Flag(help: "Print ids (the default).")
        var ids = false

        @Flag(help: "Each input line is a JSON string (so texts may hold newlines).")
        var records = false

        @Flag(help: "Recognise special tokens such as <|endoftext|> instead of treating them as text.")
        var allowSpecial = false

        @Option(help: "A model's tokenizer_config.json (or .jinja file): each text becomes one user turn in its chat template, with the generation prompt, before it is tokenized.")
        var chatTemplate: String?

        @Flag(help: "With --chat-template: print each wrapped prompt as a JSON string instead of ids.")
        var printPrompt = false

        /// For `make bench`, which compares this process's own peak with tiktoken's.
        @Flag(name: .customLong("peak-memory"), help: .hidden)
        var printPeakMemory = false

        @Argument(help: "Text files; each line (without its newline) is one text.")
        var files: [String]

        func validate() throws {
            if count && ids { throw ValidationError("--count and --ids exclude each other") }
            if printPrompt && chatTemplate == nil { throw ValidationError("--print-prompt needs --chat-template") }
        }

        func run() throws {
            let loaded: LongweaveText.Tokenizer
            do {
                loaded = try TokenizerSpec(tokenizer, encoding: encoding, root: FileManager.default.currentDirectoryPath).load()
            } catch {
                throw Exit.badInput("\(error)")
            }
            if case .bpe(let bpe) = loaded, let processor = bpe.unappliedPostProcessor {
                FileHandle.standardError.write(Data("note: the \(processor) post-processor of \(tokenizer) is not applied: ids are tokenizers' encode(text, add_special_tokens=False)\n".utf8))
            }
            var template: ChatTemplate?
            if let chatTemplate {
                do { template = try ChatTemplate(path: chatTemplate) } catch { throw Exit.badInput("\(error)") }
            }
            let output = FileDescriptor(borrowing: 1, name: "stdout")
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 20)
            do {
                for file in files {
                    try LineReader.forEachLine(in: file) { line, number in
                        var text: String
                        if records {
                            var parser = JSONParser(bytes: line)
                            guard case .string(let s) = try parser.parseDocument() else {
                                throw IOError(path: file, "line \(number): expected a JSON string")
                            }
                            text = s
                        } else {
                            text = String(decoding: line, as: UTF8.self)
                        }
                        if let template {
                            do { text = try template.userTurn(text) } catch { throw IOError(path: file, "line \(number): \(error)") }
                        }
                        if printPrompt {
                            var json = JSONWriter()
                            json.string(text)
                            buffer.append(contentsOf: json.bytes)
                        } else if count {
                            buffer.append(contentsOf: String(loaded.count(text)).utf8)
                        } else {
                            guard case .bpe(let bpe) = loaded else {
                                throw IOError(path: file, "ids need a BPE tokenizer; words and chars only count (use --count)")
                            }
                            var first = true
                            for id in bpe.encode(text, allowSpecial: allowSpecial) {
                                if !first { buffer.append(0x20) }
                                first = false
                                buffer.append(contentsOf: String(id).utf8)
                            }
                        }
                        buffer.append(0x0A)
                        if buffer.count >= 1 << 20 {
                            try output.write(buffer)
                            buffer.removeAll(keepingCapacity: true)
                        }
                    }
                }
                if printPeakMemory { buffer.append(contentsOf: "peak memory: \(ResourceUsage.peakResidentBytes() >> 20) MiB\n".utf8) }
                try output.write(buffer)
            } catch {
                throw Exit.badInput("\(error)")
            }
        }
    }
}
