"""Test-only stand-in for CPython's ``_interpreters`` on CPython 3.12 (conformance env only).

CPython 3.14's test utilities call a few functions of the low-level module directly (to
capture an exception inside an interpreter, to run a script, to ask which interpreter a task
ran in, to catch its exception classes).  3.12 has no ``_interpreters``, so without this
every test file would be skipped at import.  Each function here is written on
``interpreters_pep734``'s public API; whatever else of the low-level module a test calls is
missing on purpose, and such tests are expected failures of kind "lowlevel".
"""

from __future__ import annotations

import traceback
from types import SimpleNamespace
from typing import Any

import interpreters_pep734 as _api

InterpreterError = _api.InterpreterError
InterpreterNotFoundError = _api.InterpreterNotFoundError
NotShareableError = _api.NotShareableError

# CPython 3.14's values.
WHENCE_UNKNOWN = 0
WHENCE_RUNTIME = 1
WHENCE_LEGACY_CAPI = 2
WHENCE_CAPI = 3
WHENCE_XI = 4
WHENCE_STDLIB = 5
_WHENCE = {
    "unknown": WHENCE_UNKNOWN,
    "runtime init": WHENCE_RUNTIME,
    "legacy C-API": WHENCE_LEGACY_CAPI,
    "C-API": WHENCE_CAPI,
    "cross-interpreter C-API": WHENCE_XI,
    "_interpreters module": WHENCE_STDLIB,
}


def _whence(interp: Any) -> int:
    return _WHENCE.get(interp.whence, WHENCE_UNKNOWN)


def get_current() -> tuple[int, int]:
    interp = _api.get_current()
    return interp.id, _whence(interp)


def get_main() -> tuple[int, int]:
    interp = _api.get_main()
    return interp.id, _whence(interp)


def whence(interp_id: int) -> int:
    return _whence(_api.Interpreter(interp_id))


def is_shareable(obj: Any) -> bool:
    return bool(_api.is_shareable(obj))


def is_running(interp_id: int) -> bool:
    return bool(_api.Interpreter(interp_id).is_running())


def exec(interp_id: int, code: Any) -> Any:
    try:
        _api.Interpreter(interp_id).exec(code)
    except _api.ExecutionFailed as exc:
        return exc.excinfo
    return None


run_string = exec


def capture_exception(exc: BaseException | None = None) -> SimpleNamespace:
    """A snapshot with the attributes of 3.14's (type, msg, formatted, errdisplay)."""
    if exc is None:
        import sys

        exc = sys.exception()
    assert exc is not None
    exc_type = type(exc)
    msg = str(exc)
    module = exc_type.__module__
    qualname = exc_type.__qualname__
    prefix = qualname if module in ("builtins", "__main__") else f"{module}.{qualname}"
    return SimpleNamespace(
        type=SimpleNamespace(__name__=exc_type.__name__, __qualname__=qualname, __module__=module),
        msg=msg,
        formatted=f"{prefix}: {msg}" if msg else prefix,
        errdisplay="".join(traceback.format_exception(exc)),
    )
