/*
 * nlw_ring.c - the single-producer / single-consumer record ring of
 * nlw_channel.h. Positions are free-running; head belongs to the producer,
 * tail to the consumer. Everything the other process wrote (its position,
 * its record headers) is validated before it decides an offset or a length.
 */
#include "nlw_channel.h"

#include <string.h>

#define NLW__ALIGN_MASK (NLW_RECORD_ALIGN - 1u)

/* Records are 32-byte aligned, so valid positions are too. */
static int nlw__aligned(uint32_t v) { return (v & NLW__ALIGN_MASK) == 0u; }

int nlw_ring_reserve(nlw_ring_ctl *ctl, unsigned char *data, uint32_t ring_bytes,
                     uint32_t ctx_len, uint32_t payload_len, nlw_record **out,
                     uint32_t *out_size) {
    uint32_t max_record = NLW_MAX_RECORD_BYTES(ring_bytes);
    uint32_t head, tail, used, off, contiguous, size, need;
    int pad_first;
    nlw_record *rec;

    if (ctl == NULL || data == NULL || out == NULL || out_size == NULL || ring_bytes < NLW_MIN_RING_BYTES ||
        ring_bytes > NLW_MAX_RING_BYTES || (ring_bytes & (ring_bytes - 1u)) != 0u)
        return NLW_E_INVALID;
    /* Check each part before summing so the sum cannot wrap. */
    if (ctx_len > NLW_MAX_CONTEXT_BYTES || payload_len > max_record ||
        payload_len > max_record - NLW_RECORD_HEADER_BYTES - ctx_len)
        return NLW_E_TOO_BIG;
    size = (NLW_RECORD_HEADER_BYTES + ctx_len + payload_len + NLW__ALIGN_MASK) & ~NLW__ALIGN_MASK;

    /* head is ours, but it lives in memory the consumer can write: both
     * positions are checked before they decide an offset. Once they pass,
     * off <= ring_bytes - 32, contiguous is in [32, ring_bytes], and
     * contiguous + size <= ring_bytes + ring_bytes / 2 cannot wrap. */
    head = ctl->head;
    tail = __atomic_load_n(&ctl->tail, __ATOMIC_ACQUIRE);
    used = head - tail;
    if (used > ring_bytes || !nlw__aligned(head) || !nlw__aligned(tail)) return NLW_E_CORRUPT;

    off = head & (ring_bytes - 1u);
    contiguous = ring_bytes - off;
    /* Wrap when the record does not fit before the end, or early when the
     * ring is empty and far in, so small records reuse the same hot pages.
     * An empty ring always has room for size <= off after the pad. */
    pad_first = off != 0u && (size > contiguous || (used == 0u && off >= NLW_EARLY_WRAP_BYTES && size <= off));
    need = pad_first ? contiguous + size : size;
    if (need > ring_bytes - used) return NLW_E_AGAIN;

    if (pad_first) {
        nlw_record *pad = (nlw_record *)(void *)(data + off);
        memset(pad, 0, sizeof(*pad));
        pad->size = contiguous;
        pad->kind = NLW_REC_PAD;
        /* Publishing the pad alone is harmless: the consumer skips it. */
        head += contiguous;
        __atomic_store_n(&ctl->head, head, __ATOMIC_RELEASE);
        off = 0u;
    }
    rec = (nlw_record *)(void *)(data + off);
    memset(rec, 0, sizeof(*rec));
    rec->size = size;
    rec->ctx_len = ctx_len;
    rec->payload_len = payload_len;
    *out = rec;
    *out_size = size;
    return NLW_OK;
}

int nlw_ring_publish(nlw_ring_ctl *ctl, uint32_t size) {
    /* size is the producer's own copy (never the shared rec->size). A head
     * the consumer rewrote meanwhile only misplaces its own view: the next
     * reserve validates head again before writing anywhere. */
    uint32_t head = ctl->head + size;
    __atomic_store_n(&ctl->head, head, __ATOMIC_RELEASE);
    /* Dekker: the head store must be visible before we read waiting, and
     * the consumer's waiting store before it re-reads head. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&ctl->waiting, __ATOMIC_RELAXED) == 0u) return 0;
    return __atomic_exchange_n(&ctl->waiting, 0u, __ATOMIC_SEQ_CST) == 1u;
}

/* Checks one header copy at offset off (< ring_bytes) with avail (<=
 * ring_bytes) published bytes. Every subtraction below is guarded by the
 * comparison before it, so none can wrap whatever the producer wrote:
 * size >= 32 before size - 32, and ctx_len <= size - 32 before
 * size - 32 - ctx_len. */
static int nlw__record_valid(const nlw_record *h, uint32_t off, uint32_t avail, uint32_t ring_bytes) {
    uint32_t body;
    if (h->size < NLW_RECORD_HEADER_BYTES || !nlw__aligned(h->size) || h->size > avail ||
        h->size > ring_bytes - off)
        return 0;
    if (h->kind == NLW_REC_PAD) return h->size == ring_bytes - off; /* pads end the ring */
    if (h->kind != NLW_REC_INVOKE && h->kind != NLW_REC_RESULT) return 0;
    if (h->size > NLW_MAX_RECORD_BYTES(ring_bytes)) return 0;
    body = h->size - NLW_RECORD_HEADER_BYTES;
    if (h->ctx_len > NLW_MAX_CONTEXT_BYTES || h->ctx_len > body) return 0;
    return h->payload_len <= body - h->ctx_len;
}

int nlw_ring_peek_copy(nlw_ring_ctl *ctl, const unsigned char *data, uint32_t ring_bytes,
                       nlw_record *hdr, const nlw_record **out) {
    uint32_t head, tail, avail, off;
    const nlw_record *rec;

    if (ctl == NULL || data == NULL || hdr == NULL || out == NULL || ring_bytes < NLW_MIN_RING_BYTES ||
        ring_bytes > NLW_MAX_RING_BYTES || (ring_bytes & (ring_bytes - 1u)) != 0u)
        return NLW_E_INVALID;
    /* One head snapshot per call: a producer spraying pads cannot keep us
     * here, every iteration consumes part of a bounded span. */
    head = __atomic_load_n(&ctl->head, __ATOMIC_ACQUIRE);
    tail = ctl->tail; /* ours */
    for (;;) {
        avail = head - tail;
        if (avail == 0u) return NLW_E_AGAIN;
        if (avail > ring_bytes || !nlw__aligned(head) || !nlw__aligned(tail)) return NLW_E_CORRUPT;
        off = tail & (ring_bytes - 1u);
        rec = (const nlw_record *)(const void *)(data + off);
        memcpy(hdr, (const void *)rec, sizeof(*hdr)); /* validate a copy, never shared memory */
        if (!nlw__record_valid(hdr, off, avail, ring_bytes)) return NLW_E_CORRUPT;
        if (hdr->kind != NLW_REC_PAD) break;
        tail += hdr->size;
        __atomic_store_n(&ctl->tail, tail, __ATOMIC_RELEASE);
    }
    *out = rec;
    return NLW_OK;
}

void nlw_ring_consume_bytes(nlw_ring_ctl *ctl, uint32_t size) {
    /* tail is ours; a producer that rewrote it is caught by the next peek
     * (avail > ring_bytes or an unaligned position). */
    __atomic_store_n(&ctl->tail, ctl->tail + size, __ATOMIC_RELEASE);
}

int nlw_ring_arm(nlw_ring_ctl *ctl) {
    __atomic_store_n(&ctl->waiting, 1u, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&ctl->head, __ATOMIC_ACQUIRE) != ctl->tail) {
        __atomic_store_n(&ctl->waiting, 0u, __ATOMIC_RELAXED);
        return 1;
    }
    return 0;
}

void nlw_ring_disarm(nlw_ring_ctl *ctl) {
    __atomic_store_n(&ctl->waiting, 0u, __ATOMIC_RELAXED);
}

const unsigned char *nlw_record_ctx(const nlw_record *rec) {
    return (const unsigned char *)(const void *)rec + NLW_RECORD_HEADER_BYTES;
}

const unsigned char *nlw_record_payload(const nlw_record *rec, uint32_t ctx_len) {
    return nlw_record_ctx(rec) + ctx_len;
}

unsigned char *nlw_record_ctx_mut(nlw_record *rec) {
    return (unsigned char *)(void *)rec + NLW_RECORD_HEADER_BYTES;
}

unsigned char *nlw_record_payload_mut(nlw_record *rec, uint32_t ctx_len) {
    return nlw_record_ctx_mut(rec) + ctx_len;
}
