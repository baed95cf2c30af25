/*
 * control_client.c - the worker's end of the control socket: writing frames
 * (any thread, serialised by nls_g.write_mu) and the one reader thread that
 * dispatches frames from the host.
 *
 * When the socket reaches EOF or fails, the host is gone. The reader then
 * ends the process at once with _exit(0): a worker must never outlive its
 * host (nobody would collect its results or stop it), and running atexit
 * handlers or flushing stdio from this thread could block on locks held by
 * a handler that is mid-call. A malformed frame means the stream can no
 * longer be trusted; that is logged and ends the process with status 70.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nls.h"

/* Frames up to this size are read into a buffer kept between frames;
 * larger ones get a buffer of their own that is freed right after. */
#define NLS_READ_KEEP_BYTES (64u * 1024u)

static unsigned char nls__doorbell[NLW_FRAME_PREFIX_BYTES + 8];
static size_t nls__doorbell_len;

/* Wait until the socket is ready for events (or timeout_ms passes). */
static void nls__wait_socket(short events, int timeout_ms)
{
    struct pollfd p;
    p.fd = nls_g.sock_fd;
    p.events = events;
    p.revents = 0;
    (void)poll(&p, 1, timeout_ms);
}

/* Write all of buf; the socket may be non-blocking, so wait for room. */
static int nls__send_all(const unsigned char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(nls_g.sock_fd, buf, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                nls__wait_socket(POLLOUT, 100);
                continue;
            }
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

gg_error nls_send_frame(const nlw_frame *f)
{
    size_t body = nlw_frame_encoded_size(f);
    unsigned char *buf;
    int rc;

    if (body == 0 || body > NLW_MAX_FRAME_BYTES)
        return GGE_INVALID_PARAMETER;
    buf = (unsigned char *)malloc(NLW_FRAME_PREFIX_BYTES + body);
    if (buf == NULL)
        return GGE_OUT_OF_MEMORY;
    nlw_frame_prefix(buf, (uint32_t)body);
    (void)nlw_frame_encode(f, buf + NLW_FRAME_PREFIX_BYTES);

    pthread_mutex_lock(&nls_g.write_mu);
    rc = nls__send_all(buf, NLW_FRAME_PREFIX_BYTES + body);
    pthread_mutex_unlock(&nls_g.write_mu);
    free(buf);
    return rc == 0 ? GGE_SUCCESS : GGE_INTERNAL_FAILURE;
}

void nls_send_doorbell(void)
{
    pthread_mutex_lock(&nls_g.write_mu);
    (void)nls__send_all(nls__doorbell, nls__doorbell_len);
    pthread_mutex_unlock(&nls_g.write_mu);
}

/* Called from the SIGTERM handler and the reader thread: atomics and a raw
 * futex system call only (async-signal-safe). The flag first, then the
 * clear: the runtime loop arms waiting and then reads terminate, so either
 * it sees terminate or we see waiting == 1 and end its sleep. A producer
 * may clear waiting first; then its own wake ends the sleep. */
void nls_request_terminate(void)
{
    nlw_ring_ctl *ctl;

    __atomic_store_n(&nls_g.terminate, 1, __ATOMIC_SEQ_CST);
    if (!nls_g.attached)
        return;
    ctl = &nls_g.ch.hdr->request;
    if (__atomic_load_n(&ctl->waiting, __ATOMIC_SEQ_CST) == 1u &&
        __atomic_exchange_n(&ctl->waiting, 0u, __ATOMIC_SEQ_CST) == 1u)
        nlw_futex_wake_armed(ctl);
}

/* Read exactly len bytes. Returns 0, or -1 on EOF or error. */
static int nls__read_all(unsigned char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = read(nls_g.sock_fd, buf, len);
        if (n == 0)
            return -1;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                nls__wait_socket(POLLIN, -1);
                continue;
            }
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static void nls__protocol_error(const char *why)
{
    gg_log(GG_LOG_FATAL, "nanolambda: malformed control frame from the host "
           "(%s); exiting", why);
    _exit(NLS_EXIT_PROTOCOL);
}

static void nls__dispatch(const unsigned char *body, size_t len)
{
    nlw_frame f;

    if (nlw_frame_decode(body, len, &f) != NLW_OK)
        nls__protocol_error("undecodable frame");
    switch (f.body) {
    case NLW_FRAME_REPLY:
        nls_request_deliver(&f.reply);
        break;
    case NLW_FRAME_SHUTDOWN:
        nls_request_terminate();
        break;
    default:
        break; /* frames meant for the host side are ignored */
    }
}

static void *nls__reader_main(void *arg)
{
    unsigned char prefix[NLW_FRAME_PREFIX_BYTES];
    unsigned char *keep = (unsigned char *)malloc(NLS_READ_KEEP_BYTES);
    uint32_t len;

    (void)arg;
    if (keep == NULL)
        _exit(NLS_EXIT_PROTOCOL);
    for (;;) {
        unsigned char *buf;

        if (nls__read_all(prefix, sizeof prefix) != 0)
            _exit(0); /* the host is gone */
        if (nlw_frame_prefix_read(prefix, &len) != NLW_OK)
            nls__protocol_error("bad length prefix");
        buf = len <= NLS_READ_KEEP_BYTES ? keep : (unsigned char *)malloc(len);
        if (buf == NULL)
            nls__protocol_error("no memory for a frame");
        if (nls__read_all(buf, len) != 0)
            _exit(0);
        nls__dispatch(buf, len);
        if (buf != keep)
            free(buf);
    }
    return NULL;
}

gg_error nls_reader_start(void)
{
    nlw_frame f;
    pthread_t tid;
    pthread_attr_t attr;
    sigset_t all, old;
    int rc;
    size_t body;

    /* Prebuild the Doorbell so the hot path neither encodes nor allocates. */
    memset(&f, 0, sizeof f);
    f.body = NLW_FRAME_DOORBELL;
    body = nlw_frame_encoded_size(&f);
    if (body == 0 || body > sizeof nls__doorbell - NLW_FRAME_PREFIX_BYTES)
        return GGE_INTERNAL_FAILURE;
    nlw_frame_prefix(nls__doorbell, (uint32_t)body);
    (void)nlw_frame_encode(&f, nls__doorbell + NLW_FRAME_PREFIX_BYTES);
    nls__doorbell_len = NLW_FRAME_PREFIX_BYTES + body;

    /* The reader takes no signals: SIGTERM and the application's own
     * signals belong to the application's threads. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&tid, &attr, nls__reader_main, NULL);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc == 0 ? GGE_SUCCESS : GGE_INTERNAL_FAILURE;
}
