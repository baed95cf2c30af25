"""The environment a Greengrass V1 function runs in (greengrass-v1.md section 2.1), read once
at import as the public greengrasssdk expects: it imports these names as constants, and its
mock mode is chosen by MY_FUNCTION_ARN being None (unset)."""
import os

AUTH_TOKEN = os.getenv('AWS_CONTAINER_AUTHORIZATION_TOKEN')
MY_FUNCTION_ARN = os.getenv('MY_FUNCTION_ARN')
ROUTER_FUNCTION_ARN = os.getenv('ROUTER_FUNCTION_ARN')
SHADOW_FUNCTION_ARN = os.getenv('SHADOW_FUNCTION_ARN')
SECRETS_MANAGER_FUNCTION_ARN = os.getenv('SECRETS_MANAGER_FUNCTION_ARN')
ENCODING_TYPE = os.getenv('ENCODING_TYPE')
GGC_MAX_INTERFACE_VERSION = os.getenv('GGC_MAX_INTERFACE_VERSION')
# Cores before 1.11 had no variable and always listened on 8000.
GG_DAEMON_PORT = os.getenv('GG_DAEMON_PORT', '8000')
