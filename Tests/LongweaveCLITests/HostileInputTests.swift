import Foundation
import LongweaveIO
import LongweaveTestSupport
import Testing

/// Hostile inputs against the released behaviour: each case checks the exit code, the
/// message, and that nothing outside the output folder (or any file longweave did not write)
/// changed.
@Suite(.serialized) struct HostileInputTests {
    /// A tiny pipeline named `name` (SQuAD's first articles, cleaned) in `dir`.
    func pipeline(_ name: String, in dir: String) throws -> String {
        let path = dir + "/" + name.replacingOccurrences(of: "/", with: "_") + ".yaml"
        try """
            version: 1
            name: \(name)
            seed: 1
            inputs:
              - {id: dev, path: "\(TestPaths.data("squad/squad_v2.0_dev_first5articles.json"))", format: squad}
            stages: [clean: {}]
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func run(_ pipeline: String, out: String) throws -> (status: Int32, stdout: Data, stderr: String) {
        try runProcess(longweave, ["run", "--quiet", "--out", out, pipeline])
    }

    /// A folder outside the output with a file in it.
    func victim(in dir: String) throws -> String {
        let victim = dir + "/victim"
        try FileSystem.createDirectories(victim)
        try Array("precious\n".utf8).write(to: victim + "/a.txt")
        return victim
    }

    func intact(_ victim: String) -> Bool {
        (try? FileSystem.readAll(victim + "/a.txt")) == Array("precious\n".utf8)
    }

    @Test func aLinkInTheOutputFolderIsNeverFollowed() throws {
        let dir = TestPaths.temporaryDirectory()
        let victim = try victim(in: dir)
        let grp = try pipeline("grp", in: dir)
        try FileSystem.createDirectories(dir + "/out/grp")
        try FileManager.default.createSymbolicLink(atPath: dir + "/out/grp/link", withDestinationPath: victim)
        let result = try run(grp, out: dir + "/out")
        #expect(result.status == 1)
        #expect(result.stderr.contains("out/grp/link (a link) was not written by longweave; nothing was deleted"), "\(result.stderr)")
        #expect(intact(victim) && FileSystem.kind(dir + "/out/grp/link") == .link)

        // The output folder itself a link: refused, the folder it points at untouched.
        try FileSystem.remove(dir + "/out")
        try FileSystem.createDirectories(dir + "/out")
        try FileManager.default.createSymbolicLink(atPath: dir + "/out/grp", withDestinationPath: victim)
        let linked = try run(grp, out: dir + "/out")
        #expect(linked.status == 1 && linked.stderr.contains("out/grp is a link; longweave never writes through one"), "\(linked.stderr)")
        #expect(try intact(victim) && FileSystem.list(victim) == ["a.txt"])
    }

    @Test func aFileLongweaveDidNotWriteStopsTheRunAndStays() throws {
        let dir = TestPaths.temporaryDirectory()
        let grp = try pipeline("grp", in: dir)
        #expect(try run(grp, out: dir + "/out").status == 0)
        try Array("mine\n".utf8).write(to: dir + "/out/grp/notes.txt")
        let result = try run(grp, out: dir + "/out")
        #expect(result.status == 1 && result.stderr.contains("out/grp/notes.txt (a file) was not written by longweave"), "\(result.stderr)")
        #expect(try FileSystem.readAll(dir + "/out/grp/notes.txt") == Array("mine\n".utf8))
        // The previous output is still whole.
        #expect(try runProcess(longweave, ["verify", dir + "/out/grp"]).status == 0)
    }

    @Test func pipelinesNestedInsideAnotherOnesOutputAreRefused() throws {
        let dir = TestPaths.temporaryDirectory()
        let grp = try pipeline("grp", in: dir)
        let child = try pipeline("grp/child", in: dir)
        #expect(try run(child, out: dir + "/a").status == 0)
        let outer = try run(grp, out: dir + "/a")
        #expect(outer.status == 1 && outer.stderr.contains("a/grp/child holds the output of another pipeline"), "\(outer.stderr)")
        #expect(try runProcess(longweave, ["verify", dir + "/a/grp/child"]).status == 0)

        #expect(try run(grp, out: dir + "/b").status == 0)
        let inner = try run(child, out: dir + "/b")
        #expect(inner.status == 1 && inner.stderr.contains("b/grp/child lies inside"), "\(inner.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/b/grp/child"))
        #expect(try runProcess(longweave, ["verify", dir + "/b/grp"]).status == 0)

        // Given together, the names are checked before anything runs, at the name's line.
        let together = try runProcess(longweave, ["validate", grp, child])
        #expect(together.status == 1 && together.stderr.contains("grp_child.yaml:2:7: error: name 'grp/child' puts this output inside the output of"), "\(together.stderr)")
        let both = try runProcess(longweave, ["run", "--quiet", "--out", dir + "/c", grp, child])
        #expect(both.status == 1 && !FileManager.default.fileExists(atPath: dir + "/c"))
    }

    @Test func aMergeNeverFollowsALink() throws {
        let dir = TestPaths.temporaryDirectory()
        let victim = try victim(in: dir)
        let grp = try pipeline("grp", in: dir)
        for index in 0..<2 {
            #expect(try runProcess(longweave, ["run", "--quiet", "--out", dir + "/out", "--shard-index", "\(index)", "--shard-count", "2", grp]).status == 0)
        }
        try FileManager.default.createSymbolicLink(atPath: dir + "/out/grp/slices/0-of-2/link", withDestinationPath: victim)
        let merge = try runProcess(longweave, ["merge", dir + "/out/grp"])
        #expect(merge.status == 1 && merge.stderr.contains("slices/0-of-2/link was not written by longweave"), "\(merge.stderr)")
        #expect(intact(victim))
        try FileSystem.remove(dir + "/out/grp/slices/0-of-2/link")
        #expect(try runProcess(longweave, ["merge", dir + "/out/grp"]).status == 0)
        #expect(try runProcess(longweave, ["verify", dir + "/out/grp"]).status == 0)
    }

    @Test func aSecondRunIntoTheSameOutputFailsAtOnce() throws {
        let dir = TestPaths.temporaryDirectory()
        let slow = try writePipeline(in: dir, levels: "[16k, 64k, 128k]", maxRecords: 10)
        let first = Process()
        first.executableURL = URL(fileURLWithPath: longweave)
        first.arguments = ["run", "--quiet", "--threads", "1", "--root", dir, "--out", dir + "/out", slow]
        first.standardOutput = FileHandle.nullDevice
        try first.run()
        let lock = dir + "/out/lveval/cli_fill/.lock"
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline && ((try? FileSystem.readAll(lock))?.isEmpty ?? true) { usleep(20_000) }
        let second = try runProcess(longweave, ["run", "--quiet", "--root", dir, "--out", dir + "/out", slow])
        first.waitUntilExit()
        #expect(second.status == 1)
        #expect(second.stderr.contains("is being written by another longweave run (pid \(first.processIdentifier))"), "\(second.stderr)")
        #expect(first.terminationStatus == 0)
        #expect(try runProcess(longweave, ["verify", dir + "/out/lveval/cli_fill"]).status == 0)
    }

    @Test func manifestPathsNeverLeadOutOfTheFolder() throws {
        let dir = TestPaths.temporaryDirectory()
        let grp = try pipeline("grp", in: dir)
        #expect(try run(grp, out: dir + "/out").status == 0)
        let manifestPath = dir + "/out/grp/manifest.json"
        let original = String(decoding: try FileSystem.readAll(manifestPath), as: UTF8.self)
        let escaping = original.replacingOccurrences(of: "\"path\": \"all/part-00000.jsonl.zst\"", with: "\"path\": \"../../../../../../../../etc/passwd\"")
        #expect(escaping != original)
        try Array(escaping.utf8).write(to: manifestPath)
        let cat = try runProcess(longweave, ["cat", dir + "/out/grp"])
        #expect(cat.status == 1 && cat.stdout.isEmpty && cat.stderr.contains("leads outside the folder"), "\(cat.stderr)")
        let verify = try runProcess(longweave, ["verify", dir + "/out/grp"])
        #expect(verify.status == 1 && verify.stderr.contains("../etc/passwd: outside the folder"), "\(verify.stderr)")

        // A shard that is a link to a file outside, with the right hash, fails too.
        try Array(original.utf8).write(to: manifestPath)
        let shard = dir + "/out/grp/all/part-00000.jsonl.zst"
        try FileSystem.rename(shard, to: dir + "/outside.zst")
        try FileManager.default.createSymbolicLink(atPath: shard, withDestinationPath: dir + "/outside.zst")
        #expect(try runProcess(longweave, ["verify", dir + "/out/grp"]).status == 1)
        #expect(try runProcess(longweave, ["cat", dir + "/out/grp"]).status == 1)
    }
}

extension HostileInputTests {
    /// Numbers that do not fit, in a manifest or a slice's record, are exit 1 with the file
    /// named, never a trap; so is a slice's shard that differs from its record.
    @Test func badNumbersAndCorruptSlicesAreExitOne() throws {
        let dir = TestPaths.temporaryDirectory()
        let grp = try pipeline("grp", in: dir)
        #expect(try run(grp, out: dir + "/out").status == 0)
        let manifest = dir + "/out/grp/manifest.json"
        let text = String(decoding: try FileSystem.readAll(manifest), as: UTF8.self)
        try Array(text.replacingOccurrences(of: "\"records\": 500", with: "\"records\": 1e400").utf8).write(to: manifest)
        let verify = try runProcess(longweave, ["verify", dir + "/out/grp"])
        #expect(verify.status == 1 && verify.stderr.contains("whole-number sizes and records"), "\(verify.stderr)")

        for index in 0..<2 {
            #expect(try runProcess(longweave, ["run", "--quiet", "--out", dir + "/sliced", "--shard-index", "\(index)", "--shard-count", "2", grp]).status == 0)
        }
        let records = (0..<2).map { dir + "/sliced/grp/slices/\($0)-of-2/slice.json" }
        let originals = try records.map { String(decoding: try FileSystem.readAll($0), as: UTF8.self) }
        for bad in ["-5", "1e400"] {
            for (record, original) in zip(records, originals) {
                try Array(original.replacing(#/"units_total": \d+/#, with: "\"units_total\": \(bad)").utf8).write(to: record)
            }
            let merge = try runProcess(longweave, ["merge", dir + "/sliced/grp"])
            #expect(merge.status == 1 && merge.stderr.contains("expected a whole number from 0 to"), "\(merge.stderr)")
        }
        for (record, original) in zip(records, originals) { try Array(original.utf8).write(to: record) }
        let shard = dir + "/sliced/grp/slices/1-of-2/" + (try FileSystem.list(dir + "/sliced/grp/slices/1-of-2/units/all")).first.map { "units/all/" + $0 + "/part-00000.jsonl.zst" }!
        var bytes = try FileSystem.readAll(shard)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: shard)
        let corrupt = try runProcess(longweave, ["merge", dir + "/sliced/grp"])
        #expect(corrupt.status == 1 && corrupt.stderr.contains("differs from the slice's record"), "\(corrupt.stderr)")
    }

    /// Argument errors are bad input (exit 1), and a value that looks like an option is a value.
    @Test func argumentErrorsExitOne() throws {
        let dir = TestPaths.temporaryDirectory()
        let negative = try runProcess(longweave, ["audit", "--benchmark", "b.jsonl", "--reference", "r.jsonl", "--out", dir + "/x", "--n", "-1"])
        #expect(negative.status == 1 && negative.stderr.contains("--n and --mincount must be at least 1"), "\(negative.stderr)")
        let unknown = try runProcess(longweave, ["run", "--no-such-option", "p.yaml"])
        #expect(unknown.status == 1 && unknown.stderr.contains("Unknown option '--no-such-option'"), "\(unknown.stderr)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: longweave)
        process.arguments = ["run", "--quiet", "--out", dir + "/out", try pipeline("grp", in: dir)]
        process.environment = ["SLURM_ARRAY_TASK_ID": "abc", "SLURM_ARRAY_TASK_COUNT": "2"]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("SLURM_ARRAY_TASK_ID=abc: expected a whole number"))
    }
}

extension HostileInputTests {
    /// JSON Lines values are never changed or dropped: an answer that is not text and a
    /// numeric id that a Double would round are rejects with their reason, an id read twice
    /// is a reject, and a device or a FIFO is no input.
    @Test func valuesAreNeverChangedOrDroppedSilently() throws {
        let dir = TestPaths.temporaryDirectory()
        let lines = [
            #"{"id": 9007199254740993, "question": "q", "answers": ["a"], "documents": "d"}"#,
            #"{"id": 1, "question": "q", "answers": [0.1, "x"], "documents": "d"}"#,
            #"{"id": 2, "question": "q", "answers": ["x"], "documents": "d"}"#,
            #"{"id": 2.0, "question": "q", "answers": ["x"], "documents": "d"}"#,
            #"{"id": 1e999, "question": "q", "answers": ["x"], "documents": "d"}"#,
        ]
        try Array((lines.joined(separator: "\n") + "\n").utf8).write(to: dir + "/values.jsonl")
        let yaml = "version: 1\nname: values\nseed: 1\ninputs:\n  - {id: in, path: \(dir)/values.jsonl, format: jsonl, fields: {id: id}}\nstages: []\n"
        try Array(yaml.utf8).write(to: dir + "/values.yaml")
        #expect(try runProcess(longweave, ["run", "--quiet", "--out", dir + "/out", dir + "/values.yaml"]).status == 0)
        let rejects = String(decoding: try FileSystem.readAll(dir + "/out/values/rejects.jsonl"), as: UTF8.self)
        #expect(rejects.contains(#""line":1,"record":0,"stage":"ingest:in","reason":"wrong type: 'id' is number, expected a string or a whole number below 2^53""#), "\(rejects)")
        #expect(rejects.contains(#""line":2,"record":1,"stage":"ingest:in","reason":"wrong type: 'answers.0' is number, expected a string or {text}""#))
        #expect(rejects.contains(#""line":4,"record":3,"stage":"ingest:in","reason":"duplicate id: '2' was read before""#))
        #expect(rejects.contains(#""line":5,"record":4"#))
        #expect(rejects.split(separator: "\n").count == 4)

        for device in ["/dev/zero", dir + "/fifo"] {
            if device.hasSuffix("fifo") { #expect(mkfifo(device, 0o644) == 0) }
            try Array(yaml.replacingOccurrences(of: dir + "/values.jsonl", with: device).utf8).write(to: dir + "/device.yaml")
            let validate = try runProcess(longweave, ["validate", dir + "/device.yaml"])
            #expect(validate.status == 1 && validate.stderr.contains("is not a regular file"), "\(validate.stderr)")
            let tokenize = try runProcess(longweave, ["tokenize", "--tokenizer", "words", "--count", device])
            #expect(tokenize.status == 1 && tokenize.stderr.contains("not a regular file"), "\(tokenize.stderr)")
        }
    }
}

extension HostileInputTests {
    /// Deeply nested HTML loses no text; a MediaWiki page past 10 MB (libxml2's default limit
    /// on one text node) is read, one past `max_page_bytes` is a reject naming its title, and
    /// the pages after it are read.
    @Test func deepAndLargeMarkupLosesNothing() throws {
        let dir = TestPaths.temporaryDirectory()
        try FileSystem.createDirectories(dir + "/html")
        for depth in [300, 20_000] {
            let page = "<html><body><p>before the nesting</p>" + String(repeating: "<div>", count: depth) + "<p>inside the nesting</p>"
                + String(repeating: "</div>", count: depth) + "<p>after the nesting</p></body></html>"
            try Array(page.utf8).write(to: dir + "/html/deep\(depth).html")
        }
        let huge = String(repeating: "Lorem ipsum dolor sit amet. ", count: 450_000)
        let pages = [("Small one", "A small page about cats."), ("Huge page", huge), ("After huge", "The page after the huge one.")].enumerated().map { i, page in
            "<page><title>\(page.0)</title><ns>0</ns><id>\(i + 1)</id><revision><id>\(i + 10)</id><text xml:space=\"preserve\">\(page.1)</text></revision></page>"
        }
        try Array(("<mediawiki xmlns=\"http://www.mediawiki.org/xml/export-0.10/\" version=\"0.10\">" + pages.joined() + "</mediawiki>").utf8).write(to: dir + "/dump.xml")
        let yaml = """
            version: 1
            name: markup
            seed: 1
            inputs:
              - {id: pages, path: \(dir)/html, format: html}
              - {id: dump, path: \(dir)/dump.xml, format: mediawiki}
              - {id: bounded, path: \(dir)/dump.xml, format: mediawiki, max_page_bytes: 5MiB}
            stages: []
            """
        try Array(yaml.utf8).write(to: dir + "/markup.yaml")
        let run = try runProcess(longweave, ["run", "--quiet", "--out", dir + "/out", dir + "/markup.yaml"])
        #expect(run.status == 0, "\(run.stderr)")
        let documents = String(decoding: try runProcess(longweave, ["cat", dir + "/out/markup"]).stdout, as: UTF8.self)
        for depth in [300, 20_000] {
            #expect(documents.contains(#""title":"deep\#(depth)","text":"before the nesting\ninside the nesting\nafter the nesting""#), "\(documents.prefix(400))")
        }
        #expect(documents.contains(#""input":"dump","title":"Huge page""#))
        #expect(documents.contains(#""input":"bounded","title":"After huge""#) && !documents.contains(#""input":"bounded","title":"Huge page""#))
        let rejects = String(decoding: try FileSystem.readAll(dir + "/out/markup/rejects.jsonl"), as: UTF8.self)
        #expect(rejects.contains("\"stage\":\"ingest:bounded\",\"reason\":\"page too large: 'Huge page' has more than 5242880 bytes of wikitext\""), "\(rejects)")
        #expect(rejects.split(separator: "\n").count == 1)
    }
}

extension HostileInputTests {
    /// A byte order mark opens a pipeline file or a JSON Lines file harmlessly; a file that
    /// gives nothing (empty, whitespace, garbage) is "not in the declared format", exit 1;
    /// `cat` prints shards only.
    @Test func byteOrderMarksEmptyFilesAndNonShards() throws {
        let dir = TestPaths.temporaryDirectory()
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        try (bom + Array(#"{"id": "a", "question": "q", "answers": ["x"], "documents": "d"}"#.utf8) + [0x0A]).write(to: dir + "/bom.jsonl")
        let yaml = "version: 1\nname: bom\nseed: 1\ninputs:\n  - {id: in, path: \(dir)/bom.jsonl, format: jsonl, fields: {id: id}}\nstages: []\n"
        try (bom + Array(yaml.utf8)).write(to: dir + "/bom.yaml")
        let run = try runProcess(longweave, ["run", "--quiet", "--out", dir + "/out", dir + "/bom.yaml"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(String(decoding: try runProcess(longweave, ["cat", dir + "/out/bom"]).stdout, as: UTF8.self).contains(#""id":"a""#))

        for (name, body) in [("empty", ""), ("blank", "  \n\t\n\n"), ("garbage", "not json\n{{{\n")] {
            try Array(body.utf8).write(to: dir + "/bom.jsonl")
            let bad = try runProcess(longweave, ["run", "--quiet", "--out", dir + "/\(name)", dir + "/bom.yaml"])
            #expect(bad.status == 1 && bad.stderr.contains("not a jsonl file: "), "\(name): \(bad.stderr)")
        }
        let cat = try runProcess(longweave, ["cat", dir + "/bom.yaml"])
        #expect(cat.status == 1 && cat.stdout.isEmpty && cat.stderr.contains("not a zstd shard"))
    }
}

extension HostileInputTests {
    /// A `mincount` whose span candidates would not fit in 1 GiB is refused before any work,
    /// saying which would fit (it was killed past 24 GB, or aborted).
    @Test func anAuditThatWouldNotFitIsRefusedAtOnce() throws {
        let dir = TestPaths.temporaryDirectory()
        let audit = try runProcess(longweave, ["audit", "--benchmark", TestPaths.data("hotpotqa/hotpot_dev_distractor_v1_100.json"), "--format", "hotpotqa",
                                               "--fields", "question,answers,documents", "--reference", TestPaths.data("wikitext2/wiki.test.raw"),
                                               "--mincount", "100000", "--threads", "2", "--out", dir + "/audit"])
        #expect(audit.status == 1 && audit.stderr.contains("mincount 100000 keeps 100000 span candidates") && audit.stderr.contains("use --mincount"), "\(audit.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/audit/scores.jsonl"))
    }
}

extension HostileInputTests {
    /// Every key given more than once in a mapping is named, at the mapping's first such key.
    @Test func duplicateKeysAreNamedTogether() throws {
        let dir = TestPaths.temporaryDirectory()
        try Array("version: 1\nname: a\nname: b\nseed: 1\nseed: 2\ninputs: []\nstages: []\n".utf8).write(to: dir + "/dup.yaml")
        let run = try runProcess(longweave, ["validate", dir + "/dup.yaml"])
        #expect(run.status == 1 && run.stderr.contains("dup.yaml:2:1: error: keys 'name', 'seed' are each given more than once in one mapping"), "\(run.stderr)")
    }
}

extension Array where Element == UInt8 {
    func write(to path: String) throws { try FileSystem.writeAtomically(self, to: path) }
}
