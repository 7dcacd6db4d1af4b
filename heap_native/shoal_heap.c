/* shoal_heap.c -- one shared-memory region holding a hash table of
 * bytes -> bytes and a set of dependency edges, shared by a master process
 * and the workers it forks.
 *
 * One translation unit on purpose, though long: the hot path -- probe, publish,
 * read -- is static inline code the compiler specialises together.
 *
 * CONTRACT
 *
 * What it is: a region created by the master BEFORE it forks any worker,
 * from a memfd (or an unlinked shm_open file, never an anonymous mapping, so
 * a process started later can map it by descriptor), mapped MAP_SHARED |
 * MAP_NORESERVE. Everything inside is addressed by offsets, never pointers,
 * so a region is position independent.
 *
 * Hash table (key bytes -> value bytes; the full key is stored and compared):
 *   Concurrent adds:     SUPPORTED. The first writer wins, a loser's bytes
 *                        are counted as wasted. A key is never stored twice.
 *   Concurrent reads:    SUPPORTED. A read racing an add sees either nothing
 *                        or the whole value; readers never spin or wait.
 *   Removes, collect, clear, save, load: NOT CONCURRENT. Only the master may
 *                        run them, and only while no phase is open (checked:
 *                        SHOAL_ROLE). They move or drop bytes other processes
 *                        could be reading, and the phase protocol is what
 *                        guarantees nobody reads then.
 * Dependency table (a set of 32-bit dependency -> 32-bit dependent edges):
 *   Concurrent adds and reads: SUPPORTED, one CAS per edge.
 *   clear_deps, remove_dependents: master only, between phases.
 *
 * Why this is enough: a lost write costs only time (the value is recomputed),
 * and a writer killed at any instant leaves either nothing or unreachable
 * bytes -- publication is a single CAS of a slot word after the entry is
 * fully written (publish after write), so no slot is ever poisoned.
 *
 * No function here aborts, exits or prints: each returns a status. The
 * debug build (SHOAL_HEAP_DEBUG) traps on any out-of-bounds access.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "shoal_heap.h"

#define MAGIC 0x53484f414c484550ULL /* "SHOALHEP" */
#define PAGE 4096ULL
#define RESERVE_CHUNK (2ULL << 20) /* posix_fallocate granularity */
#define ALIGN8(x) (((x) + 7ULL) & ~7ULL)
#define ROUND_UP(x, a) (((x) + (a) - 1) / (a) * (a))
/* A packed ref keeps 39 bits of region offset: cap the region well below. */
#define MAX_REGION (1ULL << 38)

#ifdef SHOAL_HEAP_DEBUG
#define SHOAL_ASSERT(c) do { if (!(c)) __builtin_trap(); } while (0)
#else
#define SHOAL_ASSERT(c) do { (void)sizeof(c); } while (0)
#endif

/* ---- Region layout ------------------------------------------------------
 *
 *   0            info page (struct info)
 *   hash_off     hash_slots x 64-bit slot words
 *   dep_off      dep_slots x 64-bit edge words
 *   heap_off     heap_size bytes of bump-allocated entries
 *
 * Each section starts on a page boundary so the heap can be punched by page.
 * Every atomic counter sits on its own 64-byte line: workers hammer the heap
 * top and slot counters and must not false-share them with each other.
 */
struct info {
    uint64_t magic;
    uint32_t format_version;
    uint32_t reserved0;
    uint64_t region_size;
    uint64_t hash_off, hash_slots;
    uint64_t dep_off, dep_slots;
    uint64_t heap_off, heap_size;
    /* Invariant: reserved_top <= heap_size; [0, reserved_top) is backed by
     * posix_fallocate. Set at create, raised by reserve(), lowered by collect. */
    alignas(64) _Atomic uint64_t top;          /* may exceed heap_size after a failed alloc */
    alignas(64) _Atomic uint64_t used_slots;   /* LIVE + TOMBSTONE slots */
    alignas(64) _Atomic uint64_t live_slots;
    alignas(64) _Atomic uint64_t wasted_bytes;
    alignas(64) _Atomic uint64_t dep_count;
    alignas(64) _Atomic uint64_t master_pid;
    alignas(64) _Atomic uint64_t phase;        /* odd while a phase is open */
    alignas(64) _Atomic uint64_t epoch;
    alignas(64) _Atomic uint64_t live_bytes;
    alignas(64) _Atomic uint64_t reserved_top;
    /* Hash-slot CAS attempts lost to another writer (the slot is then re-read).
     * Touched only on that rare path; it lets the tests prove the race happened. */
    alignas(64) _Atomic uint64_t lost_cas;
};
_Static_assert(sizeof(struct info) <= PAGE, "info fits one page");

/* Slot word (0 = EMPTY):
 *
 *   63           40 39                        2 1   0
 *  +--------------+----------------------------+-----+
 *  | hash tag (24) | entry offset / 8 (38 bits) |state|
 *  +--------------+----------------------------+-----+
 *
 * State moves EMPTY -> LIVE (CAS by any writer) -> TOMBSTONE (master only);
 * only collect and clear turn slots back to EMPTY, outside any phase.
 */
#define ST_EMPTY 0ULL
#define ST_LIVE 1ULL
#define ST_TOMB 2ULL
#define SLOT_STATE(w) ((w) & 3ULL)
#define SLOT_OFF(w) ((((w) >> 2) & ((1ULL << 38) - 1)) << 3)
#define SLOT_TAG(w) ((w) >> 40)
#define HASH_TAG(hash) ((hash) >> 40)
#define MAKE_SLOT(hash, off, st) ((HASH_TAG(hash) << 40) | (((off) >> 3) << 2) | (st))

/* Entry header; key then value follow, padded with zeros to 8 bytes. */
struct entry {
    uint64_t hash;
    uint32_t klen;
    uint32_t vlen;
};
#define ENTRY_SIZE(klen, vlen) ALIGN8(sizeof(struct entry) + (uint64_t)(klen) + (uint64_t)(vlen))

struct shoal_heap {
    int fd;
    char *base;
    struct info *info;
    _Atomic uint64_t *slots;
    _Atomic uint64_t *deps;
    char *heap;
    uint64_t region_size, heap_size, hash_mask, dep_mask;
};

static uint32_t *stop_flag; /* process-local, see shoal_heap_attach_stop_flag */

/* ---- Bounds-checked access (checked in the debug build) ------------------ */

static inline _Atomic uint64_t *slot_at(shoal_heap_t *h, uint64_t i)
{
    SHOAL_ASSERT(i <= h->hash_mask);
    return &h->slots[i];
}

static inline _Atomic uint64_t *dep_at(shoal_heap_t *h, uint64_t i)
{
    SHOAL_ASSERT(i <= h->dep_mask);
    return &h->deps[i];
}

static inline char *heap_at(shoal_heap_t *h, uint64_t off, uint64_t len)
{
    SHOAL_ASSERT(off <= h->heap_size && len <= h->heap_size - off);
    return h->heap + off;
}

static inline struct entry *entry_at(shoal_heap_t *h, uint64_t off)
{
    return (struct entry *)heap_at(h, off, sizeof(struct entry));
}

/* ---- Hashing --------------------------------------------------------------- */

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

/* Keys are compared in full, so this hash needs spread, not cryptographic strength. */
static uint64_t hash_key(const char *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)n * 0xc2b2ae3d27d4eb4fULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = rotl64(h ^ (w * 0x87c37b91114253d5ULL), 31) * 0x4cf5ad432745937fULL;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, p, n);
        h = rotl64(h ^ (w * 0x87c37b91114253d5ULL), 31) * 0x4cf5ad432745937fULL;
    }
    h = mix64(h);
    return h;
}

static inline uint64_t hash_dep(uint32_t dependency)
{
    return mix64((uint64_t)dependency * 0x9e3779b97f4a7c15ULL);
}

/* 64-bit FNV-style checksum over 8-byte words; payload pieces are multiples of 8. */
static uint64_t checksum_words(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
    }
    return h;
}
#define CHECKSUM_SEED 0xcbf29ce484222325ULL

/* ---- Shared helpers -------------------------------------------------------- */

static inline int stopped(void)
{
    uint32_t *f = stop_flag;
    return f != NULL && __atomic_load_n(f, __ATOMIC_RELAXED) != 0;
}

#define ENTER(h)                                   \
    do {                                           \
        if ((h) == NULL) return SHOAL_INVALID;     \
        if (stopped()) return SHOAL_STOPPED;       \
    } while (0)

#define ENTER_I64(h)                               \
    do {                                           \
        if ((h) == NULL) return -SHOAL_INVALID;    \
        if (stopped()) return -SHOAL_STOPPED;      \
    } while (0)

static inline uint64_t ld(_Atomic uint64_t *p) { return atomic_load_explicit(p, memory_order_acquire); }
static inline void st(_Atomic uint64_t *p, uint64_t v) { atomic_store_explicit(p, v, memory_order_release); }
static inline void add(_Atomic uint64_t *p, uint64_t v) { atomic_fetch_add_explicit(p, v, memory_order_relaxed); }
static inline void sub(_Atomic uint64_t *p, uint64_t v) { atomic_fetch_sub_explicit(p, v, memory_order_relaxed); }

/* Named check for every master-only entry point: the master's pid, and no
 * phase open (workers may be reading the bytes this call would move). */
static shoal_status_t assert_master_between_phases(shoal_heap_t *h)
{
    if ((uint64_t)getpid() != ld(&h->info->master_pid)) return SHOAL_ROLE;
    if (ld(&h->info->phase) & 1ULL) return SHOAL_ROLE;
    return SHOAL_OK;
}

static inline uint64_t heap_top(shoal_heap_t *h)
{
    uint64_t t = ld(&h->info->top);
    return t < h->heap_size ? t : h->heap_size;
}

static inline int key_equal(shoal_heap_t *h, uint64_t off, uint64_t hash,
                            const char *key, size_t klen)
{
    struct entry *e = entry_at(h, off);
    return e->hash == hash && e->klen == klen
        && memcmp(heap_at(h, off + sizeof *e, klen), key, klen) == 0;
}

/* Probes the chain of hash for a LIVE slot holding key. Never waits: an
 * EMPTY slot ends the chain, tombstones and other keys are skipped. */
static int64_t find_live(shoal_heap_t *h, const char *key, size_t klen, uint64_t hash)
{
    uint64_t i = hash & h->hash_mask, tag = HASH_TAG(hash);
    for (uint64_t n = 0; n <= h->hash_mask; n++) {
        uint64_t w = ld(slot_at(h, i));
        if (w == ST_EMPTY) return -1;
        if (SLOT_STATE(w) == ST_LIVE && SLOT_TAG(w) == tag && key_equal(h, SLOT_OFF(w), hash, key, klen))
            return (int64_t)i;
        i = (i + 1) & h->hash_mask;
    }
    return -1;
}

/* Makes [0, end) of the heap backed by real pages, so a write past the
 * memory budget fails here with HEAP_FULL instead of SIGBUS later. */
static shoal_status_t reserve(shoal_heap_t *h, uint64_t end)
{
    uint64_t r = ld(&h->info->reserved_top);
    if (end <= r) return SHOAL_OK;
    uint64_t want = ROUND_UP(end, RESERVE_CHUNK);
    if (want > h->heap_size) want = h->heap_size;
    int err = posix_fallocate(h->fd, (off_t)(h->info->heap_off + r), (off_t)(want - r));
    if (err != 0) {
        errno = err;
        return err == ENOSPC || err == ENOMEM || err == EFBIG ? SHOAL_HEAP_FULL : SHOAL_IO;
    }
    while (r < want && !atomic_compare_exchange_weak(&h->info->reserved_top, &r, want)) {
    }
    return SHOAL_OK;
}

/* Bump allocation: one fetch_add. On overflow the top is rolled back when
 * nobody allocated after us, so one oversized value does not fill the heap. */
static shoal_status_t alloc_entry(shoal_heap_t *h, uint64_t size, uint64_t *off)
{
    uint64_t old = atomic_fetch_add(&h->info->top, size);
    if (old > h->heap_size || size > h->heap_size - old) {
        uint64_t expected = old + size;
        atomic_compare_exchange_strong(&h->info->top, &expected, old);
        return SHOAL_HEAP_FULL;
    }
    shoal_status_t s = reserve(h, old + size);
    if (s != SHOAL_OK) {
        add(&h->info->wasted_bytes, size);
        return s;
    }
    *off = old;
    return SHOAL_OK;
}

static void write_entry(shoal_heap_t *h, uint64_t off, uint64_t hash, const char *key,
                        size_t klen, const char *val, size_t vlen)
{
    uint64_t size = ENTRY_SIZE(klen, vlen);
    struct entry *e = entry_at(h, off);
    e->hash = hash;
    e->klen = (uint32_t)klen;
    e->vlen = (uint32_t)vlen;
    char *p = heap_at(h, off + sizeof *e, size - sizeof *e);
    memcpy(p, key, klen);
    memcpy(p + klen, val, vlen);
    memset(p + klen + vlen, 0, size - sizeof *e - klen - vlen);
}

/* Counter updates of one call, applied to the shared counters once at its end:
 * each shared counter is a cache line every writer process bounces, and one
 * add per call instead of three per entry is what lets adds scale. */
struct add_counts {
    uint64_t slots, live_bytes, wasted;
};

static void flush_counts(shoal_heap_t *h, struct add_counts *c)
{
    if (c->slots) {
        add(&h->info->used_slots, c->slots);
        add(&h->info->live_slots, c->slots);
    }
    if (c->live_bytes) add(&h->info->live_bytes, c->live_bytes);
    if (c->wasted) add(&h->info->wasted_bytes, c->wasted);
    c->slots = c->live_bytes = c->wasted = 0;
}

/* Publishes a fully written entry: ONE CAS on the first EMPTY slot of the
 * chain, re-reading the same slot after a failed CAS. Meeting a LIVE slot with
 * the same key first means another writer won: our bytes become waste. */
static shoal_status_t publish(shoal_heap_t *h, uint64_t hash, uint64_t off, uint64_t size,
                              const char *key, size_t klen, struct add_counts *c)
{
    uint64_t word = MAKE_SLOT(hash, off, ST_LIVE), tag = HASH_TAG(hash);
    uint64_t i = hash & h->hash_mask;
    for (uint64_t n = 0; n <= h->hash_mask;) {
        _Atomic uint64_t *slot = slot_at(h, i);
        uint64_t w = ld(slot);
        if (w == ST_EMPTY) {
            if (atomic_compare_exchange_strong_explicit(slot, &w, word, memory_order_acq_rel,
                                                        memory_order_acquire)) {
                c->slots++;
                c->live_bytes += size;
                return SHOAL_OK;
            }
            add(&h->info->lost_cas, 1);
            continue; /* w changed under us: examine the same slot again */
        }
        if (SLOT_STATE(w) == ST_LIVE && SLOT_TAG(w) == tag && key_equal(h, SLOT_OFF(w), hash, key, klen)) {
            c->wasted += size;
            return SHOAL_EXISTS;
        }
        i = (i + 1) & h->hash_mask;
        n++;
    }
    c->wasted += size;
    return SHOAL_HASH_TABLE_FULL;
}

static shoal_status_t add_one(shoal_heap_t *h, const char *key, size_t klen,
                              const char *val, size_t vlen, struct add_counts *c)
{
    if (klen > UINT32_MAX || vlen > UINT32_MAX) return SHOAL_VALUE_TOO_LARGE;
    uint64_t size = ENTRY_SIZE(klen, vlen);
    if (size > h->heap_size) return SHOAL_VALUE_TOO_LARGE;
    uint64_t hash = hash_key(key, klen);
    /* Cheap pre-check: an existing key costs no allocation. */
    if (find_live(h, key, klen, hash) >= 0) return SHOAL_EXISTS;
    if (ld(&h->info->used_slots) + c->slots > h->hash_mask) return SHOAL_HASH_TABLE_FULL;
    uint64_t off;
    shoal_status_t s = alloc_entry(h, size, &off);
    if (s != SHOAL_OK) return s;
    write_entry(h, off, hash, key, klen, val, vlen);
    return publish(h, hash, off, size, key, klen, c);
}

/* add_many takes its space in runs: one fetch_add on the heap top for up to
 * RUN_ITEMS new entries (RUN_BYTES at most), laid out back to back exactly as
 * single adds would be, so collect, verify and snapshots see the same layout. */
#define RUN_ITEMS 64
#define RUN_BYTES (64U << 10)

/* One run of add_many starting at item i: keys not yet in the table get one
 * allocation, then are written and published in order. *done is advanced
 * past every item handled; a failure stops at the item it concerns. */
static shoal_status_t add_run(shoal_heap_t *h, const char **keys, const uint32_t *klens,
                              const char **vals, const uint32_t *vlens, size_t i, size_t n,
                              uint8_t *stored, size_t *done, struct add_counts *c)
{
    uint64_t hashes[RUN_ITEMS], sizes[RUN_ITEMS];
    const char *kp = *keys, *vp = *vals;
    uint64_t total = 0, fresh = 0;
    size_t j = i;
    for (; j < n && j - i < RUN_ITEMS; j++) {
        uint64_t size = ENTRY_SIZE(klens[j], vlens[j]);
        if (size > h->heap_size) {
            if (j == i) return SHOAL_VALUE_TOO_LARGE;
            break; /* the run ends before it; the next run reports it */
        }
        hashes[j - i] = hash_key(kp, klens[j]);
        sizes[j - i] = find_live(h, kp, klens[j], hashes[j - i]) >= 0 ? 0 : size;
        if (sizes[j - i] && fresh && total + size > RUN_BYTES) break;
        total += sizes[j - i];
        fresh += sizes[j - i] != 0;
        kp += klens[j];
        vp += vlens[j];
    }
    uint64_t off = 0;
    if (fresh > 1) {
        if (ld(&h->info->used_slots) + c->slots + fresh > h->hash_mask
            || alloc_entry(h, total, &off) != SHOAL_OK) {
            /* Near a limit: one item at a time, so exactly what fits is stored and
             * the error names the item that does not. */
            fresh = 0;
            j = i + 1;
        }
    } else {
        fresh = 0; /* at most one new entry: add_one is as cheap */
    }
    kp = *keys;
    vp = *vals;
    for (size_t k = i; k < j; k++) {
        shoal_status_t s;
        if (!fresh) {
            s = add_one(h, kp, klens[k], vp, vlens[k], c);
        } else if (sizes[k - i] == 0) {
            s = SHOAL_EXISTS;
        } else {
            write_entry(h, off, hashes[k - i], kp, klens[k], vp, vlens[k]);
            s = publish(h, hashes[k - i], off, sizes[k - i], kp, klens[k], c);
            off += sizes[k - i];
            if (s == SHOAL_HASH_TABLE_FULL) {
                for (size_t r = k + 1; r < j; r++) c->wasted += sizes[r - i];
            }
        }
        if (s != SHOAL_OK && s != SHOAL_EXISTS) return s;
        stored[k] = s == SHOAL_OK;
        kp += klens[k];
        vp += vlens[k];
        *done = k + 1;
    }
    *keys = kp;
    *vals = vp;
    return SHOAL_OK;
}

/* ---- Dependency table ------------------------------------------------------
 * Edge word: dependency << 32 | dependent; 0 is EMPTY (ids are nonzero).
 * Every edge of a dependency starts probing at hash_dep(dependency), so the
 * chain from there to the first EMPTY slot holds all of them. */

static shoal_status_t dep_insert(shoal_heap_t *h, uint32_t dependency, uint32_t dependent)
{
    if (dependency == 0 || dependent == 0) return SHOAL_INVALID;
    uint64_t edge = ((uint64_t)dependency << 32) | dependent;
    uint64_t i = hash_dep(dependency) & h->dep_mask;
    for (uint64_t n = 0; n <= h->dep_mask;) {
        _Atomic uint64_t *slot = dep_at(h, i);
        uint64_t w = ld(slot);
        if (w == edge) return SHOAL_OK;
        if (w == 0) {
            if (atomic_compare_exchange_strong(slot, &w, edge)) {
                add(&h->info->dep_count, 1);
                return SHOAL_OK;
            }
            continue;
        }
        i = (i + 1) & h->dep_mask;
        n++;
    }
    return SHOAL_DEP_TABLE_FULL;
}

/* ---- Initialization & connection ------------------------------------------- */

static int open_region_fd(void)
{
    int fd = memfd_create("shoal_heap", MFD_CLOEXEC);
    if (fd >= 0) return fd;
    /* Fallback for kernels without memfd: an shm file unlinked at once. */
    static _Atomic unsigned counter;
    char name[64];
    for (int attempt = 0; attempt < 16; attempt++) {
        snprintf(name, sizeof name, "/shoal-%ld-%u", (long)getpid(), atomic_fetch_add(&counter, 1));
        fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            shm_unlink(name);
            return fd;
        }
        if (errno != EEXIST) break;
    }
    return -1;
}

static shoal_status_t map_region(int fd, uint64_t size, shoal_heap_t **out)
{
    shoal_heap_t *h = calloc(1, sizeof *h);
    if (h == NULL) return SHOAL_NOMEM;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
    if (p == MAP_FAILED) {
        free(h);
        return SHOAL_IO;
    }
    h->fd = fd;
    h->base = p;
    h->info = p;
    h->region_size = size;
    *out = h;
    return SHOAL_OK;
}

static void bind_sections(shoal_heap_t *h)
{
    struct info *info = h->info;
    h->slots = (_Atomic uint64_t *)(h->base + info->hash_off);
    h->deps = (_Atomic uint64_t *)(h->base + info->dep_off);
    h->heap = h->base + info->heap_off;
    h->heap_size = info->heap_size;
    h->hash_mask = info->hash_slots - 1;
    h->dep_mask = info->dep_slots - 1;
}

static int is_pow2(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

shoal_status_t shoal_heap_create(uint64_t heap_size, uint64_t hash_slots,
                                 uint64_t dep_slots, shoal_heap_t **out)
{
    if (out == NULL || !is_pow2(hash_slots) || !is_pow2(dep_slots) || heap_size == 0)
        return SHOAL_INVALID;
    if (hash_slots > (1ULL << 32) || dep_slots > (1ULL << 32) || heap_size > MAX_REGION)
        return SHOAL_INVALID;
    heap_size = ROUND_UP(heap_size, PAGE);
    uint64_t hash_off = PAGE;
    uint64_t dep_off = hash_off + ROUND_UP(hash_slots * 8, PAGE);
    uint64_t heap_off = dep_off + ROUND_UP(dep_slots * 8, PAGE);
    uint64_t total = heap_off + heap_size;
    if (total > MAX_REGION) return SHOAL_INVALID;

    int fd = open_region_fd();
    if (fd < 0) return errno == ENOSYS ? SHOAL_UNSUPPORTED : SHOAL_IO;
    if (ftruncate(fd, (off_t)total) != 0) {
        close(fd);
        return SHOAL_IO;
    }
    /* The tables are written from the first add on: back them now. */
    int err = posix_fallocate(fd, 0, (off_t)heap_off);
    if (err != 0) {
        close(fd);
        errno = err;
        return err == ENOSPC || err == ENOMEM ? SHOAL_HEAP_FULL : SHOAL_IO;
    }
    shoal_heap_t *h;
    shoal_status_t s = map_region(fd, total, &h);
    if (s != SHOAL_OK) {
        close(fd);
        return s;
    }
    struct info *info = h->info;
    info->magic = MAGIC;
    info->format_version = SHOAL_FORMAT_VERSION;
    info->region_size = total;
    info->hash_off = hash_off;
    info->hash_slots = hash_slots;
    info->dep_off = dep_off;
    info->dep_slots = dep_slots;
    info->heap_off = heap_off;
    info->heap_size = heap_size;
    st(&info->master_pid, (uint64_t)getpid());
    bind_sections(h);
    *out = h;
    return SHOAL_OK;
}

shoal_status_t shoal_heap_attach(int fd, shoal_heap_t **out)
{
    if (out == NULL || fd < 0) return SHOAL_INVALID;
    struct stat sb;
    if (fstat(fd, &sb) != 0) return SHOAL_IO;
    if ((uint64_t)sb.st_size < PAGE) return SHOAL_INVALID;
    int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (own < 0) return SHOAL_IO;
    shoal_heap_t *h;
    shoal_status_t s = map_region(own, (uint64_t)sb.st_size, &h);
    if (s != SHOAL_OK) {
        close(own);
        return s;
    }
    if (h->info->magic != MAGIC || h->info->format_version != SHOAL_FORMAT_VERSION
        || h->info->region_size != (uint64_t)sb.st_size) {
        shoal_heap_close(h);
        return SHOAL_INVALID;
    }
    bind_sections(h);
    *out = h;
    return SHOAL_OK;
}

shoal_status_t shoal_heap_close(shoal_heap_t *h)
{
    if (h == NULL) return SHOAL_INVALID;
    munmap(h->base, h->region_size);
    close(h->fd);
    free(h);
    return SHOAL_OK;
}

int shoal_heap_fd(shoal_heap_t *h) { return h ? h->fd : -1; }
char *shoal_heap_base(shoal_heap_t *h) { return h ? h->base : NULL; }
uint64_t shoal_heap_region_size(shoal_heap_t *h) { return h ? h->region_size : 0; }
void shoal_heap_attach_stop_flag(uint32_t *flag) { stop_flag = flag; }

/* ---- Hashtable operations ---------------------------------------------------- */

shoal_status_t shoal_heap_add(shoal_heap_t *h, const char *key, size_t klen,
                              const char *val, size_t vlen)
{
    ENTER(h);
    struct add_counts c = {0, 0, 0};
    shoal_status_t s = add_one(h, key, klen, val, vlen, &c);
    flush_counts(h, &c);
    return s;
}

shoal_status_t shoal_heap_add_many(shoal_heap_t *h, const char *keys,
                                   const uint32_t *klens, const char *vals,
                                   const uint32_t *vlens, size_t n,
                                   uint8_t *stored, size_t *done)
{
    *done = 0;
    ENTER(h);
    struct add_counts c = {0, 0, 0};
    shoal_status_t s = SHOAL_OK;
    while (*done < n && s == SHOAL_OK)
        s = add_run(h, &keys, klens, &vals, vlens, *done, n, stored, done, &c);
    flush_counts(h, &c);
    return s;
}

static inline int64_t ref_of(shoal_heap_t *h, int64_t slot)
{
    if (slot < 0) return -SHOAL_NOT_FOUND;
    uint64_t off = SLOT_OFF(ld(slot_at(h, (uint64_t)slot)));
    struct entry *e = entry_at(h, off);
    if (e->vlen >= (1U << SHOAL_REF_LEN_BITS)) return -SHOAL_LARGE;
    uint64_t voff = h->info->heap_off + off + sizeof *e + e->klen;
    SHOAL_ASSERT(voff + e->vlen <= h->region_size);
    return (int64_t)((voff << SHOAL_REF_LEN_BITS) | e->vlen);
}

int64_t shoal_heap_get_ref(shoal_heap_t *h, const char *key, size_t klen)
{
    ENTER_I64(h);
    return ref_of(h, find_live(h, key, klen, hash_key(key, klen)));
}

int64_t shoal_heap_get_many(shoal_heap_t *h, const char *keys,
                            const uint32_t *klens, size_t n, int64_t *refs)
{
    ENTER_I64(h);
    int64_t large = 0;
    for (size_t i = 0; i < n; i++) {
        refs[i] = ref_of(h, find_live(h, keys, klens[i], hash_key(keys, klens[i])));
        large += refs[i] == -SHOAL_LARGE;
        keys += klens[i];
    }
    return large;
}

shoal_status_t shoal_heap_get_locate(shoal_heap_t *h, const char *key, size_t klen,
                                     uint64_t *out)
{
    ENTER(h);
    int64_t slot = find_live(h, key, klen, hash_key(key, klen));
    if (slot < 0) return SHOAL_NOT_FOUND;
    uint64_t off = SLOT_OFF(ld(slot_at(h, (uint64_t)slot)));
    struct entry *e = entry_at(h, off);
    out[0] = h->info->heap_off + off + sizeof *e + e->klen;
    out[1] = e->vlen;
    return SHOAL_OK;
}

int64_t shoal_heap_contains(shoal_heap_t *h, const char *key, size_t klen)
{
    ENTER_I64(h);
    return find_live(h, key, klen, hash_key(key, klen)) >= 0;
}

/* ---- Dependency table ---------------------------------------------------------- */

shoal_status_t shoal_heap_add_dep(shoal_heap_t *h, uint32_t dependency, uint32_t dependent)
{
    ENTER(h);
    return dep_insert(h, dependency, dependent);
}

shoal_status_t shoal_heap_add_deps(shoal_heap_t *h, const uint32_t *pairs, size_t n,
                                   size_t *done)
{
    *done = 0;
    ENTER(h);
    for (size_t i = 0; i < n; i++) {
        shoal_status_t s = dep_insert(h, pairs[2 * i], pairs[2 * i + 1]);
        if (s != SHOAL_OK) return s;
        *done = i + 1;
    }
    return SHOAL_OK;
}

shoal_status_t shoal_heap_get_deps(shoal_heap_t *h, uint32_t dependency, uint32_t *out,
                                   size_t cap, size_t *count)
{
    *count = 0;
    ENTER(h);
    if (dependency == 0) return SHOAL_INVALID;
    size_t found = 0;
    uint64_t i = hash_dep(dependency) & h->dep_mask;
    for (uint64_t n = 0; n <= h->dep_mask; n++) {
        uint64_t w = ld(dep_at(h, i));
        if (w == 0) break;
        if ((uint32_t)(w >> 32) == dependency) {
            if (found < cap) out[found] = (uint32_t)w;
            found++;
        }
        i = (i + 1) & h->dep_mask;
    }
    *count = found;
    return found > cap ? SHOAL_BUFFER_SMALL : SHOAL_OK;
}

shoal_status_t shoal_heap_get_deps_many(shoal_heap_t *h, const uint32_t *deps, size_t n,
                                        uint32_t *out, size_t cap, uint32_t *counts,
                                        size_t *total)
{
    *total = 0;
    ENTER(h);
    for (size_t k = 0; k < n; k++)
        if (deps[k] == 0) return SHOAL_INVALID;
    /* One call for a view's tens of thousands of keys: the per-call cost of the Python
     * boundary, not the probes, was what the view build paid. */
    size_t written = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t found = 0;
        uint64_t i = hash_dep(deps[k]) & h->dep_mask;
        for (uint64_t probe = 0; probe <= h->dep_mask; probe++) {
            uint64_t w = ld(dep_at(h, i));
            if (w == 0) break;
            if ((uint32_t)(w >> 32) == deps[k]) {
                if (written < cap) out[written] = (uint32_t)w;
                written++;
                found++;
            }
            i = (i + 1) & h->dep_mask;
        }
        counts[k] = found;
    }
    *total = written;
    return written > cap ? SHOAL_BUFFER_SMALL : SHOAL_OK;
}

/* ---- Phases ------------------------------------------------------------------------ */

shoal_status_t shoal_heap_phase_open(shoal_heap_t *h)
{
    ENTER(h);
    if ((uint64_t)getpid() != ld(&h->info->master_pid)) return SHOAL_ROLE;
    uint64_t p = ld(&h->info->phase);
    if (p & 1ULL) return SHOAL_INVALID; /* phases do not nest */
    st(&h->info->phase, p + 1);
    return SHOAL_OK;
}

shoal_status_t shoal_heap_phase_close(shoal_heap_t *h)
{
    if (h == NULL) return SHOAL_INVALID;
    /* No stop check: closing a phase must work while a stop is requested. */
    if ((uint64_t)getpid() != ld(&h->info->master_pid)) return SHOAL_ROLE;
    uint64_t p = ld(&h->info->phase);
    if (!(p & 1ULL)) return SHOAL_INVALID;
    st(&h->info->phase, p + 1);
    return SHOAL_OK;
}

int64_t shoal_heap_epoch(shoal_heap_t *h)
{
    ENTER_I64(h);
    return (int64_t)(ld(&h->info->epoch) & INT64_MAX);
}

shoal_status_t shoal_heap_stats(shoal_heap_t *h, shoal_stats_t *out)
{
    ENTER(h);
    struct info *info = h->info;
    out->heap_capacity = h->heap_size;
    out->used_bytes = heap_top(h);
    out->live_bytes = ld(&info->live_bytes);
    out->wasted_bytes = ld(&info->wasted_bytes);
    out->hash_capacity = h->hash_mask + 1;
    out->used_slots = ld(&info->used_slots);
    out->live_slots = ld(&info->live_slots);
    out->dep_capacity = h->dep_mask + 1;
    out->dep_edges = ld(&info->dep_count);
    out->epoch = ld(&info->epoch);
    out->phase_counter = ld(&info->phase);
    out->master_pid = ld(&info->master_pid);
    out->region_bytes = h->region_size;
    out->lost_cas = ld(&info->lost_cas);
    return SHOAL_OK;
}

/* ---- Master only, between phases --------------------------------------------------- */

#define MASTER_ONLY(h)                                          \
    do {                                                        \
        ENTER(h);                                               \
        shoal_status_t role_ = assert_master_between_phases(h); \
        if (role_ != SHOAL_OK) return role_;                    \
    } while (0)

static void bump_epoch(shoal_heap_t *h) { add(&h->info->epoch, 1); }

shoal_status_t shoal_heap_remove(shoal_heap_t *h, const char *key, size_t klen)
{
    MASTER_ONLY(h);
    uint64_t hash = hash_key(key, klen);
    int64_t slot = find_live(h, key, klen, hash);
    if (slot < 0) return SHOAL_NOT_FOUND;
    _Atomic uint64_t *p = slot_at(h, (uint64_t)slot);
    uint64_t w = ld(p);
    struct entry *e = entry_at(h, SLOT_OFF(w));
    uint64_t size = ENTRY_SIZE(e->klen, e->vlen);
    st(p, (w & ~3ULL) | ST_TOMB);
    sub(&h->info->live_slots, 1);
    sub(&h->info->live_bytes, size);
    add(&h->info->wasted_bytes, size);
    bump_epoch(h);
    return SHOAL_OK;
}

/* Gives [from, heap_size) back to the OS. MADV_DONTNEED would not free
 * memfd pages; PUNCH_HOLE does (MADV_REMOVE is the fallback). */
static void release_tail(shoal_heap_t *h, uint64_t from)
{
    from = ROUND_UP(from, PAGE);
    uint64_t to = ld(&h->info->reserved_top);
    if (to > h->heap_size) to = h->heap_size;
    if (from < to) {
        if (fallocate(h->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                      (off_t)(h->info->heap_off + from), (off_t)(to - from)) != 0)
            madvise(h->heap + from, to - from, MADV_REMOVE);
    }
    /* Invariant restored: [0, reserved_top) is backed. */
    st(&h->info->reserved_top, from < to ? from : to);
}

struct live_ref {
    uint64_t off;
    uint64_t hash;
};

static int cmp_live_ref(const void *a, const void *b)
{
    uint64_t x = ((const struct live_ref *)a)->off, y = ((const struct live_ref *)b)->off;
    return x < y ? -1 : x > y;
}

/* Collects the LIVE slots' (offset, hash) sorted by offset; *n = count. */
static shoal_status_t gather_live(shoal_heap_t *h, struct live_ref **out, uint64_t *n)
{
    uint64_t cap = ld(&h->info->live_slots) + 1, k = 0;
    struct live_ref *v = malloc(cap * sizeof *v);
    if (v == NULL) return SHOAL_NOMEM;
    for (uint64_t i = 0; i <= h->hash_mask; i++) {
        uint64_t w = ld(slot_at(h, i));
        if (SLOT_STATE(w) != ST_LIVE) continue;
        if (k == cap) {
            cap *= 2;
            struct live_ref *nv = realloc(v, cap * sizeof *v);
            if (nv == NULL) {
                free(v);
                return SHOAL_NOMEM;
            }
            v = nv;
        }
        v[k].off = SLOT_OFF(w);
        v[k].hash = entry_at(h, v[k].off)->hash;
        k++;
    }
    qsort(v, k, sizeof *v, cmp_live_ref);
    *out = v;
    *n = k;
    return SHOAL_OK;
}

/* Rebuilds the hash table from scratch: every LIVE entry at its new offset,
 * no tombstones (hh_shared never reclaims them). Keys are unique already. */
static void rebuild_table(shoal_heap_t *h, const struct live_ref *v, uint64_t n)
{
    memset((void *)h->slots, 0, (h->hash_mask + 1) * 8);
    for (uint64_t k = 0; k < n; k++) {
        uint64_t i = v[k].hash & h->hash_mask;
        while (ld(slot_at(h, i)) != ST_EMPTY) i = (i + 1) & h->hash_mask;
        st(slot_at(h, i), MAKE_SLOT(v[k].hash, v[k].off, ST_LIVE));
    }
}

shoal_status_t shoal_heap_collect(shoal_heap_t *h, uint64_t *reclaimed)
{
    *reclaimed = 0;
    MASTER_ONLY(h);
    struct live_ref *v;
    uint64_t n;
    shoal_status_t s = gather_live(h, &v, &n);
    if (s != SHOAL_OK) return s;
    uint64_t old_top = heap_top(h), dst = 0;
    /* Sorted by offset, so sliding down never overwrites an unmoved entry. */
    for (uint64_t k = 0; k < n; k++) {
        struct entry *e = entry_at(h, v[k].off);
        uint64_t size = ENTRY_SIZE(e->klen, e->vlen);
        if (dst != v[k].off) memmove(heap_at(h, dst, size), heap_at(h, v[k].off, size), size);
        v[k].off = dst;
        dst += size;
    }
    rebuild_table(h, v, n);
    free(v);
    struct info *info = h->info;
    st(&info->top, dst);
    st(&info->used_slots, n);
    st(&info->live_slots, n);
    st(&info->live_bytes, dst);
    st(&info->wasted_bytes, 0);
    release_tail(h, dst);
    bump_epoch(h);
    *reclaimed = old_top - dst;
    return SHOAL_OK;
}

static void reset_all(shoal_heap_t *h)
{
    struct info *info = h->info;
    memset((void *)h->slots, 0, (h->hash_mask + 1) * 8);
    memset((void *)h->deps, 0, (h->dep_mask + 1) * 8);
    st(&info->top, 0);
    st(&info->used_slots, 0);
    st(&info->live_slots, 0);
    st(&info->live_bytes, 0);
    st(&info->wasted_bytes, 0);
    st(&info->dep_count, 0);
    release_tail(h, 0);
}

shoal_status_t shoal_heap_clear(shoal_heap_t *h)
{
    MASTER_ONLY(h);
    reset_all(h);
    bump_epoch(h);
    return SHOAL_OK;
}

shoal_status_t shoal_heap_clear_deps(shoal_heap_t *h)
{
    MASTER_ONLY(h);
    memset((void *)h->deps, 0, (h->dep_mask + 1) * 8);
    st(&h->info->dep_count, 0);
    bump_epoch(h);
    return SHOAL_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Whether the edge at slot j, whose chain starts at home, may move back to the hole at i:
 * it may unless home lies cyclically in (i, j] (then the move would put it before its
 * chain's start, where a lookup from home never looks). */
static inline int may_fill(uint64_t home, uint64_t i, uint64_t j)
{
    return i <= j ? (home <= i || home > j) : (home <= i && home > j);
}

/* Empty slot i by backward shift (linear probing): the later edges of its cluster that
 * may move back do, so every chain stays unbroken. */
static void dep_delete_at(shoal_heap_t *h, uint64_t i)
{
    uint64_t hole = i, j = i, mask = h->dep_mask;
    for (;;) {
        j = (j + 1) & mask;
        if (j == hole) break; /* a full table: around once */
        uint64_t moved = ld(dep_at(h, j));
        if (moved == 0) break;
        uint64_t home = hash_dep((uint32_t)(moved >> 32)) & mask;
        if (may_fill(home, hole, j)) {
            st(dep_at(h, hole), moved);
            hole = j;
        }
    }
    st(dep_at(h, hole), 0);
}

static void dep_count_down(shoal_heap_t *h, uint64_t removed)
{
    /* Saturating: a worker killed between an edge's CAS and its count leaves the counter
     * one short (see shoal_verify), and removing that edge must not wrap it. */
    uint64_t c = ld(&h->info->dep_count);
    while (!atomic_compare_exchange_weak(&h->info->dep_count, &c, c > removed ? c - removed : 0)) {
    }
}

shoal_status_t shoal_heap_remove_deps(shoal_heap_t *h, const uint32_t *pairs, size_t n)
{
    MASTER_ONLY(h);
    /* Each edge is looked up from its dependency's home slot, as dep_insert placed it:
     * the cost is the named edges' chains, not the table (remove_dependents scans it). */
    uint64_t removed = 0, mask = h->dep_mask;
    for (size_t k = 0; k < n; k++) {
        uint32_t dependency = pairs[2 * k], dependent = pairs[2 * k + 1];
        if (dependency == 0 || dependent == 0) continue;
        uint64_t edge = ((uint64_t)dependency << 32) | dependent;
        uint64_t i = hash_dep(dependency) & mask;
        for (uint64_t probes = 0; probes <= mask; probes++) {
            uint64_t w = ld(dep_at(h, i));
            if (w == 0) break;
            if (w == edge) {
                dep_delete_at(h, i);
                removed++;
                break;
            }
            i = (i + 1) & mask;
        }
    }
    if (removed) dep_count_down(h, removed);
    bump_epoch(h);
    return SHOAL_OK;
}

shoal_status_t shoal_heap_remove_dependents(shoal_heap_t *h, const uint32_t *ids, size_t n)
{
    MASTER_ONLY(h);
    if (n == 0) return SHOAL_OK;
    uint32_t *sorted = malloc(n * sizeof *sorted);
    if (sorted == NULL) return SHOAL_NOMEM;
    memcpy(sorted, ids, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_u32);
    /* Deletion by backward shift (linear probing): the later edges of the hole's cluster
     * move back so every chain stays unbroken. The table is scanned once and only the
     * removed edges cost a shift: a recheck of one module no longer rebuilds the whole
     * table (it used to be cleared and every kept edge inserted again). A slot a shift
     * filled is examined again before the scan moves on; an edge moved from a wrapped
     * position was already examined and kept. */
    uint64_t removed = 0, mask = h->dep_mask;
    for (uint64_t i = 0; i <= mask;) {
        uint64_t w = ld(dep_at(h, i));
        uint32_t dependent = (uint32_t)w;
        if (w == 0 || bsearch(&dependent, sorted, n, sizeof *sorted, cmp_u32) == NULL) {
            i++;
            continue;
        }
        dep_delete_at(h, i);
        removed++;
        /* slot i now holds whatever moved into it (or is empty): examine it again */
    }
    if (removed) dep_count_down(h, removed);
    free(sorted);
    bump_epoch(h);
    return SHOAL_OK;
}

/* ---- Snapshot ------------------------------------------------------------------------
 * File: a 128-byte header, then the live entries back to back (compacted,
 * each padded to 8 bytes), then n_edges 64-bit edge words. The checksum
 * covers everything after the header; header_check covers the header. */

#define SNAP_MAGIC "SHOALSNP"

struct snap_header {
    char magic[8];
    uint32_t format_version;
    uint32_t header_size;
    char version[32];
    uint64_t n_entries, entries_bytes, n_edges;
    uint64_t heap_size, hash_slots, dep_slots;
    uint64_t checksum;
    uint64_t header_check;
    uint64_t reserved[2];
};
_Static_assert(sizeof(struct snap_header) == 128, "fixed snapshot header");

static shoal_status_t fail(char *msg, size_t cap, shoal_status_t s, const char *reason)
{
    if (msg != NULL && cap > 0) snprintf(msg, cap, "%s", reason);
    return s;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n > 0) {
        ssize_t r = read(fd, c, n);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (r == 0) return -2;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

static uint64_t header_check(const struct snap_header *hd)
{
    return checksum_words(CHECKSUM_SEED, (const char *)hd, offsetof(struct snap_header, header_check));
}

shoal_status_t shoal_heap_save(shoal_heap_t *h, const char *path, const char *version,
                               char *msg, size_t msgcap)
{
    MASTER_ONLY(h);
    if (strlen(version) > SHOAL_VERSION_MAX) return fail(msg, msgcap, SHOAL_INVALID, "version string too long");
    struct live_ref *v;
    uint64_t n;
    shoal_status_t s = gather_live(h, &v, &n);
    if (s != SHOAL_OK) return s;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        free(v);
        return fail(msg, msgcap, SHOAL_IO, "cannot open the snapshot file for writing");
    }
    struct snap_header hd;
    memset(&hd, 0, sizeof hd);
    int bad = write_all(fd, &hd, sizeof hd);
    uint64_t sum = CHECKSUM_SEED, bytes = 0;
    for (uint64_t k = 0; k < n && !bad; k++) {
        struct entry *e = entry_at(h, v[k].off);
        uint64_t size = ENTRY_SIZE(e->klen, e->vlen);
        const char *p = heap_at(h, v[k].off, size);
        sum = checksum_words(sum, p, size);
        bad = write_all(fd, p, size);
        bytes += size;
    }
    free(v);
    uint64_t edges = 0;
    for (uint64_t i = 0; i <= h->dep_mask && !bad; i++) {
        uint64_t w = ld(dep_at(h, i));
        if (w == 0) continue;
        sum = checksum_words(sum, (const char *)&w, 8);
        bad = write_all(fd, &w, 8);
        edges++;
    }
    memcpy(hd.magic, SNAP_MAGIC, 8);
    hd.format_version = SHOAL_FORMAT_VERSION;
    hd.header_size = sizeof hd;
    memcpy(hd.version, version, strlen(version));
    hd.n_entries = n;
    hd.entries_bytes = bytes;
    hd.n_edges = edges;
    hd.heap_size = h->heap_size;
    hd.hash_slots = h->hash_mask + 1;
    hd.dep_slots = h->dep_mask + 1;
    hd.checksum = sum;
    hd.header_check = header_check(&hd);
    if (!bad) bad = pwrite(fd, &hd, sizeof hd, 0) != (ssize_t)sizeof hd;
    if (!bad) bad = fsync(fd) != 0;
    if (close(fd) != 0) bad = 1;
    return bad ? fail(msg, msgcap, SHOAL_IO, "writing the snapshot file failed") : SHOAL_OK;
}

/* Opens path and validates its header against the file's size and version. */
static shoal_status_t open_snapshot(const char *path, const char *version,
                                    struct snap_header *hd, int *fdp, char *msg, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(msg, cap, SHOAL_IO, "cannot open the snapshot file");
    struct stat sb;
    shoal_status_t s = SHOAL_OK;
    int r = read_all(fd, hd, sizeof *hd);
    if (r == -1 || fstat(fd, &sb) != 0)
        s = fail(msg, cap, SHOAL_IO, "cannot read the snapshot file");
    else if (r == -2)
        s = fail(msg, cap, SHOAL_SNAPSHOT, "truncated: shorter than the snapshot header");
    else if (memcmp(hd->magic, SNAP_MAGIC, 8) != 0)
        s = fail(msg, cap, SHOAL_SNAPSHOT, "not a shoal heap snapshot (bad magic)");
    else if (hd->format_version != SHOAL_FORMAT_VERSION || hd->header_size != sizeof *hd)
        s = fail(msg, cap, SHOAL_SNAPSHOT, "snapshot format version mismatch");
    else if (hd->header_check != header_check(hd))
        s = fail(msg, cap, SHOAL_SNAPSHOT, "corrupt: header checksum mismatch");
    else if (strncmp(hd->version, version, sizeof hd->version) != 0 || strlen(version) > SHOAL_VERSION_MAX)
        s = fail(msg, cap, SHOAL_SNAPSHOT, "written by another shoal version");
    else if (hd->entries_bytes > MAX_REGION || hd->n_edges > MAX_REGION / 8
             || (uint64_t)sb.st_size != sizeof *hd + hd->entries_bytes + hd->n_edges * 8)
        s = fail(msg, cap, SHOAL_SNAPSHOT,
                 (uint64_t)sb.st_size < sizeof *hd + hd->entries_bytes + hd->n_edges * 8
                     ? "truncated: shorter than its header says"
                     : "corrupt: size does not match its header");
    if (s != SHOAL_OK) {
        close(fd);
        return s;
    }
    *fdp = fd;
    return SHOAL_OK;
}

shoal_status_t shoal_heap_snapshot_info(const char *path, const char *version,
                                        shoal_snapshot_info_t *out, char *msg, size_t msgcap)
{
    if (stopped()) return SHOAL_STOPPED;
    struct snap_header hd;
    int fd;
    shoal_status_t s = open_snapshot(path, version, &hd, &fd, msg, msgcap);
    if (s != SHOAL_OK) return s;
    close(fd);
    out->heap_size = hd.heap_size;
    out->hash_slots = hd.hash_slots;
    out->dep_slots = hd.dep_slots;
    out->n_entries = hd.n_entries;
    out->entries_bytes = hd.entries_bytes;
    out->n_edges = hd.n_edges;
    return SHOAL_OK;
}

static shoal_status_t load_body(shoal_heap_t *h, int fd, const struct snap_header *hd,
                                char *msg, size_t cap)
{
    char why[160];
    if (hd->entries_bytes > h->heap_size) {
        snprintf(why, sizeof why, "needs %llu heap bytes, this heap has %llu",
                 (unsigned long long)hd->entries_bytes, (unsigned long long)h->heap_size);
        return fail(msg, cap, SHOAL_HEAP_FULL, why);
    }
    if (hd->n_entries > h->hash_mask + 1) return fail(msg, cap, SHOAL_HASH_TABLE_FULL, "too many entries for the hash table");
    if (hd->n_edges > h->dep_mask + 1) return fail(msg, cap, SHOAL_DEP_TABLE_FULL, "too many edges for the dependency table");
    shoal_status_t s = reserve(h, hd->entries_bytes);
    if (s != SHOAL_OK) return fail(msg, cap, s, "cannot reserve memory for the snapshot");
    char *p = heap_at(h, 0, hd->entries_bytes);
    if (read_all(fd, p, hd->entries_bytes) != 0) return fail(msg, cap, SHOAL_SNAPSHOT, "truncated entries");
    uint64_t sum = checksum_words(CHECKSUM_SEED, p, hd->entries_bytes);
    uint64_t *edges = malloc((hd->n_edges + 1) * 8);
    if (edges == NULL) return SHOAL_NOMEM;
    if (read_all(fd, edges, hd->n_edges * 8) != 0) {
        free(edges);
        return fail(msg, cap, SHOAL_SNAPSHOT, "truncated edges");
    }
    sum = checksum_words(sum, (const char *)edges, hd->n_edges * 8);
    if (sum != hd->checksum) {
        free(edges);
        return fail(msg, cap, SHOAL_SNAPSHOT, "corrupt: payload checksum mismatch");
    }
    st(&h->info->top, hd->entries_bytes);
    uint64_t off = 0;
    for (uint64_t k = 0; k < hd->n_entries; k++) {
        struct entry *e = off + sizeof *e <= hd->entries_bytes ? entry_at(h, off) : NULL;
        uint64_t size = e ? ENTRY_SIZE(e->klen, e->vlen) : 0;
        const char *key = e ? heap_at(h, off + sizeof *e, 0) : NULL;
        if (e == NULL || size > hd->entries_bytes - off || hash_key(key, e->klen) != e->hash) {
            free(edges);
            return fail(msg, cap, SHOAL_SNAPSHOT, "corrupt: bad entry");
        }
        struct add_counts c = {0, 0, 0};
        s = publish(h, e->hash, off, size, key, e->klen, &c);
        flush_counts(h, &c);
        if (s != SHOAL_OK) {
            free(edges);
            return fail(msg, cap, SHOAL_SNAPSHOT, "corrupt: duplicate key");
        }
        off += size;
    }
    if (off != hd->entries_bytes) {
        free(edges);
        return fail(msg, cap, SHOAL_SNAPSHOT, "corrupt: entry bytes do not add up");
    }
    for (uint64_t k = 0; k < hd->n_edges; k++) {
        if (dep_insert(h, (uint32_t)(edges[k] >> 32), (uint32_t)edges[k]) != SHOAL_OK) {
            free(edges);
            return fail(msg, cap, SHOAL_SNAPSHOT, "corrupt: bad edge");
        }
    }
    free(edges);
    return SHOAL_OK;
}

shoal_status_t shoal_heap_load(shoal_heap_t *h, const char *path, const char *version,
                               char *msg, size_t msgcap)
{
    MASTER_ONLY(h);
    if (ld(&h->info->top) != 0 || ld(&h->info->used_slots) != 0 || ld(&h->info->dep_count) != 0)
        return fail(msg, msgcap, SHOAL_INVALID, "load needs a fresh, empty heap");
    struct snap_header hd;
    int fd;
    shoal_status_t s = open_snapshot(path, version, &hd, &fd, msg, msgcap);
    if (s != SHOAL_OK) return s;
    s = load_body(h, fd, &hd, msg, msgcap);
    close(fd);
    if (s != SHOAL_OK) reset_all(h);
    bump_epoch(h);
    return s;
}

/* ---- copy: a larger heap for the same contents ------------------------------------ */

/* The tables sit at fixed offsets in the region, so a table that fills up cannot grow in
 * place; the master makes a larger region instead and moves its contents over, compacted,
 * as save and load do through a file. */
shoal_status_t shoal_heap_copy(shoal_heap_t *src, shoal_heap_t *dst)
{
    MASTER_ONLY(src);
    MASTER_ONLY(dst);
    if (ld(&dst->info->top) != 0 || ld(&dst->info->used_slots) != 0 || ld(&dst->info->dep_count) != 0)
        return SHOAL_INVALID;
    struct live_ref *v;
    uint64_t n, bytes = 0, edges = 0;
    shoal_status_t s = gather_live(src, &v, &n);
    if (s != SHOAL_OK) return s;
    for (uint64_t k = 0; k < n; k++) {
        struct entry *e = entry_at(src, v[k].off);
        bytes += ENTRY_SIZE(e->klen, e->vlen);
    }
    for (uint64_t i = 0; i <= src->dep_mask; i++) edges += ld(dep_at(src, i)) != 0;
    /* Refused before anything is written, so that the caller can try larger sizes. */
    if (bytes > dst->heap_size) s = SHOAL_HEAP_FULL;
    else if (n > dst->hash_mask + 1) s = SHOAL_HASH_TABLE_FULL;
    else if (edges > dst->dep_mask + 1) s = SHOAL_DEP_TABLE_FULL;
    else s = reserve(dst, bytes);
    if (s != SHOAL_OK) {
        free(v);
        return s;
    }
    st(&dst->info->top, bytes);
    uint64_t off = 0;
    for (uint64_t k = 0; k < n && s == SHOAL_OK; k++) {
        struct entry *e = entry_at(src, v[k].off);
        uint64_t size = ENTRY_SIZE(e->klen, e->vlen);
        memcpy(heap_at(dst, off, size), heap_at(src, v[k].off, size), size);
        struct add_counts c = {0, 0, 0};
        s = publish(dst, e->hash, off, size, heap_at(dst, off + sizeof *e, 0), e->klen, &c);
        flush_counts(dst, &c);
        off += size;
    }
    free(v);
    for (uint64_t i = 0; i <= src->dep_mask && s == SHOAL_OK; i++) {
        uint64_t w = ld(dep_at(src, i));
        if (w != 0) s = dep_insert(dst, (uint32_t)(w >> 32), (uint32_t)w);
    }
    if (s != SHOAL_OK) reset_all(dst);
    bump_epoch(dst);
    return s;
}

/* ---- verify ---------------------------------------------------------------------------- */

#define VIOLATION(...)                                    \
    do {                                                  \
        if (msg != NULL && msgcap > 0) snprintf(msg, msgcap, __VA_ARGS__); \
        s = SHOAL_CORRUPT;                                \
        goto out;                                         \
    } while (0)

shoal_status_t shoal_heap_verify(shoal_heap_t *h, char *msg, size_t msgcap)
{
    ENTER(h);
    struct info *info = h->info;
    shoal_status_t s = SHOAL_OK;
    struct live_ref *v = NULL;
    uint64_t top = heap_top(h), used = 0, live = 0, live_bytes = 0, edges = 0;
    if (info->magic != MAGIC || info->format_version != SHOAL_FORMAT_VERSION)
        VIOLATION("info page: bad magic or format version");
    if (ld(&info->reserved_top) > h->heap_size) VIOLATION("info page: reserved top past the heap end");
    for (uint64_t i = 0; i <= h->hash_mask; i++) {
        uint64_t w = ld(slot_at(h, i));
        if (w == ST_EMPTY) continue;
        used++;
        uint64_t state = SLOT_STATE(w), off = SLOT_OFF(w);
        if (state != ST_LIVE && state != ST_TOMB) VIOLATION("slot %llu: bad state %llu", (unsigned long long)i, (unsigned long long)state);
        if (off + sizeof(struct entry) > top || (off & 7))
            VIOLATION("slot %llu: entry offset %llu outside the heap top %llu", (unsigned long long)i, (unsigned long long)off, (unsigned long long)top);
        struct entry *e = entry_at(h, off);
        uint64_t size = ENTRY_SIZE(e->klen, e->vlen);
        if (size > top - off) VIOLATION("slot %llu: entry of %llu bytes runs past the heap top", (unsigned long long)i, (unsigned long long)size);
        const char *key = heap_at(h, off + sizeof *e, e->klen);
        if (hash_key(key, e->klen) != e->hash) VIOLATION("slot %llu: entry hash does not match its key", (unsigned long long)i);
        if (SLOT_TAG(w) != HASH_TAG(e->hash)) VIOLATION("slot %llu: tag does not match the entry hash", (unsigned long long)i);
        /* Reachable: no EMPTY slot between the chain start and this slot. */
        for (uint64_t j = e->hash & h->hash_mask; j != i; j = (j + 1) & h->hash_mask)
            if (ld(slot_at(h, j)) == ST_EMPTY) VIOLATION("slot %llu: unreachable from its chain start", (unsigned long long)i);
        if (state == ST_LIVE) {
            live++;
            live_bytes += size;
            if (find_live(h, key, e->klen, e->hash) != (int64_t)i)
                VIOLATION("slot %llu: key stored in two LIVE slots", (unsigned long long)i);
        }
    }
    if (used != ld(&info->used_slots)) VIOLATION("counter: used slots %llu, table has %llu", (unsigned long long)ld(&info->used_slots), (unsigned long long)used);
    if (live != ld(&info->live_slots)) VIOLATION("counter: live slots %llu, table has %llu", (unsigned long long)ld(&info->live_slots), (unsigned long long)live);
    if (live_bytes != ld(&info->live_bytes)) VIOLATION("counter: live bytes %llu, entries hold %llu", (unsigned long long)ld(&info->live_bytes), (unsigned long long)live_bytes);
    if (live_bytes + ld(&info->wasted_bytes) > top) VIOLATION("counter: live + wasted bytes exceed the heap top");
    uint64_t n;
    s = gather_live(h, &v, &n);
    if (s != SHOAL_OK) goto out;
    for (uint64_t k = 1; k < n; k++) {
        struct entry *e = entry_at(h, v[k - 1].off);
        if (v[k - 1].off + ENTRY_SIZE(e->klen, e->vlen) > v[k].off)
            VIOLATION("entries at %llu and %llu overlap", (unsigned long long)v[k - 1].off, (unsigned long long)v[k].off);
    }
    for (uint64_t i = 0; i <= h->dep_mask; i++) {
        uint64_t w = ld(dep_at(h, i));
        if (w == 0) continue;
        edges++;
        uint32_t dependency = (uint32_t)(w >> 32);
        if (dependency == 0 || (uint32_t)w == 0) VIOLATION("edge slot %llu: zero id", (unsigned long long)i);
        uint64_t j = hash_dep(dependency) & h->dep_mask;
        for (; j != i; j = (j + 1) & h->dep_mask) {
            uint64_t x = ld(dep_at(h, j));
            if (x == 0) VIOLATION("edge slot %llu: unreachable from its chain start", (unsigned long long)i);
            if (x == w) VIOLATION("edge %u -> %u stored twice", dependency, (uint32_t)w);
        }
    }
    /* The count trails the table by one per writer killed between an edge's CAS and its
     * count (no store makes both at once); it can never lead it. */
    if (ld(&info->dep_count) > edges) VIOLATION("counter: %llu edges, table has %llu", (unsigned long long)ld(&info->dep_count), (unsigned long long)edges);
out:
    free(v);
    return s;
}
