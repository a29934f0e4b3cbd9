"""Stress: an ``InterpreterPoolExecutor`` shut down while tasks are still queued.

Tasks are builtins, so that a worker needs nothing importable.  Every scenario runs in a fresh
process (``run_child``; the programs are in children/pool.py).  Task counts grow with
``STRESS_SCALE`` (default 1).
"""

import pytest

from children.pool import (
    fresh_pools_importing_beside_each_other,
    pools_in_many_threads,
    shutdown_while_tasks_are_queued,
    shutdown_without_waiting_while_submitting,
)
from conftest import CHILD_TIMEOUT, ON_3_12, SCALE, run_child_json

pytestmark = pytest.mark.timeout(CHILD_TIMEOUT + 30)


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("cancel_futures", [False, True])
def test_shutdown_while_tasks_are_queued(cancel_futures, workers):
    # Every worker is busy (a blocking task is running in each) when shutdown() is called
    # with many tasks still queued.  Without cancel_futures they all run; with it, every
    # queued one is cancelled and none of them runs.
    queued = 50 * SCALE
    result, proc = run_child_json(
        shutdown_while_tasks_are_queued,
        cancel_futures,
        workers,
        queued,
        timeout=CHILD_TIMEOUT,
    )
    assert result["all_running"]
    assert result["blockers"] == [None] * workers
    if cancel_futures:
        assert result["cancelled"] == queued
        assert result["results"] == []
    else:
        assert result["cancelled"] == 0
        assert result["results"] == [i * i for i in range(queued)]
    assert result["after"] == "cannot schedule new futures after shutdown"
    assert result["end"] == result["start"]
    assert proc.stderr == ""


def test_shutdown_without_waiting_from_another_thread_while_submitting():
    # Submitters keep submitting; another thread shuts the pool down (wait=False,
    # cancel_futures=True) in the middle.  Every future ends cancelled or with its right
    # result, every submitter is then refused with 3.14's message, the caller is not
    # blocked, and the workers close their interpreters shortly after.
    rounds, submitters = 3 * SCALE, 3
    result, proc = run_child_json(
        shutdown_without_waiting_while_submitting,
        rounds,
        submitters,
        timeout=CHILD_TIMEOUT,
    )
    assert result["wrong"] == []
    assert result["not_done"] == 0
    assert result["refusals"] == ["cannot schedule new futures after shutdown"]
    assert result["done"] > 0
    assert result["cancelled"] > 0
    assert max(result["shutdown_s"]) < 1.0
    assert result["leftover"] == []
    assert result["end"] == result["start"]
    assert proc.stderr == ""


def test_pools_in_many_threads_shut_down_with_work_queued():
    # Several pools at once, each shut down (alternately cancelling or not) with a backlog.
    threads, per_thread = 4, 2 * SCALE
    result, proc = run_child_json(
        pools_in_many_threads,
        threads,
        per_thread,
        timeout=CHILD_TIMEOUT,
    )
    assert result["errors"] == []
    assert result["end"] == result["start"]
    assert proc.stderr == ""


@pytest.mark.timeout(6 * SCALE * CHILD_TIMEOUT + 30)
def test_fresh_pools_whose_workers_import_beside_each_other():
    # CPython 3.12.1 aborted the whole process ("munmap_chunk(): invalid pointer", in a
    # worker thread with no Python frame) when one worker's interpreter was destroyed
    # while another one was starting, under Python's debug memory hooks (-X dev, as tox
    # runs the tests).  The pattern: every pool is new, so each worker makes its
    # interpreter while the other worker's interpreter already runs, then both import
    # modules with C extensions (asyncio, ssl, hashlib...) for the first time at once; at
    # shutdown the interpreters are destroyed together.  Each run is its own process.
    # On CPython 3.12 the children run without the hooks: under them 3.12.1 also corrupts
    # memory when an interpreter is closed while others import modules (README,
    # workarounds: not routed around), about 1 child in 20 here, on this session's code
    # and the code before it alike.  The start/close pattern itself runs under -X dev on
    # 3.12 too, in test_regressions' 25 pools without imports.
    runs, cycles = 2 * SCALE, 3  # nox -s stress: 10 runs of 3
    options = [] if ON_3_12 else ["-X", "dev"]
    for run in range(runs):
        workers = 2 + run % 3  # 2, 3 and 4 workers
        result, proc = run_child_json(
            fresh_pools_importing_beside_each_other,
            cycles,
            workers,
            timeout=CHILD_TIMEOUT * 2,
            options=options,
        )
        assert result["powers"], (run, result)
        assert result["imports"], (run, result)
        assert result["end"] == result["start"]
