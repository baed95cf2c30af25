/*
 * crasher - fails on request, to exercise crash handling:
 *   "segv"  -> killed by SIGSEGV
 *   "exit"  -> exit(3) in the middle of the invocation
 *   "abort" -> abort()
 * anything else is echoed back.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "greengrasssdk.h"

static void handler(const gg_lambda_context *cxt)
{
    char payload[256];
    size_t len = 0, n = 0;

    (void)cxt;
    while (gg_lambda_handler_read(payload + len, sizeof payload - 1 - len,
                                  &n) == GGE_SUCCESS && n > 0)
        len += n;
    payload[len] = '\0';

    if (strcmp(payload, "segv") == 0)
        raise(SIGSEGV);
    else if (strcmp(payload, "exit") == 0)
        exit(3);
    else if (strcmp(payload, "abort") == 0)
        abort();
    gg_lambda_handler_write_response(payload, len);
}

int main(void)
{
    if (gg_global_init(0) != GGE_SUCCESS)
        return 1;
    gg_runtime_start(handler, 0);
    return 1;
}
