"""What the runtime learns from its command line and environment before it loads any user
code, checked so that a misconfigured worker stops at once with a message that says which
variable or argument is wrong (greengrass-v1.md sections 2.1 and 3)."""
import os
import re
import time

from greengrass_common.function_arn_fields import FunctionArnFields
from nanolambda_runtime.init_error import InitError

ENCODINGS = ('json', 'binary')
# Greengrass's per-invocation default (FunctionConfiguration.Timeout).
DEFAULT_TIMEOUT_SECONDS = 3.0
_INTERFACE_VERSION = re.compile(r'(\d+)\.(\d+)')


class Settings:
    """handler (module.function), function_arn, encoding, max_interface_version (major, minor),
    timeout_ms, and the Lambda context's fixed fields."""

    def __init__(self, argv, environ):
        self.handler = _handler_argument(argv)
        self.function_arn = _required(environ, 'MY_FUNCTION_ARN')
        try:
            arn = FunctionArnFields(self.function_arn)
        except ValueError as error:
            raise InitError('Runtime.InvalidEnvironment', 'MY_FUNCTION_ARN: {}'.format(error))
        _required(environ, 'AWS_CONTAINER_AUTHORIZATION_TOKEN')
        self.encoding = _required(environ, 'ENCODING_TYPE')
        if self.encoding not in ENCODINGS:
            raise InitError('Runtime.InvalidEnvironment',
                            'ENCODING_TYPE is {!r}; it must be json or binary'.format(self.encoding))
        self.max_interface_version = _interface_version(_required(environ, 'GGC_MAX_INTERFACE_VERSION'))
        self.timeout_ms = _timeout_ms(environ.get('AWS_LAMBDA_FUNCTION_TIMEOUT'))
        _check_port(environ.get('GG_DAEMON_PORT'))

        self.function_name = environ.get('AWS_LAMBDA_FUNCTION_NAME') or arn.name
        self.function_version = environ.get('AWS_LAMBDA_FUNCTION_VERSION') or arn.qualifier or '$LATEST'
        # Lambda gives the size as the variable's text; there is none when the function has no memory limit.
        self.memory_limit_in_mb = environ.get('AWS_LAMBDA_FUNCTION_MEMORY_SIZE') or None
        self.log_group_name = environ.get('AWS_LAMBDA_LOG_GROUP_NAME') or '/aws/greengrass/Lambda/{}/{}/{}'.format(
            arn.region, arn.account_id, arn.name)
        self.log_stream_name = environ.get('AWS_LAMBDA_LOG_STREAM_NAME') or '{}/[{}]{}'.format(
            time.strftime('%Y/%m/%d', time.gmtime()), self.function_version, os.urandom(16).hex())


def _handler_argument(argv):
    for index, argument in enumerate(argv):
        if argument.startswith('--handler='):
            return argument[len('--handler='):]
        if argument == '--handler' and index + 1 < len(argv):
            return argv[index + 1]
    raise InitError('Runtime.MalformedHandlerName',
                    'no handler given: start the runtime with --handler=<module>.<function>')


def _required(environ, name):
    value = environ.get(name)
    if not value:
        raise InitError('Runtime.InvalidEnvironment', '{} is not set; the core sets it for every function'.format(name))
    return value


def _interface_version(text):
    match = _INTERFACE_VERSION.fullmatch(text)
    if match is None:
        raise InitError('Runtime.InvalidEnvironment',
                        'GGC_MAX_INTERFACE_VERSION is {!r}; expected <major>.<minor> such as 1.5'.format(text))
    return int(match.group(1)), int(match.group(2))


def _check_port(text):
    # Unset means the old fixed port (8000); the IPC client reads the variable itself.
    if text is not None and not (text.isdigit() and 1 <= int(text) <= 65535):
        raise InitError('Runtime.InvalidEnvironment', 'GG_DAEMON_PORT is {!r}; expected a TCP port number'.format(text))


def _timeout_ms(text):
    if not text:
        return int(DEFAULT_TIMEOUT_SECONDS * 1000)
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float('inf'):
        raise InitError('Runtime.InvalidEnvironment',
                        'AWS_LAMBDA_FUNCTION_TIMEOUT is {!r}; expected a number of seconds above 0'.format(text))
    return int(seconds * 1000)


def check_sdk_interface(max_version, sdk_module):
    """A greengrasssdk the handler bundles must speak an interface this core offers: the same
    major and a minor no higher (what Greengrass's runtimes check). None when no SDK is loaded."""
    declared = getattr(sdk_module, 'INTERFACE_VERSION', None) if sdk_module is not None else None
    if not isinstance(declared, str):
        return
    match = _INTERFACE_VERSION.fullmatch(declared)
    if match is None:
        return
    major, minor = int(match.group(1)), int(match.group(2))
    if major != max_version[0] or minor > max_version[1]:
        raise InitError(
            'Runtime.IncompatibleSdk',
            'the bundled greengrasssdk {} speaks interface {} but this core offers {}.{} at most: '
            'bundle an older greengrasssdk'.format(
                getattr(sdk_module, '__version__', '?'), declared, max_version[0], max_version[1]))
