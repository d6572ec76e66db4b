// A heap of recycled blocks for one thread: nghttp2's allocator on a worker (nghttp2_mem), so that
// the streams, queued frames and header copies of a request reuse the previous request's blocks
// instead of calling malloc.
//
// Not thread-safe, by design: each worker owns one pool and touches it only from its own thread
// (its sessions live and die there), so no lock or atomic is needed.
#ifndef CBLOCKPOOL_H
#define CBLOCKPOOL_H

#include <stddef.h>

/// Size classes are the powers of two from 16 bytes (class 0) to 16 KB (class 10); a request above that
/// goes to malloc each time (nghttp2's per-connection frame buffers), since few are made and fewer reused.
#define BLOCK_POOL_CLASSES 11

typedef struct block_pool_free_block block_pool_free_block;

/// Visible so that the owner can allocate it and the tests can read the counters; only the
/// functions below change it.
typedef struct {
    /// Blocks handed back and kept for reuse, one list per class.
    block_pool_free_block *free[BLOCK_POOL_CLASSES];
    /// What the free lists hold, in bytes of payload; never above `budget`.
    size_t cached_bytes;
    size_t budget;
    /// Blocks handed out and not yet freed, large ones included.
    size_t live_blocks;
} block_pool;

/// An empty pool that keeps at most `budget` bytes of freed blocks; beyond that a freed block goes
/// back to the system.
void block_pool_init(block_pool *pool, size_t budget);
/// Returns every kept block to the system. Every block handed out must have been freed before.
void block_pool_release(block_pool *pool);

// The allocator's calls, with the pool last and untyped: the shape of nghttp2_mem's callbacks, so
// they fill one directly. Same contracts as malloc, free, calloc and realloc (NULL on failure, free
// and realloc accept NULL); sizes are not passed back, a header before each block keeps its class.
void *block_pool_malloc(size_t size, void *pool);
void block_pool_free(void *ptr, void *pool);
void *block_pool_calloc(size_t count, size_t size, void *pool);
void *block_pool_realloc(void *ptr, size_t size, void *pool);

#endif
