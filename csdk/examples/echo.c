/*
 * echo - answers every invocation with its payload, byte for byte.
 * The buffer grows to the largest payload seen and is kept for the next
 * invocation, so a warm worker does not allocate.
 */
#include <stdlib.h>

#include "greengrasssdk.h"

#define MAX_PAYLOAD (6u * 1024u * 1024u)

static unsigned char *buf;
static size_t cap;

static void handler(const gg_lambda_context *cxt)
{
    size_t len = 0, n = 0;

    (void)cxt;
    for (;;) {
        if (len == cap) {
            size_t want = cap == 0 ? 65536u : cap * 2u;
            unsigned char *p;
            if (cap >= MAX_PAYLOAD + 1u) {
                gg_lambda_handler_write_error("payload larger than 6 MB");
                return;
            }
            p = (unsigned char *)realloc(buf, want);
            if (p == NULL) {
                gg_lambda_handler_write_error("out of memory");
                return;
            }
            buf = p;
            cap = want;
        }
        if (gg_lambda_handler_read(buf + len, cap - len, &n) != GGE_SUCCESS) {
            gg_lambda_handler_write_error("cannot read the payload");
            return;
        }
        if (n == 0)
            break;
        len += n;
    }
    gg_lambda_handler_write_response(buf, len);
}

int main(void)
{
    if (gg_global_init(0) != GGE_SUCCESS)
        return 1;
    gg_runtime_start(handler, 0);
    return 1;
}
