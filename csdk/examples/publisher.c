/*
 * publisher - publishes its payload and answers "published N bytes to T".
 * The topic T comes from the client context, {"custom":{"topic":"T"}}
 * (base64, as every client context), or else from env PUBLISH_TOPIC.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greengrasssdk.h"

static char payload[128 * 1024];

/* Decode base64 text into out (cap bytes, NUL-terminated); 0 on bad input. */
static int b64_decode(const char *in, char *out, size_t cap)
{
    static const char abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned long acc = 0;
    int bits = 0;
    size_t len = 0;

    for (; *in != '\0' && *in != '='; in++) {
        const char *p = strchr(abc, *in);
        if (p == NULL)
            return 0;
        acc = (acc << 6) | (unsigned long)(p - abc);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (len + 1 >= cap)
                return 0;
            out[len++] = (char)((acc >> bits) & 0xFFu);
        }
    }
    out[len] = '\0';
    return 1;
}

/* The value of "topic":"..." in the decoded context, copied into topic. */
static int topic_from_context(const char *b64, char *topic, size_t cap)
{
    char json[4096];
    const char *start, *end;

    if (!b64_decode(b64, json, sizeof json))
        return 0;
    start = strstr(json, "\"topic\":\"");
    if (start == NULL)
        return 0;
    start += 9;
    end = strchr(start, '"');
    if (end == NULL || (size_t)(end - start) >= cap || end == start)
        return 0;
    memcpy(topic, start, (size_t)(end - start));
    topic[end - start] = '\0';
    return 1;
}

static void handler(const gg_lambda_context *cxt)
{
    char topic[257], reply[512];
    const char *env = getenv("PUBLISH_TOPIC");
    size_t len = 0, n = 0;
    gg_request req = NULL;
    gg_request_result result;

    if (!topic_from_context(cxt->client_context, topic, sizeof topic)) {
        if (env == NULL || strlen(env) >= sizeof topic) {
            gg_lambda_handler_write_error("publisher: no topic in the client "
                                          "context or PUBLISH_TOPIC");
            return;
        }
        strcpy(topic, env);
    }
    while (gg_lambda_handler_read(payload + len, sizeof payload - len, &n) ==
               GGE_SUCCESS && n > 0)
        len += n;

    if (gg_request_init(&req) != GGE_SUCCESS ||
        gg_publish(req, topic, payload, len, &result) != GGE_SUCCESS ||
        result.request_status != GG_REQUEST_SUCCESS) {
        gg_log(GG_LOG_ERROR, "publisher: publish to %s failed", topic);
        gg_lambda_handler_write_error("publisher: publish failed");
    } else {
        sprintf(reply, "published %lu bytes to %s", (unsigned long)len, topic);
        gg_lambda_handler_write_response(reply, strlen(reply));
    }
    gg_request_close(req);
}

int main(void)
{
    if (gg_global_init(0) != GGE_SUCCESS)
        return 1;
    gg_runtime_start(handler, 0);
    return 1;
}
