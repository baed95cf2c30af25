/*
 * test_control_vectors.c - checks nlw_control.c against the shared vectors.
 *
 * Input on stdin, one vector a line: name TAB hex TAB expected-hex, where
 * expected-hex is what re-encoding must give (the hex itself, or the
 * canonical form of a decode-only vector). For each it decodes, re-encodes,
 * compares bytes, and prints name TAB the decoded frame as protobufjs JSON
 * (camelCase, default fields left out, bytes base64, enums by name), which
 * test/wire-vectors.test.ts compares with the vector's frame. Exit 1 on the
 * first mismatch.
 */
#include "../nlw_control.h"
#include "../nlw_channel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE (1u << 20)

static int hex_value(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Decodes hex into out; returns the byte count or -1. */
static long from_hex(const char *hex, size_t n, unsigned char *out) {
    size_t i;
    if (n % 2u != 0u) return -1;
    for (i = 0; i < n; i += 2u) {
        int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1u]);
        if (hi < 0 || lo < 0) return -1;
        out[i / 2u] = (unsigned char)(hi * 16 + lo);
    }
    return (long)(n / 2u);
}

static int first_field; /* JSON comma state of the object being printed */

static void key(const char *name) {
    printf("%s\"%s\":", first_field ? "" : ",", name);
    first_field = 0;
}

static void open_object(const char *name) {
    key(name);
    putchar('{');
    first_field = 1;
}

static void close_object(void) {
    putchar('}');
    first_field = 0;
}

static void put_string(const char *name, const nlw_bytes *b) {
    size_t i;
    if (b->len == 0u) return;
    key(name);
    putchar('"');
    for (i = 0; i < b->len; i++) {
        unsigned char c = b->data[i];
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20u) printf("\\u%04x", c);
        else putchar(c); /* UTF-8 passes through */
    }
    putchar('"');
}

static void put_base64(const char *name, const nlw_bytes *b) {
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;
    if (b->len == 0u) return;
    key(name);
    putchar('"');
    for (i = 0; i < b->len; i += 3u) {
        unsigned long v = (unsigned long)b->data[i] << 16;
        size_t left = b->len - i;
        if (left > 1u) v |= (unsigned long)b->data[i + 1u] << 8;
        if (left > 2u) v |= b->data[i + 2u];
        putchar(digits[(v >> 18) & 63u]);
        putchar(digits[(v >> 12) & 63u]);
        putchar(left > 1u ? digits[(v >> 6) & 63u] : '=');
        putchar(left > 2u ? digits[v & 63u] : '=');
    }
    putchar('"');
}

static void put_u32(const char *name, uint32_t v) {
    if (v == 0u) return;
    key(name);
    printf("%lu", (unsigned long)v);
}

/* Enums print by name when known, else as a number (as protobufjs does). */
static void put_enum(const char *name, uint32_t v, const char *const *names, uint32_t count) {
    if (v == 0u) return;
    key(name);
    if (v < count) printf("\"%s\"", names[v]);
    else printf("%lu", (unsigned long)v);
}

static void print_frame(const nlw_frame *f) {
    static const char *const statuses[] = {"SUCCESS", "HANDLED", "UNHANDLED", "UNKNOWN", "AGAIN"};
    static const char *const policies[] = {"BEST_EFFORT", "ALL_OR_ERROR"};
    static const char *const ops[] = {"GET", "UPDATE", "DELETE"};
    const nlw_request *rq = &f->request;

    putchar('{');
    first_field = 1;
    switch (f->body) {
    case NLW_FRAME_HELLO:
        open_object("hello");
        put_u32("pid", f->hello.pid);
        put_string("sdkVersion", &f->hello.sdk_version);
        close_object();
        break;
    case NLW_FRAME_DOORBELL: open_object("doorbell"); close_object(); break;
    case NLW_FRAME_SHUTDOWN: open_object("shutdown"); close_object(); break;
    case NLW_FRAME_REPLY:
        open_object("reply");
        put_u32("id", f->reply.id);
        put_enum("status", f->reply.status, statuses, 5u);
        put_base64("payload", &f->reply.payload);
        close_object();
        break;
    case NLW_FRAME_REQUEST:
        open_object("request");
        put_u32("id", rq->id);
        if (rq->call == NLW_CALL_INVOKE) {
            open_object("invoke");
            put_string("functionArn", &rq->invoke.function_arn);
            put_string("qualifier", &rq->invoke.qualifier);
            put_string("clientContext", &rq->invoke.client_context);
            if (rq->invoke.event) { key("event"); printf("true"); }
            put_base64("payload", &rq->invoke.payload);
            close_object();
        } else if (rq->call == NLW_CALL_PUBLISH) {
            open_object("publish");
            put_string("topic", &rq->publish.topic);
            put_base64("payload", &rq->publish.payload);
            put_enum("policy", rq->publish.policy, policies, 2u);
            close_object();
        } else if (rq->call == NLW_CALL_SHADOW) {
            open_object("shadow");
            put_enum("op", rq->shadow.op, ops, 3u);
            put_string("thingName", &rq->shadow.thing_name);
            put_base64("payload", &rq->shadow.payload);
            close_object();
        } else if (rq->call == NLW_CALL_SECRET) {
            open_object("secret");
            put_string("secretId", &rq->secret.secret_id);
            put_string("versionId", &rq->secret.version_id);
            put_string("versionStage", &rq->secret.version_stage);
            close_object();
        }
        close_object();
        break;
    default: break;
    }
    putchar('}');
}

int main(void) {
    char *line = (char *)malloc(MAX_LINE);
    unsigned char *in = (unsigned char *)malloc(MAX_LINE / 2u);
    unsigned char *want = (unsigned char *)malloc(MAX_LINE / 2u);
    unsigned char *got = (unsigned char *)malloc(MAX_LINE / 2u);
    int count = 0;
    int status = 2;

    if (line == NULL || in == NULL || want == NULL || got == NULL) goto done;
    while (fgets(line, (int)MAX_LINE, stdin) != NULL) {
        char *name = line, *hex, *want_hex, *nl;
        long in_len, want_len;
        size_t got_len;
        nlw_frame f;
        int rc;

        nl = strchr(line, '\n');
        if (nl != NULL) *nl = '\0';
        hex = strchr(name, '\t');
        want_hex = hex != NULL ? strchr(hex + 1, '\t') : NULL;
        if (want_hex == NULL) { fprintf(stderr, "malformed input line\n"); goto done; }
        *hex++ = '\0';
        *want_hex++ = '\0';
        in_len = from_hex(hex, strlen(hex), in);
        want_len = from_hex(want_hex, strlen(want_hex), want);
        if (in_len < 0 || want_len < 0) { fprintf(stderr, "%s: bad hex\n", name); goto done; }

        status = 1;
        rc = nlw_frame_decode(in, (size_t)in_len, &f);
        if (rc != NLW_OK) { fprintf(stderr, "%s: decode failed: %s\n", name, nlw_strerror(rc)); goto done; }
        got_len = nlw_frame_encode(&f, got);
        if (got_len != nlw_frame_encoded_size(&f)) { fprintf(stderr, "%s: size and encode disagree\n", name); goto done; }
        if (got_len != (size_t)want_len || memcmp(got, want, got_len) != 0) {
            fprintf(stderr, "%s: re-encoding differs from the expected bytes\n", name);
            goto done;
        }
        printf("%s\t", name);
        print_frame(&f);
        putchar('\n');
        count++;
    }
    fprintf(stderr, "%d vectors decoded and re-encoded\n", count);
    status = count > 0 ? 0 : 1;
done:
    free(line); free(in); free(want); free(got);
    return status;
}
