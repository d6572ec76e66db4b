// The client session cache behind upstream TLS resumption: the sessions each context has saved, by
// peer, as a browser keeps them. It never sees a TLS library type (OpenSSL's and BoringSSL's names
// clash), so sessions are opaque and each backend hands in its library's reference counting.
// Thread-safe: workers share the context; it is touched only when a handshake starts or a session
// arrives, never per read or write.
#ifndef CTLSSHIM_SESSION_CACHE_H
#define CTLSSHIM_SESSION_CACHE_H

#include <stdint.h>

struct tlsshim_session_cache;

struct tlsshim_session_ops {
    void (*up_ref)(void *session);
    void (*free)(void *session);
};

// "host:port/scope": a DNS name has at most 253 characters, a port 5 digits, a scope 10. Chrome keys
// by host and port plus its privacy partitions; proxyd's partition is the egress route (the scope).
enum { TLSSHIM_SESSION_KEY_MAX = 253 + 1 + 5 + 1 + 10 + 1 };

// What a connection needs to save the sessions it receives; empty key: never cached.
struct tlsshim_session_peer {
    struct tlsshim_session_cache *cache;
    char key[TLSSHIM_SESSION_KEY_MAX];
};

struct tlsshim_session_cache *tlsshim_session_cache_new(const struct tlsshim_session_ops *ops);
void tlsshim_session_cache_free(struct tlsshim_session_cache *cache);

// Fills peer for host, port and scope; a host too long for the key leaves it uncached (a full handshake).
void tlsshim_session_peer_init(struct tlsshim_session_peer *peer, struct tlsshim_session_cache *cache,
                               const char *host, uint16_t port, uint32_t scope);

// Takes over the caller's reference; peer must have a cache and a key. single_use: a TLS 1.3
// ticket, offered once (RFC 8446 C.4). expires_at: the session's own end, in seconds since the epoch.
void tlsshim_session_cache_put(const struct tlsshim_session_peer *peer, void *session, int single_use,
                               uint64_t expires_at);

// A live session to offer, as a reference the caller releases, or NULL. A single-use session
// leaves the cache here, whether or not the server then accepts it.
void *tlsshim_session_cache_take(const struct tlsshim_session_peer *peer);

#endif
