"""Benchmarks, printed as a table: ``nox -s bench`` (or run this file with any Python).

Everything is measured side by side in one run, because the machine is shared and noisy:
compare rows of one run, not runs.  Timings are medians of several repeats.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import multiprocessing
import os
import statistics
import sys
import threading
import time

import interpreters_pep734 as interpreters
from interpreters_pep734 import _backend
from interpreters_pep734.futures import InterpreterPoolExecutor


def noop():
    pass


def echo(x):
    return x


def spin(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def per_op(func, n=3000, repeat=5):
    """Median µs per call of func()."""
    for _ in range(min(n, 300)):
        func()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(n):
            func()
        samples.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(samples)


def per_big(func, repeat=15):
    """Median ms of one func() call (for operations on big payloads)."""
    func()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples)


def stored_payload():
    import __main__

    return __main__.payload


def big_payload_rows(interp):
    """10 MB of bytes through call() and a queue, beside one plain copy of the same bytes.

    The result row makes its bytes in the target (``bytes(n)``), so it also pays for
    fresh memory there: its second ratio is to that same allocation plus a copy here.
    """
    data = os.urandom(10_000_000)
    queue = interpreters.create_queue()
    copy = per_big(lambda: bytearray(data))
    alloc_copy = per_big(lambda: bytearray(bytes(len(data))))
    arg = per_big(lambda: interp.call(len, data))
    result = per_big(lambda: interp.call(bytes, len(data)))
    interp.prepare_main(payload=data)
    stored = per_big(lambda: interp.call(stored_payload))
    interp.exec("del payload")
    put_get = per_big(lambda: (queue.put(data), queue.get()))
    return [
        ("10 MB bytes: one plain bytearray(data) copy (ms)", copy, ""),
        ("10 MB bytes argument: call(len, data) (ms)", arg, f"{arg / copy:.2f}x copy"),
        (
            "10 MB bytes result: call(bytes, 10_000_000) (ms)",
            result,
            f"{result / copy:.2f}x copy, {result / alloc_copy:.2f}x bytes(n) + copy",
        ),
        ("10 MB bytes result, made before the call (ms)", stored, f"{stored / copy:.2f}x copy"),
        ("10 MB bytes queue put+get (ms)", put_get, f"{put_get / copy:.2f}x copy"),
    ]


def raw_call(interp_id):
    """The bare low-level cost of running nothing in another interpreter."""
    if _backend.STDLIB:
        import _interpreters

        return lambda: _interpreters.call(interp_id, noop)
    if _backend.BACKEND.name == "py313":
        import _interpreters

        code = compile("pass", "<bench>", "exec")
        return lambda: _interpreters.exec(interp_id, code)
    import _xxsubinterpreters

    return lambda: _xxsubinterpreters.run_string(interp_id, "pass")


def raw_queue():
    if _backend.STDLIB or _backend.BACKEND.name == "py313":
        import _interpqueues

        try:
            qid = _interpqueues.create(0, 0, 3)
            return lambda: (_interpqueues.put(qid, 1, 0, 3), _interpqueues.get(qid))
        except (TypeError, ValueError):
            qid = _interpqueues.create(0, 3, -1)
            return lambda: (_interpqueues.put(qid, 1, 3, -1), _interpqueues.get(qid))
    import _xxinterpchannels

    cid = _xxinterpchannels.create()
    return lambda: (_xxinterpchannels.send(cid, 1), _xxinterpchannels.recv(cid))


def ping_pong(rounds=2000):
    requests, replies = interpreters.create_queue(), interpreters.create_queue()
    worker = interpreters.create()
    worker.prepare_main(requests=requests, replies=replies)
    thread = threading.Thread(
        target=worker.exec,
        args=("while (item := requests.get()) is not None:\n    replies.put(item)\n",),
    )
    thread.start()
    median = round_trips(requests, replies, rounds)
    thread.join()
    worker.close()
    return median


def round_trips(requests, replies, rounds):
    """Median µs of put(i) into *requests* and get() from *replies*; then None is put."""
    samples = []
    for i in range(rounds):
        start = time.perf_counter()
        requests.put(i)
        replies.get()
        samples.append((time.perf_counter() - start) * 1e6)
    requests.put(None)
    return statistics.median(samples)


def thread_ping_pong(rounds=2000):
    """The same round trip between two threads of one interpreter over queue.Queue."""
    import queue

    requests, replies = queue.Queue(), queue.Queue()

    def echo_all():
        while (item := requests.get()) is not None:
            replies.put(item)

    thread = threading.Thread(target=echo_all)
    thread.start()
    median = round_trips(requests, replies, rounds)
    thread.join()
    return median


def idle_get_cpu(seconds=3.0):
    """CPU used by a get() blocked on an empty queue, in % of one core."""
    queue = interpreters.create_queue()
    start = time.process_time()
    try:
        queue.get(timeout=seconds)
    except interpreters.QueueEmpty:
        pass
    return (time.process_time() - start) / seconds * 100


def throughput(items=20000):
    """Items/s with 2 producer and 2 consumer interpreters."""
    queue = interpreters.create_queue(1000)
    workers = [interpreters.create() for _ in range(4)]
    for w in workers:
        w.prepare_main(q=queue, n=items // 2)
    producer = "for i in range(n):\n    q.put(i)\n"
    consumer = "for _ in range(n):\n    q.get()\n"
    threads = [
        threading.Thread(target=w.exec, args=(producer if i < 2 else consumer,))
        for i, w in enumerate(workers)
    ]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    for w in workers:
        w.close()
    return items / elapsed


def pool_cpu(executor_factory, tasks=8, n=1_500_000):
    with executor_factory() as pool:
        list(pool.map(spin, [1000] * 4))  # start the workers
        start = time.perf_counter()
        list(pool.map(spin, [n] * tasks))
        return time.perf_counter() - start


def interleaved_medians(*measures, rounds=3):
    """Median of each measure over *rounds*, taken in turn (ABCD ABCD ABCD): a noisy
    neighbour then slows every contender alike instead of spoiling one of them."""
    samples = [[] for _ in measures]
    for _ in range(rounds):
        for measure, values in zip(measures, samples, strict=True):
            values.append(measure())
    return [statistics.median(values) for values in samples]


def pool_tiny(executor_factory, tasks=2000):
    with executor_factory() as pool:
        list(pool.map(echo, range(50)))
        start = time.perf_counter()
        list(pool.map(echo, range(tasks)))
        return (time.perf_counter() - start) / tasks * 1e6


def pool_startup(executor_factory):
    start = time.perf_counter()
    with executor_factory() as pool:
        pool.submit(echo, 1).result()
        first = time.perf_counter() - start
    return first * 1e3


def main():
    version = sys.version.split()[0]
    print(f"# CPython {version}: backend {_backend.describe()['backend']}")
    rows = []
    interp = interpreters.create()
    raw = per_op(raw_call(interp.id))
    rows.append(("raw low-level call (µs)", raw, ""))
    for label, func in (
        ("call(noop) (µs)", lambda: interp.call(noop)),
        ("call(pow, 2, 10) (µs)", lambda: interp.call(pow, 2, 10)),
        ("exec('pass') (µs)", lambda: interp.exec("pass")),
    ):
        value = per_op(func)
        rows.append((label, value, f"{value / raw:.1f}x raw"))
    rows.extend(big_payload_rows(interp))
    interp.close()

    queue = interpreters.create_queue()
    raw_q = per_op(raw_queue(), n=20000)
    rows.append(("queue raw low-level put+get int (µs)", raw_q, ""))
    for label, item in (("queue put+get int (µs)", 1), ("queue put+get dict (µs)", {"a": 1})):
        value = per_op(lambda item=item: (queue.put(item), queue.get()), n=20000)
        rows.append((label, value, f"{value / raw_q:.1f}x raw"))
    pp_interpreters, pp_threads = interleaved_medians(ping_pong, thread_ping_pong)
    rows.append(("queue ping-pong, 2 threads, queue.Queue (µs)", pp_threads, ""))
    rows.append(
        (
            "queue ping-pong, 2 interpreters, median (µs)",
            pp_interpreters,
            f"{pp_interpreters / pp_threads:.1f}x 2 threads",
        )
    )
    rows.append(("queue 2 producers + 2 consumers (items/s)", throughput(), ""))
    rows.append(("queue get() blocked on an empty queue (% of a core)", idle_get_cpu(), ""))

    one, two, threads, fork = interleaved_medians(
        lambda: pool_cpu(lambda: InterpreterPoolExecutor(1)),
        lambda: pool_cpu(lambda: InterpreterPoolExecutor(2)),
        lambda: pool_cpu(lambda: cf.ThreadPoolExecutor(2)),
        lambda: pool_cpu(
            lambda: cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))
        ),
    )
    rows.append(
        (
            "CPU 8 tasks: interpreter pool 2 workers (s)",
            two,
            f"{one / two:.2f}x 1 worker, {threads / two:.2f}x threads, {fork / two:.2f}x fork pool",
        )
    )
    tiny = pool_tiny(lambda: InterpreterPoolExecutor(2))
    tiny_fork = pool_tiny(
        lambda: cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))
    )
    rows.append(("tiny task, warm pool (µs/task)", tiny, f"fork pool {tiny_fork:.0f} µs"))
    start = pool_startup(lambda: InterpreterPoolExecutor(2))
    start_fork = pool_startup(
        lambda: cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))
    )
    start_spawn = pool_startup(
        lambda: cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"))
    )
    rows.append(
        (
            "pool start + first result (ms)",
            start,
            f"fork {start_fork:.0f} ms, spawn {start_spawn:.0f} ms",
        )
    )

    width = max(len(r[0]) for r in rows)
    for label, value, note in rows:
        digits = 2 if value < 10 else 1  # sub-microsecond queue rows need the second digit
        print(f"| {label:<{width}} | {value:>12,.{digits}f} | {note}")

    results = {
        "python": version,
        "backend": _backend.describe()["backend"],
        "rows": [[label, value, note] for label, value, note in rows],
        "cpu_seconds": {
            "1 worker": one,
            "2 interpreters": two,
            "2 threads": threads,
            "2 processes (fork)": fork,
        },
        "tiny_task_us": {"interpreter pool": tiny, "process pool (fork)": tiny_fork},
        "startup_ms": {
            "interpreter pool": start,
            "process pool (fork)": start_fork,
            "process pool (spawn)": start_spawn,
        },
    }
    out = os.environ.get("BENCH_RESULTS")
    if out:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, f"{version}.json"), "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
