/*
 * invoke.c - gg_invoke: run another function through the host. Both
 * invocation types get a Reply; for RequestResponse its payload is the
 * target's response or error text, for Event it is empty once the host has
 * accepted (queued) the invocation.
 */
#include <string.h>

#include "nls.h"

NLS_EXPORT gg_error gg_invoke(gg_request ggreq, const gg_invoke_options *opts,
                              gg_request_result *result)
{
    nlw_frame f;
    gg_error err;

    if (ggreq == NULL || opts == NULL || result == NULL)
        return GGE_INVALID_PARAMETER;
    if (!nls_str_ok(opts->function_arn, NLS_MAX_ARN_BYTES) ||
        !nls_opt_str_ok(opts->customer_context, NLW_MAX_CONTEXT_BYTES) ||
        !nls_opt_str_ok(opts->qualifier, NLS_MAX_QUALIFIER_BYTES))
        return GGE_INVALID_PARAMETER;
    if (opts->type != GG_INVOKE_EVENT &&
        opts->type != GG_INVOKE_REQUEST_RESPONSE)
        return GGE_INVALID_PARAMETER;
    if ((opts->payload == NULL && opts->payload_size > 0) ||
        opts->payload_size > NLW_LAMBDA_PAYLOAD_BYTES)
        return GGE_INVALID_PARAMETER;
    err = nls_require_attached("gg_invoke");
    if (err != GGE_SUCCESS)
        return err;

    memset(&f, 0, sizeof f);
    f.request.call = NLW_CALL_INVOKE;
    f.request.invoke.function_arn = nls_bytes_str(opts->function_arn);
    f.request.invoke.qualifier = nls_bytes_str(opts->qualifier);
    f.request.invoke.client_context = nls_bytes_str(opts->customer_context);
    f.request.invoke.event = opts->type == GG_INVOKE_EVENT;
    f.request.invoke.payload.data = (const unsigned char *)opts->payload;
    f.request.invoke.payload.len = opts->payload_size;
    return nls_request_call(ggreq, &f, result);
}
