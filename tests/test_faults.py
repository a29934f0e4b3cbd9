"""Faults inside the target interpreter.

``sys.exit()``, ``KeyboardInterrupt``, ``MemoryError``, runaway recursion, a thread left
deadlocked and an extension module that refuses subinterpreters: each comes back as
``ExecutionFailed`` (or as CPython 3.14 handles it) with a useful message, and the caller,
the target and other interpreters stay usable.
"""

import importlib.util
import sys
import threading

import pytest

import interpreters_pep734 as interpreters
from conftest import STDLIB, run_python
from interpreters_pep734.futures import InterpreterPoolExecutor

UNCAUGHT = "Uncaught in the interpreter:"
MEMORY_ERROR_DROPPED = (
    "CPython 3.14.10 and 3.15.2 drop a MemoryError raised in the target: call() and exec() "
    "return as if nothing happened (the exception is not snapshotted)"
)


# -- stateless functions: rebuilt from their code in the target -------------------------------


def exit_3():
    import sys

    sys.exit(3)


def exit_message():
    import sys

    sys.exit("bye")


def exit_bare():
    import sys

    sys.exit()


def exit_0():
    raise SystemExit(0)


def interrupt():
    raise KeyboardInterrupt


def interrupt_message():
    raise KeyboardInterrupt("ctrl-c")


def recurse():
    def down(n):
        return down(n + 1)

    return down(0)


def generator_exit():
    raise GeneratorExit("closing")


def base_exception():
    raise BaseException("base")


def raise_memory_error():
    raise MemoryError("too big")


def allocate_too_much():
    return bytearray(2**62)


FAULTS = [
    (exit_3, "import sys; sys.exit(3)", "SystemExit", "3"),
    (exit_message, "import sys; sys.exit('bye')", "SystemExit", "bye"),
    (exit_bare, "import sys; sys.exit()", "SystemExit", ""),
    (exit_0, "raise SystemExit(0)", "SystemExit", "0"),
    (interrupt, "raise KeyboardInterrupt", "KeyboardInterrupt", ""),
    (interrupt_message, "raise KeyboardInterrupt('ctrl-c')", "KeyboardInterrupt", "ctrl-c"),
    (recurse, "def down(n): return down(n + 1)\ndown(0)", "RecursionError", None),
    (generator_exit, "raise GeneratorExit('closing')", "GeneratorExit", "closing"),
    (base_exception, "raise BaseException('base')", "BaseException", "base"),
]
FAULT_IDS = [
    "sys.exit(3)",
    "sys.exit(msg)",
    "sys.exit()",
    "SystemExit(0)",
    "KeyboardInterrupt",
    "KeyboardInterrupt(msg)",
    "recursion",
    "GeneratorExit",
    "BaseException",
]


def assert_healthy(interp):
    assert not interp.is_running()
    assert interp.call(pow, 2, 5) == 32
    interp.exec("assert 1 + 1 == 2")
    assert interp.call(eval, "marker") == "kept"  # state from before the fault survives


@pytest.fixture
def target(interp):
    interp.prepare_main(marker="kept")
    return interp


def check_failure(exc, type_name, msg):
    excinfo = exc.excinfo
    assert excinfo.type.__name__ == type_name
    assert excinfo.type.__module__ == "builtins"
    if msg is not None:
        assert excinfo.msg == msg
        assert excinfo.formatted == f"{type_name}: {msg}"
    text = str(exc)
    assert text.startswith(f"{type_name}: ")
    assert UNCAUGHT in text
    assert excinfo.errdisplay.splitlines()[-1].startswith(type_name)


@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
def test_fault_in_call(target, fault):
    func, _, type_name, msg = fault
    with pytest.raises(interpreters.ExecutionFailed) as excinfo:
        target.call(func)
    check_failure(excinfo.value, type_name, msg)
    assert_healthy(target)


@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
def test_fault_in_exec(target, fault):
    _, source, type_name, msg = fault
    with pytest.raises(interpreters.ExecutionFailed) as excinfo:
        target.exec(source)
    check_failure(excinfo.value, type_name, msg)
    assert 'File "<script>"' in excinfo.value.excinfo.errdisplay
    assert_healthy(target)


@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
def test_fault_in_call_in_thread_goes_to_excepthook(target, monkeypatch, fault):
    func, _, type_name, msg = fault
    caught = []
    monkeypatch.setattr(threading, "excepthook", caught.append)
    thread = target.call_in_thread(func)
    thread.join()
    [hook_args] = caught
    assert hook_args.exc_type is interpreters.ExecutionFailed
    check_failure(hook_args.exc_value, type_name, msg)
    assert_healthy(target)


def test_recursion_in_the_target_leaves_the_callers_limit_alone(target):
    limit = sys.getrecursionlimit()
    with pytest.raises(interpreters.ExecutionFailed):
        target.call(recurse)
    assert sys.getrecursionlimit() == limit
    assert target.call(sys.getrecursionlimit) == limit
    assert_healthy(target)


def test_faults_in_a_row_in_one_interpreter(target):
    for func, *_ in FAULTS:
        with pytest.raises(interpreters.ExecutionFailed):
            target.call(func)
    assert_healthy(target)


def test_fault_in_one_interpreter_leaves_others_alone(target):
    other = interpreters.create()
    try:
        other.prepare_main(marker="other")
        with pytest.raises(interpreters.ExecutionFailed):
            target.call(exit_3)
        assert other.call(eval, "marker") == "other"
        assert_healthy(target)
    finally:
        other.close()


# -- MemoryError ------------------------------------------------------------------------------


@pytest.mark.parametrize("func", [raise_memory_error, allocate_too_much], ids=["raise", "allocate"])
def test_memory_error_leaves_everything_usable(target, func):
    try:
        target.call(func)
    except interpreters.ExecutionFailed as exc:
        assert exc.excinfo.type.__name__ == "MemoryError"
    else:
        assert STDLIB, MEMORY_ERROR_DROPPED  # only 3.14 swallows it
    try:
        target.exec("raise MemoryError")
    except interpreters.ExecutionFailed as exc:
        assert exc.excinfo.type.__name__ == "MemoryError"
    assert_healthy(target)
    big = target.call(bytes, 10 * 2**20)
    assert len(big) == 10 * 2**20


@pytest.mark.skipif(STDLIB, reason=MEMORY_ERROR_DROPPED)
@pytest.mark.parametrize(
    ("func", "msg"),
    [(raise_memory_error, "too big"), (allocate_too_much, "")],
    ids=["raise", "allocate"],
)
def test_memory_error_surfaces_as_execution_failed(target, func, msg):
    with pytest.raises(interpreters.ExecutionFailed) as excinfo:
        target.call(func)
    check_failure(excinfo.value, "MemoryError", msg)
    with pytest.raises(interpreters.ExecutionFailed) as excinfo:
        target.exec("raise MemoryError('in exec')")
    check_failure(excinfo.value, "MemoryError", "in exec")
    assert_healthy(target)


# -- restrictions of an isolated interpreter --------------------------------------------------


@pytest.mark.parametrize(
    ("source", "text"),
    [
        (
            "import threading\nthreading.Thread(target=print, daemon=True).start()",
            "daemon threads are disabled",
        ),
        ("import os\nos.fork()", "fork not supported"),
    ],
    ids=["daemon-thread", "fork"],
)
def test_forbidden_operations_fail_cleanly(target, source, text):
    with pytest.raises(interpreters.ExecutionFailed) as excinfo:
        target.exec(source)
    assert excinfo.value.excinfo.type.__name__ == "RuntimeError"
    assert text in excinfo.value.excinfo.msg
    assert_healthy(target)


# -- InterpreterPoolExecutor ------------------------------------------------------------------


@pytest.fixture
def pool():
    executor = InterpreterPoolExecutor(max_workers=1)
    yield executor
    executor.shutdown(wait=True)


@pytest.mark.parametrize(
    ("func", "exc_type", "args"),
    [
        (exit_3, SystemExit, (3,)),
        (interrupt_message, KeyboardInterrupt, ("ctrl-c",)),
        (recurse, RecursionError, None),
    ],
    ids=["sys.exit", "KeyboardInterrupt", "recursion"],
)
def test_fault_in_a_pool_task_comes_back_as_the_original_exception(pool, func, exc_type, args):
    future = pool.submit(func)
    with pytest.raises(exc_type) as excinfo:
        future.result(timeout=30)
    if args is not None:
        assert excinfo.value.args == args
    cause = excinfo.value.__cause__
    assert isinstance(cause, interpreters.ExecutionFailed)
    assert cause.excinfo.type.__name__ == exc_type.__name__
    assert pool.submit(pow, 2, 5).result(timeout=30) == 32


@pytest.mark.skipif(
    STDLIB,
    reason=MEMORY_ERROR_DROPPED + "; the pool then hands that MemoryError to the next failing task",
)
def test_memory_error_in_a_pool_task(pool):
    with pytest.raises(MemoryError):
        pool.submit(raise_memory_error).result(timeout=30)
    with pytest.raises(RecursionError):
        pool.submit(recurse).result(timeout=30)
    assert pool.submit(pow, 2, 5).result(timeout=30) == 32


# -- a thread left deadlocked -----------------------------------------------------------------

DEADLOCK = """\
import threading
lock = threading.Lock()
lock.acquire()
stuck = threading.Thread(target=lock.acquire)
stuck.start()
"""


def test_deadlocked_thread_leaves_the_caller_healthy():
    # Runs in a child: nothing can close that interpreter (see the next test), so the child
    # leaves with os._exit().
    proc = run_python(
        f"""
        import os, sys, time
        import interpreters_pep734 as interpreters
        interp = interpreters.create()
        start = time.monotonic()
        interp.exec({DEADLOCK!r})
        print("exec returned", time.monotonic() - start < 10)
        print("running", interp.is_running())
        print("call", interp.call(pow, 2, 5))
        print("stuck", interp.call(eval, "stuck.is_alive()"))
        other = interpreters.create()
        print("other", other.call(pow, 3, 2))
        other.close()
        print("listed", interp in interpreters.list_all())
        sys.stdout.flush()  # os._exit() skips it, and stdout is a pipe here
        os._exit(0)
        """,
        timeout=60,
    )
    assert proc.stdout.splitlines() == [
        "exec returned True",
        "running False",
        "call 32",
        "stuck True",
        "other 9",
        "listed True",
    ]


def test_close_waits_for_the_interpreters_non_daemon_threads():
    # As the main interpreter's exit does, and 3.14's close(): a non-daemon thread of the
    # interpreter finishes before the interpreter goes (so a thread that never ends makes
    # close() wait forever, on every version; the test above leaves such an interpreter open).
    proc = run_python(
        """
        import os
        import interpreters_pep734 as interpreters
        done_read, done_write = os.pipe()
        os.set_blocking(done_read, False)
        interp = interpreters.create()
        interp.prepare_main(done_write=done_write)
        interp.exec(
            "import os, threading, time\\n"
            "def work():\\n"
            "    time.sleep(1.0)\\n"
            "    os.write(done_write, b'done')\\n"
            "threading.Thread(target=work).start()\\n"
        )
        interp.close()
        print(os.read(done_read, 10) == b"done", interp in interpreters.list_all())
        """,
        timeout=60,
    )
    assert proc.stdout == "True False\n"


# -- extension modules that refuse subinterpreters --------------------------------------------

REFUSING = ["_testsinglephase", "readline", "_curses"]


@pytest.mark.parametrize("how", ["exec", "call"])
@pytest.mark.parametrize("name", REFUSING)
def test_extension_that_refuses_subinterpreters(name, how):
    if importlib.util.find_spec(name) is None:
        pytest.skip(f"CPython {sys.version.split()[0]} here is built without {name}")
    # In a child: afterwards the target loads other modules and the main interpreter imports
    # the refused one, which must both still work.
    proc = run_python(
        """
        import sys
        import interpreters_pep734 as interpreters
        name, how = sys.argv[1:]
        interp = interpreters.create()
        try:
            if how == "exec":
                interp.exec(f"import {name}")
            else:
                interp.call(__import__, name)
        except interpreters.ExecutionFailed as exc:
            print(exc.excinfo.type.__name__, "|", exc.excinfo.msg, "|", "Uncaught" in str(exc))
        else:
            print("imported")
        print("call", interp.call(pow, 2, 5))
        interp.exec("import json, re, traceback")  # the target goes on loading modules
        module = __import__(name)
        print("main imported", module.__name__)
        print("call", interp.call(pow, 2, 5))
        interp.close()
        print("closed")
        """,
        name,
        how,
        timeout=60,
    )
    assert proc.stdout.splitlines() == [
        f"ImportError | module {name} does not support loading in subinterpreters | True",
        "call 32",
        f"main imported {name}",
        "call 32",
        "closed",
    ]
