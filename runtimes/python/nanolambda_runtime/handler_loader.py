"""Importing the function's handler, named module.function (or path/module.function, as
Lambda also accepts), from the function's code. Failures raise InitError with the errorType
and wording AWS Lambda uses, so users can search for them."""
import importlib
import os
import traceback

from nanolambda_runtime import error_document
from nanolambda_runtime.init_error import InitError


def load_handler(name):
    """The callable `name` designates; InitError (with the traceback of a failing import in
    .details) when there is none."""
    module_path, _, function_name = name.rpartition('.')
    if not module_path or not function_name:
        raise InitError('Runtime.MalformedHandlerName',
                        "Bad handler '{}': expected <module>.<function>, such as lambda_function.handler".format(name))
    module_name = module_path.replace('/', '.')
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as error:
        init_error = _with_details(InitError('Runtime.UserCodeSyntaxError',
                                             "Syntax error in module '{}': {}".format(module_name, error)), error)
        # Lambda's one entry for a syntax error: where it is.
        init_error.stack_trace = ['  File "{}" Line {}\n    {}\n'.format(error.filename, error.lineno, (error.text or '').strip())]
        raise init_error
    except ImportError as error:
        raise _with_details(InitError('Runtime.ImportModuleError',
                                      "Unable to import module '{}': {}".format(module_name, error)), error)
    except Exception as error:
        # The module's own code failed while it loaded: Lambda reports the exception itself, with its frames.
        init_error = _with_details(InitError(type(error).__name__, error_document.message_of(error)), error)
        init_error.stack_trace = traceback.format_list(_users_frames(error))
        raise init_error
    handler = getattr(module, function_name, None)
    if handler is None:
        raise InitError('Runtime.HandlerNotFound', "Handler '{}' missing on module '{}'".format(function_name, module_name))
    if not callable(handler):
        raise InitError('Runtime.HandlerNotFound', "Handler '{}' on module '{}' is a {}, not a function".format(
            function_name, module_name, type(handler).__name__))
    return handler


# Frames of this runtime and of the import machinery tell the user nothing about their code.
_NOT_USERS = (
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,
    os.path.dirname(importlib.__file__) + os.sep,
    '<frozen importlib',
)


def _is_users(frame):
    return not frame.filename.startswith(_NOT_USERS)


def _users_frames(cause):
    return [frame for frame in traceback.extract_tb(cause.__traceback__) if _is_users(frame)]


def _with_details(init_error, cause):
    frames = _users_frames(cause)
    text = ''
    if frames:
        text = 'Traceback (most recent call last):\n' + ''.join(traceback.format_list(frames))
    init_error.details = text + ''.join(traceback.format_exception_only(type(cause), cause))
    return init_error
