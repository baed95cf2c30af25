"""Where a handler's print() and logging go: stdout and stderr, which the core writes to the
function's log. They are made unbuffered (as python -u would), so a line is in the log when
the handler wrote it, not when a buffer fills or the worker dies. The root logger writes
Lambda's line format, "[LEVEL]\\t<UTC time>\\t<request id>\\t<message>", at level INFO (the
Greengrass default for function logs); a function can change the level as usual."""
import io
import logging
import os
import sys
import time

LOG_FORMAT = '[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s'
LOG_DATE_FORMAT = '%Y-%m-%dT%H:%M:%S'


class _CurrentRequest:
    """The id of the invocation running, for log lines; '' between invocations."""
    request_id = ''


current_request = _CurrentRequest()


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = current_request.request_id
        return True


def make_output_unbuffered():
    sys.stdout = _unbuffered_text(1)
    sys.stderr = _unbuffered_text(2)
    # Python programs the handler starts write unbuffered too.
    os.environ['PYTHONUNBUFFERED'] = '1'


def _unbuffered_text(fd):
    # What python -u builds: text written straight through to the descriptor. Characters that
    # cannot be encoded are escaped rather than raising inside the handler's print().
    raw = io.FileIO(fd, 'w', closefd=False)
    return io.TextIOWrapper(raw, encoding='utf-8', errors='backslashreplace', write_through=True)


def configure_root_logger():
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter(LOG_FORMAT, LOG_DATE_FORMAT)
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
