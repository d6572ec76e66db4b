// The client session cache (see session_cache.h). Shaped like Chrome's: per peer, at most two
// sessions, newest first; a TLS 1.3 ticket leaves when offered, a TLS 1.2 session stays for reuse.
// Servers send two tickets per handshake (OpenSSL's and BoringSSL's default), so a peer reached one
// connection at a time always has a fresh ticket, and none is ever shown twice on the wire.
#include "session_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// Peers are the configured upstreams, a handful; the bound only keeps memory finite whatever they
// are (a session with its certificate chain is a few KiB).
enum { MAX_PEERS = 256, SESSIONS_PER_PEER = 2 };

struct saved_session {
    void *session;
    int single_use;
    uint64_t expires_at;
};

struct entry {
    struct entry *prev;
    struct entry *next;
    size_t count;
    struct saved_session sessions[SESSIONS_PER_PEER]; // newest first
    char key[TLSSHIM_SESSION_KEY_MAX];
};

struct tlsshim_session_cache {
    pthread_mutex_t lock;
    const struct tlsshim_session_ops *ops;
    struct entry *head; // most recently used first
    struct entry *tail;
    size_t peers;
};

// Wall-clock seconds, the clock both libraries stamp sessions with. A failing clock expires everything.
static uint64_t now_seconds(void) {
    time_t now = time(NULL);
    return now < 0 ? UINT64_MAX : (uint64_t)now;
}

struct tlsshim_session_cache *tlsshim_session_cache_new(const struct tlsshim_session_ops *ops) {
    struct tlsshim_session_cache *cache = calloc(1, sizeof *cache);
    if (cache == NULL) return NULL;
    if (pthread_mutex_init(&cache->lock, NULL) != 0) {
        free(cache);
        return NULL;
    }
    cache->ops = ops;
    return cache;
}

static void drop_session(struct tlsshim_session_cache *cache, struct entry *entry, size_t index) {
    cache->ops->free(entry->sessions[index].session);
    memmove(&entry->sessions[index], &entry->sessions[index + 1],
            (entry->count - index - 1) * sizeof entry->sessions[0]);
    entry->count--;
}

static void unlink_entry(struct tlsshim_session_cache *cache, struct entry *entry) {
    if (entry->prev != NULL) entry->prev->next = entry->next; else cache->head = entry->next;
    if (entry->next != NULL) entry->next->prev = entry->prev; else cache->tail = entry->prev;
    entry->prev = entry->next = NULL;
}

static void remove_entry(struct tlsshim_session_cache *cache, struct entry *entry) {
    while (entry->count > 0) drop_session(cache, entry, entry->count - 1);
    unlink_entry(cache, entry);
    cache->peers--;
    free(entry);
}

static void push_front(struct tlsshim_session_cache *cache, struct entry *entry) {
    entry->next = cache->head;
    if (cache->head != NULL) cache->head->prev = entry;
    cache->head = entry;
    if (cache->tail == NULL) cache->tail = entry;
}

// The live entry for key, or NULL. Walks every peer, dropping expired sessions and emptied peers on
// the way, so no session outlives its lifetime by more than one handshake's visit.
static struct entry *find(struct tlsshim_session_cache *cache, const char *key) {
    uint64_t now = now_seconds();
    struct entry *found = NULL;
    struct entry *entry = cache->head;
    while (entry != NULL) {
        struct entry *next = entry->next;
        for (size_t i = entry->count; i > 0; i--) {
            if (now >= entry->sessions[i - 1].expires_at) drop_session(cache, entry, i - 1);
        }
        if (entry->count == 0) {
            remove_entry(cache, entry);
        } else if (found == NULL && strcmp(entry->key, key) == 0) {
            found = entry;
        }
        entry = next;
    }
    return found;
}

void tlsshim_session_peer_init(struct tlsshim_session_peer *peer, struct tlsshim_session_cache *cache,
                               const char *host, uint16_t port, uint32_t scope) {
    peer->cache = cache;
    int written = snprintf(peer->key, sizeof peer->key, "%s:%u/%u", host, (unsigned)port, (unsigned)scope);
    if (written < 0 || (size_t)written >= sizeof peer->key) peer->key[0] = '\0';
}

void tlsshim_session_cache_put(const struct tlsshim_session_peer *peer, void *session, int single_use,
                               uint64_t expires_at) {
    struct tlsshim_session_cache *cache = peer->cache;
    if (now_seconds() >= expires_at) {
        cache->ops->free(session);
        return;
    }
    pthread_mutex_lock(&cache->lock);
    struct entry *entry = find(cache, peer->key);
    if (entry == NULL) {
        if (cache->peers >= MAX_PEERS) remove_entry(cache, cache->tail);
        entry = calloc(1, sizeof *entry);
        if (entry == NULL) {
            pthread_mutex_unlock(&cache->lock);
            cache->ops->free(session);
            return;
        }
        memcpy(entry->key, peer->key, sizeof entry->key);
        cache->peers++;
    } else {
        unlink_entry(cache, entry);
    }
    push_front(cache, entry);
    // A peer's sessions are all of one kind: a TLS 1.2 session is reusable, so it alone is kept; a
    // ticket joins the tickets before it, the oldest giving way.
    if (!single_use || (entry->count > 0 && !entry->sessions[0].single_use)) {
        while (entry->count > 0) drop_session(cache, entry, entry->count - 1);
    } else if (entry->count == SESSIONS_PER_PEER) {
        drop_session(cache, entry, SESSIONS_PER_PEER - 1);
    }
    memmove(&entry->sessions[1], &entry->sessions[0], entry->count * sizeof entry->sessions[0]);
    entry->sessions[0] = (struct saved_session){session, single_use, expires_at};
    entry->count++;
    pthread_mutex_unlock(&cache->lock);
}

void *tlsshim_session_cache_take(const struct tlsshim_session_peer *peer) {
    struct tlsshim_session_cache *cache = peer->cache;
    if (cache == NULL || peer->key[0] == '\0') return NULL;
    pthread_mutex_lock(&cache->lock);
    struct entry *entry = find(cache, peer->key);
    void *session = NULL;
    if (entry != NULL) {
        session = entry->sessions[0].session;
        if (entry->sessions[0].single_use) {
            // The caller inherits the cache's reference.
            memmove(&entry->sessions[0], &entry->sessions[1], (entry->count - 1) * sizeof entry->sessions[0]);
            entry->count--;
        } else {
            cache->ops->up_ref(session);
        }
        if (entry->count == 0) {
            remove_entry(cache, entry);
        } else {
            unlink_entry(cache, entry);
            push_front(cache, entry);
        }
    }
    pthread_mutex_unlock(&cache->lock);
    return session;
}

void tlsshim_session_cache_free(struct tlsshim_session_cache *cache) {
    if (cache == NULL) return;
    while (cache->head != NULL) remove_entry(cache, cache->head);
    pthread_mutex_destroy(&cache->lock);
    free(cache);
}
