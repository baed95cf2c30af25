"""Turning work bytes into the handler's event and its return value back into bytes, for the
function's EncodingType: json (JSON text, an empty body being {}) or binary (raw bytes).
What cannot be converted raises PayloadError with Lambda's errorType and wording."""
import json


class PayloadError(Exception):
    def __init__(self, error_type, message):
        Exception.__init__(self, message)
        self.error_type = error_type
        self.message = message


def decode_event(encoding, body):
    if encoding == 'binary':
        return body
    if not body:
        return {}
    try:
        return json.loads(body)
    except ValueError as error:
        raise PayloadError('Runtime.UnmarshalError', 'Unable to unmarshal input: {}'.format(error))


def encode_result(encoding, result):
    if encoding == 'binary':
        return _binary_result(result)
    try:
        return json.dumps(result).encode('utf-8')
    except (TypeError, ValueError) as error:
        raise PayloadError('Runtime.MarshalError', 'Unable to marshal response: {}'.format(error))


def _binary_result(result):
    if result is None:
        return b''
    if isinstance(result, (bytes, bytearray, memoryview)):
        return bytes(result)
    if isinstance(result, str):
        return result.encode('utf-8')
    raise PayloadError(
        'Runtime.MarshalError',
        'Unable to marshal response: a function with binary encoding must return bytes, str or None, '
        'not {}'.format(type(result).__name__))
