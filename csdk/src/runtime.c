/*
 * runtime.c - gg_runtime_start and the dispatch loop.
 *
 * Waiting for the next request: the loop first spins on the request ring
 * for an adaptive budget (NLS_SPIN_MIN_NS..NLS_SPIN_MAX_NS) learned from the
 * gap between publishing a result and the next request's arrival; a host
 * that sends back-to-back work is answered without any system call. When
 * the budget runs out it announces it will block (nlw_ring_arm stores the
 * ring's waiting flag = 1 and re-checks head: the Dekker handshake of
 * nlw_channel.h) and sleeps with a futex on that flag, with no timeout
 * (nlw_futex_wait_armed). The host, after publishing, clears the flag and
 * wakes it. An idle worker therefore makes no wakeups at all.
 *
 * Termination: SIGTERM and the host's Shutdown frame go through
 * nls_request_terminate: it sets nls_g.terminate (seq_cst), then clears the
 * waiting flag if it is 1 and wakes the futex. The loop re-checks terminate
 * after arming and before sleeping, so either it sees the flag, or the
 * clear comes after its arm and the sleep returns: the kernel only sleeps
 * while the word is still 1, also when the handler ran on the sleeping
 * thread and SA_RESTART re-entered the wait. No wake is lost. The loop
 * notices between invocations: the current one finishes and its result is
 * published, then the process exits with 0.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nls.h"

static gg_lambda_handler nls__handler;
/* NUL-terminated copy of the current request's client context. */
static char nls__ctx[NLW_MAX_CONTEXT_BYTES + 1];

static void nls__on_sigterm(int sig)
{
    (void)sig;
    nls_request_terminate(); /* atomics and a futex wake: signal-safe */
}

static void nls__exit_after_work(void)
{
    nls_g.ch.hdr->worker_state = NLW_WORKER_EXITING;
    fflush(stdout);
    fflush(stderr);
    exit(0);
}

static void nls__corrupt(int rc)
{
    gg_log(GG_LOG_FATAL, "nanolambda: the request ring is corrupt (%s); "
           "exiting", nlw_strerror(rc));
    _exit(NLS_EXIT_PROTOCOL);
}

/* Spin for the budget, then block. Returns 1 with the next record in *hdr
 * (a validated copy of its header: lengths are never re-read from shared
 * memory) and *rec, or 0 when termination was requested. */
static int nls__next_request(nlw_spin_budget *budget, nlw_record *hdr,
                             const nlw_record **rec)
{
    nlw_channel *ch = &nls_g.ch;
    nlw_ring_ctl *ctl = &ch->hdr->request;
    int rc;

    for (;;) {
        uint64_t start, limit;
        unsigned spins = 0;

        rc = nlw_ring_peek_copy(ctl, ch->request_data, ch->ring_bytes, hdr, rec);
        if (rc == NLW_OK)
            break;
        if (rc != NLW_E_AGAIN)
            nls__corrupt(rc);
        if (__atomic_load_n(&nls_g.terminate, __ATOMIC_SEQ_CST))
            return 0;

        start = nlw_now_ns();
        limit = nlw_spin_budget_ns(budget);
        for (;;) {
            nlw_cpu_relax();
            rc = nlw_ring_peek_copy(ctl, ch->request_data, ch->ring_bytes,
                                    hdr, rec);
            if (rc != NLW_E_AGAIN)
                break;
            /* Reading the clock costs more than a peek: check it seldom. */
            if ((++spins & 15u) == 0 && nlw_now_ns() - start >= limit)
                break;
        }
        if (rc == NLW_OK)
            break;
        if (rc != NLW_E_AGAIN)
            nls__corrupt(rc);

        if (nlw_ring_arm(ctl))
            continue; /* arrived while arming; waiting is already cleared */
        /* After the arm (seq_cst): a terminate request either shows here,
         * or its clear of waiting comes later and ends the sleep below. */
        if (__atomic_load_n(&nls_g.terminate, __ATOMIC_SEQ_CST)) {
            nlw_ring_disarm(ctl);
            return 0;
        }
        if (nlw_futex_wait_armed(ctl, -1L) == NLW_E_SYSTEM)
            nls__corrupt(NLW_E_SYSTEM); /* no way left to wait */
        nlw_ring_disarm(ctl);
    }
    if (nls_inv.published_ns != 0) {
        nlw_spin_budget_observe(budget, nlw_now_ns() - nls_inv.published_ns);
        nls_inv.published_ns = 0;
    }
    return 1;
}

static void nls__run_one(const nlw_record *hdr, const nlw_record *rec)
{
    gg_lambda_context cxt;

    nls_inv.id = hdr->id;
    nls_inv.payload = nlw_record_payload(rec, hdr->ctx_len);
    nls_inv.payload_len = hdr->payload_len;
    nls_inv.read_pos = 0;
    nls_inv.started_ns = nlw_now_ns();
    nls_g.ch.hdr->busy_id = hdr->id;
    /* Open the result only now: the id and payload above are in place
     * before any thread can claim it (the store is a full barrier). */
    __atomic_store_n(&nls_inv.result_state, NLS_RESULT_OPEN, __ATOMIC_SEQ_CST);

    /* hdr->ctx_len <= NLW_MAX_CONTEXT_BYTES: nlw_ring_peek_copy refuses a
     * record with a longer context (nlw__record_valid in nlw_ring.c), so
     * it always fits nls__ctx. */
    memcpy(nls__ctx, nlw_record_ctx(rec), hdr->ctx_len);
    nls__ctx[hdr->ctx_len] = '\0';
    cxt.function_arn = nls_g.function_arn;
    cxt.client_context = nls__ctx;

    nls_inv.active = 1;
    nls__handler(&cxt);
    nls_inv.active = 0;
    /* A handler that wrote nothing answers an empty success. */
    nls_result_finish();
    nls_g.ch.hdr->busy_id = 0;
}

static void *nls__loop(void *arg)
{
    nlw_channel *ch = &nls_g.ch;
    nlw_spin_budget budget;
    nlw_record hdr;
    const nlw_record *rec;

    (void)arg;
    nlw_spin_budget_init(&budget, NLS_SPIN_MIN_NS, NLS_SPIN_MAX_NS);
    for (;;) {
        if (!nls__next_request(&budget, &hdr, &rec))
            nls__exit_after_work();
        if (hdr.kind == NLW_REC_INVOKE)
            nls__run_one(&hdr, rec);
        /* Released only now: the handler read the payload in place. */
        nlw_ring_consume_bytes(&ch->hdr->request, hdr.size);
    }
    return NULL;
}

static gg_error nls__send_hello(void)
{
    nlw_frame f;
    memset(&f, 0, sizeof f);
    f.body = NLW_FRAME_HELLO;
    f.hello.pid = (uint32_t)getpid();
    f.hello.sdk_version = nls_bytes_str(NLS_SDK_VERSION);
    return nls_send_frame(&f);
}

NLS_EXPORT gg_error gg_runtime_start(gg_lambda_handler handler, uint32_t opt)
{
    struct sigaction sa;
    gg_error err;
    pthread_t tid;

    if (handler == NULL || (opt & ~(uint32_t)GG_RT_OPT_ASYNC) != 0)
        return GGE_INVALID_PARAMETER;
    err = nls_require_attached("gg_runtime_start");
    if (err != GGE_SUCCESS)
        return err;
    if (nls_g.runtime_started)
        return GGE_INVALID_STATE;
    nls_g.runtime_started = 1;
    nls__handler = handler;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = nls__on_sigterm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; /* do not break the handler's own syscalls */
    if (sigaction(SIGTERM, &sa, NULL) != 0)
        return GGE_INTERNAL_FAILURE;

    /* READY first: a host that has read Hello must see READY. */
    nls_g.ch.hdr->worker_state = NLW_WORKER_READY;
    err = nls__send_hello();
    if (err != GGE_SUCCESS)
        return err;

    if (opt & GG_RT_OPT_ASYNC) {
        if (pthread_create(&tid, NULL, nls__loop, NULL) != 0)
            return GGE_INTERNAL_FAILURE;
        (void)pthread_detach(tid);
        return GGE_SUCCESS;
    }
    (void)nls__loop(NULL);
    return GGE_TERMINATE; /* not reached: the loop exits the process */
}
