"""The exceptions of ``concurrent.interpreters``, for CPython 3.12 and 3.13."""

from __future__ import annotations

import queue
from types import SimpleNamespace

from . import _unbound
from ._backend._native import NATIVE_EXCEPTIONS

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


def _bases(name: str, *ours: type[Exception]) -> tuple[type[Exception], ...]:
    """The low-level module's class *name* first, where this CPython has one, then ours."""
    native = NATIVE_EXCEPTIONS.get(name)
    return ours if native is None else (native, *ours)


# 3.14's classes are the low-level modules' own; here they derive from them where the
# running CPython has them (3.13), so ``except _interpreters.InterpreterError`` and the
# like catch ours too.  mypy sees the plain hierarchy.
if TYPE_CHECKING:

    class InterpreterError(Exception): ...

    class InterpreterNotFoundError(InterpreterError): ...

    class NotShareableError(TypeError): ...

    class QueueError(RuntimeError): ...

    class QueueNotFoundError(QueueError): ...

else:

    class InterpreterError(*_bases("InterpreterError", Exception)):
        """Base class for errors in working with interpreters."""

    class InterpreterNotFoundError(*_bases("InterpreterNotFoundError", InterpreterError)):
        """No interpreter exists with the given ID (it was destroyed, or never existed)."""

    # 3.13's own class derives from ValueError, 3.14's from TypeError: ours is both there.
    class NotShareableError(*_bases("NotShareableError", TypeError)):
        """An object cannot be shared between interpreters."""

    class QueueError(*_bases("QueueError", RuntimeError)):
        """Base class for the errors of cross-interpreter queues."""

    class QueueNotFoundError(*_bases("QueueNotFoundError", QueueError)):
        """A queue was not found (it was destroyed, or never existed)."""


class ExecutionFailed(InterpreterError):
    """Code run by Interpreter.exec() or Interpreter.call() raised and did not catch it.

    The exception itself stays in the other interpreter.  ``excinfo`` describes it:
    ``type`` (a namespace with ``__name__``, ``__qualname__`` and ``__module__``), ``msg``,
    ``formatted`` and, when the traceback could be formatted, ``errdisplay``.
    """

    excinfo: Any

    def __init__(self, excinfo: Any) -> None:
        super().__init__(excinfo.formatted or _short_description(excinfo))
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


def _short_description(excinfo: Any) -> Any:
    """The message used when ``excinfo.formatted`` is empty: "Type: msg", or just one."""
    exc_type = excinfo.type
    if exc_type and excinfo.msg:
        return f"{exc_type.__name__}: {excinfo.msg}"
    return exc_type.__name__ or excinfo.msg


class QueueEmpty(QueueError, queue.Empty):
    """The queue had no item: a non-blocking get found it empty, or get() timed out."""


class QueueFull(QueueError, queue.Full):
    """The queue had no room: a non-blocking put found it full, or put() timed out."""


class ItemInterpreterDestroyed(QueueError, _unbound.ItemInterpreterDestroyed):
    """get() or get_nowait() reached an item put with UNBOUND_ERROR by a now-gone interpreter."""


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
