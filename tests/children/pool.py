"""Child programs of tests/stress/test_stress_pool.py: an ``InterpreterPoolExecutor`` shut
down while tasks are still queued.  Tasks are builtins, so that a worker needs nothing
importable."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from typing import Any

from interpreters_pep734.futures import InterpreterPoolExecutor

from . import in_threads, interpreter_ids


def shutdown_while_tasks_are_queued(cancel: bool, workers: int, queued: int) -> dict[str, Any]:
    """Shut a pool down (cancelling or not) while each worker runs a blocking task and
    *queued* tasks wait."""
    start = interpreter_ids()
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
    return {
        "all_running": all_running,
        "blockers": [f.result(timeout=0) for f in blockers],
        "cancelled": sum(f.cancelled() for f in futures),
        "results": [f.result(timeout=0) for f in futures if not f.cancelled()],
        "after": after,
        "start": start,
        "end": interpreter_ids(),
    }


def _submit_until_refused(
    pool: InterpreterPoolExecutor,
    s: int,
    go: threading.Event,
    submitted: list[tuple[int, Future[int]]],
    refusals: set[str],
) -> None:
    i = 0
    go.wait()
    while True:
        try:
            fut = pool.submit(pow, s * 100_000 + i, 2)
        except RuntimeError as exc:
            refusals.add(str(exc))
            return
        submitted.append((s * 100_000 + i, fut))
        i += 1
        if i % 50 == 0:
            time.sleep(0.001)


def shutdown_without_waiting_while_submitting(rounds: int, submitters: int) -> dict[str, Any]:
    """*rounds* times: *submitters* threads submit to a pool until it refuses, while the
    main thread shuts it down (wait=False, cancel_futures=True) in the middle."""
    start = interpreter_ids()
    refusals: set[str] = set()
    wrong: list[str] = []
    shutdown_s: list[float] = []
    leftover: list[list[int]] = []
    cancelled = done = not_done = 0
    for r in range(rounds):
        pool = InterpreterPoolExecutor(2)
        submitted: list[list[tuple[int, Future[int]]]] = [[] for _ in range(submitters)]
        go = threading.Event()
        threads = [
            threading.Thread(
                target=_submit_until_refused, args=(pool, s, go, submitted[s], refusals)
            )
            for s in range(submitters)
        ]
        for t in threads:
            t.start()
        go.set()
        # In the middle: once the workers have finished some tasks (a fixed sleep was too
        # short on a loaded machine or a debug build), then a varying moment later.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(
            fut.done() for chunk in submitted for _, fut in chunk[:20]
        ):
            time.sleep(0.005)
        time.sleep(0.05 * (r % 3))
        t0 = time.monotonic()
        pool.shutdown(wait=False, cancel_futures=True)
        shutdown_s.append(time.monotonic() - t0)
        for t in threads:
            t.join()
        # (Not concurrent.futures.wait(): it never counts a future cancelled by
        # shutdown(cancel_futures=True) as done, in every ThreadPoolExecutor.)
        for value, fut in (pair for chunk in submitted for pair in chunk):
            if fut.cancelled():
                cancelled += 1
                continue
            try:
                exc = fut.exception(timeout=20)
            except TimeoutError:
                not_done += 1
                continue
            done += 1
            if exc is not None or fut.result() != value * value:
                wrong.append(repr(exc or fut.result()))
        pool.shutdown(wait=True)
        ids = interpreter_ids()
        if ids != start:
            leftover.append(ids)
    return {
        "wrong": wrong,
        "refusals": sorted(refusals),
        "cancelled": cancelled,
        "done": done,
        "not_done": not_done,
        "shutdown_s": shutdown_s,
        "leftover": leftover,
        "start": start,
        "end": interpreter_ids(),
    }


def _shut_pools_down(t: int, per_thread: int, errors: list[str], lock: threading.Lock) -> None:
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


def pools_in_many_threads(threads: int, per_thread: int) -> dict[str, Any]:
    """*threads* threads each make *per_thread* pools and shut each down with a backlog,
    alternately cancelling it or not."""
    start = interpreter_ids()
    errors: list[str] = []
    lock = threading.Lock()
    in_threads(_shut_pools_down, ((t, per_thread, errors, lock) for t in range(threads)))
    return {"errors": errors, "start": start, "end": interpreter_ids()}


def fresh_pools_importing_beside_each_other(cycles: int, workers: int) -> dict[str, Any]:
    """*cycles* fresh pools of *workers* workers, each of which imports modules with C
    extensions for the first time at once with the others."""
    source = (
        "import asyncio, concurrent.futures, decimal, fractions, hashlib, json,"
        " pickle, ssl, subprocess, typing"
    )
    start = interpreter_ids()
    powers: list[object] = []
    imports: list[object] = []
    for _ in range(cycles):
        with InterpreterPoolExecutor(workers) as pool:
            powers += pool.map(pow, [2] * workers, [10] * workers)
            imports += pool.map(exec, [source] * (2 * workers), [{} for _ in range(2 * workers)])
    return {
        "powers": powers == [1024] * (cycles * workers),
        "imports": imports == [None] * (cycles * 2 * workers),
        "start": start,
        "end": interpreter_ids(),
    }
