import CZlib

/// Whole-buffer gzip decompression through zlib, for small files such as tokenizer ranks.
public enum Gzip {
    /// Decompresses every gzip member of `bytes`; throws on a corrupt or truncated stream.
    public static func decompress(_ bytes: [UInt8], path: String) throws -> [UInt8] {
        var stream = z_stream()
        // 15 window bits + 32: detect gzip or zlib headers.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw IOError(path: path, "cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        var input = bytes
        let total = input.count
        var consumed = 0
        var status: Int32 = Z_OK
        try input.withUnsafeMutableBufferPointer { inBuffer in
            while consumed < total {
                stream.next_in = inBuffer.baseAddress! + consumed
                stream.avail_in = UInt32(total - consumed)
                repeat {
                    let produced: Int = chunk.withUnsafeMutableBufferPointer { outBuffer in
                        stream.next_out = outBuffer.baseAddress
                        stream.avail_out = UInt32(outBuffer.count)
                        status = inflate(&stream, Z_NO_FLUSH)
                        return outBuffer.count - Int(stream.avail_out)
                    }
                    if status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR {
                        throw IOError(path: path, "not a valid gzip stream (zlib status \(status))")
                    }
                    output.append(contentsOf: chunk[0..<produced])
                    if status == Z_BUF_ERROR && produced == 0 { break }
                } while stream.avail_in > 0 && status != Z_STREAM_END
                consumed = total - Int(stream.avail_in)
                if status == Z_STREAM_END {
                    // Another member may follow.
                    guard consumed < total, inflateReset(&stream) == Z_OK else { break }
                } else {
                    break
                }
            }
        }
        if status != Z_STREAM_END { throw IOError(path: path, "truncated gzip stream") }
        return output
    }
}
