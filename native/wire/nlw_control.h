/*
 * nlw_control.h - encode and decode the control frames of control.proto
 * (protobuf wire format, hand-written, no allocation: decoded byte fields
 * point into the input buffer). C89. Shared by the SDK and the addon.
 *
 * Framing on the socket: 4-byte little-endian length, then the encoded
 * Frame. Every length read from the other side is bounded by
 * NLW_MAX_FRAME_BYTES and by the bytes actually present.
 */
#ifndef NLW_CONTROL_H
#define NLW_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NLW_FRAME_PREFIX_BYTES 4u
#define NLW_MAX_FRAME_BYTES (8u * 1024u * 1024u)

/* Frame.body field numbers. */
#define NLW_FRAME_HELLO 1u
#define NLW_FRAME_DOORBELL 2u
#define NLW_FRAME_REQUEST 3u
#define NLW_FRAME_REPLY 4u
#define NLW_FRAME_SHUTDOWN 5u

/* Request.call field numbers. */
#define NLW_CALL_INVOKE 2u
#define NLW_CALL_PUBLISH 3u
#define NLW_CALL_SHADOW 4u
#define NLW_CALL_SECRET 5u

#define NLW_SHADOW_GET 0u
#define NLW_SHADOW_UPDATE 1u
#define NLW_SHADOW_DELETE 2u

#define NLW_POLICY_BEST_EFFORT 0u
#define NLW_POLICY_ALL_OR_ERROR 1u

/* A borrowed byte range (not NUL-terminated). */
typedef struct nlw_bytes {
    const unsigned char *data;
    size_t len;
} nlw_bytes;

typedef struct nlw_hello {
    uint32_t pid;
    nlw_bytes sdk_version;
} nlw_hello;

typedef struct nlw_invoke_call {
    nlw_bytes function_arn;
    nlw_bytes qualifier;
    nlw_bytes client_context;
    int event;
    nlw_bytes payload;
} nlw_invoke_call;

typedef struct nlw_publish_call {
    nlw_bytes topic;
    nlw_bytes payload;
    uint32_t policy;
} nlw_publish_call;

typedef struct nlw_shadow_call {
    uint32_t op;
    nlw_bytes thing_name;
    nlw_bytes payload;
} nlw_shadow_call;

typedef struct nlw_secret_call {
    nlw_bytes secret_id;
    nlw_bytes version_id;
    nlw_bytes version_stage;
} nlw_secret_call;

typedef struct nlw_request {
    uint32_t id;
    uint32_t call; /* NLW_CALL_* */
    nlw_invoke_call invoke;
    nlw_publish_call publish;
    nlw_shadow_call shadow;
    nlw_secret_call secret;
} nlw_request;

typedef struct nlw_reply {
    uint32_t id;
    uint32_t status; /* gg_request_status value */
    nlw_bytes payload;
} nlw_reply;

typedef struct nlw_frame {
    uint32_t body; /* NLW_FRAME_* */
    nlw_hello hello;
    nlw_request request;
    nlw_reply reply;
} nlw_frame;

/* Decode one Frame body (without the 4-byte prefix). Unknown fields are
 * skipped as protobuf requires; malformed input (truncated varint, length
 * past the end, wrong wire type for a known field, no body) returns
 * NLW_E_CORRUPT. Byte fields of *out point into buf. */
int nlw_frame_decode(const unsigned char *buf, size_t len, nlw_frame *out);

/* Encoded size of a frame body, and encoding into buf (which must hold
 * nlw_frame_encoded_size bytes). Fields equal to their proto3 default are
 * omitted, exactly as protobufjs does, so both sides produce equal bytes. */
size_t nlw_frame_encoded_size(const nlw_frame *f);
size_t nlw_frame_encode(const nlw_frame *f, unsigned char *buf);

/* Write the 4-byte little-endian prefix for a body of len bytes. */
void nlw_frame_prefix(unsigned char out[4], uint32_t len);
/* Read a prefix; returns NLW_E_CORRUPT for 0 or > NLW_MAX_FRAME_BYTES. */
int nlw_frame_prefix_read(const unsigned char in[4], uint32_t *len);

#ifdef __cplusplus
}
#endif

#endif /* NLW_CONTROL_H */
