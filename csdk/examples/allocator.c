/*
 * allocator - payload is a number of MB; allocates that much one MB at a
 * time, touching every page so it is really resident, and answers how many
 * MB it touched. Under a memory limit the process is killed part way,
 * which is the point. The memory is released before returning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greengrasssdk.h"

#define MB (1024ul * 1024ul)

static void handler(const gg_lambda_context *cxt)
{
    char text[32], reply[64];
    size_t len = 0, n = 0;
    unsigned long want, got;
    char **blocks;

    (void)cxt;
    while (gg_lambda_handler_read(text + len, sizeof text - 1 - len, &n) ==
               GGE_SUCCESS && n > 0)
        len += n;
    text[len] = '\0';
    want = strtoul(text, NULL, 10);
    blocks = (char **)calloc(want + 1, sizeof *blocks);
    if (blocks == NULL) {
        gg_lambda_handler_write_error("allocator: bad size");
        return;
    }
    for (got = 0; got < want; got++) {
        blocks[got] = (char *)malloc(MB);
        if (blocks[got] == NULL)
            break;
        memset(blocks[got], 0xA5, MB);
    }
    sprintf(reply, "%lu", got);
    while (got > 0)
        free(blocks[--got]);
    free(blocks);
    gg_lambda_handler_write_response(reply, strlen(reply));
}

int main(void)
{
    if (gg_global_init(0) != GGE_SUCCESS)
        return 1;
    gg_runtime_start(handler, 0);
    return 1;
}
