// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "longweave",
    products: [
        .executable(name: "longweave", targets: ["longweave"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C libraries, wrapped thinly.
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CBzip2",
            providers: [.apt(["libbz2-dev"])]
        ),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // Keeps libxml2's headers (which pull in ICU) away from every Swift module.
        .target(name: "LibXMLShim", dependencies: ["CLibXML2"]),

        // Bytes in, bytes out: line reading, zstd, JSON.
        .target(
            name: "LongweaveIO",
            dependencies: ["CZstd", "CZlib", "CBzip2", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Text measures: word counts as Python's str.split(), characters, exact BPE tokenizers.
        .target(name: "LongweaveText", dependencies: ["LongweaveIO"]),
        // Markup: streaming XML, HTML trees, wikitext and main-text extraction.
        .target(name: "LongweaveMarkup", dependencies: ["LibXMLShim", "LongweaveIO", "LongweaveText"]),
        // Records, pipeline spec, stage protocols and context, runner, manifests, slices.
        .target(
            name: "LongweaveCore",
            dependencies: ["LongweaveIO", "Yams", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The contamination audit (ConTAM's four metrics): engine, readers, reports, slices.
        .target(name: "LongweaveAudit", dependencies: ["LongweaveCore", "LongweaveIO", "LongweaveText"]),
        // Layouts that other projects' code reads: LV-Eval, M4LE, Hugging Face, LongBench.
        .target(name: "LongweavePrompts", dependencies: ["LongweaveAudit", "LongweaveCore", "LongweaveIO", "LongweaveText"]),
        .target(name: "LongweaveExport", dependencies: ["LongweaveCore", "LongweaveIO", "Yams"]),
        // Every stage and ingest format, and the registry that names them.
        .target(name: "LongweaveStages", dependencies: ["LongweaveAudit", "LongweaveCore", "LongweaveIO", "LongweavePrompts", "LongweaveText", "LongweaveMarkup", "Yams"]),
        .executableTarget(
            name: "longweave",
            dependencies: [
                "LongweaveAudit", "LongweaveCore", "LongweaveExport", "LongweaveIO", "LongweavePrompts", "LongweaveStages", "LongweaveText", "Yams",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "LongweaveBench",
            dependencies: [
                "LongweaveAudit", "LongweaveCore", "LongweaveIO", "LongweaveMarkup", "LongweavePrompts", "LongweaveStages", "LongweaveText",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Paths to the real data beside the repository, temporary folders, subprocesses.
        .target(name: "LongweaveTestSupport", path: "Tests/LongweaveTestSupport"),
        // Pipelines written, loaded and run in a temporary folder with the standard registry.
        .target(name: "PipelineTestSupport", dependencies: ["LongweaveCore", "LongweaveIO", "LongweaveStages", "LongweaveTestSupport"],
                path: "Tests/PipelineTestSupport"),
        .testTarget(name: "LibXMLShimTests", dependencies: ["LibXMLShim"]),
        .testTarget(name: "LongweaveIOTests", dependencies: ["LongweaveIO", "LongweaveTestSupport"]),
        .testTarget(name: "LongweaveTextTests", dependencies: ["LongweaveText", "LongweaveTestSupport"]),
        .testTarget(name: "LongweaveMarkupTests", dependencies: ["LongweaveMarkup"]),
        .testTarget(name: "LongweaveCoreTests", dependencies: ["LongweaveCore", "LongweaveIO", "LongweaveTestSupport"]),
        .testTarget(name: "LongweavePromptsTests", dependencies: ["LongweavePrompts", "LongweaveTestSupport"], exclude: ["ChatTemplates"]),
        .testTarget(name: "LongweaveExportTests", dependencies: ["LongweaveCore", "LongweaveExport", "LongweaveIO", "LongweaveStages", "LongweaveTestSupport"]),
        .testTarget(name: "LongweaveAuditTests", dependencies: ["LongweaveAudit", "LongweaveCore", "LongweaveIO", "LongweaveStages", "LongweaveTestSupport", "LongweaveText", "PipelineTestSupport"]),
        .testTarget(name: "LongweaveStagesTests", dependencies: ["LongweaveAudit", "LongweaveCore", "LongweaveIO", "LongweavePrompts", "LongweaveStages", "LongweaveTestSupport", "LongweaveText", "PipelineTestSupport"]),
        // Runs the built `longweave` binary, so it depends on it without importing it.
        .testTarget(name: "LongweaveCLITests", dependencies: ["LongweaveIO", "LongweaveTestSupport", "longweave"]),
    ]
)
