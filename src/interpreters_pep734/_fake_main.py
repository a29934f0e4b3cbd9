"""The sender's main script, re-run as ``'<fake __main__>'`` to find names a pickle needs.

A pickle made in one interpreter may refer to ``__main__.name``.  The receiver looks the
name up in its own ``__main__`` first and then, as 3.14 does, in a hidden module made by
running the sender's main script once (its ``if __name__ == "__main__":`` block does not
run).  A script without that guard would start interpreters again as it is re-run: that
is refused with ``MainNotGuarded``.

This module is imported in every interpreter.
"""

from __future__ import annotations

import _thread
import os
import sys
import types

from ._errors import InterpreterError

# Per thread: which main script this thread is re-running, and for which name.
_state = _thread._local()


def main_file() -> str | None:
    """The path of this interpreter's main script, sent with a pickle (None if none)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return path if isinstance(path, str) else None


_fake_mains: dict[str, types.ModuleType] = {}


def fake_main(path: str, wanted: str) -> types.ModuleType:
    """The sender's main script, run once per interpreter as ``'<fake __main__>'``.

    Its ``if __name__ == "__main__":`` block does not run, and the real ``__main__`` of
    this interpreter is not touched.  While it runs, starting interpreters is refused (see
    `check_not_rerunning_main`).
    """
    try:
        return _fake_mains[path]
    except KeyError:
        pass
    module = types.ModuleType("<fake __main__>")
    module.__file__ = path
    import zipfile

    outer = getattr(_state, "rerunning_main", None)
    _state.rerunning_main = (path, wanted)
    try:
        if os.path.isfile(path) and not zipfile.is_zipfile(path):
            with open(path, "rb") as source:
                code = compile(source.read(), path, "exec", dont_inherit=True)
            exec(code, module.__dict__)
        else:  # a directory or zip file with a __main__.py
            import runpy

            module.__dict__.update(runpy.run_path(path, run_name="<fake __main__>"))
    finally:
        _state.rerunning_main = outer
    _fake_mains[path] = module
    return module


class MainNotGuarded(InterpreterError):
    """An interpreter was started from a main script re-run to find one of its names."""


def main_not_guarded(exc: BaseException) -> MainNotGuarded | None:
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, MainNotGuarded):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def check_not_rerunning_main() -> None:
    """Refuse to start interpreters from a main script re-run by `fake_main`.

    Such a script lacks the ``if __name__ == "__main__":`` guard: unchecked, each worker
    would start its own pool or interpreters from it, again and again (CPython 3.12.1
    aborts the process on the way).
    """
    rerunning = getattr(_state, "rerunning_main", None)
    if rerunning is None:
        return
    path, wanted = rerunning
    raise MainNotGuarded(
        f"cannot start an interpreter while {path!r} runs again in interpreter "
        f"{_current_interpreter_id()} to find __main__.{wanted}: the main script must "
        'guard its own code with `if __name__ == "__main__":` (as with multiprocessing), '
        "so that only its definitions run when it is imported"
    )


def _current_interpreter_id() -> int:
    from . import _backend

    return int(_backend.BACKEND.get_current()[0])  # type: ignore[union-attr]
