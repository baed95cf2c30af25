"""A logging.Handler that sends each record to the core's local logs API
(POST /2016-11-01/cloudwatch/logs/, greengrass-v1.md section 2.7), where the core writes it
to the function's log. Greengrass's own runtime logged through one of these; user code that
attached it keeps working. When the core cannot be reached the record goes to stderr, so
nothing is lost."""
import logging
import sys

from greengrass_ipc_python_sdk.ipc_client import IPCClient, IPCException

LOG_FORMAT = '[%(levelname)s]-%(filename)s:%(lineno)d,%(message)s'
# The core's levels are log4j's.
_LEVEL_NAMES = {'WARNING': 'WARN', 'CRITICAL': 'FATAL'}


class _CoreLevelFormatter(logging.Formatter):
    def format(self, record):
        shown = logging.makeLogRecord(record.__dict__)
        shown.levelname = _LEVEL_NAMES.get(record.levelname, record.levelname)
        return logging.Formatter.format(self, shown)


class LocalCloudwatchLogHandler(logging.Handler):
    def __init__(self, component_type, component_name, *args, **kwargs):
        logging.Handler.__init__(self, *args, **kwargs)
        self.log_group_name = '/{}/{}'.format(component_type, component_name)
        self.log_stream_name = 'fromPythonAppender'
        self.setFormatter(_CoreLevelFormatter(LOG_FORMAT))
        self._client = IPCClient()

    def emit(self, record):
        try:
            message = self.format(record)
        except Exception:
            self.handleError(record)
            return
        event = {'timestamp': int(round(record.created * 1000)), 'message': message}
        try:
            # One request per record: a worker can be killed at any moment, and buffered records would die with it.
            self._client.post_log_events(self.log_group_name, self.log_stream_name, [event])
        except IPCException as error:
            print('{} (could not send it to the local logs: {})'.format(message, error), file=sys.__stderr__, flush=True)
