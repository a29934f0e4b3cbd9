"""The package's shape: names, identity with the stdlib where it has PEP 734, import errors."""

import subprocess
import sys
import textwrap

import interpreters_pep734 as interpreters
from interpreters_pep734 import _backend, _queues, futures

PUBLIC = [
    "get_current", "get_main", "create", "list_all", "is_shareable", "Interpreter",
    "InterpreterError", "InterpreterNotFoundError", "ExecutionFailed", "NotShareableError",
    "create_queue", "Queue", "QueueEmpty", "QueueFull",
]  # fmt: skip
QUEUES_PRIVATE = [
    "UNBOUND", "UNBOUND_ERROR", "UNBOUND_REMOVE", "create", "list_all", "Queue", "QueueError",
    "QueueNotFoundError", "QueueEmpty", "QueueFull", "ItemInterpreterDestroyed",
]  # fmt: skip


def test_public_names_are_the_stdlib_set():
    assert sorted(interpreters.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert getattr(interpreters, name) is getattr(interpreters, name)


def test_queue_names_are_private():
    assert sorted(_queues.__all__) == sorted(QUEUES_PRIVATE)
    for name in ("QueueError", "QueueNotFoundError", "ItemInterpreterDestroyed", "UNBOUND"):
        assert not hasattr(interpreters, name), name
    assert interpreters.create_queue is _queues.create
    assert interpreters.Queue is _queues.Queue


def test_stdlib_objects_are_handed_out_where_the_stdlib_has_them():
    if not _backend.STDLIB:
        assert _backend.BACKEND is not None
        assert interpreters.Interpreter.__module__.startswith("interpreters_pep734")
        return
    import concurrent.futures.interpreter as stdlib_futures
    import concurrent.interpreters as stdlib
    import concurrent.interpreters._queues as stdlib_queues

    for name in PUBLIC:
        assert getattr(interpreters, name) is getattr(stdlib, name), name
    for name in QUEUES_PRIVATE:
        assert getattr(_queues, name) is getattr(stdlib_queues, name), name
    assert futures.InterpreterPoolExecutor is stdlib_futures.InterpreterPoolExecutor
    assert futures.BrokenInterpreterPool is stdlib_futures.BrokenInterpreterPool


def test_describe_names_the_backend():
    info = _backend.describe()
    assert set(info) == {"backend", "low_level", "emulates"}
    assert all(isinstance(v, str) and v for v in info.values())


def test_import_error_says_what_is_missing():
    # Hide every low-level module the probe looks for, as on a build without them.
    script = textwrap.dedent("""
        import sys
        for name in ("concurrent.interpreters", "_interpreters", "_interpqueues",
                     "_xxsubinterpreters", "_xxinterpchannels"):
            sys.modules[name] = None  # how Python spells "this module cannot be imported"
        try:
            import interpreters_pep734
        except ImportError as exc:
            print(exc)
        else:
            print("imported")
    """)
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert "needs CPython 3.12 or newer" in out
    assert "_xxsubinterpreters" in out
    assert "_interpqueues" in out
