"""Choose, once, how this CPython runs multiple interpreters.

This package is the only place that knows CPython versions differ.  It probes for
features (module names, call signatures), never for patch numbers, because the private
C modules changed between patch releases.  The outcome is one of:

* ``STDLIB`` is true: CPython 3.14+ ships ``concurrent.interpreters``; the public modules
  re-export the stdlib's own objects and ``BACKEND`` is ``None``.
* ``BACKEND`` is an object that implements :class:`._interface.Backend` over the
  low-level modules of CPython 3.13 (``_interpreters`` + ``_interpqueues``) or 3.12
  (``_xxsubinterpreters`` + ``_xxinterpchannels``).

Anything else (CPython 3.11, PyPy, a build without subinterpreters) raises ImportError
saying what is missing.
"""

from __future__ import annotations

import os
import sys

from ._interface import Backend

__all__ = ["BACKEND", "STDLIB", "Backend", "describe"]


def _has(name: str) -> bool:
    """Whether module *name* can be imported, without importing it (cheap: this runs in
    every new interpreter)."""
    if name in sys.modules:
        return sys.modules[name] is not None  # None: imports of it are blocked
    package, _, child = name.rpartition(".")
    if package:
        try:
            parent = __import__(package, fromlist=["__path__"])
        except ImportError:
            return False
        return any(
            os.path.exists(os.path.join(entry, child, "__init__.py"))
            or os.path.exists(os.path.join(entry, child + ".py"))
            for entry in getattr(parent, "__path__", ())
        )
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def _choose() -> tuple[bool, Backend | None]:
    if _has("concurrent.interpreters"):
        # PEP 734 is in the stdlib: hand out its objects, so that code mixing
        # ``concurrent.interpreters`` and this package shares one set of classes.
        return True, None
    if _has("_interpreters") and _has("_interpqueues"):
        from ._py313 import Py313Backend

        return False, Py313Backend()
    if _has("_xxsubinterpreters") and _has("_xxinterpchannels"):
        from ._py312 import Py312Backend

        return False, Py312Backend()
    import platform

    implementation = f"{platform.python_implementation()} {platform.python_version()}"
    missing = (
        "concurrent.interpreters (CPython 3.14+), _interpreters and _interpqueues "
        "(CPython 3.13), or _xxsubinterpreters and _xxinterpchannels (CPython 3.12)"
    )
    raise ImportError(
        f"interpreters_pep734 needs CPython 3.12 or newer built with subinterpreter support; "
        f"{implementation} ({sys.executable}) has none of {missing}"
    )


STDLIB, BACKEND = _choose()


def describe() -> dict[str, str]:
    """What is in use, for the self-check and bug reports."""
    if BACKEND is None:
        return {
            "backend": "stdlib",
            "low_level": "concurrent.interpreters (CPython's own PEP 734 implementation)",
            "emulates": "nothing: the public names are the stdlib's own objects",
        }
    return {"backend": BACKEND.name, "low_level": BACKEND.low_level, "emulates": BACKEND.emulates}
