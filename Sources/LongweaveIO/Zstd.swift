import CZstd

/// A zstd error code turned into its message.
func zstdErrorMessage(_ code: Int) -> String {
    String(cString: ZSTD_getErrorName(code))
}

/// Streaming zstd compression into a growable byte array; owns one `ZSTD_CCtx`.
///
/// Single-threaded on purpose: the bytes it emits after each call depend only on the
/// input, so shard rotation on compressed size is deterministic.
public final class ZstdCompressor {
    private let context: OpaquePointer
    public let level: Int32
    /// Reused output room of zstd's recommended size.
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 16)

    /// - Parameters:
    ///   - level: 1...22, as the `zstd` CLI takes it.
    ///   - checksum: write a content checksum into each frame (the CLI does by default).
    public init(level: Int32, checksum: Bool = true) throws {
        guard let context = ZSTD_createCCtx() else { throw IOError(path: "zstd", "cannot allocate a compression context") }
        self.context = context
        self.level = level
        try check(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level))
        try check(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, checksum ? 1 : 0))
    }

    deinit {
        ZSTD_freeCCtx(context)
        scratch.deallocate()
    }

    private func check(_ code: Int) throws {
        if ZSTD_isError(code) != 0 { throw IOError(path: "zstd", zstdErrorMessage(code)) }
    }

    /// The largest compressed size of `count` input bytes, as zstd bounds it.
    public static func bound(_ count: Int) -> Int { ZSTD_compressBound(count) }

    /// Feeds `input`; hands whatever compressed bytes zstd emits to `sink`.
    public func compress(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try run(input, directive: ZSTD_e_continue, sink: sink)
    }

    /// Flushes buffered data without ending the frame.
    public func flush(sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try run(UnsafeRawBufferPointer(start: nil, count: 0), directive: ZSTD_e_flush, sink: sink)
    }

    /// Ends the frame; the context starts a new frame with the next input.
    public func finish(sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try run(UnsafeRawBufferPointer(start: nil, count: 0), directive: ZSTD_e_end, sink: sink)
    }

    private func run(
        _ input: UnsafeRawBufferPointer, directive: ZSTD_EndDirective,
        sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        while true {
            var outBuffer = ZSTD_outBuffer(dst: scratch.baseAddress, size: scratch.count, pos: 0)
            let remaining = ZSTD_compressStream2(context, &outBuffer, &inBuffer, directive)
            try check(remaining)
            if outBuffer.pos > 0 {
                try sink(UnsafeRawBufferPointer(rebasing: scratch[0..<outBuffer.pos]))
            }
            let inputDone = inBuffer.pos == inBuffer.size
            let done = directive == ZSTD_e_continue ? inputDone : (remaining == 0 && inputDone)
            if done { return }
        }
    }
}
