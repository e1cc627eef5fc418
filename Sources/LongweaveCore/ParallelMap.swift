import Dispatch
import Synchronization

/// The one way work runs in parallel: `body` on every index of `0..<count` over at most
/// `threads` workers that take `chunk` indices at a time, the results in index order.
/// The output never depends on the thread count, so every stage and the shard writer use it.
public func orderedParallelMap<T>(
    _ count: Int, threads: Int, chunk: Int = 1, _ body: (Int) -> T
) -> [T] {
    if count == 0 { return [] }
    let chunk = max(1, chunk)
    let workers = min(max(1, threads), (count + chunk - 1) / chunk)
    if workers == 1 { return (0..<count).map(body) }
    let slots = UnsafeSlots<T>(count: count)
    let next = Atomic<Int>(0)
    withoutActuallyEscaping(body) { body in
        // The workers only call `body` on distinct indices; callers pass work that is safe so.
        let shared = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let start = next.wrappingAdd(chunk, ordering: .relaxed).oldValue
                if start >= count { return }
                for index in start..<min(start + chunk, count) { slots.set(index, shared.value(index)) }
            }
        }
    }
    return (0..<count).map { slots.take($0) }
}

/// Carries a value across the workers of `orderedParallelMap`.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Fixed slots that parallel workers fill at distinct indices; read after they finish.
public final class UnsafeSlots<T>: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<T?>
    public let count: Int

    public init(count: Int) {
        self.count = count
        storage = .allocate(capacity: max(count, 1))
        storage.initialize(repeating: nil, count: max(count, 1))
    }

    deinit {
        storage.deinitialize(count: max(count, 1))
        storage.deallocate()
    }

    public func set(_ index: Int, _ value: T) { storage[index] = value }
    public func take(_ index: Int) -> T { storage[index].take()! }
}
