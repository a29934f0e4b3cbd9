"""Child programs of tests/stress/test_stress_close.py: closing an interpreter while, or
just as, a call runs in it, and from several threads at once."""

from __future__ import annotations

import collections
import re
import threading
import time
from typing import Any

import interpreters_pep734 as interpreters

from . import in_threads, interpreter_ids


def close_while_a_call_is_running(kind: str, closer: str, rounds: int) -> dict[str, Any]:
    """*rounds* times: close an interpreter (from the main thread or another one) while a
    call of *kind* runs in it; then use it again and close it."""
    start = interpreter_ids()
    outcomes: list[object] = []
    results: list[object] = []

    def running_call(interp: interpreters.Interpreter) -> None:
        if kind == "call sleeping":
            results.append(interp.call(time.sleep, 0.4))
        elif kind == "call computing":
            results.append(interp.call(sum, range(6_000_000)))
        else:
            # What exec() returns: None (the test checks it).
            results.append(interp.exec("import time; time.sleep(0.4)"))  # type: ignore[func-returns-value]

    def try_close(interp: interpreters.Interpreter) -> None:
        try:
            interp.close()
            outcomes.append("closed")
        except Exception as exc:
            outcomes.append([type(exc).__name__, str(exc)])

    def close_when_running(interp: interpreters.Interpreter) -> None:
        deadline = time.monotonic() + 10
        while not interp.is_running() and time.monotonic() < deadline:
            time.sleep(0.001)
        try_close(interp)

    for _ in range(rounds):
        interp = interpreters.create()
        interp.exec("import time")  # warm: the call starts at once
        if closer == "main thread":
            runner = threading.Thread(target=running_call, args=(interp,))
            runner.start()
            close_when_running(interp)
            runner.join()
        else:
            closer_thread = threading.Thread(target=close_when_running, args=(interp,))
            closer_thread.start()
            running_call(interp)
            closer_thread.join()
        # The interpreter survived and still works; then it closes normally.
        results.append(interp.call(pow, 2, 5))
        assert not interp.is_running()
        interp.close()
    return {"outcomes": outcomes, "results": results, "start": start, "end": interpreter_ids()}


def _call_after(
    interp: interpreters.Interpreter, offset: float, barrier: threading.Barrier, out: list[str]
) -> None:
    barrier.wait()
    if offset < 0:
        time.sleep(-offset)
    try:
        out.append(repr(interp.call(pow, 2, 10)))
    except Exception as exc:
        out.append(f"{type(exc).__name__}: {exc}")


def close_racing_a_call_that_is_starting(rounds: int) -> dict[str, Any]:
    """*rounds* times: a call starts in another thread just before or just after the
    interpreter's close() does; count each pair of outcomes."""
    # Negative: the call starts that long after close() does (it arrives while the
    # interpreter is being destroyed); positive: close() starts that long after the call.
    offsets = [-0.002, -0.001, -0.0005, -0.0002, -0.0001, 0, 0.00005, 0.0001]
    start = interpreter_ids()
    seen: collections.Counter[str] = collections.Counter()
    for r in range(rounds):
        offset = offsets[r % len(offsets)]
        interp = interpreters.create()
        out: list[str] = []
        barrier = threading.Barrier(2)

        thread = threading.Thread(target=_call_after, args=(interp, offset, barrier, out))
        thread.start()
        barrier.wait()
        if offset > 0:
            time.sleep(offset)
        try:
            interp.close()
            closed = "closed"
        except Exception as exc:
            closed = f"{type(exc).__name__}: {exc}"
        thread.join()
        seen[re.sub(r"ID \d+", "ID N", f"{closed} | {out[0]}")] += 1
        try:
            interp.close()
        except interpreters.InterpreterNotFoundError:
            pass
    return {"seen": dict(seen), "start": start, "end": interpreter_ids()}


def _close(interp: interpreters.Interpreter, barrier: threading.Barrier, out: list[str]) -> None:
    barrier.wait()
    try:
        interp.close()
        out.append("closed")
    except Exception as exc:
        out.append(re.sub(r"ID \d+", "ID N", f"{type(exc).__name__}: {exc}"))


def close_from_several_threads_at_once(rounds: int, threads: int) -> dict[str, Any]:
    """*rounds* times: *threads* threads close one interpreter at the same moment; count
    each set of outcomes."""
    start = interpreter_ids()
    seen: collections.Counter[str] = collections.Counter()
    for _ in range(rounds):
        interp = interpreters.create()
        interp.exec("x = 1")
        out: list[str] = []
        barrier = threading.Barrier(threads)

        in_threads(_close, [(interp, barrier, out)] * threads)
        seen[" / ".join(sorted(out))] += 1
    return {"seen": dict(seen), "start": start, "end": interpreter_ids()}
