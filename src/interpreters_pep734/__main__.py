"""Self-check: ``python -m interpreters_pep734 [--check-modules NAME,...]``.

Prints what this Python offers and what the package builds on it, exercises the API,
measures whether interpreters really run in parallel, and (optionally) reports which
modules import inside an isolated interpreter, and whether those known to import but fail
when used (the XML parsers on 3.12) can be used.  Exits non-zero when something is broken.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import threading
import time
from typing import Any


def _spin(n: int) -> int:
    # Stateless (no globals, no defaults): it crosses as code, as in CPython 3.14.
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def _timed_parallel(interps: list[Any], n: int) -> tuple[float, list[Any]]:
    results: list[Any] = [None] * len(interps)

    def run(index: int, interp: Any) -> None:
        results[index] = interp.call(_spin, n)

    threads = [threading.Thread(target=run, args=(i, it)) for i, it in enumerate(interps)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, results


def _check_api(interpreters: Any) -> list[str]:
    problems = []
    interp = interpreters.create()
    try:
        if interp.call(pow, 2, 10) != 1024:
            problems.append("call(pow, 2, 10) did not return 1024")
        interp.prepare_main(x=21)
        queue = interpreters.create_queue()
        interp.prepare_main(queue=queue)
        interp.exec("queue.put(x * 2)")
        if queue.get(timeout=5) != 42:
            problems.append("a value put in a queue by another interpreter did not arrive")
        try:
            interp.exec("raise ValueError('expected')")
        except interpreters.ExecutionFailed as exc:
            if exc.excinfo.type.__name__ != "ValueError":
                problems.append("ExecutionFailed did not describe the ValueError")
        else:
            problems.append("exec() of a raising script did not raise ExecutionFailed")
    except Exception as exc:  # report, don't crash: this is a diagnostic tool
        problems.append(f"{type(exc).__name__}: {exc}")
    finally:
        interp.close()
    return problems


def _check_module(interpreters: Any, name: str) -> str:
    """How *name* fares in a fresh isolated interpreter: its import and, for modules known
    to import but fail when used on some CPythons, a first real use."""
    from . import _usechecks

    interp = interpreters.create()
    try:
        try:
            interp.exec(f"import {name}")
        except interpreters.ExecutionFailed as exc:
            return f"fails: {exc.excinfo.formatted}"
        use = _usechecks.USES.get(name)
        if use is None:
            return "imports"
        try:
            interp.call(use)
        except interpreters.ExecutionFailed as exc:
            return f"imports, but cannot {use.__doc__}: {exc.excinfo.formatted}"
        return f"imports, and can {use.__doc__}"
    finally:
        interp.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m interpreters_pep734", description=__doc__)
    parser.add_argument(
        "--check-modules",
        metavar="NAME,...",
        default="",
        help="report whether each module imports inside an isolated interpreter (and, for "
        "modules known to import but fail when used, whether a first use works)",
    )
    parser.add_argument(
        "--work", type=int, default=3_000_000, help="loop length of the parallelism check"
    )
    args = parser.parse_args(argv)

    import interpreters_pep734 as interpreters
    from interpreters_pep734 import __version__, _backend

    info = _backend.describe()
    print(f"interpreters-pep734 {__version__}")
    print(f"python:     {platform.python_implementation()} {platform.python_version()}")
    print(f"executable: {sys.executable}")
    print(f"backend:    {info['backend']} ({info['low_level']})")
    print(f"emulates:   {info['emulates']}")

    failed = False
    problems = _check_api(interpreters)
    for problem in problems:
        print(f"BROKEN:     {problem}")
    failed |= bool(problems)
    if not problems:
        print("api:        create, prepare_main, exec, call, queues, ExecutionFailed: ok")

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    workers = max(2, min(cpus or 1, 4))
    interps = [interpreters.create() for _ in range(workers)]
    try:
        _timed_parallel(interps, 10_000)  # warm up
        one, _ = _timed_parallel(interps[:1], args.work)
        many, results = _timed_parallel(interps, args.work)
    finally:
        for interp in interps:
            interp.close()
    speedup = workers * one / many
    print(
        f"parallel:   {workers} interpreters in {workers} threads did {workers}x the work of "
        f"one in {many / one:.2f}x its time: speedup {speedup:.2f}x on {cpus} CPU(s)"
    )
    if len(set(results)) != 1:
        print("BROKEN:     parallel calls returned different results")
        failed = True
    if (cpus or 1) >= 2 and speedup < 1.3:
        print("WARNING:    little speedup: the machine may be busy, or the GIL is shared")

    for name in filter(None, (n.strip() for n in args.check_modules.split(","))):
        print(f"module:     {name}: {_check_module(interpreters, name)}")

    print("result:     " + ("BROKEN" if failed else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
