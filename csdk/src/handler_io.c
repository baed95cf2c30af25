/*
 * handler_io.c - what a handler calls: read the payload in place from the
 * request ring, write the one result straight into the result ring.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nls.h"

nls_invocation nls_inv;

/* While the host has not drained the result ring: spin this long, then
 * sleep in growing steps up to the cap. The host is usually microseconds
 * away; a long wait means it is busy, and burning a core would slow it. */
#define NLS_FULL_SPIN_NS 50000u
#define NLS_FULL_SLEEP_MAX_NS 1000000L

uint32_t nls_result_claim(void)
{
    if (!__sync_bool_compare_and_swap(&nls_inv.result_state, NLS_RESULT_OPEN,
                                      NLS_RESULT_CLAIMED))
        return 0;
    /* The CAS is a full barrier and the runtime does not touch id while
     * the result is claimed: this is the id of the invocation we claimed,
     * whatever the runtime does next. */
    return nls_inv.id;
}

static void nls__sleep_ns(long ns)
{
    struct timespec ts;
    ts.tv_sec = 0;
    ts.tv_nsec = ns;
    (void)nanosleep(&ts, NULL);
}

static uint32_t nls__elapsed_ns(uint64_t since)
{
    uint64_t d = nlw_now_ns() - since;
    return d > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)d;
}

/* Releases a claim whose result could not be written. */
static void nls__release(void)
{
    __atomic_store_n(&nls_inv.result_state, NLS_RESULT_OPEN, __ATOMIC_SEQ_CST);
}

/* Writes one result record (len already fits the ring) and publishes it. */
static gg_error nls__publish_record(uint32_t id, uint32_t status,
                                    const void *data, uint32_t len)
{
    nlw_channel *ch = &nls_g.ch;
    nlw_record *rec = NULL;
    uint32_t size = 0;
    uint64_t start = 0;
    long sleep_ns = 10000L;
    int rc;

    for (;;) {
        rc = nlw_ring_reserve(&ch->hdr->result, ch->result_data,
                              ch->ring_bytes, 0, len, &rec, &size);
        if (rc != NLW_E_AGAIN)
            break;
        if (start == 0)
            start = nlw_now_ns();
        if (nlw_now_ns() - start < NLS_FULL_SPIN_NS) {
            nlw_cpu_relax();
        } else {
            nls__sleep_ns(sleep_ns);
            if (sleep_ns < NLS_FULL_SLEEP_MAX_NS)
                sleep_ns *= 2;
        }
    }
    if (rc != NLW_OK) {
        nls__release();
        return rc == NLW_E_TOO_BIG ? GGE_INVALID_PARAMETER
                                   : GGE_INTERNAL_FAILURE;
    }
    rec->kind = NLW_REC_RESULT;
    rec->id = id;
    rec->status = status;
    rec->flags = 0;
    rec->duration_ns = nls__elapsed_ns(nls_inv.started_ns);
    if (len > 0)
        memcpy(nlw_record_payload_mut(rec, 0), data, len);

    /* Whatever the handler printed belongs before its result in the log. */
    fflush(stdout);
    fflush(stderr);
    if (nlw_ring_publish(&ch->hdr->result, size))
        nls_send_doorbell();
    nls_inv.published_ns = nlw_now_ns();
    __atomic_store_n(&nls_inv.result_state, NLS_RESULT_PUBLISHED,
                     __ATOMIC_SEQ_CST);
    return GGE_SUCCESS;
}

gg_error nls_result_publish(uint32_t id, uint32_t status, const void *data,
                            size_t len)
{
    /* The most one result record can carry (no context): Lambda's limit,
     * or less when the host chose a small ring. */
    size_t limit = NLW_MAX_RECORD_BYTES(nls_g.ch.ring_bytes) -
                   NLW_RECORD_HEADER_BYTES;
    char digits[24];
    char *p = digits + sizeof digits;
    size_t n = len;
    gg_error err;

    if (limit > NLW_LAMBDA_RESPONSE_BYTES)
        limit = NLW_LAMBDA_RESPONSE_BYTES;
    if (len <= limit)
        return nls__publish_record(id, status, data, (uint32_t)len);
    if (status != NLW_STATUS_SUCCESS) /* an error message: keep its start */
        return nls__publish_record(id, status, data, (uint32_t)limit);

    /* Too large to answer: tell the invoker so (and how large it was)
     * instead of leaving it an empty success. */
    do {
        *--p = (char)('0' + (int)(n % 10u));
        n /= 10u;
    } while (n > 0);
    err = nls__publish_record(id, NLW_STATUS_TOO_LARGE, p,
                              (uint32_t)(digits + sizeof digits - p));
    return err == GGE_SUCCESS ? GGE_INVALID_PARAMETER : err;
}

void nls_result_finish(void)
{
    long sleep_ns = 1000L;
    uint32_t id;

    for (;;) {
        id = nls_result_claim();
        if (id != 0) {
            /* On failure (the host broke the ring) there is nobody to
             * tell: the next peek finds the corruption. */
            (void)nls_result_publish(id, NLW_STATUS_SUCCESS, NULL, 0);
            break;
        }
        if (__atomic_load_n(&nls_inv.result_state, __ATOMIC_SEQ_CST) !=
            NLS_RESULT_CLAIMED)
            break; /* published */
        /* Another thread of the handler is writing the result: it must be
         * in the ring before the next invocation may reuse the state. */
        nls__sleep_ns(sleep_ns);
        if (sleep_ns < NLS_FULL_SLEEP_MAX_NS)
            sleep_ns *= 2;
    }
    __atomic_store_n(&nls_inv.result_state, NLS_RESULT_IDLE, __ATOMIC_SEQ_CST);
}

NLS_EXPORT gg_error gg_lambda_handler_read(void *buffer, size_t buffer_size,
                                           size_t *amount_read)
{
    size_t n;

    if (amount_read == NULL || (buffer == NULL && buffer_size > 0))
        return GGE_INVALID_PARAMETER;
    if (!nls_inv.active)
        return GGE_INVALID_STATE;
    n = nls_inv.payload_len - nls_inv.read_pos;
    if (n > buffer_size)
        n = buffer_size;
    if (n > 0)
        memcpy(buffer, nls_inv.payload + nls_inv.read_pos, n);
    nls_inv.read_pos += n;
    *amount_read = n;
    return GGE_SUCCESS;
}

NLS_EXPORT gg_error gg_lambda_handler_write_response(const void *response,
                                                     size_t response_size)
{
    uint32_t id;

    if (response == NULL && response_size > 0)
        return GGE_INVALID_PARAMETER;
    /* Also refuses a late write for an invocation that has finished. */
    id = nls_result_claim();
    if (id == 0)
        return GGE_INVALID_STATE;
    /* Above NLW_LAMBDA_RESPONSE_BYTES: GGE_INVALID_PARAMETER, and the
     * invoker gets NLW_STATUS_TOO_LARGE. */
    return nls_result_publish(id, NLW_STATUS_SUCCESS, response, response_size);
}

NLS_EXPORT gg_error gg_lambda_handler_write_error(const char *error_message)
{
    uint32_t id;

    if (error_message == NULL)
        return GGE_INVALID_PARAMETER;
    id = nls_result_claim();
    if (id == 0)
        return GGE_INVALID_STATE;
    return nls_result_publish(id, NLW_STATUS_HANDLED, error_message,
                              strlen(error_message));
}
