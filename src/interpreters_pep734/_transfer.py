"""The wire format: the bytes of every request, response and queue item.

Each ``exec()``, ``call()`` and ``prepare_main()`` is one request and one response (see
``_agent``); a queue item that 3.14 would not share natively is one pickled item.  All are
framed with marshal (fast, and only holds bytes, str, ints and tuples here) around the
pickles made by ``_pickling``.  Big ``bytes``, ``bytearray`` and ``memoryview`` values of
a call (arguments, result) travel *beside* the request or response, as the buffers that
the backend moves with it.

This module is imported in every interpreter; it must not import the public layer at
import time.
"""

from __future__ import annotations

import _pickle as pickle  # the C pickler: see _pickling
import _thread
import marshal
import types
from collections.abc import Callable, Mapping

from . import _fake_main
from ._errors import NotShareableError
from ._excinfo import describe_error, raise_failure, raise_not_shareable, safe_str, snapshot
from ._pickling import (
    SCANNED_TYPES,
    deep_stand_in,
    dumps,
    dumps_item,
    dumps_with_buffers,
    has_big,
    loads_item,
    loads_with_buffers,
    stand_in,
)
from ._scripts import stateless_error
from ._syspath import sync_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Response kinds.
OK = 0
FAILED = 1  # an uncaught exception: (type names, msg, errdisplay)
NOT_SHAREABLE = 2  # (message, display of the cause)

# -- requests and responses -------------------------------------------------------------

RETRY_IN_PARTS = 3  # response kind: send the call's parts separately
OK_WITH_BUFFERS = 4  # (pickle, kinds): the result's big buffers travel beside it


class RetryInParts(Exception):
    """The target could not unpickle a one-pickle call request."""


_NONE_RESULT = marshal.dumps((OK, None))
_RETRY_RESPONSE = marshal.dumps((RETRY_IN_PARTS,))


def encode_call(
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    path: Any,
    *,
    in_parts: bool = False,
) -> tuple[bytes, tuple[bytes, ...]]:
    """The request for ``Interpreter.call()`` and the buffers that go beside it.

    Raises NotShareableError as 3.14 does.  Usually one pickle of ``(func, args,
    kwargs)``, big buffers taken out (see `dumps_with_buffers`).  If that fails, or the target
    cannot unpickle it (it answers RETRY_IN_PARTS), the parts go separately, which says
    which part is at fault, with 3.14's messages.
    """
    if not in_parts:
        big = False
        for arg in args:  # written out: the scan must cost small calls next to nothing
            if type(arg) in SCANNED_TYPES:
                big = has_big(args)
                break
        if big or (kwargs and has_big(kwargs.values())):
            try:
                blob, kinds, buffers = dumps_with_buffers(
                    (stand_in(func), tuple([stand_in(arg) for arg in args]), kwargs or None)
                )
            except Exception:
                pass  # the ordinary path below says what is wrong, as it always did
            else:
                return marshal.dumps((blob, _fake_main.main_file(), path, kinds)), buffers
        try:
            blob = dumps((stand_in(func), tuple([stand_in(arg) for arg in args]), kwargs or None))
        except Exception:
            pass
        else:
            return marshal.dumps((blob, _fake_main.main_file(), path)), ()
    try:
        func_data = dumps(stand_in(func))
    except Exception as exc:
        reason = stateless_error(func)
        if type(func) is types.FunctionType and reason is not None:
            raise NotShareableError("only stateless functions are shareable") from ValueError(
                reason
            )
        raise NotShareableError(f"expected a function, got {func!r}") from exc
    args_data = b""
    if args:
        try:
            args_data = dumps(tuple([deep_stand_in(arg) for arg in args]))
        except Exception:
            for arg in args:
                try:
                    dumps_item(arg)
                except NotShareableError as item_error:
                    raise NotShareableError(
                        f"{args!r} does not support cross-interpreter data"
                    ) from item_error
            raise
    kwargs_data = b""
    if kwargs:
        try:
            kwargs_data = dumps(dict(kwargs))
        except Exception as exc:
            raise NotShareableError(
                f"{dict(kwargs)!r} does not support cross-interpreter data"
            ) from exc
    return marshal.dumps((func_data, args_data, kwargs_data, _fake_main.main_file(), path)), ()


def decode_call(request: bytes, buffers: tuple[bytes, ...] = ()) -> tuple[Any, ...]:
    """Inside the target: ``(func, args, kwargs)``.

    Raises NotShareableError if a part cannot be unpickled, or RetryInParts if the
    one-pickle form failed (then the caller sends the parts separately).
    """
    fields = marshal.loads(request)
    if len(fields) == 3 or len(fields) == 4:  # one pickle, maybe with buffers beside
        blob, main_file, path = fields[:3]
        if path is not None:
            sync_path(path)
        try:
            if len(fields) == 4:
                func, args, kwargs = loads_with_buffers(blob, main_file, fields[3], buffers)
            else:
                func, args, kwargs = loads_item(blob, main_file)
        except Exception:
            raise RetryInParts from None
        return func, args, kwargs or {}
    func_data, args_data, kwargs_data, main_file, path = fields
    if path is not None:
        sync_path(path)
    parts: list[Any] = []
    for data, what, empty in (
        (func_data, "func", None),
        (args_data, "args", ()),
        (kwargs_data, "kwargs", {}),
    ):
        if not data:
            parts.append(empty)
            continue
        try:
            parts.append(loads_item(data, main_file))
        except Exception as exc:
            display = describe_error(exc)
            message = f"{what} not shareable"
            unguarded = _fake_main.main_not_guarded(exc)
            if unguarded is not None:  # 3.14 says no more than the message: say why
                message = f"{message}: {unguarded}"
            raise NotShareableError(message) from Exception(
                f"interpreters_pep734.NotShareableError: object could not be unpickled\n{display}"
            )
    return tuple(parts)


# While a queue item or a call's result is pickled, the queues it refers to are collected
# (see ``Queue.__reduce__``) so they can be kept alive while the value is in transit, as
# 3.14 keeps a queue alive then.  Per thread: threads of one interpreter pickle at once.
_collector = _thread._local()


class collecting_in_transit:
    """``with collecting_in_transit() as queues:`` collects the queues pickled inside."""

    __slots__ = ("outer", "queues")

    def __enter__(self) -> list[object]:
        self.outer = getattr(_collector, "queues", None)
        self.queues: list[object] = []
        _collector.queues = self.queues
        return self.queues

    def __exit__(self, *exc: object) -> None:
        _collector.queues = self.outer


def note_in_transit(obj: object) -> None:
    queues = getattr(_collector, "queues", None)
    if queues is not None:
        queues.append(obj)


def encode_result(value: object) -> bytes | tuple[bytes, tuple[bytes, ...]]:
    """The response for a call's result, and the buffers that go beside it, if any."""
    if value is None:
        return _NONE_RESULT
    if type(value) in SCANNED_TYPES and has_big((value,)):
        try:
            data, kinds, buffers = dumps_with_buffers(stand_in(value))
        except Exception:
            pass  # the ordinary path below says what is wrong, as it always did
        else:
            return marshal.dumps((OK_WITH_BUFFERS, data, kinds)), buffers
    try:
        try:
            data = dumps(stand_in(value))
        except Exception:
            if type(value) is not tuple:
                raise
            data = dumps(deep_stand_in(value))
    except Exception as exc:
        cause = (
            "interpreters_pep734.NotShareableError: "
            f"{value!r} does not support cross-interpreter data"
        )
        if not isinstance(exc, pickle.PicklingError | TypeError | AttributeError):
            cause = f"{cause}\n{describe_error(exc)}"
        return marshal.dumps(
            (NOT_SHAREABLE, "object does not support cross-interpreter data", cause)
        )
    return marshal.dumps((OK, data))


def encode_failure(exc: BaseException, skip_file: str | None) -> bytes:
    return marshal.dumps((FAILED, snapshot(exc, skip_file)))


def encode_not_shareable(exc: NotShareableError) -> bytes:
    cause = exc.__cause__
    display = str(cause) if cause is not None else describe_error(exc)
    return marshal.dumps((NOT_SHAREABLE, safe_str(exc), display))


def retry_response() -> bytes:
    return _RETRY_RESPONSE


def wants_parts(response: bytes) -> bool:
    return response == _RETRY_RESPONSE


def decode_response(response: bytes, buffers: tuple[bytes, ...] = ()) -> Any:
    """The caller's side: the result, or raise what happened in the target."""
    if not response:
        return None
    if response == _NONE_RESULT:
        return None
    kind, *rest = marshal.loads(response)
    if kind in (OK, OK_WITH_BUFFERS):
        data = rest[0]
        if data is None:
            return None
        try:
            if kind == OK_WITH_BUFFERS:
                return loads_with_buffers(data, _fake_main.main_file(), rest[1], buffers)
            return loads_item(data, _fake_main.main_file())
        except Exception as exc:
            raise NotShareableError("object could not be unpickled") from exc
    if kind == FAILED:
        raise_failure(rest[0])
    raise_not_shareable(rest[0], rest[1])


def encode_exec(code: types.CodeType, path: Any) -> bytes:
    return marshal.dumps((code, path))


def encode_namespace(ns: dict[str, Any]) -> bytes:
    return dumps(ns)


def decode_namespace(request: bytes) -> dict[str, Any]:
    ns: dict[str, Any] = pickle.loads(request)
    return ns


# -- queue items -------------------------------------------------------------------------


def dumps_queue_item(obj: object, hold: Callable[[int], None] | None = None) -> bytes:
    """A queue item that must be pickled; it carries the sender's main script path.

    With *hold*, every queue the item refers to is held (``hold(id)``) while the item is
    in transit, as 3.14 does; ``loads_queue_item`` lets go of them (or ``release_holds``
    if the item never made it into the queue).
    """
    with collecting_in_transit() as queues:
        data = dumps_item(obj)
    held = tuple({q.id for q in queues}) if hold is not None else ()  # type: ignore[attr-defined]
    for qid in held:
        hold(qid)  # type: ignore[misc]
    return marshal.dumps((data, _fake_main.main_file(), held))


def release_holds(data: bytes, unhold: Callable[[int], None]) -> None:
    """Let go of the holds of an item that was encoded but never put (the put failed)."""
    for qid in marshal.loads(data)[2]:
        unhold(qid)


def loads_queue_item(data: bytes, unhold: Callable[[int], None] | None = None) -> Any:
    pickled, main_file, held = marshal.loads(data)
    try:
        return loads_item(pickled, main_file)
    except Exception as exc:
        unguarded = _fake_main.main_not_guarded(exc)
        message = "object could not be unpickled"
        if unguarded is not None:
            message = f"{message}: {unguarded}"
        raise NotShareableError(message) from exc
    finally:
        if unhold is not None:
            for qid in held:
                unhold(qid)
