/*
 * bench_invoker - the C side of `nanolambda bench --via gg-invoke`: each
 * invocation of it is one "round" that calls a target function with
 * gg_invoke (RequestResponse) up to `count` times and times every call with
 * CLOCK_MONOTONIC, so the figures are those a C function calling another
 * through the runtime sees, with no TypeScript on the measured path.
 *
 * Everything is little-endian and read byte by byte (no struct overlay, no
 * alignment assumptions). The request (this function's payload):
 *
 *   off len
 *    0   4  magic "NLB2"
 *    4   4  count           calls to make, 1..BI_MAX_CALLS
 *    8   8  interval_ns     0: back to back; else call i is due at
 *   16   8  first_due_ns      t0 + first_due_ns + i * interval_ns, t0 being
 *                             when this invoker received the round, and its
 *                             latency counts from that due time.
 *                             first_due_ns is signed (two's complement):
 *                             negative when call 0 is already late. It is 0
 *                             when interval_ns is 0.
 *   24   8  budget_ns       0: none; else no call after the first starts
 *                             once budget_ns have passed since t0 (nor, on
 *                             a schedule, is due then or later). A late
 *                             caller stops there too: the rest go back to
 *                             the bench. The first call is always made, so
 *                             every round makes progress.
 *   32   4  name_len        1..BI_MAX_NAME
 *   36   4  qualifier_len   0 (none)..BI_MAX_QUALIFIER
 *   40   4  payload_len     the rest of the request
 *   44      name, qualifier, payload
 *
 * The response:
 *
 *    0   4  magic "NLR1"
 *    4   4  calls made
 *    8   4  length of the first function error's text (0..BI_MAX_MESSAGE)
 *   12   4  length of the first failed call's text (0..BI_MAX_MESSAGE)
 *   16      the two texts, then per call 17 bytes:
 *           latency_ns (8), end_ns (8, CLOCK_MONOTONIC), outcome (1:
 *           0 ok, 1 the target failed (HANDLED/UNHANDLED), 2 the call did
 *           not happen (gg_invoke error, UNKNOWN, AGAIN))
 *
 * Offsets, intervals, budgets and a round's whole schedule are at most
 * BI_MAX_SPAN_NS (8 days), so no time arithmetic can overflow. Relative
 * times keep a round's dispatch out of its measurements and its budget.
 * A request it cannot parse fails the invocation with a message naming the
 * field at fault. The runtime's clock and this one are the same
 * CLOCK_MONOTONIC (one host, no time namespace), so the bench can place the
 * calls on its own timeline.
 */
#define _POSIX_C_SOURCE 200112L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "greengrasssdk.h"

#define BI_HEADER 44u
#define BI_MAX_CALLS 100000u
#define BI_MAX_NAME 1024u
#define BI_MAX_QUALIFIER 128u
/* The invoke payload limit (6 MiB): a request can never be larger than this. */
#define BI_MAX_REQUEST (6u * 1024u * 1024u)
#define BI_MAX_SPAN_NS ((uint64_t)8u * 86400u * 1000000000u)
#define BI_MAX_MESSAGE 300u
#define BI_RECORD 17u

enum bi_outcome { BI_OK = 0, BI_FUNCTION_ERROR = 1, BI_FAILED = 2 };

struct bi_request {
    uint32_t count;
    uint64_t interval_ns;
    int64_t first_due_ns;
    uint64_t budget_ns;
    char name[BI_MAX_NAME + 1];
    char qualifier[BI_MAX_QUALIFIER + 1];
    const unsigned char *payload;
    size_t payload_len;
};

/* Kept across invocations: a warm invoker does not allocate. */
static unsigned char *request_buf;
static size_t request_cap;
static unsigned char *response_buf;
static size_t response_cap;
static char drain[64 * 1024];

static uint32_t bi__u32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static uint64_t bi__u64(const unsigned char *p)
{
    return (uint64_t)bi__u32(p) | ((uint64_t)bi__u32(p + 4) << 32);
}

/* Two's complement without implementation-defined conversions. */
static int64_t bi__i64(const unsigned char *p)
{
    uint64_t v = bi__u64(p);
    if (v <= (uint64_t)INT64_MAX)
        return (int64_t)v;
    return -(int64_t)(UINT64_MAX - v) - 1;
}

static void bi__put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v & 0xffu);
    p[1] = (unsigned char)((v >> 8) & 0xffu);
    p[2] = (unsigned char)((v >> 16) & 0xffu);
    p[3] = (unsigned char)((v >> 24) & 0xffu);
}

static void bi__put_u64(unsigned char *p, uint64_t v)
{
    bi__put_u32(p, (uint32_t)(v & 0xffffffffu));
    bi__put_u32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t bi__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void bi__sleep_until(uint64_t due_ns)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(due_ns / 1000000000u);
    ts.tv_nsec = (long)(due_ns % 1000000000u);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* Read the whole payload into request_buf; NULL with *why set on failure. */
static const unsigned char *bi__read_request(size_t *len, const char **why)
{
    size_t got = 0, n = 0;
    for (;;) {
        if (got == request_cap) {
            size_t want = request_cap == 0 ? 65536u : request_cap * 2u;
            unsigned char *p;
            /* The buffer stops growing one byte past the limit: filling it
             * means the request is over the limit. */
            if (request_cap > BI_MAX_REQUEST) {
                *why = "bench_invoker: the request is larger than 6 MiB (6291456 bytes)";
                return NULL;
            }
            if (want > BI_MAX_REQUEST + 1u)
                want = BI_MAX_REQUEST + 1u;
            p = (unsigned char *)realloc(request_buf, want);
            if (p == NULL) {
                *why = "bench_invoker: out of memory reading the request";
                return NULL;
            }
            request_buf = p;
            request_cap = want;
        }
        if (gg_lambda_handler_read(request_buf + got, request_cap - got, &n) !=
            GGE_SUCCESS) {
            *why = "bench_invoker: cannot read the request";
            return NULL;
        }
        if (n == 0)
            break;
        got += n;
    }
    *len = got;
    return request_buf;
}

/* Fill *req from the bytes; NULL on success, else what is wrong. */
static const char *bi__parse(const unsigned char *b, size_t len,
                             struct bi_request *req)
{
    uint32_t name_len, qualifier_len, payload_len;

    if (len < BI_HEADER || memcmp(b, "NLB2", 4) != 0)
        return "bench_invoker: the request does not start with the NLB2 header";
    req->count = bi__u32(b + 4);
    req->interval_ns = bi__u64(b + 8);
    req->first_due_ns = bi__i64(b + 16);
    req->budget_ns = bi__u64(b + 24);
    name_len = bi__u32(b + 32);
    qualifier_len = bi__u32(b + 36);
    payload_len = bi__u32(b + 40);
    if (req->count < 1u || req->count > BI_MAX_CALLS)
        return "bench_invoker: count must be from 1 to 100000";
    if (name_len < 1u || name_len > BI_MAX_NAME)
        return "bench_invoker: the target name must be 1 to 1024 bytes";
    if (qualifier_len > BI_MAX_QUALIFIER)
        return "bench_invoker: the qualifier must be at most 128 bytes";
    if (req->interval_ns > BI_MAX_SPAN_NS)
        return "bench_invoker: interval_ns must be at most 8 days";
    if (req->first_due_ns > (int64_t)BI_MAX_SPAN_NS ||
        req->first_due_ns < -(int64_t)BI_MAX_SPAN_NS)
        return "bench_invoker: first_due_ns must be within 8 days either way";
    if (req->interval_ns == 0 && req->first_due_ns != 0)
        return "bench_invoker: first_due_ns must be 0 when interval_ns is 0 (back to back)";
    if (req->budget_ns > BI_MAX_SPAN_NS)
        return "bench_invoker: budget_ns must be at most 8 days";
    /* Divided, not multiplied: the product could overflow. */
    if (req->interval_ns > 0 &&
        (uint64_t)(req->count - 1u) > BI_MAX_SPAN_NS / req->interval_ns)
        return "bench_invoker: count * interval_ns spans more than 8 days";
    /* Name and qualifier are bounded above, so their sum cannot wrap even
     * in a 32-bit size_t; only then is the payload's length compared. */
    if (len - BI_HEADER < (size_t)name_len + qualifier_len ||
        (size_t)payload_len != len - BI_HEADER - name_len - qualifier_len)
        return "bench_invoker: the name, qualifier and payload lengths do not add up to the request's size";
    memcpy(req->name, b + BI_HEADER, name_len);
    req->name[name_len] = '\0';
    memcpy(req->qualifier, b + BI_HEADER + name_len, qualifier_len);
    req->qualifier[qualifier_len] = '\0';
    if (strlen(req->name) != name_len || strlen(req->qualifier) != qualifier_len)
        return "bench_invoker: the target name and qualifier must not contain NUL bytes";
    req->payload = b + BI_HEADER + name_len + qualifier_len;
    req->payload_len = payload_len;
    return NULL;
}

/* Keep the first BI_MAX_MESSAGE bytes of a text; returns its length. */
static uint32_t bi__keep(char *to, const char *text, size_t len)
{
    size_t n = len < BI_MAX_MESSAGE ? len : BI_MAX_MESSAGE;
    memcpy(to, text, n);
    return (uint32_t)n;
}

/* One call: invoke, read the whole answer (part of what a caller waits
 * for), classify. The answer's head is kept in *head for error texts. */
static enum bi_outcome bi__call(gg_request req, const gg_invoke_options *opts,
                                char *head, size_t *head_len)
{
    gg_request_result result;
    gg_error err;
    size_t n = 0, total = 0;

    err = gg_invoke(req, opts, &result);
    if (err != GGE_SUCCESS) {
        /* The bench prefixes failed calls' text with "gg_invoke: ". */
        *head_len = (size_t)sprintf(head, "gg_error %d", (int)err);
        return BI_FAILED;
    }
    while (gg_request_read(req, drain, sizeof drain, &n) == GGE_SUCCESS &&
           n > 0) {
        if (total < BI_MAX_MESSAGE) {
            size_t keep = BI_MAX_MESSAGE - total < n ? BI_MAX_MESSAGE - total : n;
            memcpy(head + total, drain, keep);
        }
        total += n;
    }
    *head_len = total < BI_MAX_MESSAGE ? total : BI_MAX_MESSAGE;
    switch (result.request_status) {
    case GG_REQUEST_SUCCESS:
        return BI_OK;
    case GG_REQUEST_HANDLED:
    case GG_REQUEST_UNHANDLED:
        return BI_FUNCTION_ERROR;
    default:
        return BI_FAILED;
    }
}

static void handler(const gg_lambda_context *cxt)
{
    static struct bi_request req;
    static char fn_error[BI_MAX_MESSAGE], failure[BI_MAX_MESSAGE];
    char head[BI_MAX_MESSAGE + 64];
    uint32_t fn_error_len = 0, failure_len = 0, made = 0, i;
    uint64_t t0, deadline, first_due;
    const unsigned char *raw;
    const char *why = NULL;
    size_t len = 0, need, head_len = 0, at;
    gg_invoke_options opts;
    gg_request greq = NULL;

    (void)cxt;
    raw = bi__read_request(&len, &why);
    /* t0: the round's schedule and budget count from here. */
    t0 = bi__now_ns();
    if (raw == NULL || (why = bi__parse(raw, len, &req)) != NULL) {
        gg_lambda_handler_write_error(why);
        return;
    }
    deadline = req.budget_ns == 0 ? UINT64_MAX : t0 + req.budget_ns;
    /* A late round's calls were due before t0 (t0 is an uptime, larger
     * than any offset but on a machine up less than 8 days). */
    if (req.first_due_ns >= 0)
        first_due = t0 + (uint64_t)req.first_due_ns;
    else
        first_due = (uint64_t)-req.first_due_ns < t0 ? t0 - (uint64_t)-req.first_due_ns : 0;
    need = 16u + 2u * BI_MAX_MESSAGE + (size_t)req.count * BI_RECORD;
    if (need > response_cap) {
        unsigned char *p = (unsigned char *)realloc(response_buf, need);
        if (p == NULL) {
            gg_lambda_handler_write_error("bench_invoker: out of memory for the response");
            return;
        }
        response_buf = p;
        response_cap = need;
    }
    if (gg_request_init(&greq) != GGE_SUCCESS) {
        gg_lambda_handler_write_error("bench_invoker: gg_request_init failed");
        return;
    }
    memset(&opts, 0, sizeof opts);
    opts.function_arn = req.name;
    opts.qualifier = req.qualifier[0] != '\0' ? req.qualifier : NULL;
    opts.type = GG_INVOKE_REQUEST_RESPONSE;
    opts.payload = req.payload_len > 0 ? req.payload : NULL;
    opts.payload_size = req.payload_len;

    /* Records go after the largest possible texts; moved down at the end. */
    at = 16u + 2u * BI_MAX_MESSAGE;
    for (i = 0; i < req.count; i++) {
        uint64_t start, end, now = bi__now_ns();
        enum bi_outcome outcome;
        /* The budget is spent: stop, whether the calls are on a schedule
         * or not, and however late a scheduled caller is. */
        if (i > 0 && now >= deadline)
            break;
        if (req.interval_ns > 0) {
            uint64_t due = first_due + (uint64_t)i * req.interval_ns;
            if (i > 0 && due >= deadline)
                break;
            if (now < due)
                bi__sleep_until(due);
            /* Late calls count from when they were due: no coordinated omission. */
            start = due;
        } else {
            start = now;
        }
        outcome = bi__call(greq, &opts, head, &head_len);
        end = bi__now_ns();
        if (outcome != BI_OK && head_len == 0)
            head_len = (size_t)sprintf(head, "(no error text)");
        if (outcome == BI_FUNCTION_ERROR && fn_error_len == 0)
            fn_error_len = bi__keep(fn_error, head, head_len);
        if (outcome == BI_FAILED && failure_len == 0)
            failure_len = bi__keep(failure, head, head_len);
        bi__put_u64(response_buf + at, end - start);
        bi__put_u64(response_buf + at + 8, end);
        response_buf[at + 16] = (unsigned char)outcome;
        at += BI_RECORD;
        made++;
    }
    gg_request_close(greq);

    memcpy(response_buf, "NLR1", 4);
    bi__put_u32(response_buf + 4, made);
    bi__put_u32(response_buf + 8, fn_error_len);
    bi__put_u32(response_buf + 12, failure_len);
    memcpy(response_buf + 16, fn_error, fn_error_len);
    memcpy(response_buf + 16 + fn_error_len, failure, failure_len);
    memmove(response_buf + 16 + fn_error_len + failure_len,
            response_buf + 16 + 2u * BI_MAX_MESSAGE, (size_t)made * BI_RECORD);
    gg_lambda_handler_write_response(response_buf,
        16u + fn_error_len + failure_len + (size_t)made * BI_RECORD);
}

int main(void)
{
    if (gg_global_init(0) != GGE_SUCCESS)
        return 1;
    gg_runtime_start(handler, 0);
    return 1;
}
