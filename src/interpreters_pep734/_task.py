"""The part of the executor that runs inside each worker's interpreter.

Kept apart from ``_executor`` so a worker imports only this (and pickle), not
``concurrent.futures`` and ``logging``.
"""

from __future__ import annotations

import _pickle as pickle  # not pickle.py: see _pickling

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, NoReturn

_THIS_FILE = __file__


class _TaskFailed:
    """Returned by ``_run_task`` in place of a result when the task raised.

    ``data`` is the pickled exception; ``failure`` is ``_excinfo.snapshot()`` of it: the
    type's names, the message and the formatted traceback, as ``ExecutionFailed`` needs.
    """

    __slots__ = ("data", "failure")

    def __init__(self, data: bytes, failure: tuple[Any, ...]) -> None:
        self.data = data
        self.failure = failure

    def __reduce__(self) -> tuple[Any, ...]:
        return (_TaskFailed, (self.data, self.failure))

    def reraise(self) -> NoReturn:
        """In the caller: raise the task's exception, its cause the ``ExecutionFailed``."""
        from ._errors import ExecutionFailed, excinfo_from

        names, msg, display = self.failure
        wrapper = ExecutionFailed(excinfo_from(names, msg, display))
        try:
            exc = pickle.loads(self.data)
        except Exception:
            exc = None  # e.g. a class that exists only in the worker
        if not isinstance(exc, BaseException):
            raise wrapper
        exc.__context__ = wrapper  # as if raised while handling it, as 3.14 does
        raise exc from wrapper


def _run_task(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run one task; called in the worker's interpreter through ``Interpreter.call()``.

    An exception that pickles comes back as a ``_TaskFailed``; any other one is left
    uncaught, so that ``call()`` raises ``ExecutionFailed`` for it.
    """
    try:
        return fn(*args, **kwargs)
    except BaseException as exc:
        from . import _excinfo, _pickling

        try:
            data: bytes | None = pickle.dumps(exc, _pickling.PICKLE_PROTOCOL)
        except Exception:
            data = None
        if data is None:
            raise
        return _TaskFailed(data, _excinfo.snapshot(exc, _THIS_FILE))
