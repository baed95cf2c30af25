/*
 * request.c - gg_request handles and the table of requests waiting for a
 * Reply. Any number of threads may have requests in flight, each on its own
 * handle: a caller blocks on its handle's condition variable until the
 * reader thread delivers the Reply with the matching id.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "nls.h"

enum {
    NLS_REQ_IDLE = 0,    /* no answer held */
    NLS_REQ_PENDING = 1, /* sent, waiting for the Reply */
    NLS_REQ_DONE = 2     /* answer held in data, read from pos */
};

struct _gg_request {
    pthread_cond_t cond;
    int state;
    int oom;                  /* the Reply arrived but could not be kept */
    uint32_t id;
    gg_request_status status;
    unsigned char *data;      /* owned copy of the Reply payload */
    size_t len;
    size_t pos;
    struct _gg_request *next; /* link in nls__pending while PENDING */
};

/* Guards every handle's state and the pending list. Held only for short
 * bookkeeping and payload copies, never across a socket write. */
static pthread_mutex_t nls__req_mu = PTHREAD_MUTEX_INITIALIZER;
static struct _gg_request *nls__pending;
static uint32_t nls__last_id;

static void nls__drop_answer(gg_request r)
{
    free(r->data);
    r->data = NULL;
    r->len = 0;
    r->pos = 0;
    r->oom = 0;
    r->state = NLS_REQ_IDLE;
}

static void nls__unlink(gg_request r)
{
    gg_request *p = &nls__pending;
    while (*p != NULL) {
        if (*p == r) {
            *p = r->next;
            break;
        }
        p = &(*p)->next;
    }
    r->next = NULL;
}

static int nls__id_in_use(uint32_t id)
{
    gg_request r;
    for (r = nls__pending; r != NULL; r = r->next)
        if (r->id == id)
            return 1;
    return 0;
}

NLS_EXPORT gg_error gg_request_init(gg_request *ggreq)
{
    gg_request r;

    if (ggreq == NULL)
        return GGE_INVALID_PARAMETER;
    *ggreq = NULL;
    r = (gg_request)calloc(1, sizeof *r);
    if (r == NULL)
        return GGE_OUT_OF_MEMORY;
    if (pthread_cond_init(&r->cond, NULL) != 0) {
        free(r);
        return GGE_INTERNAL_FAILURE;
    }
    *ggreq = r;
    return GGE_SUCCESS;
}

NLS_EXPORT gg_error gg_request_close(gg_request ggreq)
{
    if (ggreq == NULL)
        return GGE_INVALID_PARAMETER;
    pthread_mutex_lock(&nls__req_mu);
    if (ggreq->state == NLS_REQ_PENDING) {
        pthread_mutex_unlock(&nls__req_mu);
        return GGE_INVALID_STATE;
    }
    nls__drop_answer(ggreq);
    pthread_mutex_unlock(&nls__req_mu);
    pthread_cond_destroy(&ggreq->cond);
    free(ggreq);
    return GGE_SUCCESS;
}

NLS_EXPORT gg_error gg_request_reuse(gg_request ggreq)
{
    gg_error err = GGE_SUCCESS;

    if (ggreq == NULL)
        return GGE_INVALID_PARAMETER;
    pthread_mutex_lock(&nls__req_mu);
    if (ggreq->state == NLS_REQ_PENDING)
        err = GGE_INVALID_STATE;
    else
        nls__drop_answer(ggreq);
    pthread_mutex_unlock(&nls__req_mu);
    return err;
}

NLS_EXPORT gg_error gg_request_read(gg_request ggreq, void *buffer,
                                    size_t buffer_size, size_t *amount_read)
{
    size_t n;

    if (ggreq == NULL || amount_read == NULL ||
        (buffer == NULL && buffer_size > 0))
        return GGE_INVALID_PARAMETER;
    pthread_mutex_lock(&nls__req_mu);
    if (ggreq->state == NLS_REQ_PENDING) {
        pthread_mutex_unlock(&nls__req_mu);
        return GGE_INVALID_STATE;
    }
    n = ggreq->len - ggreq->pos;
    if (n > buffer_size)
        n = buffer_size;
    if (n > 0)
        memcpy(buffer, ggreq->data + ggreq->pos, n);
    ggreq->pos += n;
    pthread_mutex_unlock(&nls__req_mu);
    *amount_read = n;
    return GGE_SUCCESS;
}

gg_error nls_request_call(gg_request ggreq, nlw_frame *f,
                          gg_request_result *result)
{
    gg_error err;

    pthread_mutex_lock(&nls__req_mu);
    if (ggreq->state == NLS_REQ_PENDING) {
        pthread_mutex_unlock(&nls__req_mu);
        return GGE_INVALID_STATE; /* one operation per handle at a time */
    }
    nls__drop_answer(ggreq);
    do {
        nls__last_id++;
    } while (nls__last_id == 0 || nls__id_in_use(nls__last_id));
    ggreq->id = nls__last_id;
    ggreq->state = NLS_REQ_PENDING;
    ggreq->next = nls__pending;
    nls__pending = ggreq;
    pthread_mutex_unlock(&nls__req_mu);

    f->body = NLW_FRAME_REQUEST;
    f->request.id = ggreq->id;
    err = nls_send_frame(f);

    pthread_mutex_lock(&nls__req_mu);
    if (err != GGE_SUCCESS) {
        nls__unlink(ggreq);
        ggreq->state = NLS_REQ_IDLE;
        pthread_mutex_unlock(&nls__req_mu);
        return err;
    }
    /* No timeout: the host answers every request, and if the host goes away
     * the reader thread ends the process. */
    while (ggreq->state == NLS_REQ_PENDING)
        pthread_cond_wait(&ggreq->cond, &nls__req_mu);
    if (ggreq->oom) {
        nls__drop_answer(ggreq);
        err = GGE_OUT_OF_MEMORY;
    } else {
        result->request_status = ggreq->status;
    }
    pthread_mutex_unlock(&nls__req_mu);
    return err;
}

void nls_request_deliver(const nlw_reply *reply)
{
    gg_request r;

    pthread_mutex_lock(&nls__req_mu);
    for (r = nls__pending; r != NULL; r = r->next)
        if (r->id == reply->id)
            break;
    if (r == NULL) {
        pthread_mutex_unlock(&nls__req_mu);
        return; /* no such request: a confused host; nothing to wake */
    }
    nls__unlink(r);
    r->status = reply->status <= (uint32_t)GG_REQUEST_AGAIN
                    ? (gg_request_status)reply->status
                    : GG_REQUEST_UNKNOWN;
    if (reply->payload.len > 0) {
        /* Copied: the frame buffer is reused for the next frame. Its length
         * is already bounded by NLW_MAX_FRAME_BYTES. */
        r->data = (unsigned char *)malloc(reply->payload.len);
        if (r->data == NULL)
            r->oom = 1;
        else
            memcpy(r->data, reply->payload.data, reply->payload.len);
    }
    r->len = r->data != NULL ? reply->payload.len : 0;
    r->pos = 0;
    r->state = NLS_REQ_DONE;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&nls__req_mu);
}
