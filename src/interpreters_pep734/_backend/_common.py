"""Pieces both low-level backends use."""

from __future__ import annotations

import sys
import threading
import time

from .._errors import InterpreterError, InterpreterNotFoundError
from . import _start, _wakeups

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: The script every agent operation starts with.  It binds no name in ``__main__``: the
#: entry point is in the builtins (see ``_start``), so it compiles fast and needs no import.
ENTRY_SCRIPT = _start.ENTRY_POINT + "({op!r})"

OPERATIONS = ("exec", "call", "set_main")

#: Run once in a new interpreter, with :func:`bootstrap_values` bound in its ``__main__``.
#: Only what must come before this package can be imported is here; the rest is
#: ``_start.start()``.  Every name it binds is removed.
BOOTSTRAP_SCRIPT = (
    "import sys as _s\n"
    "_p = set(_s.path)\n"
    f"_s.path.extend(x for x in {_start.PATH_NAME}.split('\\0') if x not in _p)\n"
    "import interpreters_pep734._backend._start\n"
    "interpreters_pep734._backend._start.start(globals())\n"
    "del _s, _p, interpreters_pep734\n"
)


def bootstrap_values(boot: str = "") -> dict[str, str]:
    """The names :data:`BOOTSTRAP_SCRIPT` and ``_start.start()`` read in the new interpreter.

    *boot* names a backend's module whose ``install(namespace)`` runs first there.
    """
    return {
        _start.PATH_NAME: "\0".join(p for p in sys.path if isinstance(p, str)),
        _start.WAKEUPS_NAME: _wakeups.fds_for_new_interpreter(),
        _start.BOOT_NAME: boot,
    }


def import_fragile_extensions_in_main(extra: tuple[str, ...] = ()) -> None:
    """Import, in the main interpreter, extensions that break if a subinterpreter goes first.

    CPython 3.12.1: an isolated interpreter that fails to import a single-phase extension
    (``_datetime``, ``_decimal``) before the main interpreter has imported it corrupts the
    module's cached state; a later import elsewhere dies with "double free or corruption".
    CPython 3.13.0 to 3.13.18: importing ``datetime`` in a subinterpreter first makes the
    main interpreter's later import abort.  Importing them here first avoids both; in the
    subinterpreter the import then fails cleanly (3.12) or works (3.13).
    """
    for name in ("_datetime", "_decimal", *extra):
        try:
            __import__(name)
        except ImportError:
            pass


#: What 3.14's finalization warns when subinterpreters are left at exit.
REMAINING_AT_EXIT = "remaining subinterpreters; close them with Interpreter.close()"


def warn_remaining_at_exit() -> None:
    """Warn as 3.14 does when the process exits with subinterpreters left open.

    3.14 warns from C during finalization, with no Python frame: the warning is attributed
    to ``<sys>:0`` in module ``sys`` and goes through the ``warnings`` filters.  Here the
    backends' exit hooks warn just before they close the interpreters themselves.
    """
    import warnings

    registry = sys.__dict__.setdefault("__warningregistry__", {})
    warnings.warn_explicit(
        REMAINING_AT_EXIT, RuntimeWarning, "<sys>", 0, module="sys", registry=registry
    )


def wait_until_idle(is_running: Any, interp_id: int) -> None:
    """At exit: wait for a call still running in *interp_id* (from a daemon thread) to end.

    It cannot be interrupted from here, and destroying or finalizing a running interpreter
    breaks CPython 3.12.1 ("remaining subinterpreters" abort) and 3.13's own contract (its
    debug build asserts ``!_PyInterpreterState_IsRunningMain``).  3.14 cuts the run short.
    """
    while True:
        try:
            if not is_running(interp_id):
                return
        except Exception:
            return  # already gone
        time.sleep(0.01)


def check_id(interp_id: Any) -> int:
    """Validate an id in Python before it reaches C code that mishandles bad ones."""
    if not isinstance(interp_id, int):
        raise TypeError(f"interpreter ID must be an int, got {type(interp_id).__name__}")
    if not -(2**63) <= interp_id < 2**63:  # CPython converts to int64 first
        raise OverflowError("int too big to convert")
    if interp_id < 0:
        raise ValueError(f"interpreter ID must be a non-negative int, got {interp_id}")
    return int(interp_id)


def check_qid(qid: Any) -> int:
    """Queue ids are checked here: 3.13.0 segfaults on a non-int or a huge one."""
    if not isinstance(qid, int):
        raise TypeError(f"queue ID must be an int, got {type(qid).__name__}")
    if qid < 0:  # 3.14 checks the sign of a queue id first, then its size
        raise ValueError(f"queue ID must be a non-negative int, got {qid}")
    if qid >= 2**63:
        raise OverflowError("int too big to convert")
    return int(qid)


class RunGuard:
    """Keeps this interpreter's runs in an interpreter apart from its destruction.

    CPython 3.12.1 and 3.13 crash or report "interpreter not initialized" when a thread
    starts running in an interpreter that another thread is destroying, and 3.12.1
    segfaults when two threads destroy the same interpreter at once.  Here a close waits
    for other closes of the same interpreter, refuses while a run from this interpreter is
    in flight (3.14's ``InterpreterError('interpreter running')``), a run that arrives
    during a close finds the interpreter gone, and a second concurrent run gets 3.14's
    ``InterpreterError('interpreter already running')``.

    Each entry is an ``(interpreter id, thread id)`` pair, taken by ``enter_run`` or
    ``enter_destroy`` and given back by the caller's ``finally`` with one C call,
    ``guard.runs.discard(entry)`` or ``guard.closes.discard(entry)``.  A signal handler's
    exception (Ctrl-C) is raised when a call returns, including right at the start of a
    Python function; a cleanup *function* could be cut short before it did anything, and
    the interpreter would stay marked running or closing for good.
    """

    #: How often a second closer of the same interpreter looks whether the first is done.
    CLOSE_POLL_SECONDS = 0.001

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.runs: set[tuple[int, int]] = set()
        self.closes: set[tuple[int, int]] = set()

    @staticmethod
    def _has(entries: set[tuple[int, int]], interp_id: int) -> bool:
        # Other threads give entries back without the lock (see above), so iterate a
        # copy: tuple() takes it in one C call, where no other thread can run.  Iterating
        # the set itself raised "Set changed size during iteration" under load.
        return any(entry[0] == interp_id for entry in tuple(entries))

    def enter_run(self, interp_id: int, thread_id: int) -> None:
        with self._lock:
            if self._has(self.closes, interp_id):
                raise InterpreterNotFoundError(f"unrecognized interpreter ID {interp_id}")
            if self._has(self.runs, interp_id):
                # Decided here, not by racing into the C module: 3.12.1 sometimes answers
                # a concurrent run with a bogus MemoryError.
                raise InterpreterError("interpreter already running")
            self.runs.add((interp_id, thread_id))

    def enter_destroy(self, interp_id: int, thread_id: int) -> None:
        while True:
            with self._lock:
                if self._has(self.runs, interp_id):
                    raise InterpreterError("interpreter running")
                if not self._has(self.closes, interp_id):
                    self.closes.add((interp_id, thread_id))
                    return
            time.sleep(self.CLOSE_POLL_SECONDS)  # rare: two threads closing one interpreter


def no_reply(interp_id: int) -> InterpreterError:
    return InterpreterError(f"interpreter {interp_id} gave no reply (agent not running there)")


class ReplyPool:
    """Reply addresses (channels, queues) of threads that ended, for new threads to reuse:
    short-lived threads (``call_in_thread``) would otherwise create and destroy one each,
    and 3.12.1 lists channels unreliably while others are being destroyed."""

    def __init__(self) -> None:
        self._free: list[Any] = []

    def take(self, create: Any) -> Any:
        try:
            return self._free.pop()
        except IndexError:
            return create()

    def give_back(self, address: Any) -> None:
        if len(self._free) < 64:
            self._free.append(address)


class ReplyAddress:
    """A thread's reply address; back to the pool when the thread ends."""

    __slots__ = ("address", "pool")

    def __init__(self, pool: ReplyPool, create: Any) -> None:
        self.pool = pool
        self.address = pool.take(create)

    def __del__(self) -> None:
        try:
            pool, address = self.pool, self.address
        except AttributeError:  # __init__ was cut short (Ctrl-C): the address went with it
            return
        pool.give_back(address)


class ThreadLocalReplies(threading.local):
    """One reply address per calling thread, so concurrent callers never mix replies."""

    held: ReplyAddress | None = None
    #: True from a run's start until its reply is taken; still True at the next run
    #: means the last one was interrupted and its reply may be waiting.  True at first,
    #: since a reused address may hold such a reply.
    pending = True
