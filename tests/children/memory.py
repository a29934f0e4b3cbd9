"""Child program of tests/stress/test_stress_memory.py: create/close cycles with the
process's memory measured before and after."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from typing import Any

import interpreters_pep734 as interpreters

from . import interpreter_ids

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE / 2**20


def _measure(cycle: Callable[[int], None], cycles: int) -> dict[str, float]:
    for n in range(20):  # warm up: caches and first-use state of the main interpreter
        cycle(n)
    gc.collect()
    before = _rss_mb()
    t0 = time.perf_counter()
    for n in range(cycles):
        cycle(n)
    gc.collect()
    return {"growth": _rss_mb() - before, "seconds": time.perf_counter() - t0}


def create_close_cycles(use: str, cycles: int, baseline: bool) -> dict[str, Any]:
    """RSS growth over *cycles* create/close cycles of this package's interpreters ("ours"),
    used (*use* ``"exec and call"``) or not (``"bare"``); with *baseline*, also over the
    same cycles of CPython's own low-level interpreters ("cpython")."""

    def ours(n: int) -> None:
        interp = interpreters.create()
        if use != "bare":
            interp.exec(f"n = {n}")
            assert interp.call(divmod, n, 7) == divmod(n, 7)
        interp.close()

    def cpython_own(n: int) -> None:
        # The same work without this package's operations: an isolated interpreter from
        # the low-level module (whichever this CPython has) that loads the same modules.
        try:
            import _interpreters

            interp = _interpreters.create("isolated")
            run, destroy = _interpreters.exec, _interpreters.destroy
        except ImportError:
            import _xxsubinterpreters

            interp = _xxsubinterpreters.create(isolated=True)
            run, destroy = _xxsubinterpreters.run_string, _xxsubinterpreters.destroy
        run(interp, "import interpreters_pep734._agent")
        if use != "bare":
            run(interp, f"n = {n}; divmod(n, 7)")
        destroy(interp)

    start = interpreter_ids()
    result: dict[str, Any] = {"ours": _measure(ours, cycles), "start": start}
    result["end"] = interpreter_ids()
    if baseline:
        result["cpython"] = _measure(cpython_own, cycles)
    return result
