// Counts the heap allocations of the process it is preloaded into (LD_PRELOAD), for the allocation tests
// (Tests/IntegrationTests/AllocationTests.swift). On SIGUSR1 it writes the count so far, in decimal, to the
// file named by ALLOC_COUNT_FILE: the test reads it before and after a batch of requests, so only the
// batch's allocations count, not start-up's. Every way into glibc's allocator counts once; free does not.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_ulong allocations;

static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static int (*next_posix_memalign)(void **, size_t, size_t);
static void *(*next_aligned_alloc)(size_t, size_t);
static void *(*next_memalign)(size_t, size_t);
static void (*next_free)(void *);

// dlsym may call calloc before next_calloc is known; those few requests come from here and are never freed.
static _Alignas(16) char early[4096];
static atomic_size_t early_used;

static int is_early(void *p) { return (char *)p >= early && (char *)p < early + sizeof early; }

static void resolve(void) {
    if (next_malloc) return;
    next_calloc = dlsym(RTLD_NEXT, "calloc");
    next_realloc = dlsym(RTLD_NEXT, "realloc");
    next_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    next_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    next_memalign = dlsym(RTLD_NEXT, "memalign");
    next_free = dlsym(RTLD_NEXT, "free");
    next_malloc = dlsym(RTLD_NEXT, "malloc");
}

static void count(void) { atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed); }

void *malloc(size_t size) {
    resolve();
    count();
    return next_malloc(size);
}

void *calloc(size_t n, size_t size) {
    if (!next_calloc) {
        size_t bytes = (n * size + 15) & ~(size_t)15;
        size_t at = atomic_fetch_add(&early_used, bytes);
        if (at + bytes > sizeof early) return NULL;
        memset(early + at, 0, bytes);
        return early + at;
    }
    count();
    return next_calloc(n, size);
}

void *realloc(void *p, size_t size) {
    resolve();
    count();
    if (is_early(p)) {
        void *moved = next_malloc(size);
        if (moved) memcpy(moved, p, size < sizeof early ? size : sizeof early);
        return moved;
    }
    return next_realloc(p, size);
}

int posix_memalign(void **p, size_t alignment, size_t size) {
    resolve();
    count();
    return next_posix_memalign(p, alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    resolve();
    count();
    return next_aligned_alloc(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    resolve();
    count();
    return next_memalign(alignment, size);
}

void free(void *p) {
    if (is_early(p)) return;
    resolve();
    next_free(p);
}

// Async-signal-safe: digits by hand, then open, write, close.
static void report(int signal) {
    (void)signal;
    const char *path = getenv("ALLOC_COUNT_FILE");
    if (!path) return;
    char digits[24];
    int length = 0;
    unsigned long value = atomic_load(&allocations);
    char text[24];
    do { digits[length++] = (char)('0' + value % 10); value /= 10; } while (value);
    for (int i = 0; i < length; i++) text[i] = digits[length - 1 - i];
    text[length] = '\n';
    int saved = errno;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ssize_t ignored = write(fd, text, (size_t)length + 1);
        (void)ignored;
        close(fd);
    }
    errno = saved;
}

__attribute__((constructor)) static void start(void) {
    resolve();
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = report;
    action.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &action, NULL);
}
