"""How an exception in one interpreter is described to another.

An uncaught exception stays where it was raised; what crosses is a *snapshot* of it (its
type's names, its message and its formatted traceback), from which the caller's side
raises ``ExecutionFailed`` with 3.14's ``excinfo``, or NotShareableError with the cause
as text.  (CPython calls the same record ``_PyXI_excinfo``.)

This module is imported in every interpreter.
"""

from __future__ import annotations

from ._errors import ExecutionFailed, NotShareableError, excinfo_from

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn


def safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except BaseException:
        return "<exception str() failed>"


def snapshot(exc: BaseException, skip_file: str | None = None) -> tuple[Any, ...]:
    """``(type names, msg, errdisplay)`` of *exc*, made where it was raised.

    Frames of *skip_file* (the agent's own) are left out of the traceback.
    """
    cls = type(exc)
    names = (str(cls.__name__), str(cls.__qualname__), str(cls.__module__))
    import traceback

    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == skip_file:
        tb = tb.tb_next
    try:
        exc.__traceback__ = tb
        display: str | None = "".join(traceback.format_exception(exc)).rstrip("\n")
    except BaseException:
        display = None
    return (names, safe_str(exc), display)


def raise_failure(failure: tuple[Any, ...]) -> NoReturn:
    names, msg, display = failure
    raise ExecutionFailed(excinfo_from(names, msg, display))


def describe_error(exc: BaseException) -> str:
    """One exception as text, for a NotShareableError's cause."""
    import traceback

    try:
        return "".join(traceback.format_exception(exc)).rstrip("\n")
    except BaseException:
        return f"{type(exc).__qualname__}: {safe_str(exc)}"


def raise_not_shareable(message: str, display: str) -> NoReturn:
    raise NotShareableError(message) from Exception(display)
