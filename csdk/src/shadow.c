/*
 * shadow.c - local thing shadow get/update/delete. The answer (the shadow
 * JSON, or an error document) is read with gg_request_read.
 */
#include <string.h>

#include "nls.h"

/* AWS IoT thing names: 1..128 of [a-zA-Z0-9:_-]. Checked here so that a
 * name can never smuggle '/' or '#' into the shadow topic built from it. */
static int nls__thing_name_ok(const char *s)
{
    const char *p;
    if (!nls_str_ok(s, NLS_MAX_THING_NAME_BYTES))
        return 0;
    for (p = s; *p != '\0'; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == ':' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static gg_error nls__shadow(gg_request ggreq, uint32_t op, const char *what,
                            const char *thing_name, const char *payload,
                            gg_request_result *result)
{
    nlw_frame f;
    gg_error err;

    if (ggreq == NULL || result == NULL || !nls__thing_name_ok(thing_name))
        return GGE_INVALID_PARAMETER;
    if (payload != NULL && !nls_str_ok(payload, NLW_LAMBDA_PAYLOAD_BYTES))
        return GGE_INVALID_PARAMETER;
    err = nls_require_attached(what);
    if (err != GGE_SUCCESS)
        return err;

    memset(&f, 0, sizeof f);
    f.request.call = NLW_CALL_SHADOW;
    f.request.shadow.op = op;
    f.request.shadow.thing_name = nls_bytes_str(thing_name);
    f.request.shadow.payload = nls_bytes_str(payload);
    return nls_request_call(ggreq, &f, result);
}

NLS_EXPORT gg_error gg_get_thing_shadow(gg_request ggreq, const char *thing_name,
                                        gg_request_result *result)
{
    return nls__shadow(ggreq, NLW_SHADOW_GET, "gg_get_thing_shadow",
                       thing_name, NULL, result);
}

NLS_EXPORT gg_error gg_update_thing_shadow(gg_request ggreq,
                                           const char *thing_name,
                                           const char *update_payload,
                                           gg_request_result *result)
{
    /* The update document is required: an empty update is meaningless. */
    if (update_payload == NULL)
        return GGE_INVALID_PARAMETER;
    return nls__shadow(ggreq, NLW_SHADOW_UPDATE, "gg_update_thing_shadow",
                       thing_name, update_payload, result);
}

NLS_EXPORT gg_error gg_delete_thing_shadow(gg_request ggreq,
                                           const char *thing_name,
                                           gg_request_result *result)
{
    return nls__shadow(ggreq, NLW_SHADOW_DELETE, "gg_delete_thing_shadow",
                       thing_name, NULL, result);
}
