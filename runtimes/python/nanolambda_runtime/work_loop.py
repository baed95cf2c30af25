"""The runtime's loop: get work from the core (a long poll), build the event and the context,
call handler(event, context), post the answer, and again (greengrass-v1.md sections 2.2, 3).

A handler's exception becomes Lambda's Unhandled error document. The core going away is
retried briefly (it may be restarting a listener); after that, or when the core refuses this
worker outright (4xx on getting work), the loop raises WorkLoopStopped and the worker exits."""
import sys
import time

from greengrass_ipc_python_sdk.ipc_client import IPCException, WorkItem
from nanolambda_runtime import error_document
from nanolambda_runtime.function_output import current_request
from nanolambda_runtime.lambda_context import LambdaContext, decode_client_context
from nanolambda_runtime.payload_codec import PayloadError, decode_event, encode_result

# Retrying a call the core did not answer: 50 ms doubling to 500 ms, for 3 s in all
# (the schedule of Greengrass's own runtimes).
RETRY_FIRST_DELAY_S = 0.05
RETRY_MAX_DELAY_S = 0.5
RETRY_BUDGET_S = 3.0


class WorkLoopStopped(Exception):
    """The loop cannot go on; the message says why."""


def _retryable(error):
    # No answer at all, or the core's own failure. A 4xx is an answer about this request.
    return error.status is None or error.status >= 500


def with_retries(call):
    give_up_at = time.monotonic() + RETRY_BUDGET_S
    delay = RETRY_FIRST_DELAY_S
    while True:
        try:
            return call()
        except IPCException as error:
            if not _retryable(error) or time.monotonic() + delay > give_up_at:
                raise
        time.sleep(delay)
        delay = min(delay * 2, RETRY_MAX_DELAY_S)


class WorkLoop:
    def __init__(self, settings, handler, ipc):
        self.settings = settings
        self.handler = handler
        self.ipc = ipc

    def run_forever(self):
        while True:
            item = self._next_work()
            function_error, body = self.answer(item)
            self._post(item.invocation_id, function_error, body)

    def answer(self, item):
        """(function error, body) for one work item: ('', result) or ('Unhandled', error document)."""
        request_id = item.invocation_id
        current_request.request_id = request_id
        try:
            return self._run_handler(item, request_id)
        finally:
            current_request.request_id = ''

    def _run_handler(self, item, request_id):
        settings = self.settings
        try:
            client_context = decode_client_context(item.client_context)
        except ValueError as error:
            # The invoker's mistake, not the handler's: it runs without one, and the log says why.
            print('[WARNING] {}: the handler gets client_context None'.format(error), file=sys.stderr)
            client_context = None
        deadline_ms = item.deadline_ms if item.deadline_ms is not None else time.time() * 1000 + settings.timeout_ms
        context = LambdaContext(settings, request_id, client_context, deadline_ms)
        try:
            event = decode_event(settings.encoding, item.payload)
        except PayloadError as error:
            return self._runtime_failure(error, request_id)
        try:
            result = self.handler(event, context)
        except Exception as error:
            # The first frame is ours (the call above); Lambda shows only the handler's.
            frames = error_document.stack_frames(error.__traceback__.tb_next)
            document = error_document.exception_document(error, request_id, frames)
            print(error_document.log_lines(type(error).__name__, error_document.message_of(error), frames))
            return 'Unhandled', document
        try:
            return '', encode_result(settings.encoding, result)
        except PayloadError as error:
            return self._runtime_failure(error, request_id)

    @staticmethod
    def _runtime_failure(error, request_id):
        print(error_document.log_lines(error.error_type, error.message, []))
        return 'Unhandled', error_document.runtime_error_document(error.error_type, error.message, request_id)

    def _next_work(self):
        arn = self.settings.function_arn
        while True:
            try:
                item = with_retries(lambda: self.ipc.get_work(arn))
            except IPCException as error:
                raise WorkLoopStopped('cannot get work from the core: {}'.format(error))
            if item.invocation_id:
                return item
            # A 2xx without an invocation is no work item; ask again, politely.
            print('[WARNING] the core answered a request for work without an X-Amz-InvocationId; asking again',
                  file=sys.stderr)
            time.sleep(RETRY_FIRST_DELAY_S)

    def _post(self, request_id, function_error, body):
        arn = self.settings.function_arn
        if function_error:
            def post():
                self.ipc.post_work_error(arn, request_id, body, function_error)
        else:
            def post():
                self.ipc.post_work_result(arn, WorkItem(invocation_id=request_id, payload=body, client_context=None))
        try:
            with_retries(post)
        except IPCException as error:
            if _retryable(error):
                raise WorkLoopStopped('cannot send the answer of {} to the core: {}'.format(request_id, error))
            # Refused (it timed out meanwhile, say): the core has settled it; take the next one.
            print('[WARNING] the core did not take the answer of {}: {}'.format(request_id, error), file=sys.stderr)
