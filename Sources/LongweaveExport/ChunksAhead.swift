import Dispatch
import LongweaveIO
import Synchronization

/// A file's decompressed chunks, read on a background thread at most four ahead and handed
/// over whole: the caller writes and hashes them while the next ones decompress, and no
/// chunk is copied on the way.
enum ChunksAhead {
    private struct State: ~Copyable {
        var chunks: [[UInt8]] = []
        var error: (any Error)?
        var finished = false
        var cancelled = false
    }

    private final class Shared: Sendable {
        let state = Mutex(State())
        let filled = DispatchSemaphore(value: 0)
        let room = DispatchSemaphore(value: 4)
    }

    static func forEach(_ path: String, chunkSize: Int = 1 << 20, _ body: ([UInt8]) throws -> Void) throws {
        let source = try InputFile.open(path)
        let shared = Shared()
        let done = DispatchSemaphore(value: 0)
        // Only the reading thread touches the source from here on.
        nonisolated(unsafe) let reader = source
        DispatchQueue.global().async {
            defer { done.signal() }
            while true {
                shared.room.wait()
                if shared.state.withLock({ $0.cancelled }) { return }
                var chunk = [UInt8](repeating: 0, count: chunkSize)
                let result = Result { try chunk.withUnsafeMutableBytes { try reader.read(into: $0) } }
                let finished = shared.state.withLock { state in
                    switch result {
                    case .success(let n) where n > 0:
                        chunk.removeLast(chunkSize - n)
                        state.chunks.append(chunk)
                    case .success:
                        state.finished = true
                    case .failure(let error):
                        state.error = error
                        state.finished = true
                    }
                    return state.finished
                }
                shared.filled.signal()
                if finished { return }
            }
        }
        defer {
            // Stops a reading thread that waits for room, and waits for it to let go of the file.
            shared.state.withLock { $0.cancelled = true }
            shared.room.signal()
            done.wait()
        }
        while true {
            shared.filled.wait()
            let (next, error) = shared.state.withLock { state -> ([UInt8]?, (any Error)?) in
                state.chunks.isEmpty ? (nil, state.error) : (state.chunks.removeFirst(), nil)
            }
            guard let next else {
                if let error { throw error }
                return
            }
            shared.room.signal()
            try body(next)
        }
    }
}
