/*
 * invoker - invokes the function named by env INVOKEE_ARN with its own
 * payload and answers with the invokee's response. When the invokee fails,
 * the invoker fails too, with "HANDLED: <message>" or "UNHANDLED: <message>".
 * INVOKE_TYPE=event makes an asynchronous (Event) invoke instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greengrasssdk.h"

static char payload[64 * 1024];
static char answer[64 * 1024];

static const char *status_name(gg_request_status s)
{
    switch (s) {
    case GG_REQUEST_SUCCESS: return "SUCCESS";
    case GG_REQUEST_HANDLED: return "HANDLED";
    case GG_REQUEST_UNHANDLED: return "UNHANDLED";
    case GG_REQUEST_AGAIN: return "AGAIN";
    default: return "UNKNOWN";
    }
}

static void handler(const gg_lambda_context *cxt)
{
    const char *type = getenv("INVOKE_TYPE");
    size_t len = 0, got = 0, n = 0;
    gg_invoke_options opts;
    gg_request req = NULL;
    gg_request_result result;
    char error[sizeof answer + 32];

    (void)cxt;
    while (gg_lambda_handler_read(payload + len, sizeof payload - len, &n) ==
               GGE_SUCCESS && n > 0)
        len += n;

    memset(&opts, 0, sizeof opts);
    opts.function_arn = getenv("INVOKEE_ARN");
    opts.type = type != NULL && strcmp(type, "event") == 0
                    ? GG_INVOKE_EVENT : GG_INVOKE_REQUEST_RESPONSE;
    opts.payload = payload;
    opts.payload_size = len;

    if (opts.function_arn == NULL) {
        gg_lambda_handler_write_error("invoker: set INVOKEE_ARN");
        return;
    }
    if (gg_request_init(&req) != GGE_SUCCESS ||
        gg_invoke(req, &opts, &result) != GGE_SUCCESS) {
        gg_lambda_handler_write_error("invoker: gg_invoke failed");
        gg_request_close(req);
        return;
    }
    while (gg_request_read(req, answer + got, sizeof answer - 1 - got, &n) ==
               GGE_SUCCESS && n > 0)
        got += n;
    answer[got] = '\0';
    gg_request_close(req);

    if (result.request_status == GG_REQUEST_SUCCESS) {
        gg_lambda_handler_write_response(answer, got);
    } else {
        sprintf(error, "%s: %s", status_name(result.request_status), answer);
        gg_lambda_handler_write_error(error);
    }
}

int main(void)
{
    if (gg_global_init(0) != GGE_SUCCESS)
        return 1;
    gg_runtime_start(handler, 0);
    return 1;
}
