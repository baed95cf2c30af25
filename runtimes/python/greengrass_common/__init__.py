"""nanolambda's greengrass_common: the core-side helpers that the public greengrasssdk
imports (env_vars, function_arn_fields) and a log handler for the local logs API.
Greengrass cores ship this package with their Python runtime; so does nanolambda."""
