/*
 * stub.c - nanolambda's own stand-in for the "stub" library that SDK users
 * link against at build time: same soname (libaws-greengrass-core-sdk-c.so),
 * same version script, every function only says it was called and fails.
 * A program linked against it must run unchanged when the real library is
 * found first (LD_LIBRARY_PATH), which is what csdk-abi.test.ts proves.
 *
 *   cc -std=c89 -shared -fPIC -Iinclude -Wl,-soname,libaws-greengrass-core-sdk-c.so \
 *      -Wl,--version-script=version/greengrasssdk.map test/stub/stub.c \
 *      -o DIR/libaws-greengrass-core-sdk-c.so
 */
#include <stdio.h>

#include "greengrasssdk.h"

static gg_error stub_called(const char *fn)
{
    fprintf(stderr, "nanolambda test stub: %s called; the real library was "
                    "not loaded\n", fn);
    return GGE_RESERVED_MAX;
}

gg_error gg_global_init(uint32_t opt)
{ (void)opt; return stub_called("gg_global_init"); }
gg_error gg_log(gg_log_level level, const char *format, ...)
{ (void)level; (void)format; return stub_called("gg_log"); }
gg_error gg_request_init(gg_request *ggreq)
{ (void)ggreq; return stub_called("gg_request_init"); }
gg_error gg_request_close(gg_request ggreq)
{ (void)ggreq; return stub_called("gg_request_close"); }
gg_error gg_request_reuse(gg_request ggreq)
{ (void)ggreq; return stub_called("gg_request_reuse"); }
gg_error gg_request_read(gg_request ggreq, void *buffer, size_t buffer_size,
                         size_t *amount_read)
{
    (void)ggreq; (void)buffer; (void)buffer_size; (void)amount_read;
    return stub_called("gg_request_read");
}
gg_error gg_runtime_start(gg_lambda_handler handler, uint32_t opt)
{ (void)handler; (void)opt; return stub_called("gg_runtime_start"); }
gg_error gg_lambda_handler_read(void *buffer, size_t buffer_size,
                                size_t *amount_read)
{
    (void)buffer; (void)buffer_size; (void)amount_read;
    return stub_called("gg_lambda_handler_read");
}
gg_error gg_lambda_handler_write_response(const void *response,
                                          size_t response_size)
{
    (void)response; (void)response_size;
    return stub_called("gg_lambda_handler_write_response");
}
gg_error gg_lambda_handler_write_error(const char *error_message)
{ (void)error_message; return stub_called("gg_lambda_handler_write_error"); }
gg_error gg_get_secret_value(gg_request ggreq, const char *secret_id,
                             const char *version_id, const char *version_stage,
                             gg_request_result *result)
{
    (void)ggreq; (void)secret_id; (void)version_id; (void)version_stage;
    (void)result;
    return stub_called("gg_get_secret_value");
}
gg_error gg_invoke(gg_request ggreq, const gg_invoke_options *opts,
                   gg_request_result *result)
{ (void)ggreq; (void)opts; (void)result; return stub_called("gg_invoke"); }
gg_error gg_publish_options_init(gg_publish_options *opts)
{ (void)opts; return stub_called("gg_publish_options_init"); }
gg_error gg_publish_options_free(gg_publish_options opts)
{ (void)opts; return stub_called("gg_publish_options_free"); }
gg_error gg_publish_options_set_queue_full_policy(gg_publish_options opts,
        gg_queue_full_policy_options policy)
{
    (void)opts; (void)policy;
    return stub_called("gg_publish_options_set_queue_full_policy");
}
gg_error gg_publish_with_options(gg_request ggreq, const char *topic,
        const void *payload, size_t payload_size, const gg_publish_options opts,
        gg_request_result *result)
{
    (void)ggreq; (void)topic; (void)payload; (void)payload_size; (void)opts;
    (void)result;
    return stub_called("gg_publish_with_options");
}
gg_error gg_publish(gg_request ggreq, const char *topic, const void *payload,
                    size_t payload_size, gg_request_result *result)
{
    (void)ggreq; (void)topic; (void)payload; (void)payload_size; (void)result;
    return stub_called("gg_publish");
}
gg_error gg_get_thing_shadow(gg_request ggreq, const char *thing_name,
                             gg_request_result *result)
{
    (void)ggreq; (void)thing_name; (void)result;
    return stub_called("gg_get_thing_shadow");
}
gg_error gg_update_thing_shadow(gg_request ggreq, const char *thing_name,
                                const char *update_payload,
                                gg_request_result *result)
{
    (void)ggreq; (void)thing_name; (void)update_payload; (void)result;
    return stub_called("gg_update_thing_shadow");
}
gg_error gg_delete_thing_shadow(gg_request ggreq, const char *thing_name,
                                gg_request_result *result)
{
    (void)ggreq; (void)thing_name; (void)result;
    return stub_called("gg_delete_thing_shadow");
}
