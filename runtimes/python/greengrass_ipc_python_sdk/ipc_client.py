"""The Greengrass V1 IPC client: one HTTP/1.1 request per call to the core on loopback
(greengrass-v1.md section 2.2), authorised by the worker's token.

The public greengrasssdk uses IPCClient(endpoint=...).post_work and get_work_result and
reads .payload and .func_err of the result; the runtime uses get_work, post_work_result,
the error posts and put_initialized. Any failure (no connection, a non-2xx answer, a
timeout) raises IPCException."""
import collections
import http.client
import json

from greengrass_common import env_vars

API_VERSION = '2016-11-01'
HEADER_AUTH_TOKEN = 'Authorization'
HEADER_INVOCATION_ID = 'X-Amz-InvocationId'
HEADER_INVOCATION_TYPE = 'X-Amz-Invocation-Type'
HEADER_CLIENT_CONTEXT = 'X-Amz-Client-Context'
HEADER_FUNCTION_ERROR = 'X-Amz-Function-Error'
# nanolambda's addition: epoch milliseconds by which the work item must be answered.
HEADER_DEADLINE_MS = 'X-Amz-Deadline-Ms'

# How much of an error answer's body goes into the exception message.
_ERROR_BODY_SHOWN = 500

WorkItem = collections.namedtuple(
    'WorkItem', ['invocation_id', 'payload', 'client_context', 'deadline_ms'], defaults=[None])
WorkItem.__doc__ = """One invocation for this function: its id, the event bytes, the client context
as the header carried it (base64 JSON, '' or None) and the deadline in epoch ms (None if the
core sent none)."""

GetWorkResultOutput = collections.namedtuple('GetWorkResultOutput', ['payload', 'invocation_id', 'func_err'])
GetWorkResultOutput.__doc__ = """The answer of an invoked function: its bytes and its function error
('' on success, else 'Handled' or 'Unhandled')."""


class IPCException(Exception):
    """An IPC call failed. `status` is the HTTP status of a non-2xx answer, None when there was none."""

    def __init__(self, message, status=None):
        Exception.__init__(self, message)
        self.status = status


def _as_body(payload):
    """Request bytes from what callers pass: bytes-like, str (UTF-8), a readable file or None."""
    if payload is None:
        return b''
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return bytes(payload)
    if isinstance(payload, str):
        return payload.encode('utf-8')
    if hasattr(payload, 'read'):
        return _as_body(payload.read())
    raise TypeError('a payload must be bytes, str or a readable file, not {}'.format(type(payload).__name__))


def _as_header_value(value):
    if value is None:
        return ''
    if isinstance(value, (bytes, bytearray)):
        # Latin-1 is how HTTP carries header bytes; it maps every byte, so nothing fails here.
        return bytes(value).decode('latin-1')
    return str(value)


class IPCClient:
    def __init__(self, endpoint='localhost', port=None):
        # The core listens on 127.0.0.1 only; asking for "localhost" by name could try ::1 first.
        self.endpoint = '127.0.0.1' if endpoint == 'localhost' else endpoint
        self.port = int(port if port is not None else env_vars.GG_DAEMON_PORT)
        self.auth_token = env_vars.AUTH_TOKEN

    def post_work(self, function_arn, input_bytes, client_context, invocation_type='RequestResponse'):
        """Invoke `function_arn` (also publish, shadow and secrets: the core's functions).
        Returns the invocation id for get_work_result."""
        response = self._request('POST', self._function_path(function_arn), _as_body(input_bytes), {
            HEADER_CLIENT_CONTEXT: _as_header_value(client_context),
            HEADER_INVOCATION_TYPE: invocation_type,
        })
        return response.headers.get(HEADER_INVOCATION_ID)

    def get_work_result(self, function_arn, invocation_id):
        """Wait for the answer of an invocation made with post_work."""
        response = self._request('GET', self._function_path(function_arn), None, {
            HEADER_INVOCATION_ID: invocation_id,
        })
        # No header means no error: callers compare with '' (the shadow client raises otherwise).
        func_err = response.headers.get(HEADER_FUNCTION_ERROR) or ''
        return GetWorkResultOutput(payload=response.body, invocation_id=invocation_id, func_err=func_err)

    def get_work(self, function_arn):
        """Wait (as long as it takes) for this function's next invocation."""
        response = self._request('GET', self._work_path(function_arn), None, {})
        deadline = response.headers.get(HEADER_DEADLINE_MS)
        return WorkItem(
            invocation_id=response.headers.get(HEADER_INVOCATION_ID),
            payload=response.body,
            client_context=response.headers.get(HEADER_CLIENT_CONTEXT),
            deadline_ms=int(deadline) if deadline and deadline.isdigit() else None,
        )

    def post_work_result(self, function_arn, work_item):
        """Answer work_item.invocation_id with work_item.payload."""
        self._request('POST', self._work_path(function_arn), _as_body(work_item.payload), {
            HEADER_INVOCATION_ID: work_item.invocation_id,
        })

    def post_work_error(self, function_arn, invocation_id, error_document, function_error='Unhandled'):
        """Answer an invocation with an error document (bytes) and its kind, Handled or Unhandled."""
        self._request('POST', self._work_path(function_arn), _as_body(error_document), {
            HEADER_INVOCATION_ID: invocation_id,
            HEADER_FUNCTION_ERROR: function_error,
        })

    def post_handler_error(self, function_arn, invocation_id, handler_err):
        """Answer an invocation with a handled error whose message is `handler_err`."""
        document = json.dumps({'errorMessage': handler_err}).encode('utf-8')
        self.post_work_error(function_arn, invocation_id, document, 'Handled')

    # The name older cores' client used for the same call.
    post_handler_err = post_handler_error

    def put_initialized(self, function_arn, success, response='', timeout=None):
        """Report whether this function initialised; `response` is text (a failed runtime sends
        Lambda's error document as JSON text). `timeout` in seconds, None for none."""
        document = json.dumps({'Success': bool(success), 'Response': response}).encode('utf-8')
        self._request('PUT', self._function_path(function_arn) + '/initialized', document, {}, timeout)

    def post_log_events(self, log_group_name, log_stream_name, log_events):
        """Send records to the core's local logs ({'timestamp': ms, 'message': str} each)."""
        document = {'logGroupName': log_group_name, 'logStreamName': log_stream_name, 'logEvents': log_events}
        self._request('POST', '/{}/cloudwatch/logs/'.format(API_VERSION), json.dumps(document).encode('utf-8'), {})

    @staticmethod
    def _function_path(function_arn):
        # The ARN goes into the path raw, colons and all, as the core expects.
        return '/{}/functions/{}'.format(API_VERSION, function_arn)

    def _work_path(self, function_arn):
        return self._function_path(function_arn) + '/work'

    def _request(self, method, path, body, headers, timeout=None):
        if self.auth_token is not None:
            headers[HEADER_AUTH_TOKEN] = self.auth_token
        what = '{} {} on the Greengrass IPC at {}:{}'.format(method, path, self.endpoint, self.port)
        # No timeout unless asked: getting work and waiting for results block until the core answers.
        connection = http.client.HTTPConnection(self.endpoint, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = _Answer(response.status, response.headers, response.read())
        except (OSError, http.client.HTTPException, ValueError) as error:
            raise IPCException('{} failed: {}'.format(what, error)) from error
        finally:
            connection.close()
        if not 200 <= answer.status < 300:
            shown = answer.body[:_ERROR_BODY_SHOWN].decode('utf-8', 'replace')
            raise IPCException('{} answered HTTP {}: {}'.format(what, answer.status, shown), answer.status)
        return answer


_Answer = collections.namedtuple('_Answer', ['status', 'headers', 'body'])
