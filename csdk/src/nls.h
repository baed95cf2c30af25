/*
 * nls.h - internals of the nanolambda C SDK (prefix nls_, file-private
 * helpers nls__). Nothing here is exported: the library is built with
 * -fvisibility=hidden and only NLS_EXPORT functions (the public gg_ API) are
 * visible, under the version nodes of version/greengrasssdk.map.
 */
#ifndef NLS_H
#define NLS_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "greengrasssdk.h"
#include "nlw_channel.h"
#include "nlw_control.h"

#define NLS_EXPORT __attribute__((visibility("default")))

/* Reported in the Hello frame. */
#define NLS_SDK_VERSION "1.2.0 nanolambda"

/* Input limits checked before anything goes on the wire. The frame limit
 * (NLW_MAX_FRAME_BYTES, 8 MiB) is the hard one; these leave room for the
 * rest of the frame and follow the service limits users know. Payload
 * limits are Lambda's and live in nlw_channel.h, shared with the host:
 * NLW_LAMBDA_PAYLOAD_BYTES (invoke, publish and shadow payloads) and
 * NLW_LAMBDA_RESPONSE_BYTES (a handler's response). */
#define NLS_MAX_ARN_BYTES 1024u
#define NLS_MAX_QUALIFIER_BYTES 128u
#define NLS_MAX_TOPIC_BYTES 256u       /* MQTT topic limit of AWS IoT */
#define NLS_MAX_THING_NAME_BYTES 128u  /* AWS IoT thing name limit */
#define NLS_MAX_SECRET_ID_BYTES 2048u  /* Secrets Manager SecretId limit */
#define NLS_MAX_SECRET_VERSION_BYTES 256u

/* Exit status when the host broke the protocol (a corrupt ring or frame):
 * EX_SOFTWARE. */
#define NLS_EXIT_PROTOCOL 70

/* Worker spin budget while waiting for the next request (see runtime.c). */
#define NLS_SPIN_MIN_NS 1000u
#define NLS_SPIN_MAX_NS 400000u

/* Process-wide state created by gg_global_init. */
typedef struct nls_state {
    int initialized;
    int attached;            /* 1 when started by nanolambda (channel mapped) */
    nlw_channel ch;
    int sock_fd;
    char *function_arn;      /* MY_FUNCTION_ARN, "" when unset; owned */
    pthread_mutex_t write_mu;/* one frame at a time on the socket */
    volatile sig_atomic_t terminate; /* SIGTERM or Shutdown seen (seq_cst
                                        atomics; see runtime.c) */
    int runtime_started;
} nls_state;

extern nls_state nls_g;

/* init.c */
/* Returns GGE_SUCCESS when requests/runtime may run, else logs why (once per
 * call site's what) and returns GGE_INVALID_STATE. */
gg_error nls_require_attached(const char *what);

/* control_client.c */
/* Encode f and write it whole to the socket (thread-safe, MSG_NOSIGNAL). */
gg_error nls_send_frame(const nlw_frame *f);
/* Send a prebuilt Doorbell frame (hot path, no allocation). */
void nls_send_doorbell(void);
/* Start the thread that reads frames from the host. */
gg_error nls_reader_start(void);
/* Ask the runtime loop to stop after the current invocation (async-signal
 * safe). */
void nls_request_terminate(void);

/* request.c: the pending table and the request life cycle. */
/* Send req (id filled in here) and wait for its Reply. On GGE_SUCCESS the
 * status is in *result and the payload is held by ggreq for
 * gg_request_read. */
gg_error nls_request_call(gg_request ggreq, nlw_frame *f,
                          gg_request_result *result);
/* Deliver a Reply from the reader thread. */
void nls_request_deliver(const nlw_reply *reply);

/* The invocation the handler is running (runtime.c sets it up,
 * handler_io.c serves the handler's calls). Only the runtime thread starts
 * and ends an invocation.
 *
 * The one result of an invocation is claimed by a compare-and-swap of
 * result_state from OPEN to CLAIMED; the id is read only after the claim
 * succeeded and travels with it (nls_result_claim returns it), so a write
 * racing the end of an invocation either lands on that invocation or is
 * refused. The runtime starts the next invocation only once the state has
 * left CLAIMED, so id never changes under a claim. */
#define NLS_RESULT_IDLE 0      /* no invocation: writes are refused */
#define NLS_RESULT_OPEN 1      /* handler running, no result yet */
#define NLS_RESULT_CLAIMED 2   /* a result is being written */
#define NLS_RESULT_PUBLISHED 3 /* the result is in the ring: writes refused */

typedef struct nls_invocation {
    const unsigned char *payload; /* in place in the request ring */
    size_t payload_len;
    size_t read_pos;
    uint32_t id;                  /* stable while result_state != IDLE */
    volatile int active;          /* 1 while the handler runs */
    volatile int result_state;    /* NLS_RESULT_* */
    uint64_t started_ns;          /* when the handler was called */
    uint64_t published_ns;        /* when the last result was published */
} nls_invocation;

extern nls_invocation nls_inv;

/* handler_io.c */
/* Claim the one result of the current invocation: its id if the caller may
 * write it, 0 if there is none open (no invocation, or its result was
 * already written or is being written). */
uint32_t nls_result_claim(void);
/* Write the result claimed for invocation id into the result ring and make
 * it visible. On failure the claim is released so the handler can still
 * report an error. A success response larger than NLW_LAMBDA_RESPONSE_BYTES
 * (or than the ring takes) is published as NLW_STATUS_TOO_LARGE carrying
 * the attempted size, and GGE_INVALID_PARAMETER is returned; an error
 * message that long is cut to fit. */
gg_error nls_result_publish(uint32_t id, uint32_t status, const void *data,
                            size_t len);
/* Runtime thread, after the handler returned: answer an empty success
 * unless a result was written, waiting for one another thread is still
 * writing; then close the invocation (IDLE). */
void nls_result_finish(void);

/* validate.c */
/* 1 if s is non-NULL, 1..max bytes long (NUL not counted). */
int nls_str_ok(const char *s, size_t max);
/* 1 if s is NULL or at most max bytes long. */
int nls_opt_str_ok(const char *s, size_t max);
/* A borrowed nlw_bytes view of a NUL-terminated string (NULL -> empty). */
nlw_bytes nls_bytes_str(const char *s);

#endif /* NLS_H */
