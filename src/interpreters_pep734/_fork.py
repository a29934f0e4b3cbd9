"""What this package does around ``os.fork()``.

No CPython from 3.12 to 3.15 survives a fork while a subinterpreter exists: 3.12 and 3.14
crash or hang in the child, 3.13 aborts it, before any code of the child runs.  Nothing in
the child can help, so the parent warns at the fork, with the ways out.

A child forked with no subinterpreter alive lives on.  It starts with this package's state
fresh: the queues the parent had are gone there (their Queue objects raise
QueueNotFoundError), and nothing it does reaches the parent's state.
"""

from __future__ import annotations

import os

from . import _backend
from ._backend import _pipelock, _wakeups

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FORK_ADVICE = (
    "close the interpreters before forking, or start processes with the 'forkserver' or "
    "'spawn' method of multiprocessing (multiprocessing.set_start_method(), or "
    "mp_context= of ProcessPoolExecutor)"
)


def _subinterpreters_alive() -> int:
    if _backend.BACKEND is None:
        import importlib

        interpreters: Any = importlib.import_module("_interpreters")  # CPython 3.14+
        return sum(1 for entry in interpreters.list_all() if entry[0] != 0)
    return sum(1 for interp_id, _whence in _backend.BACKEND.list_all() if interp_id != 0)


def _warn_before_fork() -> None:
    try:
        alive = _subinterpreters_alive()
    except Exception:
        return
    if alive:
        import warnings  # here: every new interpreter imports this module

        warnings.warn(
            f"os.fork() while {alive} subinterpreter{'s are' if alive > 1 else ' is'} "
            "alive: CPython does not survive that in the child (3.12 and 3.14 crash or "
            f"hang there, 3.13 aborts it); {FORK_ADVICE}",
            RuntimeWarning,
            stacklevel=2,
        )


def _after_fork_in_child() -> None:
    if _backend.BACKEND is not None:
        _pipelock.set_signal_thread(True, forked_child=True)
        _backend.BACKEND.after_fork_in_child()
        _wakeups.after_fork_in_child()


_registered = False


def register() -> None:
    """Install the fork hooks, once per interpreter (only the main one forks: CPython
    refuses ``os.fork()`` in subinterpreters before any hook runs)."""
    global _registered
    if _registered or not hasattr(os, "register_at_fork"):
        return
    _registered = True
    os.register_at_fork(before=_warn_before_fork, after_in_child=_after_fork_in_child)
