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

int nls_result_claim(void)
{
    return __sync_bool_compare_and_swap(&nls_inv.written, 0, 1);
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

gg_error nls_result_publish(uint32_t status, const void *data, size_t len)
{
    nlw_channel *ch = &nls_g.ch;
    nlw_record *rec = NULL;
    uint64_t start = 0;
    long sleep_ns = 10000L;
    int rc;

    if (len > NLW_MAX_RECORD_BYTES(ch->ring_bytes)) {
        nls_inv.written = 0;
        return GGE_INVALID_PARAMETER;
    }
    for (;;) {
        rc = nlw_ring_reserve(&ch->hdr->result, ch->result_data,
                              ch->ring_bytes, 0, (uint32_t)len, &rec);
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
        nls_inv.written = 0;
        return rc == NLW_E_TOO_BIG ? GGE_INVALID_PARAMETER
                                   : GGE_INTERNAL_FAILURE;
    }
    rec->kind = NLW_REC_RESULT;
    rec->id = nls_inv.id;
    rec->status = status;
    rec->flags = 0;
    rec->duration_ns = nls__elapsed_ns(nls_inv.started_ns);
    if (len > 0)
        memcpy(nlw_record_payload_mut(rec), data, len);

    /* Whatever the handler printed belongs before its result in the log. */
    fflush(stdout);
    fflush(stderr);
    if (nlw_ring_publish(&ch->hdr->result, rec))
        nls_send_doorbell();
    nls_inv.published_ns = nlw_now_ns();
    nls_inv.written = 2;
    return GGE_SUCCESS;
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
    if (response == NULL && response_size > 0)
        return GGE_INVALID_PARAMETER;
    if (!nls_inv.active || !nls_result_claim())
        return GGE_INVALID_STATE;
    return nls_result_publish(NLW_STATUS_SUCCESS, response, response_size);
}

NLS_EXPORT gg_error gg_lambda_handler_write_error(const char *error_message)
{
    if (error_message == NULL)
        return GGE_INVALID_PARAMETER;
    if (!nls_inv.active || !nls_result_claim())
        return GGE_INVALID_STATE;
    return nls_result_publish(NLW_STATUS_HANDLED, error_message,
                              strlen(error_message));
}
