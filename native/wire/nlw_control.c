/*
 * nlw_control.c - the protobuf codec of control.proto, by hand. Proto3 as
 * protobufjs writes it: fields in field-number order, scalars and byte
 * fields equal to their default omitted, a chosen oneof submessage always
 * written (tag + length, even when it is empty). Decoding skips unknown
 * fields and, like protobufjs, lets a repeated submessage replace the
 * earlier one.
 */
#include "nlw_control.h"
#include "nlw_channel.h" /* error codes */

#include <string.h>

/* Protobuf wire types. */
#define NLW__WT_VARINT 0u
#define NLW__WT_I64 1u
#define NLW__WT_LEN 2u
#define NLW__WT_I32 5u

/* ---- Decoding ------------------------------------------------------------ */

typedef struct nlw__reader {
    const unsigned char *p;
    const unsigned char *end;
} nlw__reader;

static int nlw__read_varint(nlw__reader *r, uint64_t *out) {
    uint64_t v = 0u;
    unsigned shift = 0u;
    while (r->p < r->end) {
        unsigned char b = *r->p++;
        if (shift == 63u && b > 1u) return NLW_E_CORRUPT; /* over 64 bits */
        v |= (uint64_t)(b & 0x7Fu) << shift;
        if ((b & 0x80u) == 0u) {
            *out = v;
            return NLW_OK;
        }
        shift += 7u;
        if (shift > 63u) return NLW_E_CORRUPT; /* more than 10 bytes */
    }
    return NLW_E_CORRUPT; /* truncated */
}

/* Reads a length prefix and the bytes it announces, bounded by the input. */
static int nlw__read_len(nlw__reader *r, nlw_bytes *out) {
    uint64_t n;
    if (nlw__read_varint(r, &n) != NLW_OK) return NLW_E_CORRUPT;
    if (n > (uint64_t)(r->end - r->p)) return NLW_E_CORRUPT;
    out->data = r->p;
    out->len = (size_t)n;
    r->p += (size_t)n;
    return NLW_OK;
}

static int nlw__skip(nlw__reader *r, uint32_t wire_type) {
    uint64_t v;
    nlw_bytes b;
    switch (wire_type) {
    case NLW__WT_VARINT: return nlw__read_varint(r, &v);
    case NLW__WT_LEN: return nlw__read_len(r, &b);
    case NLW__WT_I64:
        if (r->end - r->p < 8) return NLW_E_CORRUPT;
        r->p += 8;
        return NLW_OK;
    case NLW__WT_I32:
        if (r->end - r->p < 4) return NLW_E_CORRUPT;
        r->p += 4;
        return NLW_OK;
    default: return NLW_E_CORRUPT; /* groups (3, 4) are not used by proto3 */
    }
}

/* Reads a tag; field 0 and numbers beyond 2^29 - 1 are malformed. */
static int nlw__read_tag(nlw__reader *r, uint32_t *field, uint32_t *wire_type) {
    uint64_t tag;
    if (nlw__read_varint(r, &tag) != NLW_OK || tag > 0xFFFFFFFFu || (tag >> 3) == 0u) return NLW_E_CORRUPT;
    *field = (uint32_t)(tag >> 3);
    *wire_type = (uint32_t)(tag & 7u);
    return NLW_OK;
}

/* The per-message field handlers below return 1 when they took the field,
 * 0 when it is unknown (skip it), or NLW_E_CORRUPT. */
typedef int (*nlw__field_fn)(void *msg, uint32_t field, uint32_t wt, nlw__reader *r);

static int nlw__decode_message(const nlw_bytes *in, void *msg, nlw__field_fn fn) {
    nlw__reader r;
    uint32_t field, wt;
    int rc;
    r.p = in->data;
    r.end = in->data + in->len;
    while (r.p < r.end) {
        if (nlw__read_tag(&r, &field, &wt) != NLW_OK) return NLW_E_CORRUPT;
        rc = fn(msg, field, wt, &r);
        if (rc < 0) return NLW_E_CORRUPT;
        if (rc == 0 && nlw__skip(&r, wt) != NLW_OK) return NLW_E_CORRUPT;
    }
    return NLW_OK;
}

/* Known scalar fields: uint32 keeps the low 32 bits, as protobufjs does. */
static int nlw__take_u32(uint32_t wt, nlw__reader *r, uint32_t *out) {
    uint64_t v;
    if (wt != NLW__WT_VARINT || nlw__read_varint(r, &v) != NLW_OK) return NLW_E_CORRUPT;
    *out = (uint32_t)(v & 0xFFFFFFFFu);
    return 1;
}

static int nlw__take_bytes(uint32_t wt, nlw__reader *r, nlw_bytes *out) {
    if (wt != NLW__WT_LEN || nlw__read_len(r, out) != NLW_OK) return NLW_E_CORRUPT;
    return 1;
}

static int nlw__hello_field(void *msg, uint32_t field, uint32_t wt, nlw__reader *r) {
    nlw_hello *m = (nlw_hello *)msg;
    if (field == 1u) return nlw__take_u32(wt, r, &m->pid);
    if (field == 2u) return nlw__take_bytes(wt, r, &m->sdk_version);
    return 0;
}

static int nlw__invoke_field(void *msg, uint32_t field, uint32_t wt, nlw__reader *r) {
    nlw_invoke_call *m = (nlw_invoke_call *)msg;
    uint32_t v;
    int rc;
    switch (field) {
    case 1u: return nlw__take_bytes(wt, r, &m->function_arn);
    case 2u: return nlw__take_bytes(wt, r, &m->qualifier);
    case 3u: return nlw__take_bytes(wt, r, &m->client_context);
    case 4u:
        rc = nlw__take_u32(wt, r, &v);
        if (rc == 1) m->event = v != 0u;
        return rc;
    case 5u: return nlw__take_bytes(wt, r, &m->payload);
    default: return 0;
    }
}

static int nlw__publish_field(void *msg, uint32_t field, uint32_t wt, nlw__reader *r) {
    nlw_publish_call *m = (nlw_publish_call *)msg;
    if (field == 1u) return nlw__take_bytes(wt, r, &m->topic);
    if (field == 2u) return nlw__take_bytes(wt, r, &m->payload);
    if (field == 3u) return nlw__take_u32(wt, r, &m->policy);
    return 0;
}

static int nlw__shadow_field(void *msg, uint32_t field, uint32_t wt, nlw__reader *r) {
    nlw_shadow_call *m = (nlw_shadow_call *)msg;
    if (field == 1u) return nlw__take_u32(wt, r, &m->op);
    if (field == 2u) return nlw__take_bytes(wt, r, &m->thing_name);
    if (field == 3u) return nlw__take_bytes(wt, r, &m->payload);
    return 0;
}

static int nlw__secret_field(void *msg, uint32_t field, uint32_t wt, nlw__reader *r) {
    nlw_secret_call *m = (nlw_secret_call *)msg;
    if (field == 1u) return nlw__take_bytes(wt, r, &m->secret_id);
    if (field == 2u) return nlw__take_bytes(wt, r, &m->version_id);
    if (field == 3u) return nlw__take_bytes(wt, r, &m->version_stage);
    return 0;
}

/* A submessage field: its bytes, decoded into a freshly zeroed struct. */
static int nlw__take_sub(uint32_t wt, nlw__reader *r, void *msg, size_t msg_size, nlw__field_fn fn) {
    nlw_bytes sub;
    if (nlw__take_bytes(wt, r, &sub) < 0) return NLW_E_CORRUPT;
    memset(msg, 0, msg_size);
    return nlw__decode_message(&sub, msg, fn) == NLW_OK ? 1 : NLW_E_CORRUPT;
}

static int nlw__request_field(void *msg, uint32_t field, uint32_t wt, nlw__reader *r) {
    nlw_request *m = (nlw_request *)msg;
    int rc;
    switch (field) {
    case 1u: return nlw__take_u32(wt, r, &m->id);
    case NLW_CALL_INVOKE: rc = nlw__take_sub(wt, r, &m->invoke, sizeof(m->invoke), nlw__invoke_field); break;
    case NLW_CALL_PUBLISH: rc = nlw__take_sub(wt, r, &m->publish, sizeof(m->publish), nlw__publish_field); break;
    case NLW_CALL_SHADOW: rc = nlw__take_sub(wt, r, &m->shadow, sizeof(m->shadow), nlw__shadow_field); break;
    case NLW_CALL_SECRET: rc = nlw__take_sub(wt, r, &m->secret, sizeof(m->secret), nlw__secret_field); break;
    default: return 0;
    }
    if (rc == 1) m->call = field; /* oneof: the last member seen wins */
    return rc;
}

static int nlw__reply_field(void *msg, uint32_t field, uint32_t wt, nlw__reader *r) {
    nlw_reply *m = (nlw_reply *)msg;
    if (field == 1u) return nlw__take_u32(wt, r, &m->id);
    if (field == 2u) return nlw__take_u32(wt, r, &m->status);
    if (field == 3u) return nlw__take_bytes(wt, r, &m->payload);
    return 0;
}

/* Doorbell and Shutdown have no fields; their bodies may still carry
 * unknown fields from a newer peer, which are checked and skipped. */
static int nlw__empty_field(void *msg, uint32_t field, uint32_t wt, nlw__reader *r) {
    (void)msg; (void)field; (void)wt; (void)r;
    return 0;
}

static int nlw__frame_field(void *msg, uint32_t field, uint32_t wt, nlw__reader *r) {
    nlw_frame *f = (nlw_frame *)msg;
    int empty;
    int rc;
    switch (field) {
    case NLW_FRAME_HELLO: rc = nlw__take_sub(wt, r, &f->hello, sizeof(f->hello), nlw__hello_field); break;
    case NLW_FRAME_REQUEST: rc = nlw__take_sub(wt, r, &f->request, sizeof(f->request), nlw__request_field); break;
    case NLW_FRAME_REPLY: rc = nlw__take_sub(wt, r, &f->reply, sizeof(f->reply), nlw__reply_field); break;
    case NLW_FRAME_DOORBELL:
    case NLW_FRAME_SHUTDOWN: rc = nlw__take_sub(wt, r, &empty, sizeof(empty), nlw__empty_field); break;
    default: return 0;
    }
    if (rc == 1) f->body = field;
    return rc;
}

int nlw_frame_decode(const unsigned char *buf, size_t len, nlw_frame *out) {
    nlw_bytes in;
    if (buf == NULL || out == NULL || len > NLW_MAX_FRAME_BYTES) return NLW_E_CORRUPT;
    memset(out, 0, sizeof(*out));
    in.data = buf;
    in.len = len;
    if (nlw__decode_message(&in, out, nlw__frame_field) != NLW_OK) return NLW_E_CORRUPT;
    return out->body == 0u ? NLW_E_CORRUPT : NLW_OK;
}

/* ---- Encoding ------------------------------------------------------------ */
/* Every message is sized first (sizes of submessages are needed for their
 * length prefixes), then written; both passes use the same functions with
 * a NULL or real output pointer. */

typedef struct nlw__writer {
    unsigned char *p; /* NULL: only count */
    size_t n;
} nlw__writer;

static void nlw__put_varint(nlw__writer *w, uint64_t v) {
    do {
        unsigned char b = (unsigned char)(v & 0x7Fu);
        v >>= 7;
        if (v != 0u) b = (unsigned char)(b | 0x80u);
        if (w->p != NULL) *w->p++ = b;
        w->n++;
    } while (v != 0u);
}

static void nlw__put_tag(nlw__writer *w, uint32_t field, uint32_t wt) {
    nlw__put_varint(w, ((uint64_t)field << 3) | wt);
}

static void nlw__put_u32(nlw__writer *w, uint32_t field, uint32_t v) {
    if (v == 0u) return;
    nlw__put_tag(w, field, NLW__WT_VARINT);
    nlw__put_varint(w, v);
}

/* Enums are int32 on the wire: values >= 2^31 are negative and protobufjs
 * sign-extends them to ten bytes. */
static void nlw__put_enum(nlw__writer *w, uint32_t field, uint32_t v) {
    uint64_t wide = v;
    if (v == 0u) return;
    if (v & 0x80000000u) wide |= ~(uint64_t)0xFFFFFFFFu;
    nlw__put_tag(w, field, NLW__WT_VARINT);
    nlw__put_varint(w, wide);
}

static void nlw__put_bytes(nlw__writer *w, uint32_t field, const nlw_bytes *b) {
    if (b->len == 0u) return;
    nlw__put_tag(w, field, NLW__WT_LEN);
    nlw__put_varint(w, b->len);
    if (w->p != NULL) {
        memcpy(w->p, b->data, b->len);
        w->p += b->len;
    }
    w->n += b->len;
}

typedef void (*nlw__body_fn)(nlw__writer *w, const void *msg);

/* A submessage is always written once chosen: tag, length, body. */
static void nlw__put_sub(nlw__writer *w, uint32_t field, const void *msg, nlw__body_fn body) {
    nlw__writer count;
    count.p = NULL;
    count.n = 0u;
    body(&count, msg);
    nlw__put_tag(w, field, NLW__WT_LEN);
    nlw__put_varint(w, count.n);
    body(w, msg);
}

static void nlw__hello_body(nlw__writer *w, const void *msg) {
    const nlw_hello *m = (const nlw_hello *)msg;
    nlw__put_u32(w, 1u, m->pid);
    nlw__put_bytes(w, 2u, &m->sdk_version);
}

static void nlw__invoke_body(nlw__writer *w, const void *msg) {
    const nlw_invoke_call *m = (const nlw_invoke_call *)msg;
    nlw__put_bytes(w, 1u, &m->function_arn);
    nlw__put_bytes(w, 2u, &m->qualifier);
    nlw__put_bytes(w, 3u, &m->client_context);
    nlw__put_u32(w, 4u, m->event ? 1u : 0u);
    nlw__put_bytes(w, 5u, &m->payload);
}

static void nlw__publish_body(nlw__writer *w, const void *msg) {
    const nlw_publish_call *m = (const nlw_publish_call *)msg;
    nlw__put_bytes(w, 1u, &m->topic);
    nlw__put_bytes(w, 2u, &m->payload);
    nlw__put_enum(w, 3u, m->policy);
}

static void nlw__shadow_body(nlw__writer *w, const void *msg) {
    const nlw_shadow_call *m = (const nlw_shadow_call *)msg;
    nlw__put_enum(w, 1u, m->op);
    nlw__put_bytes(w, 2u, &m->thing_name);
    nlw__put_bytes(w, 3u, &m->payload);
}

static void nlw__secret_body(nlw__writer *w, const void *msg) {
    const nlw_secret_call *m = (const nlw_secret_call *)msg;
    nlw__put_bytes(w, 1u, &m->secret_id);
    nlw__put_bytes(w, 2u, &m->version_id);
    nlw__put_bytes(w, 3u, &m->version_stage);
}

static void nlw__request_body(nlw__writer *w, const void *msg) {
    const nlw_request *m = (const nlw_request *)msg;
    nlw__put_u32(w, 1u, m->id);
    switch (m->call) {
    case NLW_CALL_INVOKE: nlw__put_sub(w, m->call, &m->invoke, nlw__invoke_body); break;
    case NLW_CALL_PUBLISH: nlw__put_sub(w, m->call, &m->publish, nlw__publish_body); break;
    case NLW_CALL_SHADOW: nlw__put_sub(w, m->call, &m->shadow, nlw__shadow_body); break;
    case NLW_CALL_SECRET: nlw__put_sub(w, m->call, &m->secret, nlw__secret_body); break;
    default: break; /* no call chosen */
    }
}

static void nlw__reply_body(nlw__writer *w, const void *msg) {
    const nlw_reply *m = (const nlw_reply *)msg;
    nlw__put_u32(w, 1u, m->id);
    nlw__put_enum(w, 2u, m->status);
    nlw__put_bytes(w, 3u, &m->payload);
}

static void nlw__empty_body(nlw__writer *w, const void *msg) {
    (void)w; (void)msg;
}

static void nlw__frame_body(nlw__writer *w, const void *msg) {
    const nlw_frame *f = (const nlw_frame *)msg;
    switch (f->body) {
    case NLW_FRAME_HELLO: nlw__put_sub(w, f->body, &f->hello, nlw__hello_body); break;
    case NLW_FRAME_DOORBELL:
    case NLW_FRAME_SHUTDOWN: nlw__put_sub(w, f->body, f, nlw__empty_body); break;
    case NLW_FRAME_REQUEST: nlw__put_sub(w, f->body, &f->request, nlw__request_body); break;
    case NLW_FRAME_REPLY: nlw__put_sub(w, f->body, &f->reply, nlw__reply_body); break;
    default: break;
    }
}

size_t nlw_frame_encoded_size(const nlw_frame *f) {
    nlw__writer w;
    w.p = NULL;
    w.n = 0u;
    nlw__frame_body(&w, f);
    return w.n;
}

size_t nlw_frame_encode(const nlw_frame *f, unsigned char *buf) {
    nlw__writer w;
    w.p = buf;
    w.n = 0u;
    nlw__frame_body(&w, f);
    return w.n;
}

void nlw_frame_prefix(unsigned char out[4], uint32_t len) {
    out[0] = (unsigned char)(len & 0xFFu);
    out[1] = (unsigned char)((len >> 8) & 0xFFu);
    out[2] = (unsigned char)((len >> 16) & 0xFFu);
    out[3] = (unsigned char)((len >> 24) & 0xFFu);
}

int nlw_frame_prefix_read(const unsigned char in[4], uint32_t *len) {
    uint32_t n = (uint32_t)in[0] | ((uint32_t)in[1] << 8) | ((uint32_t)in[2] << 16) | ((uint32_t)in[3] << 24);
    if (n == 0u || n > NLW_MAX_FRAME_BYTES) return NLW_E_CORRUPT;
    *len = n;
    return NLW_OK;
}
