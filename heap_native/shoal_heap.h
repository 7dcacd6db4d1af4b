/* shoal_heap.h -- the C shared heap's API, grouped by caller.
 *
 * This text is also fed verbatim to cffi's ffi.cdef, so it holds only
 * declarations and plain integer #defines: no #include, no other macros.
 * The including .c file provides <stdint.h> and <stddef.h>.
 *
 * Every entry point returns a shoal_status_t, except the read fast paths
 * (shoal_heap_get_ref, shoal_heap_get_many, shoal_heap_contains,
 * shoal_heap_epoch), which return an int64_t that is either a result (>= 0)
 * or the negated status. The contract (what runs concurrently, what only the
 * master may do) is at the top of shoal_heap.c.
 */

typedef enum {
    SHOAL_OK = 0,
    SHOAL_EXISTS = 1,          /* add: the key was already present (not an error) */
    SHOAL_NOT_FOUND = 2,       /* get/remove: no live entry (not an error) */
    SHOAL_LARGE = 3,           /* get_ref: value too long for a packed ref, use get_locate */
    SHOAL_BUFFER_SMALL = 4,    /* output buffer too small; the needed count was stored */
    SHOAL_HEAP_FULL = 16,
    SHOAL_HASH_TABLE_FULL = 17,
    SHOAL_DEP_TABLE_FULL = 18,
    SHOAL_VALUE_TOO_LARGE = 19,
    SHOAL_ROLE = 20,           /* master-only operation from a worker or inside a phase */
    SHOAL_SNAPSHOT = 21,       /* snapshot file refused (reason in the message buffer) */
    SHOAL_STOPPED = 22,        /* the attached stop flag is set */
    SHOAL_IO = 23,             /* a system call failed; errno is preserved */
    SHOAL_INVALID = 24,        /* bad argument (closed heap, id 0, bad size...) */
    SHOAL_CORRUPT = 25,        /* verify found a violated invariant */
    SHOAL_NOMEM = 26,          /* process-local malloc failed */
    SHOAL_UNSUPPORTED = 27     /* neither memfd_create nor shm_open works here */
} shoal_status_t;

/* A packed value reference: (byte offset from the region base << 24) | length. */
#define SHOAL_REF_LEN_BITS 24
#define SHOAL_FORMAT_VERSION 1
#define SHOAL_VERSION_MAX 31

typedef struct shoal_heap shoal_heap_t;

typedef struct {
    uint64_t heap_capacity;    /* bytes of the value heap */
    uint64_t used_bytes;       /* heap top: bytes bump-allocated since the last collect */
    uint64_t live_bytes;       /* bytes of live (reachable, not removed) entries */
    uint64_t wasted_bytes;     /* removed entries, lost races, failed reservations */
    uint64_t hash_capacity;    /* hash-table slots */
    uint64_t used_slots;       /* non-EMPTY slots (LIVE + TOMBSTONE) */
    uint64_t live_slots;       /* LIVE slots */
    uint64_t dep_capacity;     /* dependency-table slots */
    uint64_t dep_edges;        /* stored edges */
    uint64_t epoch;            /* bumped by every master-only change */
    uint64_t phase_counter;    /* odd while a phase is open */
    uint64_t master_pid;
    uint64_t region_bytes;     /* size of the whole mapping */
    uint64_t lost_cas;         /* hash-slot CAS lost to a racing writer, since create */
} shoal_stats_t;

typedef struct {
    uint64_t heap_size;        /* the saving heap's sizes */
    uint64_t hash_slots;
    uint64_t dep_slots;
    uint64_t n_entries;
    uint64_t entries_bytes;
    uint64_t n_edges;
} shoal_snapshot_info_t;

/* ---- Initialization & connection --------------------------------------
 * Must be called by the master BEFORE forking the workers: the calling
 * process becomes the master. hash_slots and dep_slots are powers of two. */
shoal_status_t shoal_heap_create(uint64_t heap_size, uint64_t hash_slots,
                                 uint64_t dep_slots, shoal_heap_t **out);
/* Maps an existing region by its descriptor (a process that did not fork
 * from the master). The fd is duplicated; the caller keeps its own. */
shoal_status_t shoal_heap_attach(int fd, shoal_heap_t **out);
/* Unmaps and closes this process's view only; other processes are untouched. */
shoal_status_t shoal_heap_close(shoal_heap_t *h);
int shoal_heap_fd(shoal_heap_t *h);
char *shoal_heap_base(shoal_heap_t *h);
uint64_t shoal_heap_region_size(shoal_heap_t *h);
/* Process-local: when flag != NULL and *flag != 0, every call returns
 * SHOAL_STOPPED first thing. The flag lives in memory the caller owns. */
void shoal_heap_attach_stop_flag(uint32_t *flag);

/* ---- Hashtable operations: any process, inside or outside a phase ----- */
shoal_status_t shoal_heap_add(shoal_heap_t *h, const char *key, size_t klen,
                              const char *val, size_t vlen);
/* Adds n pairs packed back to back; stored[i] = 1 when this call stored key i.
 * On an error, *done items were processed and the status says why. */
shoal_status_t shoal_heap_add_many(shoal_heap_t *h, const char *keys,
                                   const uint32_t *klens, const char *vals,
                                   const uint32_t *vlens, size_t n,
                                   uint8_t *stored, size_t *done);
/* >= 0: packed ref of the value; -SHOAL_NOT_FOUND, -SHOAL_LARGE or -status. */
int64_t shoal_heap_get_ref(shoal_heap_t *h, const char *key, size_t klen);
/* Fills refs[i] as shoal_heap_get_ref would; returns the number of
 * -SHOAL_LARGE refs (>= 0) or -status. */
int64_t shoal_heap_get_many(shoal_heap_t *h, const char *keys,
                            const uint32_t *klens, size_t n, int64_t *refs);
/* Value of any length: out[0] = byte offset from the region base, out[1] = length. */
shoal_status_t shoal_heap_get_locate(shoal_heap_t *h, const char *key,
                                     size_t klen, uint64_t *out);
/* 1 present, 0 absent, or -status. */
int64_t shoal_heap_contains(shoal_heap_t *h, const char *key, size_t klen);

/* ---- Dependency table: any process ----------------------------------- */
/* Ids are 32-bit and nonzero (0 marks an empty slot): SHOAL_INVALID otherwise. */
shoal_status_t shoal_heap_add_dep(shoal_heap_t *h, uint32_t dependency,
                                  uint32_t dependent);
/* pairs = [dependency0, dependent0, dependency1, ...]; *done edges processed. */
shoal_status_t shoal_heap_add_deps(shoal_heap_t *h, const uint32_t *pairs,
                                   size_t n, size_t *done);
/* Writes up to cap dependents to out and their count to *count;
 * SHOAL_BUFFER_SMALL when *count > cap (call again with a bigger buffer). */
shoal_status_t shoal_heap_get_deps(shoal_heap_t *h, uint32_t dependency,
                                   uint32_t *out, size_t cap, size_t *count);
/* get_deps of n dependencies in one call: counts[i] dependents of deps[i], written one
 * dependency after the other to out, *total in all; SHOAL_BUFFER_SMALL when *total > cap
 * (counts are then complete: call again with cap >= *total). */
shoal_status_t shoal_heap_get_deps_many(shoal_heap_t *h, const uint32_t *deps, size_t n,
                                        uint32_t *out, size_t cap, uint32_t *counts,
                                        size_t *total);

/* ---- Phases: master only --------------------------------------------- */
shoal_status_t shoal_heap_phase_open(shoal_heap_t *h);
shoal_status_t shoal_heap_phase_close(shoal_heap_t *h);
/* >= 0: the epoch, or -status. */
int64_t shoal_heap_epoch(shoal_heap_t *h);
shoal_status_t shoal_heap_stats(shoal_heap_t *h, shoal_stats_t *out);

/* ---- Master only, between phases (else SHOAL_ROLE); each bumps the epoch */
shoal_status_t shoal_heap_remove(shoal_heap_t *h, const char *key, size_t klen);
/* *reclaimed = bytes the heap top moved down. */
shoal_status_t shoal_heap_collect(shoal_heap_t *h, uint64_t *reclaimed);
shoal_status_t shoal_heap_clear(shoal_heap_t *h);
shoal_status_t shoal_heap_clear_deps(shoal_heap_t *h);
shoal_status_t shoal_heap_remove_dependents(shoal_heap_t *h, const uint32_t *ids,
                                            size_t n);
/* Drop the n edges pairs[2k] -> pairs[2k+1] (dependency, dependent) that are present. */
shoal_status_t shoal_heap_remove_deps(shoal_heap_t *h, const uint32_t *pairs, size_t n);
/* version: shoal's version string (at most SHOAL_VERSION_MAX bytes). */
shoal_status_t shoal_heap_save(shoal_heap_t *h, const char *path,
                               const char *version, char *msg, size_t msgcap);
/* Reads only the header: sizes to create a heap that can hold the snapshot. */
shoal_status_t shoal_heap_snapshot_info(const char *path, const char *version,
                                        shoal_snapshot_info_t *out, char *msg,
                                        size_t msgcap);
/* Into a fresh (empty) heap only. */
shoal_status_t shoal_heap_load(shoal_heap_t *h, const char *path,
                               const char *version, char *msg, size_t msgcap);

/* Master only, both heaps between phases: dst (fresh, empty) receives src's live entries,
 * compacted, and its edges; src is unchanged. A full status when dst is too small, and
 * then dst is left empty. */
shoal_status_t shoal_heap_copy(shoal_heap_t *src, shoal_heap_t *dst);

/* ---- Checking: any process, when no writer runs ---------------------- */
/* SHOAL_OK, or SHOAL_CORRUPT with the first violation described in msg. */
shoal_status_t shoal_heap_verify(shoal_heap_t *h, char *msg, size_t msgcap);
