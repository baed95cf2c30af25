"""The context object a handler gets, with the attributes of AWS Lambda's Python context
(function_name, aws_request_id, client_context.custom, get_remaining_time_in_millis(), ...).
Greengrass functions find the topic of a routed message in client_context.custom['subject']."""
import base64
import binascii
import json
import time

_CLIENT_FIELDS = ('installation_id', 'app_title', 'app_version_name', 'app_version_code', 'app_package_name')


class Client:
    """The invoking application, as the client context's "client" object describes it."""

    def __init__(self, fields):
        for name in _CLIENT_FIELDS:
            setattr(self, name, fields.get(name))


class ClientContext:
    def __init__(self, document):
        client = document.get('client')
        self.client = Client(client) if isinstance(client, dict) else None
        self.custom = document.get('custom')
        self.env = document.get('env')


def decode_client_context(header):
    """The ClientContext of an X-Amz-Client-Context value (base64 JSON), or None when the
    invoker gave none. A value that is not base64 JSON of an object raises ValueError."""
    if not header:
        return None
    try:
        document = json.loads(base64.b64decode(header, validate=True))
    except (binascii.Error, ValueError) as error:
        raise ValueError('the client context is not base64 JSON ({}): {!r}'.format(error, header[:100]))
    if not isinstance(document, dict):
        raise ValueError('the client context is not a JSON object: {!r}'.format(header[:100]))
    return ClientContext(document)


class LambdaContext:
    def __init__(self, settings, aws_request_id, client_context, deadline_ms):
        self.function_name = settings.function_name
        self.function_version = settings.function_version
        self.invoked_function_arn = settings.function_arn
        self.memory_limit_in_mb = settings.memory_limit_in_mb
        self.log_group_name = settings.log_group_name
        self.log_stream_name = settings.log_stream_name
        self.aws_request_id = aws_request_id
        self.client_context = client_context
        self.identity = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))
