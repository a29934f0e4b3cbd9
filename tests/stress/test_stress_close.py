"""Stress: closing an interpreter from another thread while a call runs in it, closing one
racing a call that is just starting, and closing one interpreter from several threads at once.

3.14's answer to closing a running interpreter is ``InterpreterError('interpreter running')``,
and the interpreter stays usable.  Every scenario runs in a fresh process (``run_python``) so
that a crash is a failed test.  Iteration counts grow with ``STRESS_SCALE`` (default 1).
"""

import pytest

from conftest import CHILD_TIMEOUT, SCALE, STDLIB, run_python_json

pytestmark = pytest.mark.timeout(CHILD_TIMEOUT + 30)


@pytest.mark.parametrize("closer", ["main thread", "other thread"])
@pytest.mark.parametrize("kind", ["call sleeping", "call computing", "exec sleeping"])
def test_close_while_a_call_is_running(kind, closer):
    rounds = 3 * SCALE
    result, proc = run_python_json(
        """
        import json, sys, threading, time
        import interpreters_pep734 as interpreters

        kind, closer, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
        start = sorted(i.id for i in interpreters.list_all())
        outcomes, results = [], []

        def running_call(interp):
            if kind == "call sleeping":
                results.append(interp.call(time.sleep, 0.4))
            elif kind == "call computing":
                results.append(interp.call(sum, range(6_000_000)))
            else:
                results.append(interp.exec("import time; time.sleep(0.4)"))

        def try_close(interp):
            try:
                interp.close()
                outcomes.append("closed")
            except Exception as exc:
                outcomes.append([type(exc).__name__, str(exc)])

        for r in range(rounds):
            interp = interpreters.create()
            interp.exec("import time")  # warm: the call starts at once
            if closer == "main thread":
                runner = threading.Thread(target=running_call, args=(interp,))
                runner.start()
                deadline = time.monotonic() + 10
                while not interp.is_running() and time.monotonic() < deadline:
                    time.sleep(0.001)
                try_close(interp)
                runner.join()
            else:
                def close_when_running():
                    deadline = time.monotonic() + 10
                    while not interp.is_running() and time.monotonic() < deadline:
                        time.sleep(0.001)
                    try_close(interp)
                closer_thread = threading.Thread(target=close_when_running)
                closer_thread.start()
                running_call(interp)
                closer_thread.join()
            # The interpreter survived and still works; then it closes normally.
            results.append(interp.call(pow, 2, 5))
            assert not interp.is_running()
            interp.close()
        print(json.dumps({
            "outcomes": outcomes,
            "results": results,
            "start": start,
            "end": sorted(i.id for i in interpreters.list_all()),
        }))
        """,
        kind,
        closer,
        rounds,
        timeout=CHILD_TIMEOUT,
    )
    assert result["outcomes"] == [["InterpreterError", "interpreter running"]] * rounds
    expected = {"call sleeping": None, "call computing": sum(range(6_000_000))}.get(kind)
    assert result["results"] == [expected, 32] * rounds
    assert result["end"] == result["start"]
    assert proc.stderr == ""


@pytest.mark.skipif(
    STDLIB,
    reason="CPython 3.14.10 hangs or segfaults and 3.15.2 segfaults (in _PyXI_Enter) when "
    "Interpreter.close() races a call() that is starting in another thread",
)
def test_close_racing_a_call_that_is_starting():
    # The edge where an interpreter starts running while it is being destroyed.
    # Acceptable: the close wins (the call then raises InterpreterNotFoundError, as a call on
    # a closed interpreter does), or the call wins (the close raises 3.14's
    # InterpreterError('interpreter running'), or succeeds after the call finished).
    rounds = 48 * SCALE
    result, proc = run_python_json(
        """
        import collections, json, re, sys, threading, time
        import interpreters_pep734 as interpreters

        # Negative: the call starts that long after close() does (it arrives while the
        # interpreter is being destroyed); positive: close() starts that long after the call.
        offsets = [-0.002, -0.001, -0.0005, -0.0002, -0.0001, 0, 0.00005, 0.0001]
        rounds = int(sys.argv[1])
        start = sorted(i.id for i in interpreters.list_all())
        seen = collections.Counter()
        for r in range(rounds):
            offset = offsets[r % len(offsets)]
            interp = interpreters.create()
            out = []
            barrier = threading.Barrier(2)

            def caller():
                barrier.wait()
                if offset < 0:
                    time.sleep(-offset)
                try:
                    out.append(repr(interp.call(pow, 2, 10)))
                except Exception as exc:
                    out.append(f"{type(exc).__name__}: {exc}")

            thread = threading.Thread(target=caller)
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
            seen[re.sub(r"ID \\d+", "ID N", f"{closed} | {out[0]}")] += 1
            try:
                interp.close()
            except interpreters.InterpreterNotFoundError:
                pass
        print(json.dumps({
            "seen": dict(seen),
            "start": start,
            "end": sorted(i.id for i in interpreters.list_all()),
        }))
        """,
        rounds,
        timeout=CHILD_TIMEOUT,
    )
    allowed = {
        "closed | 1024",
        "closed | InterpreterNotFoundError: unrecognized interpreter ID N",
        "InterpreterError: interpreter running | 1024",
    }
    assert set(result["seen"]) <= allowed, result["seen"]
    assert sum(result["seen"].values()) == rounds
    assert result["end"] == result["start"]
    assert proc.stderr == ""


@pytest.mark.skipif(
    STDLIB,
    reason="CPython 3.14.10 and 3.15.2 segfault when several threads close() the same "
    "interpreter at once",
)
def test_close_one_interpreter_from_several_threads_at_once():
    # Exactly one close() does it; the others find it gone (InterpreterNotFoundError) or,
    # while it is being finalized, busy (InterpreterError('interpreter running')).
    rounds, threads = 30 * SCALE, 4
    result, proc = run_python_json(
        """
        import collections, json, re, sys, threading
        import interpreters_pep734 as interpreters

        rounds, threads = map(int, sys.argv[1:3])
        start = sorted(i.id for i in interpreters.list_all())
        seen = collections.Counter()
        for _ in range(rounds):
            interp = interpreters.create()
            interp.exec("x = 1")
            out = []
            barrier = threading.Barrier(threads)

            def closer():
                barrier.wait()
                try:
                    interp.close()
                    out.append("closed")
                except Exception as exc:
                    out.append(re.sub(r"ID \\d+", "ID N", f"{type(exc).__name__}: {exc}"))

            ts = [threading.Thread(target=closer) for _ in range(threads)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            seen[" / ".join(sorted(out))] += 1
        print(json.dumps({
            "seen": dict(seen),
            "start": start,
            "end": sorted(i.id for i in interpreters.list_all()),
        }))
        """,
        rounds,
        threads,
        timeout=CHILD_TIMEOUT,
    )
    others = {
        "InterpreterNotFoundError: unrecognized interpreter ID N",
        "InterpreterError: interpreter running",
    }
    for outcome in result["seen"]:
        parts = outcome.split(" / ")
        assert parts.count("closed") == 1, result["seen"]
        assert set(parts) - {"closed"} <= others, result["seen"]
    assert sum(result["seen"].values()) == rounds
    assert result["end"] == result["start"]
    assert proc.stderr == ""
