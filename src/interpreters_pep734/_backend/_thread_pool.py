"""The internals of ``concurrent.futures`` that ``InterpreterPoolExecutor`` builds on.

3.14's ``ThreadPoolExecutor`` lets a subclass run its workers in another context (its
``InterpreterPoolExecutor`` does so); on 3.12 and 3.13 it does not, so this package's
executor subclasses ``ThreadPoolExecutor`` with its own worker loop and ``submit()``.  That
loop has to cooperate with parts of ``concurrent.futures`` that are not public.  This
module names every one of them, checks at import that the running CPython has them, and
is the only place that reaches them:

* in ``concurrent.futures.thread``: ``_shutdown`` (true once the interpreter is exiting),
  ``_global_shutdown_lock`` (taken with it), ``_threads_queues`` (the worker threads its
  exit hook wakes and joins);
* on ``ThreadPoolExecutor``: the class counter ``_counter`` (numbers unnamed pools) and
  the instance attributes its ``__init__`` sets and its ``shutdown()`` uses, which the
  worker loop and ``submit()`` share with it (:data:`POOL_ATTRIBUTES`);
* on ``concurrent.futures._base.Future``: ``__get_result``, which ``result()`` calls (the
  executor's futures override it to behave as 3.14's).

A CPython where one is missing fails the import with :class:`ImportError` naming it,
rather than a pool that misbehaves later.  The checks look for the names (features), not
for version numbers.
"""

from __future__ import annotations

from concurrent.futures import _base
from concurrent.futures import thread as _thread
from typing import cast

TYPE_CHECKING = False
if TYPE_CHECKING:
    import threading
    import weakref
    from typing import Any

__all__ = [
    "MODULE_NAMES",
    "POOL_ATTRIBUTES",
    "BrokenThreadPool",
    "ThreadPoolExecutor",
    "global_shutdown_lock",
    "interpreter_shutting_down",
    "join_at_exit",
    "missing",
    "next_pool_number",
]

ThreadPoolExecutor = _thread.ThreadPoolExecutor
BrokenThreadPool = _thread.BrokenThreadPool

#: What is taken from ``concurrent.futures.thread`` itself.
MODULE_NAMES = ("_shutdown", "_global_shutdown_lock", "_threads_queues")
#: ``ThreadPoolExecutor`` instance attributes shared with the subclass: set by its
#: ``__init__``, used by its ``shutdown()`` and by the executor's own worker loop.
POOL_ATTRIBUTES = (
    "_max_workers",
    "_work_queue",
    "_idle_semaphore",
    "_threads",
    "_broken",
    "_shutdown",
    "_shutdown_lock",
    "_thread_name_prefix",
)


def missing() -> list[str]:
    """The names above that the running CPython lacks (empty when all are there)."""
    lacking = [f"concurrent.futures.thread.{n}" for n in MODULE_NAMES if not hasattr(_thread, n)]
    if not callable(getattr(ThreadPoolExecutor, "_counter", None)):
        lacking.append("ThreadPoolExecutor._counter")
    if "_Future__get_result" not in vars(_base.Future):
        lacking.append("concurrent.futures.Future.__get_result")
    # A pool that is never used starts no thread: making one costs a few small objects.
    probe = ThreadPoolExecutor(1, "interpreters_pep734-probe")
    lacking.extend(f"ThreadPoolExecutor().{n}" for n in POOL_ATTRIBUTES if not hasattr(probe, n))
    return lacking


def _check() -> None:
    lacking = missing()
    if lacking:
        raise ImportError(
            "interpreters_pep734's InterpreterPoolExecutor builds on internals of "
            "concurrent.futures that this Python does not have: " + ", ".join(lacking)
        )


_check()


def interpreter_shutting_down() -> bool:
    """Whether the interpreter is exiting (``concurrent.futures.thread``'s exit hook ran).

    Read at each call: the module rebinds the flag.
    """
    return bool(_thread._shutdown)


def global_shutdown_lock() -> threading.Lock:
    """The lock ``concurrent.futures.thread``'s exit hook takes to set the flag above."""
    lock: threading.Lock = _thread._global_shutdown_lock
    return lock


def join_at_exit(thread: threading.Thread, work_queue: Any) -> None:
    """Have ``concurrent.futures.thread``'s exit hook wake *thread* through *work_queue*
    (by putting None in it) and join it, as it does for its own workers."""
    threads_queues = cast(
        "weakref.WeakKeyDictionary[threading.Thread, Any]", _thread._threads_queues
    )
    threads_queues[thread] = work_queue


def next_pool_number() -> int:
    """The number for an unnamed pool's threads, from the counter every pool shares."""
    number: int = ThreadPoolExecutor._counter()  # type: ignore[attr-defined]
    return number
