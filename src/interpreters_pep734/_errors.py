"""The exceptions of ``concurrent.interpreters``, for CPython 3.12 and 3.13."""

from __future__ import annotations

import queue
from types import SimpleNamespace

from . import _unbound

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "ExecutionFailed",
    "InterpreterError",
    "InterpreterNotFoundError",
    "ItemInterpreterDestroyed",
    "NotShareableError",
    "QueueEmpty",
    "QueueError",
    "QueueFull",
    "QueueNotFoundError",
]


class InterpreterError(Exception):
    """A cross-interpreter operation failed."""


class InterpreterNotFoundError(InterpreterError):
    """An interpreter was not found."""


class NotShareableError(TypeError):
    """An object cannot be shared between interpreters."""


class ExecutionFailed(InterpreterError):
    """An unhandled exception happened during execution.

    This is raised from Interpreter.exec() and Interpreter.call().  ``excinfo`` describes
    the exception, which stayed in the other interpreter: ``type`` (a namespace with
    ``__name__``, ``__qualname__`` and ``__module__``), ``msg``, ``formatted`` and, when the
    traceback could be formatted, ``errdisplay``.
    """

    excinfo: Any

    def __init__(self, excinfo: Any) -> None:
        msg = excinfo.formatted
        if not msg:
            if excinfo.type and excinfo.msg:
                msg = f"{excinfo.type.__name__}: {excinfo.msg}"
            else:
                msg = excinfo.type.__name__ or excinfo.msg
        super().__init__(msg)
        self.excinfo = excinfo

    def __str__(self) -> str:
        try:
            display = self.excinfo.errdisplay
        except Exception:
            return super().__str__()
        return f"{super().__str__()}\n\nUncaught in the interpreter:\n\n{display}"

    # 3.14 cannot unpickle its ExecutionFailed (it passes the message string back to
    # __init__); this one round-trips, so it can cross interpreters inside other data.
    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.excinfo,), self.__dict__)


class QueueError(RuntimeError):
    """Indicates that a queue-related error happened."""


class QueueNotFoundError(QueueError):
    """A queue was not found (it was destroyed, or never existed)."""


class QueueEmpty(QueueError, queue.Empty):
    """Raised from get_nowait() when the queue is empty.

    It is also raised from get() if it times out.
    """


class QueueFull(QueueError, queue.Full):
    """Raised from put_nowait() when the queue is full.

    It is also raised from put() if it times out.
    """


class ItemInterpreterDestroyed(QueueError, _unbound.ItemInterpreterDestroyed):
    """Raised from get() and get_nowait()."""


for _cls in (
    InterpreterError,
    InterpreterNotFoundError,
    NotShareableError,
    ExecutionFailed,
    QueueError,
    QueueNotFoundError,
):
    _cls.__module__ = "interpreters_pep734"
for _cls in (QueueEmpty, QueueFull, ItemInterpreterDestroyed):
    _cls.__module__ = "interpreters_pep734._queues"
del _cls


def excinfo_from(
    type_names: tuple[str, str, str] | None, msg: str | None, errdisplay: str | None
) -> SimpleNamespace:
    """Build an ``excinfo`` namespace with exactly the attributes 3.14's has."""
    if type_names is None:
        exc_type = None
        formatted = msg or ""
    else:
        name, qualname, module = type_names
        exc_type = SimpleNamespace(__name__=name, __qualname__=qualname, __module__=module)
        prefix = qualname if module in ("builtins", "__main__") else f"{module}.{qualname}"
        formatted = prefix if msg is None else f"{prefix}: {msg}"
    info = SimpleNamespace(type=exc_type, msg=msg, formatted=formatted)
    if errdisplay is not None:
        info.errdisplay = errdisplay
    return info
