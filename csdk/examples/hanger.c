/*
 * hanger - never returns from its handler, so the runtime's invocation
 * timeout has something to kill.
 */
#include <unistd.h>

#include "greengrasssdk.h"

static void handler(const gg_lambda_context *cxt)
{
    (void)cxt;
    gg_log(GG_LOG_INFO, "hanger: sleeping forever");
    for (;;)
        pause();
}

int main(void)
{
    if (gg_global_init(0) != GGE_SUCCESS)
        return 1;
    gg_runtime_start(handler, 0);
    return 1;
}
