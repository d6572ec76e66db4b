#include "CBlockPool.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// Each block is its own malloc the first time and then circulates through its class's free list: no
// chunks to carve, so any block can go back to the system on its own (past the budget, or when the
// pool is released) and nothing pins memory the way a partly used chunk would.

enum {
    SMALLEST_SHIFT = 4,  // class 0 holds 16 bytes
    LARGE = BLOCK_POOL_CLASSES,  // the class recorded for blocks that bypass the lists
};

// Before each payload: its class, padded so the payload keeps malloc's alignment.
typedef struct {
    alignas(max_align_t) uint32_t size_class;
} header;

// A kept block's payload links it into its list (16 bytes at least: room for the link).
struct block_pool_free_block {
    block_pool_free_block *next;
};

static size_t class_bytes(unsigned size_class) { return (size_t)1 << (size_class + SMALLEST_SHIFT); }

static unsigned class_of(size_t size) {
    if (size <= class_bytes(0)) return 0;
    if (size > class_bytes(LARGE - 1)) return LARGE;
    // The smallest power of two that holds `size`.
    return (unsigned)(64 - __builtin_clzll((unsigned long long)(size - 1))) - SMALLEST_SHIFT;
}

static header *header_of(void *ptr) { return (header *)ptr - 1; }

void block_pool_init(block_pool *pool, size_t budget) {
    memset(pool, 0, sizeof *pool);
    pool->budget = budget;
}

void block_pool_release(block_pool *pool) {
    for (unsigned c = 0; c < BLOCK_POOL_CLASSES; c++) {
        block_pool_free_block *block = pool->free[c];
        while (block) {
            block_pool_free_block *next = block->next;
            free(header_of(block));
            block = next;
        }
        pool->free[c] = NULL;
    }
    pool->cached_bytes = 0;
}

void *block_pool_malloc(size_t size, void *opaque) {
    block_pool *pool = opaque;
    unsigned c = class_of(size);
    if (c != LARGE && pool->free[c]) {
        block_pool_free_block *block = pool->free[c];
        pool->free[c] = block->next;
        pool->cached_bytes -= class_bytes(c);
        pool->live_blocks++;
        return block;
    }
    size_t payload = c == LARGE ? size : class_bytes(c);
    if (payload > SIZE_MAX - sizeof(header)) return NULL;
    header *h = malloc(sizeof(header) + payload);
    if (!h) return NULL;
    h->size_class = c;
    pool->live_blocks++;
    return h + 1;
}

void block_pool_free(void *ptr, void *opaque) {
    if (!ptr) return;
    block_pool *pool = opaque;
    header *h = header_of(ptr);
    pool->live_blocks--;
    unsigned c = h->size_class;
    // Past the budget the block is not worth keeping: a burst's peak goes back to the system.
    if (c == LARGE || pool->cached_bytes + class_bytes(c) > pool->budget) {
        free(h);
        return;
    }
    block_pool_free_block *block = ptr;
    block->next = pool->free[c];
    pool->free[c] = block;
    pool->cached_bytes += class_bytes(c);
}

void *block_pool_calloc(size_t count, size_t size, void *pool) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) return NULL;
    void *ptr = block_pool_malloc(total, pool);
    // A recycled block holds its last user's bytes.
    if (ptr) memset(ptr, 0, total);
    return ptr;
}

void *block_pool_realloc(void *ptr, size_t size, void *opaque) {
    if (!ptr) return block_pool_malloc(size, opaque);
    header *h = header_of(ptr);
    unsigned c = h->size_class;
    if (c == LARGE) {
        // Stays large whatever the new size: the system's realloc may grow or shrink it in place.
        if (size > SIZE_MAX - sizeof(header)) return NULL;
        header *moved = realloc(h, sizeof(header) + size);
        return moved ? moved + 1 : NULL;
    }
    // Shrinking, or growing within the class, keeps the block: nghttp2 mostly grows buffers, and a
    // smaller class would mean a copy for a few bytes back.
    if (size <= class_bytes(c)) return ptr;
    void *grown = block_pool_malloc(size, opaque);
    if (!grown) return NULL;
    memcpy(grown, ptr, class_bytes(c));
    block_pool_free(ptr, opaque);
    return grown;
}
