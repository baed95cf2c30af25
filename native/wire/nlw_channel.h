/*
 * nlw_channel.h - the invocation channel between the nanolambda host and one
 * worker process: a shared-memory region holding two single-producer /
 * single-consumer record rings (requests host->worker, results worker->host).
 *
 * This file is compiled into both sides of the bridge (the Node addon and
 * libaws-greengrass-core-sdk-c.so) so their view of the memory can never
 * drift. C89. Nothing here allocates except nlw_channel_create().
 *
 * Region layout (offsets in bytes, NLW_PAGE = 4096):
 *
 *   [0, NLW_PAGE)                        nlw_region_header
 *   [NLW_PAGE, NLW_PAGE + ring_bytes)    request ring data  (host produces)
 *   [.. , .. + ring_bytes)               result ring data   (worker produces)
 *
 * The memfd is sized to the whole region up front; pages are only backed
 * when touched, so a large ring costs nothing until large payloads use it.
 * Producers wrap back to offset 0 early whenever the ring is empty (see
 * NLW_EARLY_WRAP_BYTES) so that small invocations keep cycling through the
 * same few hot pages instead of touching the whole ring.
 *
 * Rings carry records. A record is a 32-byte nlw_record header followed by
 * ctx_len bytes of client context and payload_len bytes of payload, padded
 * to a multiple of NLW_RECORD_ALIGN. A record never wraps around the end of
 * the ring: the producer writes a NLW_REC_PAD record that fills the rest of
 * the ring and continues at offset 0.
 *
 * Positions (head, tail) are free-running 32-bit byte counters; the offset
 * in the ring is (pos & (ring_bytes - 1)). ring_bytes is a power of two.
 * head is written only by the producer, tail only by the consumer. A
 * consumer advances tail past a record only when it no longer reads it: the
 * worker keeps the request record in place while the handler reads it.
 *
 * Waiting (Dekker-style handshake, sequentially consistent). The futex
 * word is the consumer's `waiting` flag, never head:
 *  - consumer: spin on head for its budget; then store waiting = 1, full
 *    fence, re-check head (nlw_ring_arm); if still empty, block (worker:
 *    nlw_futex_wait_armed, a FUTEX_WAIT on waiting while it is 1; host:
 *    return to the event loop and wait for a doorbell frame on the
 *    socket), then store waiting = 0 (nlw_ring_disarm) and look again.
 *  - producer: store head (release), full fence, then if waiting != 0,
 *    exchange waiting with 0 and, if it was 1, wake the consumer
 *    (host->worker: nlw_futex_wake_armed, a FUTEX_WAKE on waiting;
 *    worker->host: a Doorbell frame on the socket).
 *  - anyone else who must end the worker's sleep (the SDK's SIGTERM handler
 *    and its Shutdown reader) sets its own flag first, then does what the
 *    producer does: exchange waiting 1 -> 0 and FUTEX_WAKE. The consumer
 *    checks that flag after arming, before it blocks.
 * Because the kernel compares the word before sleeping, a clear that lands
 * before the FUTEX_WAIT (or inside a signal handler run on the sleeping
 * thread, after which the wait is restarted) makes the wait return at once:
 * no wake can be lost, so the worker needs no timeout and an idle worker
 * never wakes up.
 */
#ifndef NLW_CHANNEL_H
#define NLW_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NLW_MAGIC 0x314C574Eu /* "NWL1" little-endian */
/* 2: the worker's futex word is the request ring's waiting flag (1 slept
 * on head). A host and a worker of different versions would lose wakeups,
 * so nlw_channel_attach refuses the mismatch. */
#define NLW_VERSION 2u
#define NLW_PAGE 4096u
#define NLW_RECORD_ALIGN 32u
#define NLW_RECORD_HEADER_BYTES 32u

/* Default ring size per direction: 16 MiB, so a 6 MiB payload (Lambda's
 * synchronous limit) plus its context always fits in half a ring. */
#define NLW_DEFAULT_RING_BYTES (16u * 1024u * 1024u)
#define NLW_MIN_RING_BYTES (64u * 1024u)
#define NLW_MAX_RING_BYTES (256u * 1024u * 1024u)

/* A record may use at most half the ring (so it always fits after a pad). */
#define NLW_MAX_RECORD_BYTES(ring_bytes) ((ring_bytes) / 2u)

/* Producers wrap to offset 0 as soon as the ring is empty and the write
 * offset is past this point, keeping the hot set of pages small. */
#define NLW_EARLY_WRAP_BYTES (16u * 1024u)

/* Client context is a base64 JSON string; Lambda caps it at 3583 bytes. */
#define NLW_MAX_CONTEXT_BYTES 4096u

/* Lambda's payload limits for a synchronous invocation, the one place both
 * sides take them from: 6 MiB for a request (also the bound the SDK puts on
 * invoke and publish payloads) and 6 MiB + 100 bytes for a response, the
 * figure the service enforces before answering
 * Function.ResponseSizeTooLarge. */
#define NLW_LAMBDA_PAYLOAD_BYTES (6u * 1024u * 1024u)
#define NLW_LAMBDA_RESPONSE_BYTES (NLW_LAMBDA_PAYLOAD_BYTES + 100u)

/* Record kinds. */
#define NLW_REC_PAD 0u     /* filler up to the end of the ring; skip it */
#define NLW_REC_INVOKE 1u  /* host -> worker: run the handler */
#define NLW_REC_RESULT 2u  /* worker -> host: the handler finished */

/* Result status values (nlw_record.status on NLW_REC_RESULT). */
#define NLW_STATUS_SUCCESS 0u  /* payload = response bytes */
#define NLW_STATUS_HANDLED 1u  /* payload = error message (UTF-8 text) */
#define NLW_STATUS_TOO_LARGE 2u /* the handler's response exceeded
                                   NLW_LAMBDA_RESPONSE_BYTES (or the ring);
                                   payload = the attempted size in bytes as
                                   ASCII decimal, e.g. "6291557"; the host
                                   answers Function.ResponseSizeTooLarge */

/* Worker states published in nlw_region_header.worker_state. */
#define NLW_WORKER_STARTING 0u /* launched, gg_runtime_start not yet called */
#define NLW_WORKER_READY 1u    /* runtime loop running */
#define NLW_WORKER_EXITING 2u  /* SIGTERM seen; finishing the current work */

typedef struct nlw_record {
    uint32_t size;        /* whole record incl. header and padding */
    uint32_t kind;        /* NLW_REC_* */
    uint32_t id;          /* invocation id chosen by the host, never 0 */
    uint32_t status;      /* NLW_STATUS_* on results; 0 on invokes */
    uint32_t ctx_len;     /* bytes of client context after the header */
    uint32_t payload_len; /* bytes of payload after the context */
    uint32_t flags;       /* reserved, 0 */
    uint32_t duration_ns; /* results: the handler's run time, saturated at
                             UINT32_MAX; the host learns its spin budget
                             from it. 0 on invokes. */
} nlw_record;

/* Control block of one ring. Producer and consumer fields live on separate
 * cache lines so the two sides do not false-share. */
typedef struct nlw_ring_ctl {
    volatile uint32_t head;    /* producer position */
    uint32_t pad0[15];
    volatile uint32_t tail;    /* consumer position */
    volatile uint32_t waiting; /* consumer announced it will block; the
                                  futex word of the worker's sleep */
    uint32_t pad1[14];
} nlw_ring_ctl;

typedef struct nlw_region_header {
    uint32_t magic;       /* NLW_MAGIC */
    uint32_t version;     /* NLW_VERSION */
    uint32_t ring_bytes;  /* bytes of each ring, power of two */
    uint32_t header_bytes;/* NLW_PAGE */
    uint32_t pad0[12];
    volatile uint32_t worker_state; /* NLW_WORKER_* (worker writes) */
    volatile uint32_t busy_id;      /* id of the invocation inside the
                                       handler, 0 when idle (worker writes) */
    volatile uint32_t worker_pid;   /* worker writes at start */
    uint32_t pad1[13];
    nlw_ring_ctl request;  /* host -> worker */
    nlw_ring_ctl result;   /* worker -> host */
} nlw_region_header;

/* Error codes of this layer: 0 or a negative value from this list. */
#define NLW_OK 0
#define NLW_E_AGAIN (-1)     /* ring full (producer) or empty (consumer) */
#define NLW_E_TOO_BIG (-2)   /* record larger than NLW_MAX_RECORD_BYTES */
#define NLW_E_CORRUPT (-3)   /* the other side wrote an impossible record */
#define NLW_E_SYSTEM (-4)    /* a system call failed; errno is set */
#define NLW_E_INVALID (-5)   /* bad argument or a region that is not ours */
#define NLW_E_VERSION (-6)   /* a region of another NLW_VERSION */

const char *nlw_strerror(int code);

/* A mapped view of a region, one per side. Owned by its creator. */
typedef struct nlw_channel {
    nlw_region_header *hdr;
    unsigned char *request_data; /* ring_bytes */
    unsigned char *result_data;  /* ring_bytes */
    size_t map_bytes;
    uint32_t ring_bytes;
} nlw_channel;

/* Host side: create a memfd (close-on-exec), size it, seal its size
 * (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL: the worker holds the fd and
 * must not be able to truncate the region under the host's mapping), map
 * it and initialise the header. On success *out_fd is the memfd; the
 * caller passes it to the worker and may close it after the worker has
 * started (the mapping stays valid). */
int nlw_channel_create(nlw_channel *ch, uint32_t ring_bytes, int *out_fd);

/* Worker side: map an existing region from fd and validate it (size seals
 * in place, magic, version, sizes against the fd's size). Bounded: a region
 * whose header lies about its size, or whose size is not sealed, is refused
 * with NLW_E_INVALID; one of another NLW_VERSION with NLW_E_VERSION. */
int nlw_channel_attach(nlw_channel *ch, int fd);

/* Unmap. Does not close any descriptor. */
void nlw_channel_detach(nlw_channel *ch);

/* ---- Producer side of a ring ------------------------------------------- */

/* Reserve room for one record with ctx_len + payload_len bytes. On success
 * *out points at the record header inside the ring and *out_size is the
 * record's size; the caller fills kind, id, status (and duration_ns on
 * results), copies the context to nlw_record_ctx_mut(*out) and the payload
 * to nlw_record_payload_mut(*out, ctx_len), then calls
 * nlw_ring_publish(ctl, *out_size). The producer keeps its own copies of
 * ctx_len and the size: the consumer can rewrite the shared header at any
 * moment, so nothing is re-read from it.
 * Returns NLW_E_AGAIN when the ring lacks room (the consumer is behind),
 * NLW_E_TOO_BIG when the record could never fit (more than half the ring,
 * or ctx_len > NLW_MAX_CONTEXT_BYTES), NLW_E_CORRUPT when the consumer
 * wrote an impossible tail. When the record must start at offset 0, the
 * pad record before it is written and made visible here. */
int nlw_ring_reserve(nlw_ring_ctl *ctl, unsigned char *data, uint32_t ring_bytes,
                     uint32_t ctx_len, uint32_t payload_len, nlw_record **out,
                     uint32_t *out_size);

/* Make the reserved record of size bytes (the *out_size of
 * nlw_ring_reserve) visible. Returns 1 if the consumer had announced it was
 * going to block (this call cleared waiting from 1 to 0) and must now be
 * woken by the caller (nlw_futex_wake_armed, or a doorbell), else 0. */
int nlw_ring_publish(nlw_ring_ctl *ctl, uint32_t size);

/* ---- Consumer side of a ring ------------------------------------------- */

/* Look at the next record without consuming it (pads are skipped and
 * consumed). Validates every length against the ring (a corrupt record
 * gives NLW_E_CORRUPT) on a private copy of the header, which it stores in
 * *hdr; *out points at the record in the ring. Returns NLW_E_AGAIN when the
 * ring is empty. The producer can rewrite the shared record at any moment,
 * so the consumer must use the lengths in *hdr, never re-read them through
 * *out, and release the record with nlw_ring_consume_bytes(ctl, hdr->size). */
int nlw_ring_peek_copy(nlw_ring_ctl *ctl, const unsigned char *data, uint32_t ring_bytes,
                       nlw_record *hdr, const nlw_record **out);

/* Release a record of size bytes (the size of a validated header copy). */
void nlw_ring_consume_bytes(nlw_ring_ctl *ctl, uint32_t size);

/* Announce that the consumer is about to block (waiting = 1); returns 1 if
 * a record arrived meanwhile (then the caller must not block and waiting is
 * cleared), else 0. */
int nlw_ring_arm(nlw_ring_ctl *ctl);

/* Cancel an announcement made by nlw_ring_arm. */
void nlw_ring_disarm(nlw_ring_ctl *ctl);

/* Accessors into a record. ctx_len is the caller's own trusted copy (the
 * validated header of nlw_ring_peek_copy, or the ctx_len it reserved);
 * the record's shared header is never read. */
const unsigned char *nlw_record_ctx(const nlw_record *rec);
const unsigned char *nlw_record_payload(const nlw_record *rec, uint32_t ctx_len);
unsigned char *nlw_record_ctx_mut(nlw_record *rec);
unsigned char *nlw_record_payload_mut(nlw_record *rec, uint32_t ctx_len);

/* ---- Waiting ------------------------------------------------------------ */

/* Block while ctl->waiting is 1 (FUTEX_WAIT on the flag, shared mapping),
 * or until timeout_ms elapses (timeout_ms < 0: no timeout). Call it after
 * nlw_ring_arm returned 0 and disarm afterwards. Returns at once when the
 * flag is already 0 (a producer or a terminate path cleared it). Returns
 * NLW_OK on a wake or a cleared flag (possibly spurious: the caller looks at
 * the ring again), NLW_E_AGAIN on timeout or EINTR, NLW_E_SYSTEM (errno
 * set) if the kernel refuses the wait. */
int nlw_futex_wait_armed(nlw_ring_ctl *ctl, long timeout_ms);

/* Wake a consumer blocked in nlw_futex_wait_armed. Call it only after
 * clearing ctl->waiting (nlw_ring_publish returning 1, or an exchange of
 * waiting from 1 to 0). A raw futex system call: async-signal-safe. */
void nlw_futex_wake_armed(nlw_ring_ctl *ctl);

/* Monotonic time in nanoseconds. */
uint64_t nlw_now_ns(void);

/* A CPU pause hint for spin loops. */
void nlw_cpu_relax(void);

/* Adaptive spin budget: learns how long the awaited event usually takes and
 * spins a little longer than that, up to max_ns; when the event usually
 * takes longer than max_ns, spinning is pointless and the budget falls to
 * min_ns. */
typedef struct nlw_spin_budget {
    uint64_t avg_ns;  /* exponentially weighted average of observed waits */
    uint64_t min_ns;
    uint64_t max_ns;
} nlw_spin_budget;

void nlw_spin_budget_init(nlw_spin_budget *b, uint64_t min_ns, uint64_t max_ns);
uint64_t nlw_spin_budget_ns(const nlw_spin_budget *b);
void nlw_spin_budget_observe(nlw_spin_budget *b, uint64_t waited_ns);

#ifdef __cplusplus
}
#endif

#endif /* NLW_CHANNEL_H */
