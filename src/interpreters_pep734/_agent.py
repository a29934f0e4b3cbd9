"""The code that runs *inside* an interpreter made by ``create()``.

Every ``exec``, ``call`` and ``prepare_main`` arrives here as one request (bytes) for one
operation; the answer goes back as one response (bytes) through the backend's transport.
Everything is caught here, in Python, so that no exception reaches the C modules' own
error paths (some of which crash on 3.12 and 3.13, e.g. an exception whose ``__str__``
raises).
"""

from __future__ import annotations

import functools
import sys
import types
from collections.abc import Callable

from . import _transfer
from ._backend import BACKEND
from ._backend._interface import BUFFER_NAME, FIRST_BUFFER_NAME, REPLY_NAME, REQUEST_NAME
from ._errors import NotShareableError
from ._syspath import sync_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._backend._interface import Buffers

    #: An operation's answer: the response, or the response and the buffers beside it.
    type Response = bytes | tuple[bytes, Buffers]

_THIS_FILE = __file__


def _main_namespace() -> dict[str, object]:
    return sys.modules["__main__"].__dict__


def _exec(request: bytes, buffers: Buffers) -> Response:
    import marshal

    code, path = marshal.loads(request)
    if path is not None:
        sync_path(path)
    try:
        exec(code, _main_namespace())
    except BaseException as exc:
        return _transfer.encode_failure(exc, _THIS_FILE)
    return b""


# Builtins such as dir(), globals(), locals(), vars(), eval() and exec() read the frame
# that calls them; in 3.14 that is the target's __main__.  They are called from this
# module-level code, run with __main__'s namespace as its globals and locals.
_CALL_IN_MAIN = compile(
    "__import__('sys').modules['interpreters_pep734._agent']._pending_call()",
    _THIS_FILE,
    "eval",
)
_pending_call: Callable[[], object] | None = None


def _call(request: bytes, buffers: Buffers) -> Response:
    global _pending_call
    try:
        func, args, kwargs = _transfer.decode_call(request, buffers)
    except NotShareableError as exc:
        return _transfer.encode_not_shareable(exc)
    except _transfer.RetryInParts:
        return _transfer.retry_response()
    try:
        if type(func) is types.BuiltinFunctionType:
            _pending_call = functools.partial(func, *args, **kwargs)
            try:
                result = eval(_CALL_IN_MAIN, _main_namespace())
            finally:
                _pending_call = None
        else:
            result = func(*args, **kwargs)
    except BaseException as exc:
        return _transfer.encode_failure(exc, _THIS_FILE)
    del args, kwargs  # big arguments are not kept alive while the result is encoded
    global _kept_for_caller
    with _transfer.collecting_in_transit() as kept:
        response = _transfer.encode_result(result)
    _kept_for_caller = kept or None
    return response


#: Queues in the last result, kept alive until the next operation here: by then the
#: caller, which rebuilt them from the reply, holds its own references.
_kept_for_caller: list[object] | None = None


def _set_main(request: bytes, buffers: Buffers) -> Response:
    try:
        _main_namespace().update(_transfer.decode_namespace(request))
    except BaseException as exc:
        return _transfer.encode_failure(exc, _THIS_FILE)
    return b""


_OPERATIONS: dict[str, Callable[[bytes, Buffers], Response]] = {
    "exec": _exec,
    "call": _call,
    "set_main": _set_main,
}


def serve(op: str) -> None:
    """Run one operation: the backend bound the request and the reply address in __main__."""
    namespace = _main_namespace()
    request: Any = namespace.pop(REQUEST_NAME)
    reply_to = namespace.pop(REPLY_NAME)
    first = namespace.pop(FIRST_BUFFER_NAME, None)
    buffers: Buffers = () if first is None else _more_buffers(namespace, first)
    try:
        response = _OPERATIONS[op](request, buffers)
    except BaseException as exc:  # a bug here must still answer, never hang the caller
        response = _transfer.encode_failure(exc, None)
    del buffers, first
    assert BACKEND is not None
    if type(response) is tuple:
        BACKEND.reply(reply_to, *response)
    else:
        BACKEND.reply(reply_to, response)  # type: ignore[arg-type]


def _more_buffers(namespace: dict[str, object], first: Any) -> Buffers:
    """The request's buffers, bound in __main__ from BUFFER_NAME.format(0) up."""
    buffers = [first]
    while (buffer := namespace.pop(BUFFER_NAME.format(len(buffers)), None)) is not None:
        buffers.append(buffer)
    return tuple(buffers)
