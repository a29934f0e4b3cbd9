"""Child programs of tests/stress/test_stress_threads.py: many threads creating, using and
closing interpreters at once, and calls from many threads into many interpreters."""

from __future__ import annotations

import collections
import queue as queue_module
import sys
import threading
from typing import Any

import interpreters_pep734 as interpreters

from . import in_threads, interpreter_ids
from .tasks import burn, main_value, report, report_slowly, slow, whoami


def many_threads_create_use_close(threads: int, cycles: int) -> dict[str, Any]:
    """*threads* threads, started together, each create, use and close *cycles*
    interpreters."""
    start = interpreter_ids()
    barrier = threading.Barrier(threads)
    lock = threading.Lock()
    seen_ids: list[int] = []
    errors: list[str] = []
    good = [0]

    def work(t: int) -> None:
        barrier.wait()
        for c in range(cycles):
            try:
                interp = interpreters.create()
                with lock:
                    seen_ids.append(interp.id)
                interp.prepare_main(tag=(t, c))
                interp.exec("value = tag[0] * 1000 + tag[1]")
                assert interp.call(whoami) == interp.id
                assert interp.call(pow, t + 2, c) == (t + 2) ** c
                assert interp.call(main_value, "value") == t * 1000 + c
                assert not interp.is_running()
                interp.close()
                with lock:
                    good[0] += 1
            except BaseException as exc:
                with lock:
                    errors.append(f"thread {t} cycle {c}: {exc!r}")

    in_threads(work, ((t,) for t in range(threads)))
    return {
        "good": good[0],
        "errors": errors,
        "unique_ids": len(set(seen_ids)),
        "created": len(seen_ids),
        "start": start,
        "end": interpreter_ids(),
    }


def created_in_some_threads_closed_in_others(
    producers: int, consumers: int, per_producer: int
) -> dict[str, Any]:
    """Producer threads create interpreters and hand them to consumer threads, which use
    and close them."""
    start = interpreter_ids()
    handoff: queue_module.Queue[tuple[interpreters.Interpreter, int, int] | None]
    handoff = queue_module.Queue()
    lock = threading.Lock()
    errors: list[str] = []
    results: list[tuple[int, int, Any, Any]] = []

    def produce(p: int) -> None:
        try:
            for n in range(per_producer):
                interp = interpreters.create()
                interp.exec(f"produced_by = {p}")
                handoff.put((interp, p, n))
        except BaseException as exc:
            with lock:
                errors.append(f"producer {p}: {exc!r}")

    def consume() -> None:
        while (item := handoff.get()) is not None:
            interp, p, n = item
            try:
                got = interp.call(main_value, "produced_by")
                total = interp.call(sum, range(n + 1))
                interp.close()
                with lock:
                    results.append((p, n, got, total))
            except BaseException as exc:
                with lock:
                    errors.append(f"consumer on {interp.id}: {exc!r}")
            del interp, item

    cons = [threading.Thread(target=consume) for _ in range(consumers)]
    prods = [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
    for t in cons + prods:
        t.start()
    for t in prods:
        t.join()
    for _ in cons:
        handoff.put(None)
    for t in cons:
        t.join()
    return {
        "errors": errors,
        "results": sorted(results),
        "start": start,
        "end": interpreter_ids(),
    }


def _drain(queue: interpreters.Queue) -> dict[int, list[int]]:
    """What the calls put on *queue*: the ids of the interpreters each tag came from."""
    got: dict[int, list[int]] = {}
    while True:
        try:
            item: Any = queue.get(timeout=1)
        except interpreters.QueueEmpty:
            break
        tag, where = item
        got.setdefault(tag, []).append(where)
    return got


def call_in_thread_from_many_threads(threads: int, n_interps: int, calls: int) -> dict[str, Any]:
    """*threads* threads each make *calls* ``call_in_thread()`` calls, one at a time per
    interpreter, spread over *n_interps* interpreters."""
    start = interpreter_ids()
    hook_errors: list[str] = []
    threading.excepthook = lambda args: hook_errors.append(repr(args.exc_value))
    interps = [interpreters.create() for _ in range(n_interps)]
    locks = [threading.Lock() for _ in interps]
    queue = interpreters.create_queue()
    expected: dict[int, int] = {}
    errors: list[str] = []

    def work(t: int) -> None:
        try:
            for k in range(calls):
                i = (t + k) % n_interps
                tag = t * 1000 + k
                expected[tag] = interps[i].id
                with locks[i]:
                    interps[i].call_in_thread(report, queue, tag).join()
        except BaseException as exc:
            errors.append(repr(exc))

    in_threads(work, ((t,) for t in range(threads)))
    got = _drain(queue)
    for interp in interps:
        interp.close()
    return {
        "errors": errors,
        "hook_errors": hook_errors,
        "wrong": sorted(t for t in expected if got.get(t) != [expected[t]]),
        "extra": sorted(set(got) - set(expected)),
        "count": sum(map(len, got.values())),
        "start": start,
        "end": interpreter_ids(),
    }


def call_in_thread_contention(threads: int, n_interps: int, calls: int) -> dict[str, Any]:
    """Like `call_in_thread_from_many_threads` without the locks: calls into the same
    interpreter collide."""
    start = interpreter_ids()
    lock = threading.Lock()
    failed: dict[int, tuple[str, str]] = {}
    started: dict[threading.Thread, int] = {}

    def hook(args: threading.ExceptHookArgs) -> None:
        with lock:
            exc = args.exc_value
            assert args.thread is not None
            failed[started[args.thread]] = (type(exc).__name__, str(exc))

    threading.excepthook = hook
    interps = [interpreters.create() for _ in range(n_interps)]
    queue = interpreters.create_queue()
    expected: dict[int, int] = {}
    errors: list[str] = []

    def work(t: int) -> None:
        try:
            mine = []
            for k in range(calls):
                interp = interps[(t * 7 + k) % n_interps]
                tag = t * 1000 + k
                with lock:
                    expected[tag] = interp.id
                    thread = interp.call_in_thread(report_slowly, queue, tag)
                    started[thread] = tag
                mine.append(thread)
            for thread in mine:
                thread.join()
        except BaseException as exc:
            errors.append(repr(exc))

    in_threads(work, ((t,) for t in range(threads)))
    got = _drain(queue)
    # Still usable afterwards.
    usable = [interp.call(pow, 3, 3) for interp in interps]
    for interp in interps:
        interp.close()
    return {
        "errors": errors,
        "failure_kinds": sorted(set(failed.values())),
        "both": sorted(set(failed) & set(got)),
        "neither": sorted(set(expected) - set(failed) - set(got)),
        "wrong": sorted(t for t in got if got[t] != [expected[t]]),
        "ok": len(got),
        "failed": len(failed),
        "usable": usable,
        "start": start,
        "end": interpreter_ids(),
    }


def concurrent_calls_into_one_busy_interpreter(rounds: int, threads: int) -> dict[str, Any]:
    """*rounds* times: *threads* threads call into one interpreter at once, while another
    interpreter keeps a core busy."""
    start = interpreter_ids()
    interp = interpreters.create()
    stop = interpreters.create_queue()
    burner = interpreters.create()
    burning = burner.call_in_thread(burn, stop)
    seen: collections.Counter[str] = collections.Counter()
    lock = threading.Lock()

    def one(tag: tuple[int, int]) -> None:
        try:
            got = interp.call(slow, tag)
            outcome = "ok" if got == tag else f"wrong result {got!r} for {tag!r}"
        except Exception as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        with lock:
            seen[outcome] += 1

    for r in range(rounds):
        in_threads(one, (((r, t),) for t in range(threads)))
    usable = interp.call(pow, 2, 10)
    stop.put(None)
    burning.join()
    burner.close()
    interp.close()
    return {"seen": dict(seen), "usable": usable, "start": start, "end": interpreter_ids()}


def runs_given_back_while_another_thread_starts_one() -> dict[str, Any]:
    """Threads give their run entries back without the guard's lock while others start
    runs, which look through the entries under it."""
    sys.setswitchinterval(1e-6)
    from interpreters_pep734._backend import _common

    guard = _common.RunGuard()
    guard.runs.update((10**6 + i, 0) for i in range(200))  # a long look through
    errors: list[str] = []

    def work(interp_id: int) -> None:
        for _ in range(5000):
            entry = (interp_id, threading.get_ident())
            try:
                guard.enter_run(*entry)
            except BaseException as exc:
                errors.append(repr(exc))
                return
            finally:
                guard.runs.discard(entry)

    in_threads(work, ((i,) for i in range(8)))
    return {"errors": errors, "left": len(guard.runs)}
