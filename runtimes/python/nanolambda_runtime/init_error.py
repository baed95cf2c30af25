"""The one way the runtime fails to start: an InitError with Lambda's errorType
(Runtime.ImportModuleError, Runtime.HandlerNotFound, ...) and a message naming the input at
fault. lambda_runtime.py prints it to stderr, reports it to the core (the invocation waiting
for this worker fails with document()) and exits 1."""
from nanolambda_runtime import error_document


class InitError(Exception):
    def __init__(self, error_type, message):
        Exception.__init__(self, message)
        self.error_type = error_type
        self.message = message
        # More for the log (the traceback of a failed import), or ''.
        self.details = ''
        # Lambda's stackTrace entries for the document: the user's frames, if any are known.
        self.stack_trace = []

    def document(self):
        """Lambda's error document for a failed init, as its Python runtime writes it: no request
        has started, so requestId is ''."""
        return error_document.init_error_document(self.error_type, self.message, self.stack_trace)
