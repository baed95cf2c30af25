/*
 * invokee - answers "hello <payload>"; an empty payload is a handled error,
 * so callers can see both outcomes. Payloads beyond the reply buffer are
 * cut (this is an example, not a service).
 */
#include <stdio.h>
#include <string.h>

#include "greengrasssdk.h"

static void handler(const gg_lambda_context *cxt)
{
    char reply[4096];
    size_t len = 6, n = 0;

    (void)cxt;
    memcpy(reply, "hello ", len);
    while (gg_lambda_handler_read(reply + len, sizeof reply - len, &n) ==
               GGE_SUCCESS && n > 0)
        len += n;
    if (len == 6) {
        gg_lambda_handler_write_error("invokee: empty payload, nobody to greet");
        return;
    }
    /* Both ways a function logs end up in its log file. */
    gg_log(GG_LOG_INFO, "invokee: greeting %.*s", (int)(len - 6), reply + 6);
    printf("invokee: answered %lu bytes\n", (unsigned long)len);
    gg_lambda_handler_write_response(reply, len);
}

int main(void)
{
    if (gg_global_init(0) != GGE_SUCCESS)
        return 1;
    gg_runtime_start(handler, 0);
    return 1;
}
