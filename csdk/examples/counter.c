/*
 * counter - returns how many invocations this process has served. A warm
 * worker answers 1, 2, 3, ...; a fresh process starts again at 1.
 */
#include <stdio.h>
#include <string.h>

#include "greengrasssdk.h"

static unsigned long count;

static void handler(const gg_lambda_context *cxt)
{
    char text[32];

    (void)cxt;
    count++;
    sprintf(text, "%lu", count);
    gg_lambda_handler_write_response(text, strlen(text));
}

int main(void)
{
    if (gg_global_init(0) != GGE_SUCCESS)
        return 1;
    gg_runtime_start(handler, 0);
    return 1;
}
