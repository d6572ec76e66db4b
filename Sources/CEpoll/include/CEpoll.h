// Thin wrappers over the Linux calls Swift cannot import cleanly: struct epoll_event is
// packed on x86_64, eventfd/accept4 flags are macros, and errno is thread-local.
#ifndef CEPOLL_H
#define CEPOLL_H

#include <stdint.h>
#include <sys/types.h>

#define CEPOLL_IN 0x001u
#define CEPOLL_OUT 0x004u
#define CEPOLL_ERR 0x008u
#define CEPOLL_HUP 0x010u
#define CEPOLL_RDHUP 0x2000u
#define CEPOLL_ET 0x80000000u

/// One ready event, unpacked: what fired and the token registered with the descriptor.
typedef struct {
    uint32_t events;
    uint64_t token;
} cepoll_event;

int cepoll_create(void);
int cepoll_add(int epfd, int fd, uint32_t events, uint64_t token);
int cepoll_mod(int epfd, int fd, uint32_t events, uint64_t token);
int cepoll_del(int epfd, int fd);
/// Waits up to timeout_ms (-1: forever). Returns the count written to out, or -1 with errno.
int cepoll_wait(int epfd, cepoll_event *out, int max, int timeout_ms);

/// A non-blocking, close-on-exec eventfd used to wake a loop from another thread.
int cepoll_eventfd(void);
int cepoll_eventfd_signal(int fd);
/// Reads and clears the counter; returns 0 or -1 (EAGAIN when nothing was signalled).
int cepoll_eventfd_drain(int fd);

/// A non-blocking TCP listener on a numeric address with SO_REUSEADDR; with reuse_port also SO_REUSEPORT,
/// so every worker owns its own accept queue. Without it the bind fails on a port such listeners hold,
/// rather than sharing their connections. Returns the fd or -1 with errno.
int cepoll_listen(const char *host, uint16_t port, int backlog, int reuse_port);
/// accept4 with SOCK_NONBLOCK|SOCK_CLOEXEC; also sets TCP_NODELAY.
int cepoll_accept(int listen_fd);
/// The bound port of a socket (for port 0 listeners), or -1.
int cepoll_local_port(int fd);

/// Starts a non-blocking connect to a numeric IPv4 or IPv6 address (sockaddr bytes).
/// Returns the fd; *in_progress is 1 when the caller must wait for writability.
int cepoll_connect(const void *sockaddr, uint32_t len, int *in_progress);
/// The pending error of a socket after a non-blocking connect (0 when connected).
int cepoll_socket_error(int fd);

/// Monotonic milliseconds.
uint64_t cepoll_now_ms(void);
/// Monotonic nanoseconds, the same clock.
uint64_t cepoll_now_ns(void);
int cepoll_errno(void);

/// glibc's malloc_trim(0) (<malloc.h> is not in Swift's Glibc module): every arena gives its free
/// whole pages back to the system, not only its top. Returns 1 when memory was released.
int cepoll_malloc_trim(void);

#endif
