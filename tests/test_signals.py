"""Ctrl-C (SIGINT) while the main thread is blocked.

Each case runs a child process (a program of children/signals.py) that prints ``ready`` and
then blocks in ``call()``, ``Queue.get()``/``put()`` or ``executor.map()``; the test sends
SIGINT and checks that a ``KeyboardInterrupt`` reaches the main thread, and that the process
then exits cleanly: status 0 when the program catches it, death by SIGINT when it does not,
never a fatal error or a hang.

What CPython 3.14 does, and so what is asserted: only the main interpreter handles signals,
so a ``call()`` that is running in another interpreter is not cut short; the
``KeyboardInterrupt`` is raised in the caller as soon as that call returns.  Queue operations
and the executor's ``map()`` wait in the main interpreter and are interrupted at once.
"""

import json
import signal
import subprocess
import sys
import threading
import time

import pytest

from children.signals import (
    QUEUE_OPERATIONS,
    call_storm,
    first_import_in_another_thread,
    handler_uses_queues,
    interrupted_call,
    interrupted_map,
    interrupted_queue_operation,
    lifecycle_storm,
    queue_storm,
)
from conftest import CHILD_TIMEOUT, STDLIB, TESTS_DIR, child_env, child_script, run_child_json

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="sends a POSIX SIGINT to a child")

#: How long the blocking call or pool task runs in the other interpreter.
TASK_SECONDS = 2.0
#: "Promptly": from the signal to the KeyboardInterrupt in the main thread.
PROMPT_SECONDS = 3.0


class Run:
    def __init__(self, returncode, lines, stderr):
        self.returncode = returncode
        self.lines = lines  # [(seconds after the signal, text)]
        self.stderr = stderr

    @property
    def texts(self):
        return [text for _, text in self.lines]

    def seconds_until(self, text):
        for seconds, line in self.lines:
            if line == text:
                return seconds
        raise AssertionError(f"{text!r} not printed: {self.texts}\n--- stderr\n{self.stderr}")


def interrupt(program, *args, delay=0.5, timeout=TASK_SECONDS + 30):
    """Run ``program(*args)`` (children/signals.py) in a child, as ``run_child`` does; send
    SIGINT *delay* seconds after it prints 'ready'."""
    proc = subprocess.Popen(
        [sys.executable, "-c", child_script(program), json.dumps(args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env([TESTS_DIR]),
    )
    lines, errors = [], []
    ready = threading.Event()
    sent = [None]

    def read_stdout():
        for line in proc.stdout:
            now = time.monotonic()
            lines.append((now, line.rstrip("\n")))
            if line == "ready\n":
                ready.set()

    readers = [
        threading.Thread(target=read_stdout, daemon=True),
        threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        if not ready.wait(30):
            raise AssertionError(f"child never got ready: {lines}")
        time.sleep(delay)
        sent[0] = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"child still running {timeout} s after SIGINT: {lines}") from None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for reader in readers:
            reader.join(10)
        proc.stdout.close()
        proc.stderr.close()
    stderr = "".join(errors)
    assert "Fatal Python error" not in stderr, stderr
    after = [(t - sent[0], text) for t, text in lines if text != "ready"]
    return Run(proc.returncode, after, stderr)


def assert_died_of_sigint(run):
    assert run.returncode == -signal.SIGINT, (run.returncode, run.texts, run.stderr)
    assert run.stderr.rstrip().splitlines()[-1] in (
        "KeyboardInterrupt",
        # 3.14 warns (it is not an error) about interpreters left open at exit.
        "<sys>:0: RuntimeWarning: remaining subinterpreters; close them with Interpreter.close()",
    ), run.stderr
    assert "KeyboardInterrupt" in run.stderr


# -- call() -----------------------------------------------------------------------------------


def test_sigint_during_call_is_raised_when_the_call_returns():
    run = interrupt(interrupted_call, True, TASK_SECONDS)
    assert run.returncode == 0, run.stderr
    assert run.texts == ["interrupted", "after 32", "closed"]
    assert run.seconds_until("interrupted") < TASK_SECONDS + PROMPT_SECONDS


def test_sigint_during_call_uncaught_exits_by_sigint():
    run = interrupt(interrupted_call, False, TASK_SECONDS)
    assert run.texts == []
    assert_died_of_sigint(run)


# -- Queue.get() and Queue.put() --------------------------------------------------------------


@pytest.mark.parametrize("operation", list(QUEUE_OPERATIONS))
def test_sigint_during_blocked_queue_operation_is_prompt(operation):
    run = interrupt(interrupted_queue_operation, operation, True)
    assert run.returncode == 0, run.stderr
    got = ["got filler"] if operation.startswith("put") else []
    assert run.texts == ["interrupted", *got, "got from the interpreter", "closed"]
    assert run.seconds_until("interrupted") < PROMPT_SECONDS


@pytest.mark.parametrize("operation", ["get()", "put()-full"])
def test_sigint_during_blocked_queue_operation_uncaught_exits_by_sigint(operation):
    run = interrupt(interrupted_queue_operation, operation, False, timeout=20)
    assert run.texts == []
    assert_died_of_sigint(run)


# -- InterpreterPoolExecutor.map() ------------------------------------------------------------


def test_sigint_during_executor_map_is_prompt():
    run = interrupt(interrupted_map, True, TASK_SECONDS)
    assert run.returncode == 0, run.stderr
    assert run.texts == ["interrupted", "shut down"]
    assert run.seconds_until("interrupted") < PROMPT_SECONDS
    # The tasks already running finish; the queued ones are dropped.
    assert run.seconds_until("shut down") < TASK_SECONDS + PROMPT_SECONDS


def test_sigint_during_executor_map_uncaught_exits_by_sigint():
    run = interrupt(interrupted_map, False, TASK_SECONDS)
    assert run.texts == []
    assert_died_of_sigint(run)


# -- storms of signals inside this package's code ---------------------------------------------
# A signal handler's exception is raised when a call returns, so it can land between any two
# calls of the implementation: after a lock's token was taken, an interpreter created, a run
# registered.  Each storm raises one into the package's own code every few microseconds to
# milliseconds, then checks that nothing was left half-done: counts match items, no lock or
# "running"/"closing" mark is left behind, no interpreter is lost, the process exits cleanly.


needs_setitimer = pytest.mark.skipif(
    not hasattr(signal, "setitimer"), reason="needs signal.setitimer (POSIX)"
)


@needs_setitimer
@pytest.mark.parametrize("maxsize", [0, 1])
def test_signal_storm_inside_queue_operations_leaves_the_queue_intact(maxsize):
    # A lost lock token would hang the other interpreter's put; a count out of step with
    # the items would show as qsize() != items drained.
    result, _ = run_child_json(queue_storm, maxsize, timeout=60)
    interrupted, size, drained, echoed, final = result
    assert interrupted > 0  # the storm did land inside queue code
    assert size == drained
    if maxsize:
        assert size <= maxsize
    assert echoed == "from the other interpreter"
    assert final == 0


@needs_setitimer
@pytest.mark.parametrize("period", [50e-6, 1e-3])
def test_signal_storm_inside_calls_leaves_the_interpreter_usable(period):
    # A run left marked as running would make every later call fail with "interpreter
    # already running"; a stale reply would be returned by the next call.
    (interrupted, wrong, after), _ = run_child_json(call_storm, period)
    assert interrupted > 0
    assert wrong == 0
    assert after == 1024


@needs_setitimer
@pytest.mark.parametrize("period", [1e-3, 13e-3])
def test_signal_storm_inside_create_and_close_loses_no_interpreter(period):
    (interrupted, wrong, result, remaining), proc = run_child_json(
        lifecycle_storm, period, timeout=120
    )
    assert interrupted > 0
    assert wrong == 0
    assert result == 1024
    assert remaining == 1  # only the main interpreter
    assert "Fatal Python error" not in proc.stderr


# -- signal handlers that use queues themselves --------------------------------------------
# A handler runs in the main thread, between two calls of whatever that thread was doing:
# possibly inside a queue operation that holds a cross-interpreter lock.  A handler that
# uses a queue then needs that lock too (a server's SIGTERM handler that puts a sentinel).
# It must neither wait for ever for its own thread (CPython 3.12: a deadlock before the
# fix, within the first thousand signals) nor disturb the operation it interrupted.


@needs_setitimer
@pytest.mark.parametrize("maxsize", [0, 1])
def test_signal_handler_that_uses_a_queue_inside_queue_operations(maxsize):
    for _ in range(2):
        result, _ = run_child_json(handler_uses_queues, maxsize, 20000, timeout=CHILD_TIMEOUT)
        assert result["handled"] > 0
        assert result["side_all_there"]
        assert result["all_taken"]


@pytest.mark.skipif(STDLIB, reason="CPython 3.14+: the stdlib's queues take no pipe lock")
def test_first_import_in_another_thread_still_protects_the_main_thread():
    # The thread that runs handlers is the main thread, whichever thread imported us first.
    result, _ = run_child_json(first_import_in_another_thread)
    assert result is True
