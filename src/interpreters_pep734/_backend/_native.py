"""The low-level modules' own exception classes, where this CPython has them.

In 3.14 ``InterpreterError``, ``InterpreterNotFoundError``, ``NotShareableError``,
``QueueError`` and ``QueueNotFoundError`` *are* the classes of ``_interpreters`` and
``_interpqueues``.  3.13's modules define classes of the same names; this package's
exceptions derive from them, so that code catching the low-level class (CPython's own
test helpers do) also catches ours, and ``_interpqueues`` gets the ``QueueEmpty`` and
``QueueFull`` subclasses of its ``QueueError`` that its C code asserts (3.13 debug build).
3.12's modules have none of these.  Probed by name, never by version; this module imports
nothing of the package, because ``_errors`` needs it before any backend exists.
"""

from __future__ import annotations

import importlib

__all__ = ["NATIVE_EXCEPTIONS"]

_WANTED = {
    "_interpreters": ("InterpreterError", "InterpreterNotFoundError", "NotShareableError"),
    "_interpqueues": ("QueueError", "QueueNotFoundError"),
}


def _find() -> dict[str, type[Exception]]:
    found: dict[str, type[Exception]] = {}
    for module_name, class_names in _WANTED.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for class_name in class_names:
            cls = getattr(module, class_name, None)
            if isinstance(cls, type) and issubclass(cls, Exception):
                found[class_name] = cls
    return found


#: Class name -> the low-level module's class of that name, for those this CPython has.
NATIVE_EXCEPTIONS = _find()
