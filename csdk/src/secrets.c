/*
 * secrets.c - gg_get_secret_value (API 1.1). The answer is the secret JSON
 * or an error document, read with gg_request_read.
 */
#include <string.h>

#include "nls.h"

NLS_EXPORT gg_error gg_get_secret_value(gg_request ggreq, const char *secret_id,
                                        const char *version_id,
                                        const char *version_stage,
                                        gg_request_result *result)
{
    nlw_frame f;
    gg_error err;

    if (ggreq == NULL || result == NULL ||
        !nls_str_ok(secret_id, NLS_MAX_SECRET_ID_BYTES) ||
        !nls_opt_str_ok(version_id, NLS_MAX_SECRET_VERSION_BYTES) ||
        !nls_opt_str_ok(version_stage, NLS_MAX_SECRET_VERSION_BYTES))
        return GGE_INVALID_PARAMETER;
    err = nls_require_attached("gg_get_secret_value");
    if (err != GGE_SUCCESS)
        return err;

    memset(&f, 0, sizeof f);
    f.request.call = NLW_CALL_SECRET;
    f.request.secret.secret_id = nls_bytes_str(secret_id);
    f.request.secret.version_id = nls_bytes_str(version_id);
    f.request.secret.version_stage = nls_bytes_str(version_stage);
    return nls_request_call(ggreq, &f, result);
}
