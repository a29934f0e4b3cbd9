"""Child programs of tests/test_signals.py.

The ``interrupted_*`` programs print ``ready``, block in the main thread until the test
sends SIGINT, and then print what happened; with *catch* false the KeyboardInterrupt ends
the process.  The storms raise an exception from a signal handler inside this package's own
code every few microseconds to milliseconds and report whether anything was left half-done.
The ``interrupted_*`` programs set SIGINT's default handler before anything else (a child
of a background job starts with SIGINT ignored).
"""

from __future__ import annotations

import functools
import itertools
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

TYPE_CHECKING = False
if TYPE_CHECKING:
    from interpreters_pep734 import Queue

# -- Ctrl-C while the main thread is blocked --------------------------------------------------


def _preamble() -> None:
    """How every ``interrupted_*`` program starts: SIGINT's default handler, then the
    package and its executor imported."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import interpreters_pep734.futures  # noqa: F401


def interrupted_call(catch: bool, task_seconds: float) -> None:
    """Block in a ``call()`` that runs *task_seconds* in another interpreter."""
    _preamble()
    import interpreters_pep734 as interpreters

    interp = interpreters.create()
    assert interp.call(pow, 2, 2) == 4
    print("ready", flush=True)
    try:
        interp.call(time.sleep, task_seconds)
        time.sleep(1)  # CPython 3.14 may raise it a moment after call() returns
        print("call returned", flush=True)
    except KeyboardInterrupt:
        if not catch:
            raise
        print("interrupted", flush=True)
        print("after", interp.call(pow, 2, 5), flush=True)
        interp.close()
        print("closed", flush=True)


#: The blocking queue operations, by the names the tests give them: (maxsize, operation).
#: A queue of size 1 is filled first.
QUEUE_OPERATIONS: dict[str, tuple[int, Callable[[Queue], object]]] = {
    "get()": (0, lambda queue: queue.get()),
    "get(timeout)": (0, lambda queue: queue.get(timeout=60)),
    "put()-full": (1, lambda queue: queue.put("more")),
    "put(timeout)-full": (1, lambda queue: queue.put("more", timeout=60)),
}


def interrupted_queue_operation(operation: str, catch: bool) -> None:
    """Block in a queue operation (`QUEUE_OPERATIONS`) while another interpreter holds the
    queue."""
    _preamble()
    import interpreters_pep734 as interpreters

    maxsize, blocking = QUEUE_OPERATIONS[operation]
    queue = interpreters.create_queue(maxsize)
    if maxsize:
        queue.put("filler")
    interp = interpreters.create()
    interp.prepare_main(queue=queue)  # a live interpreter that shares the queue
    print("ready", flush=True)
    try:
        blocking(queue)
        print("returned", flush=True)
    except KeyboardInterrupt:
        if not catch:
            raise
        print("interrupted", flush=True)
        if queue.qsize():
            print("got", queue.get_nowait(), flush=True)
        interp.exec("queue.put('from the interpreter')")
        print("got", queue.get(timeout=10), flush=True)
        interp.close()
        print("closed", flush=True)


def interrupted_map(catch: bool, task_seconds: float) -> None:
    """Block in ``InterpreterPoolExecutor.map()`` over six tasks of *task_seconds* each on
    two workers."""
    _preamble()
    from interpreters_pep734.futures import InterpreterPoolExecutor

    executor = InterpreterPoolExecutor(max_workers=2)
    assert list(executor.map(pow, [2, 3], [2, 2])) == [4, 9]
    print("ready", flush=True)
    try:
        list(executor.map(time.sleep, [task_seconds] * 6))
        print("map returned", flush=True)
    except KeyboardInterrupt:
        if not catch:
            raise
        print("interrupted", flush=True)
        executor.shutdown(wait=True, cancel_futures=True)
        print("shut down", flush=True)


# -- storms of signals inside this package's code ---------------------------------------------


class Interrupted(Exception):
    """What the storm's signal handler raises."""


OURS = ("interpreters_pep734", "concurrent.interpreters")


def _raise_inside_our_code(signum: int, frame: FrameType | None) -> None:
    # Only inside the implementation, so that the loops below always get control back.
    if frame is not None and frame.f_globals.get("__name__", "").startswith(OURS):
        raise Interrupted


def _was_interrupted(exc: BaseException | None) -> bool:
    # Also when it is wrapped, e.g. as the cause of a NotShareableError from pickling (3.14
    # too), which may itself be the cause of the NotShareableError for the arguments.
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, Interrupted):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _storm(period: float) -> None:
    signal.signal(signal.SIGALRM, _raise_inside_our_code)
    signal.setitimer(signal.ITIMER_REAL, period, period)


def _calm() -> None:
    signal.setitimer(signal.ITIMER_REAL, 0, 0)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)


def queue_storm(maxsize: int) -> list[Any]:
    """Puts and gets on a queue of *maxsize* in the storm; then [interrupted, qsize, items
    drained, the item another interpreter put, qsize at the end]."""
    import interpreters_pep734 as interpreters
    from interpreters_pep734 import _queues

    queue = interpreters.create_queue(maxsize)
    _storm(20e-6)
    interrupted = 0
    for i in range(20000):
        for op in (
            functools.partial(queue.put, i, timeout=0.01),
            functools.partial(queue.get, timeout=0.01),
        ):
            try:
                op()
            except Interrupted:
                interrupted += 1
            except (_queues.QueueEmpty, _queues.QueueFull):
                pass
    _calm()
    size = queue.qsize()
    drained = 0
    while True:
        try:
            queue.get_nowait()
        except _queues.QueueEmpty:
            break
        drained += 1
    # No lock was left taken: another interpreter can use this queue.
    interp = interpreters.create()
    interp.prepare_main(queue=queue)
    interp.exec("queue.put('from the other interpreter')")
    echoed = queue.get(timeout=10)
    interp.close()
    return [interrupted, size, drained, echoed, queue.qsize()]


def call_storm(period: float) -> list[int]:
    """2,000 calls in a storm of *period* seconds; then [interrupted, wrong results, the
    result of a call after it]."""
    import interpreters_pep734 as interpreters

    interp = interpreters.create()
    _storm(period)
    interrupted = wrong = 0
    for i in range(2000):
        try:
            result = interp.call(pow, i, 1)
        except Exception as exc:
            if not _was_interrupted(exc):
                raise
            interrupted += 1
            continue
        wrong += result != i  # a stale reply from an interrupted call would show here
    _calm()
    after = interp.call(pow, 2, 10)
    interp.close()
    return [interrupted, wrong, after]


def lifecycle_storm(period: float) -> list[int]:
    """30 create/call/exec/close cycles in a storm of *period* seconds; then [interrupted,
    wrong results, the result of a call in a new interpreter, interpreters left]."""
    import interpreters_pep734 as interpreters

    main_id = interpreters.get_main().id
    _storm(period)
    interrupted = wrong = 0
    for i in range(30):
        try:
            interp = interpreters.create()
            wrong += interp.call(pow, i, 1) != i
            interp.exec("import sys")
            interp.close()
        except Exception as exc:
            if not _was_interrupted(exc):
                raise
            interrupted += 1
    _calm()
    # Interpreters whose create() or close() was cut short are still there and can be
    # closed (3.14 itself keeps every interpreter whose create() was interrupted).
    for interp in interpreters.list_all():
        if interp.id != main_id:
            try:
                interp.close()
            except interpreters.InterpreterNotFoundError:
                pass
    final = interpreters.create()
    result = final.call(pow, 2, 10)
    final.close()
    return [interrupted, wrong, result, len(interpreters.list_all())]


# -- signal handlers that use queues themselves ---------------------------------------------


def handler_uses_queues(maxsize: int, rounds: int) -> dict[str, Any]:
    """*rounds* puts and gets on a queue of *maxsize*, with a thread sleeping on it, while
    a SIGALRM handler puts on another queue every 300 µs."""
    import interpreters_pep734 as interpreters

    queue = interpreters.create_queue(maxsize)
    side = interpreters.create_queue()
    ids = itertools.count()
    handled: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        mine = next(ids)  # handlers can interrupt handlers: each its own number
        side.put_nowait(mine)
        handled.append(mine)

    # A thread that sleeps on the queue makes puts wake it: that path takes a lock too.
    stop = threading.Event()
    taken: list[Any] = []

    def sleeper() -> None:
        while not stop.is_set():
            try:
                taken.append(queue.get(timeout=0.002))
            except interpreters.QueueEmpty:
                pass

    thread = threading.Thread(target=sleeper)
    thread.start()
    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 300e-6, 300e-6)
    put = 0
    for i in range(rounds):
        try:
            queue.put(i, timeout=0.01)
            put += 1
        except interpreters.QueueFull:
            pass
        try:
            taken.append(queue.get(timeout=0.001))
        except interpreters.QueueEmpty:
            pass
    signal.setitimer(signal.ITIMER_REAL, 0, 0)
    stop.set()
    thread.join()
    while not queue.empty():
        taken.append(queue.get_nowait())
    side_items: list[Any] = []
    while not side.empty():
        side_items.append(side.get_nowait())
    return {
        "handled": len(handled),
        "side_all_there": sorted(side_items) == sorted(handled),
        "all_taken": sorted(taken) == sorted(set(taken)) and len(taken) == put,
    }


# -- the signal thread -----------------------------------------------------------------------


def first_import_in_another_thread() -> bool:
    """Whether the package takes the main thread as the one that runs signal handlers when
    it is first imported in another thread (this module does not import it)."""
    seen = []

    def first_import() -> None:
        import interpreters_pep734  # noqa: F401
        from interpreters_pep734._backend import _pipelock

        seen.append(_pipelock.signal_thread)

    thread = threading.Thread(target=first_import)
    thread.start()
    thread.join()
    return seen == [threading.main_thread().ident]
