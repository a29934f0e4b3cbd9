"""Child programs: what the stress and signal tests run in a fresh process.

Each program is a plain function, started with ``run_child`` / ``run_child_json``
(tests/conftest.py) in a new interpreter process, so that a crash or a hang of CPython is a
failed test, not a dead test run.  A program takes its parameters as arguments (they cross
as JSON) and returns what it saw as a JSON-able value, or prints, where the test reads the
output and the exit status itself.

One module per test file: `close`, `at_exit`, `memory`, `pool` and `threads` for
tests/stress/test_stress_*.py, `signals` for tests/test_signals.py.  `tasks` holds the
functions those programs send into other interpreters.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable


def interpreter_ids() -> list[int]:
    """The ids of the interpreters alive, sorted: a program's first and last look, which
    the test compares to find interpreters lost or left behind."""
    import interpreters_pep734 as interpreters

    return sorted(i.id for i in interpreters.list_all())


def in_threads(target: Callable[..., object], arguments: Iterable[tuple[object, ...]]) -> None:
    """Call *target* with each of *arguments*, each call in a thread of its own, all started
    before any is waited for; return when all have returned."""
    import threading

    threads = [threading.Thread(target=target, args=args) for args in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
