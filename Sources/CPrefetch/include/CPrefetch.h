#ifndef LONGWEAVE_CPREFETCH_H
#define LONGWEAVE_CPREFETCH_H

/// Asks the CPU to start loading the cache line at `address` for reading, without waiting
/// for it: Swift has no prefetch of its own. Inlined into the Swift caller.
static inline void longweave_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
