"""Child programs of tests/stress/test_stress_exit.py: interpreters still alive, in some
state, when the process exits.

Each scenario takes ``n`` and returns what must stay referenced until the exit and how many
"finished i" lines the late work it started prints.  `alive_at_exit` keeps the former in
a module global, as a script keeps its globals, and lets the process end.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

import interpreters_pep734 as interpreters

from .tasks import late

#: What the scenarios keep alive until the process exits.
_kept: list[object] = []


def idle(n: int) -> tuple[object, int]:
    """Idle interpreters, some with state, still referenced at exit."""
    keep = [interpreters.create() for _ in range(n)]
    for i, interp in enumerate(keep):
        interp.prepare_main(i=i, data=(1.5, b"x" * 1000))
        interp.exec("import json, pickle; state = [i] * 1000")
    return keep, 0


def dropped(n: int) -> tuple[object, int]:
    """Used, then dropped without close()."""
    for i in range(n):
        interp = interpreters.create()
        assert interp.call(pow, i, 2) == i * i
    del interp
    return None, 0


def threading_imported_by_other_threads(n: int) -> tuple[object, int]:
    """3.12.1 deadlocked destroying an interpreter whose threading module was first
    imported by another OS thread (the implicit destroy at exit included)."""
    keep = [interpreters.create() for _ in range(n)]
    for interp in keep:
        t = threading.Thread(target=interp.exec, args=("import threading",))
        t.start()
        t.join()
    return keep, 0


def call_in_thread_still_running(n: int) -> tuple[object, int]:
    """call_in_thread calls still running when the main thread ends: they finish first."""
    keep = [interpreters.create() for _ in range(n)]
    for i, interp in enumerate(keep):
        interp.call_in_thread(late, i)
    return keep, n


def threads_inside_the_interpreters(n: int) -> tuple[object, int]:
    """Interpreters running a thread of their own (non-daemon) at exit."""
    keep = [interpreters.create() for _ in range(n)]
    for i, interp in enumerate(keep):
        interp.exec(
            "import os, threading, time\n"
            "def later():\n"
            "    time.sleep(0.3)\n"
            f"    os.write(1, b'finished {i}\\n')\n"
            "threading.Thread(target=later).start()\n"
        )
    return keep, n


def daemon_thread_running_exec(n: int) -> tuple[object, int]:
    """A daemon thread of the main interpreter is still running code in a subinterpreter.
    (3.14 exits with code 0; the daemon thread's work is cut short.)"""
    keep = [interpreters.create() for _ in range(n)]
    for interp in keep:
        threading.Thread(
            target=interp.exec, args=("import time; time.sleep(2)",), daemon=True
        ).start()
    time.sleep(0.3)
    return keep, 0


def queue_items_from_subinterpreters(n: int) -> tuple[object, int]:
    """Items put by subinterpreters are still in a queue."""
    queue = interpreters.create_queue()
    keep = [interpreters.create() for _ in range(n)]
    for i, interp in enumerate(keep):
        interp.prepare_main(queue=queue, i=i)
        interp.exec("queue.put((i, b'x' * 100)); queue.put([i])")
    return (queue, keep), 0


def pool_never_shut_down(n: int) -> tuple[object, int]:
    """A pool with tasks still queued, never shut down."""
    from interpreters_pep734.futures import InterpreterPoolExecutor

    pool = InterpreterPoolExecutor(2)
    futures = [pool.submit(pow, i, 2) for i in range(10 * n)]
    return (pool, futures), 0


#: The scenarios by the names the tests give them.
SCENARIOS: dict[str, Callable[[int], tuple[object, int]]] = {
    "idle": idle,
    "dropped": dropped,
    "threading imported by other threads": threading_imported_by_other_threads,
    "call_in_thread still running": call_in_thread_still_running,
    "threads inside the interpreters": threads_inside_the_interpreters,
    "daemon thread running exec": daemon_thread_running_exec,
    "queue items from subinterpreters": queue_items_from_subinterpreters,
    "pool never shut down": pool_never_shut_down,
}


def alive_at_exit(scenarios: list[str], n: int) -> None:
    """Run *scenarios* one after the other with *n*, print ``exiting <late lines
    expected>`` and let the process exit with all they keep still referenced."""
    expect_finished = 0
    for name in scenarios:
        kept, finished = SCENARIOS[name](n)
        _kept.append(kept)
        expect_finished += finished
    os.write(1, f"exiting {expect_finished}\n".encode())
