/*
 * greengrasssdk.h - the C API of nanolambda's libaws-greengrass-core-sdk-c.so.
 *
 * Programs written for the AWS IoT Greengrass V1 Core SDK for C (API level
 * 1.2) compile against this header unchanged and run against this library:
 * the type names, enumerator values, structure layouts, function signatures
 * and symbol versions are the same as in that SDK. The text is our own.
 *
 * Conventions used throughout:
 *  - Every function returns a gg_error; GGE_SUCCESS (0) means the call did
 *    what it says. Results come back through out-parameters.
 *  - gg_request and gg_publish_options are opaque handles owned by the
 *    caller from *_init until the matching close/free.
 *  - "borrowed" means the library reads the memory during the call only and
 *    keeps no pointer to it; the caller keeps ownership.
 *  - Every enum ends with a 0x7FFFFFFF member so that its size is that of an
 *    int on every compiler; *_RESERVED_* members are not valid arguments.
 *
 * The header is C89 and may be included from C++.
 */
#ifndef NANOLAMBDA_GREENGRASSSDK_H
#define NANOLAMBDA_GREENGRASSSDK_H

#include <stdlib.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Outcome of an SDK call (not of the remote operation: see
 * gg_request_status for that). */
typedef enum gg_error {
    GGE_SUCCESS = 0,           /* the call succeeded */
    GGE_OUT_OF_MEMORY = 1,     /* an allocation failed */
    GGE_INVALID_PARAMETER = 2, /* an argument was NULL, out of range or too long */
    GGE_INVALID_STATE = 3,     /* the call is not allowed now (e.g. not inside
                                  a handler, or not started by a runtime) */
    GGE_INTERNAL_FAILURE = 4,  /* the runtime could not be reached */
    GGE_TERMINATE = 5,         /* the runtime is shutting down */
    GGE_RESERVED_MAX = 6,
    GGE_RESERVED_PAD = 0x7FFFFFFF
} gg_error;

/* Handle for one outgoing operation (invoke, publish, shadow, secret) and
 * its answer. Create with gg_request_init, release with gg_request_close. */
typedef struct _gg_request *gg_request;

/* Outcome of the remote operation behind a gg_request. */
typedef enum gg_request_status {
    GG_REQUEST_SUCCESS = 0,   /* done; gg_request_read returns the answer */
    GG_REQUEST_HANDLED = 1,   /* the target reported an error it handled;
                                 gg_request_read returns the error text */
    GG_REQUEST_UNHANDLED = 2, /* the target failed (crash, timeout, missing);
                                 gg_request_read returns an error document */
    GG_REQUEST_UNKNOWN = 3,   /* the outcome could not be determined */
    GG_REQUEST_AGAIN = 4,     /* refused for now (e.g. queue full); retry */
    GG_REQUEST_RESERVED_MAX = 5,
    GG_REQUEST_RESERVED_PAD = 0x7FFFFFFF
} gg_request_status;

/* Filled by every request call that returns GGE_SUCCESS. */
typedef struct gg_request_result {
    gg_request_status request_status;
} gg_request_result;

/* What a handler learns about the invocation it runs. Both strings are
 * NUL-terminated, owned by the runtime and valid until the handler returns. */
typedef struct gg_lambda_context {
    const char *function_arn;   /* qualified ARN of this function */
    const char *client_context; /* the caller's client context (base64 JSON),
                                   "" when there is none */
} gg_lambda_context;

/* How gg_invoke runs the target. Note that EVENT is 0: a zeroed
 * gg_invoke_options asks for an asynchronous invoke. */
typedef enum gg_invoke_type {
    GG_INVOKE_EVENT = 0,            /* queue the invocation; no result body */
    GG_INVOKE_REQUEST_RESPONSE = 1, /* wait for the target's response */
    GG_INVOKE_RESERVED_MAX = 2,
    GG_INVOKE_RESERVED_PAD = 0x7FFFFFFF
} gg_invoke_type;

/* Bits of the opt argument of gg_runtime_start. */
typedef enum gg_runtime_opt {
    GG_RT_OPT_ASYNC = 0x1, /* run the dispatch loop on a new thread and return;
                              that thread ends when the process exits */
    GG_RT_OPT_RESERVED_PAD = 0x7FFFFFFF
} gg_runtime_opt;

/* Arguments of gg_invoke. All pointers are borrowed for the call. */
typedef struct gg_invoke_options {
    const char *function_arn;     /* target, NUL-terminated; required */
    const char *customer_context; /* base64 JSON client context, or NULL */
    const char *qualifier;        /* version or alias, or NULL */
    gg_invoke_type type;
    const void *payload;          /* payload_size bytes, NULL if size is 0 */
    size_t payload_size;
} gg_invoke_options;

/* What a publish does when the destination queue is full. */
typedef enum gg_queue_full_policy_options {
    GG_QUEUE_FULL_POLICY_BEST_EFFORT = 0,  /* deliver where possible */
    GG_QUEUE_FULL_POLICY_ALL_OR_ERROR = 1, /* deliver everywhere or answer
                                              GG_REQUEST_AGAIN */
    GG_QUEUE_FULL_POLICY_RESERVED_MAX = 2,
    GG_QUEUE_FULL_POLICY_RESERVED_PAD = 0x7FFFFFFF
} gg_queue_full_policy_options;

/* Options of gg_publish_with_options. Create with gg_publish_options_init,
 * release with gg_publish_options_free. */
typedef struct _gg_publish_options *gg_publish_options;

/* Severity of a gg_log line. */
typedef enum gg_log_level {
    GG_LOG_RESERVED_NOTSET = 0,
    GG_LOG_DEBUG = 1,
    GG_LOG_INFO = 2,
    GG_LOG_WARN = 3,
    GG_LOG_ERROR = 4,
    GG_LOG_FATAL = 5,
    GG_LOG_RESERVED_MAX = 6,
    GG_LOG_RESERVED_PAD = 0x7FFFFFFF
} gg_log_level;

/* ---- Process setup -------------------------------------------------------- */

/* Prepare the library. Call it once from main before creating any thread and
 * before any other gg_ call except gg_log. opt is reserved: pass 0 (anything
 * else gives GGE_INVALID_PARAMETER). Outside a nanolambda worker the library
 * runs "standalone": gg_log works, the runtime and requests do not. */
gg_error gg_global_init(uint32_t opt);

/* Write one line "[time][LEVEL]-message" to the function's log (stderr).
 * format is a printf format, borrowed. Lines longer than the internal limit
 * are cut and end in "...". Safe from any thread. */
gg_error gg_log(gg_log_level level, const char *format, ...);

/* ---- Requests -------------------------------------------------------------- */

/* Create a request handle in *ggreq. The caller owns it and must release it
 * with gg_request_close. A handle carries one operation at a time. */
gg_error gg_request_init(gg_request *ggreq);

/* Release a handle and any answer not yet read. Not while an operation on
 * it is still running in another thread (GGE_INVALID_STATE). */
gg_error gg_request_close(gg_request ggreq);

/* Make a handle ready for another operation, discarding any answer not yet
 * read. Starting a new operation on a handle does this implicitly. This
 * function is exported by every 1.x library but was missing from the public
 * header. */
gg_error gg_request_reuse(gg_request ggreq);

/* Copy up to buffer_size bytes of the answer of the last operation into
 * buffer (owned by the caller) and store the count in *amount_read. Reads
 * continue where the previous one stopped; *amount_read == 0 means the whole
 * answer has been read. */
gg_error gg_request_read(gg_request ggreq, void *buffer, size_t buffer_size,
                         size_t *amount_read);

/* ---- Running as a Lambda function ------------------------------------------ */

/* Called once per invocation with a context valid until it returns. */
typedef void (*gg_lambda_handler)(const gg_lambda_context *cxt);

/* Connect to the runtime and dispatch invocations to handler. Installs a
 * SIGTERM handler: on SIGTERM (or a shutdown from the runtime) the current
 * invocation finishes and the process exits with status 0. With opt == 0 it
 * never returns on success; with GG_RT_OPT_ASYNC it starts the loop on a new
 * thread and returns GGE_SUCCESS. Other bits give GGE_INVALID_PARAMETER. */
gg_error gg_runtime_start(gg_lambda_handler handler, uint32_t opt);

/* Inside a handler: copy up to buffer_size bytes of the invocation payload
 * into buffer (owned by the caller); *amount_read == 0 at the end. */
gg_error gg_lambda_handler_read(void *buffer, size_t buffer_size,
                                size_t *amount_read);

/* Inside a handler: send response_size bytes (borrowed) as the result. Only
 * the first write_response/write_error of an invocation counts; later ones,
 * and writes after the invocation ended, give GGE_INVALID_STATE. A handler
 * that writes nothing answers an empty success. A response above Lambda's
 * limit (6 MiB + 100 bytes) gives GGE_INVALID_PARAMETER and counts as the
 * result: the invoker gets Function.ResponseSizeTooLarge, not a success. */
gg_error gg_lambda_handler_write_response(const void *response,
                                          size_t response_size);

/* Inside a handler: fail the invocation with error_message (NUL-terminated,
 * borrowed); the invoker sees GG_REQUEST_HANDLED and reads the message. */
gg_error gg_lambda_handler_write_error(const char *error_message);

/* ---- Services ------------------------------------------------------------------ */

/* Fetch a secret from the local secrets service; the answer (secret JSON or
 * an error document) is read with gg_request_read. secret_id is required;
 * version_id and version_stage may be NULL. All strings are borrowed. */
gg_error gg_get_secret_value(gg_request ggreq, const char *secret_id,
                             const char *version_id, const char *version_stage,
                             gg_request_result *result);

/* Invoke another function. opts and everything it points at are borrowed.
 * For GG_INVOKE_REQUEST_RESPONSE the answer is the target's response (or its
 * error text), read with gg_request_read. */
gg_error gg_invoke(gg_request ggreq, const gg_invoke_options *opts,
                   gg_request_result *result);

/* Create publish options in *opts (queue-full policy BEST_EFFORT). The
 * caller owns them and must release them with gg_publish_options_free. */
gg_error gg_publish_options_init(gg_publish_options *opts);

/* Release publish options. */
gg_error gg_publish_options_free(gg_publish_options opts);

/* Choose what a publish with these options does when a queue is full. */
gg_error gg_publish_options_set_queue_full_policy(gg_publish_options opts,
        gg_queue_full_policy_options policy);

/* Publish payload_size bytes (borrowed) on topic (NUL-terminated, borrowed).
 * opts may be NULL for the defaults. Under ALL_OR_ERROR a full queue gives
 * request_status GG_REQUEST_AGAIN. */
gg_error gg_publish_with_options(gg_request ggreq, const char *topic,
        const void *payload, size_t payload_size, const gg_publish_options opts,
        gg_request_result *result);

/* gg_publish_with_options with default options. */
gg_error gg_publish(gg_request ggreq, const char *topic, const void *payload,
                    size_t payload_size, gg_request_result *result);

/* Read the shadow document of thing_name (borrowed) from the local shadow
 * service; the JSON answer is read with gg_request_read. */
gg_error gg_get_thing_shadow(gg_request ggreq, const char *thing_name,
                             gg_request_result *result);

/* Update the shadow of thing_name with update_payload, a NUL-terminated JSON
 * document (borrowed). */
gg_error gg_update_thing_shadow(gg_request ggreq, const char *thing_name,
                                const char *update_payload,
                                gg_request_result *result);

/* Delete the shadow of thing_name (borrowed). */
gg_error gg_delete_thing_shadow(gg_request ggreq, const char *thing_name,
                                gg_request_result *result);

#ifdef __cplusplus
}
#endif

#endif /* NANOLAMBDA_GREENGRASSSDK_H */
