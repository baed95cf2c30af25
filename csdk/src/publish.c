/*
 * publish.c - gg_publish and publish options. The host routes the message
 * through the group's subscriptions; under ALL_OR_ERROR it answers
 * GG_REQUEST_AGAIN when a destination queue is full.
 */
#include <stdlib.h>
#include <string.h>

#include "nls.h"

/* Marks live options so that a freed or foreign pointer is caught in the
 * common case instead of being used. */
#define NLS_PUBLISH_OPTIONS_MAGIC 0x4F50474Eu

struct _gg_publish_options {
    uint32_t magic;
    gg_queue_full_policy_options policy;
};

NLS_EXPORT gg_error gg_publish_options_init(gg_publish_options *opts)
{
    gg_publish_options o;

    if (opts == NULL)
        return GGE_INVALID_PARAMETER;
    *opts = NULL;
    o = (gg_publish_options)malloc(sizeof *o);
    if (o == NULL)
        return GGE_OUT_OF_MEMORY;
    o->magic = NLS_PUBLISH_OPTIONS_MAGIC;
    o->policy = GG_QUEUE_FULL_POLICY_BEST_EFFORT;
    *opts = o;
    return GGE_SUCCESS;
}

NLS_EXPORT gg_error gg_publish_options_free(gg_publish_options opts)
{
    if (opts == NULL || opts->magic != NLS_PUBLISH_OPTIONS_MAGIC)
        return GGE_INVALID_PARAMETER;
    opts->magic = 0;
    free(opts);
    return GGE_SUCCESS;
}

NLS_EXPORT gg_error gg_publish_options_set_queue_full_policy(
    gg_publish_options opts, gg_queue_full_policy_options policy)
{
    if (opts == NULL || opts->magic != NLS_PUBLISH_OPTIONS_MAGIC)
        return GGE_INVALID_PARAMETER;
    if (policy != GG_QUEUE_FULL_POLICY_BEST_EFFORT &&
        policy != GG_QUEUE_FULL_POLICY_ALL_OR_ERROR)
        return GGE_INVALID_PARAMETER;
    opts->policy = policy;
    return GGE_SUCCESS;
}

NLS_EXPORT gg_error gg_publish_with_options(gg_request ggreq, const char *topic,
        const void *payload, size_t payload_size, const gg_publish_options opts,
        gg_request_result *result)
{
    nlw_frame f;
    gg_error err;

    if (ggreq == NULL || result == NULL ||
        !nls_str_ok(topic, NLS_MAX_TOPIC_BYTES) ||
        (payload == NULL && payload_size > 0) ||
        payload_size > NLW_LAMBDA_PAYLOAD_BYTES)
        return GGE_INVALID_PARAMETER;
    if (opts != NULL && opts->magic != NLS_PUBLISH_OPTIONS_MAGIC)
        return GGE_INVALID_PARAMETER;
    err = nls_require_attached("gg_publish");
    if (err != GGE_SUCCESS)
        return err;

    memset(&f, 0, sizeof f);
    f.request.call = NLW_CALL_PUBLISH;
    f.request.publish.topic = nls_bytes_str(topic);
    f.request.publish.payload.data = (const unsigned char *)payload;
    f.request.publish.payload.len = payload_size;
    f.request.publish.policy =
        opts != NULL && opts->policy == GG_QUEUE_FULL_POLICY_ALL_OR_ERROR
            ? NLW_POLICY_ALL_OR_ERROR
            : NLW_POLICY_BEST_EFFORT;
    return nls_request_call(ggreq, &f, result);
}

NLS_EXPORT gg_error gg_publish(gg_request ggreq, const char *topic,
                               const void *payload, size_t payload_size,
                               gg_request_result *result)
{
    return gg_publish_with_options(ggreq, topic, payload, payload_size, NULL,
                                   result);
}
