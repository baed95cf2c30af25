/*
 * abi_probe.c - a Lambda executable that calls every function of the API,
 * for csdk-abi.test.ts. It is linked against the stand-in stub (test/stub)
 * with a RUNPATH, like a user's program built against the public SDK, and
 * then run with the real library first on LD_LIBRARY_PATH.
 *
 * The payload picks what to do (words separated by single spaces):
 *   publish TOPIC MSG     gg_publish_with_options, ALL_OR_ERROR
 *   publish-default T M   gg_publish
 *   invoke ARN PAYLOAD    gg_invoke RequestResponse (qualifier "7", context
 *                         "e30="), then gg_request_reuse and an Event invoke
 *   shadow THING          get, update and delete
 *   secret ID             gg_get_secret_value
 *   validate              argument checks; answers "ok" or the first failure
 *   twice                 second and third writes must be refused
 *   chunks                reads the payload 3 bytes at a time
 *   parallel              4 threads x 50 invokes at once, each on its own
 *                         handle; answers how many got their own reply back
 *   anything else         echoed back
 * With argv[1] == "async" the runtime runs on its own thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "greengrasssdk.h"

static void handler(const gg_lambda_context *cxt);

static char payload[65536];
static char out[65536];

static size_t read_payload(void)
{
    size_t len = 0, n = 0;
    while (gg_lambda_handler_read(payload + len, sizeof payload - 1 - len,
                                  &n) == GGE_SUCCESS && n > 0)
        len += n;
    payload[len] = '\0';
    return len;
}

static size_t read_answer(gg_request req, char *buf, size_t cap)
{
    size_t len = 0, n = 0;
    while (gg_request_read(req, buf + len, cap - 1 - len, &n) == GGE_SUCCESS &&
           n > 0)
        len += n;
    buf[len] = '\0';
    return len;
}

/* Split "a b rest" into a, b and rest (in place). */
static char *next_word(char **s)
{
    char *w = *s, *sp = strchr(w, ' ');
    if (sp != NULL) {
        *sp = '\0';
        *s = sp + 1;
    } else {
        *s = w + strlen(w);
    }
    return w;
}

static void do_publish(char *args, int with_options)
{
    char *topic = next_word(&args);
    gg_request req = NULL;
    gg_publish_options opts = NULL;
    gg_request_result res;
    gg_error e;

    gg_request_init(&req);
    if (with_options) {
        gg_publish_options_init(&opts);
        gg_publish_options_set_queue_full_policy(
            opts, GG_QUEUE_FULL_POLICY_ALL_OR_ERROR);
        e = gg_publish_with_options(req, topic, args, strlen(args), opts, &res);
        gg_publish_options_free(opts);
    } else {
        e = gg_publish(req, topic, args, strlen(args), &res);
    }
    sprintf(out, "err=%d status=%d", (int)e, e == GGE_SUCCESS ?
            (int)res.request_status : -1);
    gg_request_close(req);
}

static void do_invoke(char *args)
{
    gg_invoke_options opts;
    gg_request req = NULL;
    gg_request_result res, res2;
    char body[4096];
    gg_error e, e2;

    memset(&opts, 0, sizeof opts);
    opts.function_arn = next_word(&args);
    opts.customer_context = "e30=";
    opts.qualifier = "7";
    opts.type = GG_INVOKE_REQUEST_RESPONSE;
    opts.payload = args;
    opts.payload_size = strlen(args);
    gg_request_init(&req);
    e = gg_invoke(req, &opts, &res);
    read_answer(req, body, sizeof body);
    gg_request_reuse(req);
    opts.type = GG_INVOKE_EVENT;
    opts.customer_context = NULL;
    opts.qualifier = NULL;
    e2 = gg_invoke(req, &opts, &res2);
    sprintf(out, "err=%d status=%d body=%s event_err=%d event_status=%d",
            (int)e, (int)res.request_status, body, (int)e2,
            (int)res2.request_status);
    gg_request_close(req);
}

static void do_shadow(char *thing)
{
    gg_request req = NULL;
    gg_request_result r1, r2, r3;
    char body[4096];
    gg_error e1, e2, e3;

    gg_request_init(&req);
    e1 = gg_get_thing_shadow(req, thing, &r1);
    read_answer(req, body, sizeof body);
    e2 = gg_update_thing_shadow(req, thing, "{\"state\":{\"desired\":{}}}", &r2);
    e3 = gg_delete_thing_shadow(req, thing, &r3);
    sprintf(out, "get=%d/%d update=%d/%d delete=%d/%d body=%s", (int)e1,
            (int)r1.request_status, (int)e2, (int)r2.request_status, (int)e3,
            (int)r3.request_status, body);
    gg_request_close(req);
}

static void do_secret(char *id)
{
    gg_request req = NULL;
    gg_request_result r;
    char body[4096];
    gg_error e;

    gg_request_init(&req);
    e = gg_get_secret_value(req, id, NULL, "AWSCURRENT", &r);
    read_answer(req, body, sizeof body);
    sprintf(out, "err=%d status=%d body=%s", (int)e, (int)r.request_status,
            body);
    gg_request_close(req);
}

#define CHECK(name, expr, want)                                               \
    if ((e = (expr)) != (want)) {                                             \
        sprintf(out, "FAIL %s: got %d want %d", name, (int)e, (int)(want));   \
        goto done;                                                            \
    }

static void do_validate(void)
{
    gg_request req = NULL;
    gg_publish_options opts = NULL;
    gg_request_result r;
    gg_invoke_options io;
    char long_topic[300], long_thing[200];
    size_t n;
    gg_error e;

    memset(long_topic, 'a', sizeof long_topic - 1);
    long_topic[sizeof long_topic - 1] = '\0';
    memset(long_thing, 'a', sizeof long_thing - 1);
    long_thing[sizeof long_thing - 1] = '\0';
    gg_request_init(&req);
    gg_publish_options_init(&opts);

    CHECK("global_init(1)", gg_global_init(1), GGE_INVALID_PARAMETER);
    CHECK("log NOTSET", gg_log(GG_LOG_RESERVED_NOTSET, "x"), GGE_INVALID_PARAMETER);
    CHECK("log MAX", gg_log(GG_LOG_RESERVED_MAX, "x"), GGE_INVALID_PARAMETER);
    CHECK("log NULL", gg_log(GG_LOG_INFO, NULL), GGE_INVALID_PARAMETER);
    CHECK("request_init NULL", gg_request_init(NULL), GGE_INVALID_PARAMETER);
    CHECK("request_close NULL", gg_request_close(NULL), GGE_INVALID_PARAMETER);
    CHECK("request_reuse NULL", gg_request_reuse(NULL), GGE_INVALID_PARAMETER);
    CHECK("request_read NULL buf", gg_request_read(req, NULL, 1, &n), GGE_INVALID_PARAMETER);
    CHECK("request_read idle", gg_request_read(req, out, 1, &n), GGE_SUCCESS);
    CHECK("publish NULL topic", gg_publish(req, NULL, "x", 1, &r), GGE_INVALID_PARAMETER);
    CHECK("publish empty topic", gg_publish(req, "", "x", 1, &r), GGE_INVALID_PARAMETER);
    CHECK("publish long topic", gg_publish(req, long_topic, "x", 1, &r), GGE_INVALID_PARAMETER);
    CHECK("publish NULL payload", gg_publish(req, "t", NULL, 1, &r), GGE_INVALID_PARAMETER);
    CHECK("publish NULL result", gg_publish(req, "t", "x", 1, NULL), GGE_INVALID_PARAMETER);
    CHECK("publish NULL req", gg_publish(NULL, "t", "x", 1, &r), GGE_INVALID_PARAMETER);
    CHECK("policy RESERVED_MAX", gg_publish_options_set_queue_full_policy(
              opts, GG_QUEUE_FULL_POLICY_RESERVED_MAX), GGE_INVALID_PARAMETER);
    CHECK("options_free NULL", gg_publish_options_free(NULL), GGE_INVALID_PARAMETER);
    CHECK("options_init NULL", gg_publish_options_init(NULL), GGE_INVALID_PARAMETER);
    CHECK("invoke NULL opts", gg_invoke(req, NULL, &r), GGE_INVALID_PARAMETER);
    memset(&io, 0, sizeof io);
    CHECK("invoke NULL arn", gg_invoke(req, &io, &r), GGE_INVALID_PARAMETER);
    io.function_arn = "arn:aws:lambda:local:1:function:x";
    io.type = GG_INVOKE_RESERVED_MAX;
    CHECK("invoke bad type", gg_invoke(req, &io, &r), GGE_INVALID_PARAMETER);
    io.type = GG_INVOKE_REQUEST_RESPONSE;
    io.payload = out;
    io.payload_size = 6u * 1024u * 1024u + 1u;
    CHECK("invoke huge payload", gg_invoke(req, &io, &r), GGE_INVALID_PARAMETER);
    CHECK("shadow bad name", gg_get_thing_shadow(req, "a/b", &r), GGE_INVALID_PARAMETER);
    CHECK("shadow long name", gg_get_thing_shadow(req, long_thing, &r), GGE_INVALID_PARAMETER);
    CHECK("shadow NULL update", gg_update_thing_shadow(req, "t", NULL, &r), GGE_INVALID_PARAMETER);
    CHECK("delete NULL name", gg_delete_thing_shadow(req, NULL, &r), GGE_INVALID_PARAMETER);
    CHECK("secret NULL id", gg_get_secret_value(req, NULL, NULL, NULL, &r), GGE_INVALID_PARAMETER);
    CHECK("runtime_start NULL", gg_runtime_start((gg_lambda_handler)0, 0), GGE_INVALID_PARAMETER);
    CHECK("runtime_start bad opt", gg_runtime_start(handler, 2), GGE_INVALID_PARAMETER);
    CHECK("runtime_start again", gg_runtime_start(handler, 0), GGE_INVALID_STATE);
    CHECK("handler_read NULL", gg_lambda_handler_read(out, 1, NULL), GGE_INVALID_PARAMETER);
    CHECK("write_error NULL", gg_lambda_handler_write_error(NULL), GGE_INVALID_PARAMETER);
    strcpy(out, "ok");
done:
    gg_publish_options_free(opts);
    gg_request_close(req);
}

#define PAR_THREADS 4
#define PAR_CALLS 50

/* Each thread invokes with its own payload and checks that the reply it
 * reads is the one for its request, not another thread's. */
static void *par_main(void *arg)
{
    long t = (long)arg, ok = 0;
    int i;
    char mine[64], want[160], got[160];
    gg_invoke_options io;
    gg_request req = NULL;
    gg_request_result r;

    gg_request_init(&req);
    for (i = 0; i < PAR_CALLS; i++) {
        memset(&io, 0, sizeof io);
        sprintf(mine, "t%ld-%d", t, i);
        io.function_arn = "arn:aws:lambda:local:1:function:p";
        io.type = GG_INVOKE_REQUEST_RESPONSE;
        io.payload = mine;
        io.payload_size = strlen(mine);
        sprintf(want, "invoked %s event=0: %s", io.function_arn, mine);
        if (gg_invoke(req, &io, &r) == GGE_SUCCESS &&
            r.request_status == GG_REQUEST_SUCCESS) {
            read_answer(req, got, sizeof got);
            if (strcmp(got, want) == 0)
                ok++;
        }
    }
    gg_request_close(req);
    return (void *)ok;
}

static void do_parallel(void)
{
    pthread_t th[PAR_THREADS];
    long i, total = 0;
    void *ok;

    for (i = 0; i < PAR_THREADS; i++)
        pthread_create(&th[i], NULL, par_main, (void *)i);
    for (i = 0; i < PAR_THREADS; i++) {
        pthread_join(th[i], &ok);
        total += (long)ok;
    }
    sprintf(out, "parallel ok=%ld", total);
}

static void handler(const gg_lambda_context *cxt)
{
    size_t len = read_payload();
    char *args = payload;
    char *cmd = next_word(&args);

    gg_log(GG_LOG_INFO, "probe: arn=%s context=%s", cxt->function_arn,
           cxt->client_context);
    out[0] = '\0';
    if (strcmp(cmd, "publish") == 0) {
        do_publish(args, 1);
    } else if (strcmp(cmd, "publish-default") == 0) {
        do_publish(args, 0);
    } else if (strcmp(cmd, "invoke") == 0) {
        do_invoke(args);
    } else if (strcmp(cmd, "shadow") == 0) {
        do_shadow(args);
    } else if (strcmp(cmd, "secret") == 0) {
        do_secret(args);
    } else if (strcmp(cmd, "parallel") == 0) {
        do_parallel();
    } else if (strcmp(cmd, "validate") == 0) {
        do_validate();
    } else if (strcmp(cmd, "twice") == 0) {
        gg_error a = gg_lambda_handler_write_response("first", 5);
        gg_error b = gg_lambda_handler_write_response("second", 6);
        gg_error c = gg_lambda_handler_write_error("third");
        gg_log(GG_LOG_INFO, "probe: twice %d %d %d", (int)a, (int)b, (int)c);
        return;
    } else if (strcmp(cmd, "chunks") == 0) {
        /* Already read above; the point is that reading again gives 0. */
        size_t n = 1;
        gg_error e = gg_lambda_handler_read(out, 3, &n);
        sprintf(out, "len=%lu again=%d/%lu", (unsigned long)len, (int)e,
                (unsigned long)n);
    } else {
        gg_lambda_handler_write_response(payload, len);
        return;
    }
    gg_lambda_handler_write_response(out, strlen(out));
}

int main(int argc, char **argv)
{
    size_t n = 0;
    gg_error e = gg_global_init(0);

    if (e != GGE_SUCCESS) {
        fprintf(stderr, "probe: gg_global_init failed: %d\n", (int)e);
        return (int)e;
    }
    gg_log(GG_LOG_INFO, "probe: starting, read outside a handler gives %d",
           (int)gg_lambda_handler_read(payload, 1, &n));
    if (argc > 1 && strcmp(argv[1], "async") == 0) {
        e = gg_runtime_start(handler, GG_RT_OPT_ASYNC);
        fprintf(stderr, "probe: async start returned %d\n", (int)e);
        if (e != GGE_SUCCESS)
            return (int)e;
        for (;;)
            pause();
    }
    e = gg_runtime_start(handler, 0);
    fprintf(stderr, "probe: gg_runtime_start returned %d\n", (int)e);
    return (int)e;
}
