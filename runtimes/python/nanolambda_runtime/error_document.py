"""The error documents AWS Lambda's Python runtime returns with X-Amz-Function-Error:
Unhandled: {"errorMessage", "errorType", "requestId", "stackTrace": [frames]}, and the
"[ERROR] Type: message" lines it writes to the function's log for each."""
import json
import traceback


def exception_document(error, request_id, frames):
    """The document for an exception the handler raised; `frames` as stack_frames gives them."""
    return _document(message_of(error), type(error).__name__, request_id, frames)


def runtime_error_document(error_type, message, request_id):
    """The document for a failure of the runtime's own (Runtime.MarshalError, ...)."""
    return _document(message, error_type, request_id, [])


def init_error_document(error_type, message, frames):
    """The document for a handler that could not be loaded (before any request: requestId '')."""
    return _document(message, error_type, '', frames)


def stack_frames(tb):
    """Lambda's stackTrace entries: traceback.format_list of the handler's frames."""
    return traceback.format_list(traceback.extract_tb(tb))


def log_lines(error_type, message, frames):
    """What the function's log shows for a failed invocation."""
    text = '[ERROR] {}: {}'.format(error_type, message)
    if frames:
        text += '\nTraceback (most recent call last):\n' + ''.join(frames).rstrip('\n')
    return text


def message_of(error):
    # str() runs user code (__str__), which may itself fail.
    try:
        return str(error)
    except Exception:
        return '<the exception could not be converted to text>'


def _document(message, error_type, request_id, frames):
    return json.dumps({
        'errorMessage': message,
        'errorType': error_type,
        'requestId': request_id,
        'stackTrace': frames,
    }).encode('utf-8')
