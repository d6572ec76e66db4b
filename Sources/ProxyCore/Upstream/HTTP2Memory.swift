import CBlockPool
import CNghttp2

/// The heap of one worker's nghttp2 sessions: a `block_pool` that keeps the blocks a finished stream
/// freed (its stream object, queued frames, header copies) for the next one, so in steady state
/// nghttp2 makes no malloc per request (issue 13).
///
/// Used only on its worker's thread, like the sessions (the pool has no lock). Each `HTTP2Session`
/// holds it strongly, so it is released after the last session that allocates from it, whatever order
/// the worker's parts are torn down in. The sessions never keep nghttp2's reference-counted header
/// buffers (`nghttp2_rcbuf`) past their callbacks, so no block outlives its session.
final class HTTP2Memory {
    /// What the free lists may keep: the blocks of about 190 small requests under way at once (2.7 KB
    /// each in their classes, measured by HTTP2SessionMemoryTests) or of a few closed sessions. A burst
    /// beyond that gives its extra blocks back to the system as they come back.
    static let budget = 512 * 1024

    private let pool: UnsafeMutablePointer<block_pool>

    init() {
        pool = .allocate(capacity: 1)
        block_pool_init(pool, Self.budget)
    }

    deinit {
        assert(pool.pointee.live_blocks == 0, "nghttp2 blocks outlive their pool")
        block_pool_release(pool)
        pool.deallocate()
    }

    /// For `nghttp2_session_client_new3`, which copies it.
    var allocator: nghttp2_mem {
        nghttp2_mem(mem_user_data: UnsafeMutableRawPointer(pool), malloc: block_pool_malloc, free: block_pool_free,
                    calloc: block_pool_calloc, realloc: block_pool_realloc)
    }

    /// Bytes the free lists hold (for the tests).
    var cachedBytes: Int { pool.pointee.cached_bytes }
    /// Blocks handed out and not yet freed (for the tests).
    var liveBlocks: Int { pool.pointee.live_blocks }
}
