"""Stress: an ``InterpreterPoolExecutor`` shut down while tasks are still queued.

Tasks are builtins, so that a worker needs nothing importable.  Every scenario runs in a fresh
process (``run_python``).  Task counts grow with ``STRESS_SCALE`` (default 1).
"""

import pytest

from conftest import CHILD_TIMEOUT, SCALE, run_python_json

pytestmark = pytest.mark.timeout(CHILD_TIMEOUT + 30)


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("cancel_futures", [False, True])
def test_shutdown_while_tasks_are_queued(cancel_futures, workers):
    # Every worker is busy (a blocking task is running in each) when shutdown() is called
    # with many tasks still queued.  Without cancel_futures they all run; with it, every
    # queued one is cancelled and none of them runs.
    queued = 50 * SCALE
    result, proc = run_python_json(
        """
        import json, sys, time
        import interpreters_pep734 as interpreters
        from interpreters_pep734.futures import InterpreterPoolExecutor

        cancel, workers, queued = sys.argv[1] == "True", int(sys.argv[2]), int(sys.argv[3])
        start = sorted(i.id for i in interpreters.list_all())
        pool = InterpreterPoolExecutor(workers)
        blockers = [pool.submit(time.sleep, 0.5) for _ in range(workers)]
        deadline = time.monotonic() + 20
        while not all(f.running() for f in blockers) and time.monotonic() < deadline:
            time.sleep(0.005)
        all_running = all(f.running() for f in blockers)
        futures = [pool.submit(pow, i, 2) for i in range(queued)]
        pool.shutdown(wait=True, cancel_futures=cancel)
        try:
            pool.submit(pow, 2, 2)
            after = "accepted"
        except RuntimeError as exc:
            after = str(exc)
        print(json.dumps({
            "all_running": all_running,
            "blockers": [f.result(timeout=0) for f in blockers],
            "cancelled": sum(f.cancelled() for f in futures),
            "results": [f.result(timeout=0) for f in futures if not f.cancelled()],
            "after": after,
            "start": start,
            "end": sorted(i.id for i in interpreters.list_all()),
        }))
        """,
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
    result, proc = run_python_json(
        """
        import json, sys, threading, time
        import interpreters_pep734 as interpreters
        from interpreters_pep734.futures import InterpreterPoolExecutor

        rounds, submitters = int(sys.argv[1]), int(sys.argv[2])
        start = sorted(i.id for i in interpreters.list_all())
        report = {"wrong": [], "refusals": set(), "cancelled": 0, "done": 0,
                  "not_done": 0, "shutdown_s": [], "leftover": []}
        for r in range(rounds):
            pool = InterpreterPoolExecutor(2)
            submitted = [[] for _ in range(submitters)]
            go = threading.Event()

            def submit(s):
                i = 0
                go.wait()
                while True:
                    try:
                        fut = pool.submit(pow, s * 100_000 + i, 2)
                    except RuntimeError as exc:
                        report["refusals"].add(str(exc))
                        return
                    submitted[s].append((s * 100_000 + i, fut))
                    i += 1
                    if i % 50 == 0:
                        time.sleep(0.001)

            threads = [threading.Thread(target=submit, args=(s,)) for s in range(submitters)]
            for t in threads:
                t.start()
            go.set()
            # In the middle: once the workers have finished some tasks (a fixed sleep was
            # too short on a loaded machine or a debug build), then a varying moment later.
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not any(
                fut.done() for chunk in submitted for _, fut in chunk[:20]
            ):
                time.sleep(0.005)
            time.sleep(0.05 * (r % 3))
            t0 = time.monotonic()
            pool.shutdown(wait=False, cancel_futures=True)
            report["shutdown_s"].append(time.monotonic() - t0)
            for t in threads:
                t.join()
            # (Not concurrent.futures.wait(): it never counts a future cancelled by
            # shutdown(cancel_futures=True) as done, in every ThreadPoolExecutor.)
            for value, fut in (pair for chunk in submitted for pair in chunk):
                if fut.cancelled():
                    report["cancelled"] += 1
                    continue
                try:
                    exc = fut.exception(timeout=20)
                except TimeoutError:
                    report["not_done"] += 1
                    continue
                report["done"] += 1
                if exc is not None or fut.result() != value * value:
                    report["wrong"].append(repr(exc or fut.result()))
            pool.shutdown(wait=True)
            ids = sorted(i.id for i in interpreters.list_all())
            if ids != start:
                report["leftover"].append(ids)
        report["refusals"] = sorted(report["refusals"])
        report["start"] = start
        report["end"] = sorted(i.id for i in interpreters.list_all())
        print(json.dumps(report))
        """,
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
    result, proc = run_python_json(
        """
        import json, sys, threading
        import interpreters_pep734 as interpreters
        from interpreters_pep734.futures import InterpreterPoolExecutor

        threads, per_thread = int(sys.argv[1]), int(sys.argv[2])
        start = sorted(i.id for i in interpreters.list_all())
        errors, lock = [], threading.Lock()

        def work(t):
            try:
                for k in range(per_thread):
                    cancel = (t + k) % 2 == 1
                    pool = InterpreterPoolExecutor(2)
                    futs = [pool.submit(divmod, i, 7) for i in range(200)]
                    pool.shutdown(wait=True, cancel_futures=cancel)
                    for i, f in enumerate(futs):
                        if f.cancelled():
                            assert cancel, "cancelled without cancel_futures"
                        else:
                            assert f.result(timeout=0) == divmod(i, 7), f.result()
            except BaseException as exc:
                with lock:
                    errors.append(f"thread {t}: {exc!r}")

        ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
        for th in ts:
            th.start()
        for th in ts:
            th.join()
        print(json.dumps({
            "errors": errors,
            "start": start,
            "end": sorted(i.id for i in interpreters.list_all()),
        }))
        """,
        threads,
        per_thread,
        timeout=CHILD_TIMEOUT,
    )
    assert result["errors"] == []
    assert result["end"] == result["start"]
    assert proc.stderr == ""


@pytest.mark.timeout(6 * SCALE * CHILD_TIMEOUT + 30)
def test_fresh_pools_whose_workers_import_beside_each_other_in_development_mode():
    # CPython 3.12.1 aborted the whole process ("munmap_chunk(): invalid pointer", in a
    # worker thread with no Python frame) when one worker's interpreter was destroyed
    # while another one was starting, under Python's debug memory hooks (-X dev, as tox
    # runs the tests).  The pattern: every pool is new, so each worker makes its
    # interpreter while the other worker's interpreter already runs, then both import
    # modules with C extensions (asyncio, ssl, hashlib...) for the first time at once; at
    # shutdown the interpreters are destroyed together.  Each run is its own process.
    runs, cycles = 2 * SCALE, 3  # nox -s stress: 10 runs of 3
    for run in range(runs):
        workers = 2 + run % 3  # 2, 3 and 4 workers
        result, proc = run_python_json(
            """
            import json, sys
            import interpreters_pep734 as interpreters
            from interpreters_pep734.futures import InterpreterPoolExecutor

            cycles, workers = int(sys.argv[1]), int(sys.argv[2])
            source = (
                "import asyncio, concurrent.futures, decimal, fractions, hashlib, json,"
                " pickle, ssl, subprocess, typing"
            )
            start = sorted(i.id for i in interpreters.list_all())
            powers, imports = [], []
            for _ in range(cycles):
                with InterpreterPoolExecutor(workers) as pool:
                    powers += pool.map(pow, [2] * workers, [10] * workers)
                    imports += pool.map(
                        exec, [source] * (2 * workers), [{} for _ in range(2 * workers)]
                    )
            print(json.dumps({
                "powers": powers == [1024] * (cycles * workers),
                "imports": imports == [None] * (cycles * 2 * workers),
                "start": start,
                "end": sorted(i.id for i in interpreters.list_all()),
            }))
            """,
            cycles,
            workers,
            timeout=CHILD_TIMEOUT * 2,
            options=["-X", "dev"],
        )
        assert result["powers"], (run, result)
        assert result["imports"], (run, result)
        assert result["end"] == result["start"]
