"""nanolambda's Python runtime program for Greengrass-style Python functions:

    python3 lambda_runtime.py --handler=<module>.<function>

run with the function's code directory as the working directory and the environment the
core gives (MY_FUNCTION_ARN, AWS_CONTAINER_AUTHORIZATION_TOKEN, ENCODING_TYPE,
GGC_MAX_INTERFACE_VERSION, GG_DAEMON_PORT, ...). It loads the handler, then takes work from
the core over the Greengrass IPC and answers it until the core stops it with SIGTERM (exit 0).
If it cannot start (bad environment, the handler does not load) it prints why to stderr and
exits 1; a handler that does not load is also reported to the core (PUT .../initialized with
Lambda's error document), which fails the invocation waiting for this worker with it. Standard library only; this directory also provides greengrass_common and
greengrass_ipc_python_sdk, which a bundled public greengrasssdk imports."""
import os
import signal
import sys

# Our own modules are imported below without writing __pycache__ beside them: the runtime's
# directory may be read-only or shared; user code is compiled and cached as Python usually does.
_write_bytecode = sys.dont_write_bytecode
sys.dont_write_bytecode = True
import greengrass_common.local_cloudwatch_handler  # noqa: E402,F401  (loaded now, for the reason above)
from greengrass_ipc_python_sdk.ipc_client import IPCClient, IPCException  # noqa: E402
from nanolambda_runtime.function_output import configure_root_logger, make_output_unbuffered  # noqa: E402
from nanolambda_runtime.handler_loader import load_handler  # noqa: E402
from nanolambda_runtime.init_error import InitError  # noqa: E402
from nanolambda_runtime.settings import Settings, check_sdk_interface  # noqa: E402
from nanolambda_runtime.work_loop import WorkLoop, WorkLoopStopped  # noqa: E402
sys.dont_write_bytecode = _write_bytecode


def _exit_on_sigterm(_signum, _frame):
    # Immediately, whatever the handler or its threads are doing: the core asked the worker to go.
    os._exit(0)


def _use_code_directory():
    # Right after this program's own directory (sys.path[0]), so the core modules stay ours
    # even when a deployment package bundles old copies; everything else comes from the code.
    code_dir = os.getcwd()
    if code_dir in sys.path:
        sys.path.remove(code_dir)
    sys.path.insert(1, code_dir)


# A core that takes the report but never answers must not keep a failed worker alive long.
INIT_REPORT_TIMEOUT_S = 5.0


def _print_init_error(error):
    print('[ERROR] {}: {}'.format(error.error_type, error.message), file=sys.stderr)
    if error.details:
        print(error.details.rstrip('\n'), file=sys.stderr)


def _report_init_error(settings, error):
    """Tell the core why this worker cannot serve, so the waiting invocation gets Lambda's error
    instead of a bare exit. Best effort: the exit that follows is reported by the core anyway."""
    try:
        IPCClient().put_initialized(settings.function_arn, False, error.document().decode('utf-8'), INIT_REPORT_TIMEOUT_S)
    except IPCException as failure:
        print('[WARNING] the core did not take the report of the failed initialization: {}'.format(failure),
              file=sys.stderr)


def main(argv):
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    make_output_unbuffered()
    try:
        settings = Settings(argv, os.environ)
    except InitError as error:
        # No trustworthy ARN, token or port to report with: the core set up the worker wrongly.
        _print_init_error(error)
        return 1
    try:
        configure_root_logger()
        _use_code_directory()
        handler = load_handler(settings.handler)
        check_sdk_interface(settings.max_interface_version, sys.modules.get('greengrasssdk'))
    except InitError as error:
        _print_init_error(error)
        _report_init_error(settings, error)
        return 1
    try:
        WorkLoop(settings, handler, IPCClient()).run_forever()
    except WorkLoopStopped as error:
        print('[ERROR] Runtime.IpcError: {}'.format(error), file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
