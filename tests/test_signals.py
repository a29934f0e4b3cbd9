"""Ctrl-C (SIGINT) while the main thread is blocked.

Each case runs a child process that prints ``ready`` and then blocks in ``call()``,
``Queue.get()``/``put()`` or ``executor.map()``; the test sends SIGINT and checks that a
``KeyboardInterrupt`` reaches the main thread, and that the process then exits cleanly: status
0 when the script catches it, death by SIGINT when it does not, never a fatal error or a hang.

What CPython 3.14 does, and so what is asserted: only the main interpreter handles signals,
so a ``call()`` that is running in another interpreter is not cut short; the
``KeyboardInterrupt`` is raised in the caller as soon as that call returns.  Queue operations
and the executor's ``map()`` wait in the main interpreter and are interrupted at once.
"""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from conftest import CHILD_TIMEOUT, STDLIB, run_python_json

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="sends a POSIX SIGINT to a child")

#: How long the blocking call or pool task runs in the other interpreter.
TASK_SECONDS = 2.0
#: "Promptly": from the signal to the KeyboardInterrupt in the main thread.
PROMPT_SECONDS = 3.0
PREAMBLE = """\
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
import interpreters_pep734 as interpreters
from interpreters_pep734.futures import InterpreterPoolExecutor
TASK_SECONDS = {task_seconds!r}
CATCH = sys.argv[1] == "catch"
"""


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


def interrupt(body, *, catch, delay=0.5, timeout=TASK_SECONDS + 30):
    """Run PREAMBLE + *body* in a child; send SIGINT *delay* seconds after it prints 'ready'."""
    script = PREAMBLE.format(task_seconds=TASK_SECONDS) + textwrap.dedent(body)
    env = dict(os.environ)
    env.pop("PYTHONDEVMODE", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", script, "catch" if catch else "no-catch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
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

CALL = """
interp = interpreters.create()
assert interp.call(pow, 2, 2) == 4
print("ready", flush=True)
try:
    interp.call(time.sleep, TASK_SECONDS)
    time.sleep(1)  # CPython 3.14 may raise it a moment after call() returns
    print("call returned", flush=True)
except KeyboardInterrupt:
    if not CATCH:
        raise
    print("interrupted", flush=True)
    print("after", interp.call(pow, 2, 5), flush=True)
    interp.close()
    print("closed", flush=True)
"""


def test_sigint_during_call_is_raised_when_the_call_returns():
    run = interrupt(CALL, catch=True)
    assert run.returncode == 0, run.stderr
    assert run.texts == ["interrupted", "after 32", "closed"]
    assert run.seconds_until("interrupted") < TASK_SECONDS + PROMPT_SECONDS


def test_sigint_during_call_uncaught_exits_by_sigint():
    run = interrupt(CALL, catch=False)
    assert run.texts == []
    assert_died_of_sigint(run)


# -- Queue.get() and Queue.put() --------------------------------------------------------------

QUEUE = """
queue = interpreters.create_queue({maxsize})
{fill}
interp = interpreters.create()
interp.prepare_main(queue=queue)  # a live interpreter that shares the queue
print("ready", flush=True)
try:
    queue.{operation}
    print("returned", flush=True)
except KeyboardInterrupt:
    if not CATCH:
        raise
    print("interrupted", flush=True)
    if queue.qsize():
        print("got", queue.get_nowait(), flush=True)
    interp.exec("queue.put('from the interpreter')")
    print("got", queue.get(timeout=10), flush=True)
    interp.close()
    print("closed", flush=True)
"""
QUEUE_OPERATIONS = {
    "get()": dict(maxsize=0, fill="", operation="get()"),
    "get(timeout)": dict(maxsize=0, fill="", operation="get(timeout=60)"),
    "put()-full": dict(maxsize=1, fill="queue.put('filler')", operation="put('more')"),
    "put(timeout)-full": dict(
        maxsize=1, fill="queue.put('filler')", operation="put('more', timeout=60)"
    ),
}


@pytest.mark.parametrize("operation", list(QUEUE_OPERATIONS))
def test_sigint_during_blocked_queue_operation_is_prompt(operation):
    run = interrupt(QUEUE.format(**QUEUE_OPERATIONS[operation]), catch=True)
    assert run.returncode == 0, run.stderr
    got = ["got filler"] if operation.startswith("put") else []
    assert run.texts == ["interrupted", *got, "got from the interpreter", "closed"]
    assert run.seconds_until("interrupted") < PROMPT_SECONDS


@pytest.mark.parametrize("operation", ["get()", "put()-full"])
def test_sigint_during_blocked_queue_operation_uncaught_exits_by_sigint(operation):
    run = interrupt(QUEUE.format(**QUEUE_OPERATIONS[operation]), catch=False, timeout=20)
    assert run.texts == []
    assert_died_of_sigint(run)


# -- InterpreterPoolExecutor.map() ------------------------------------------------------------

MAP = """
executor = InterpreterPoolExecutor(max_workers=2)
assert list(executor.map(pow, [2, 3], [2, 2])) == [4, 9]
print("ready", flush=True)
try:
    list(executor.map(time.sleep, [TASK_SECONDS] * 6))
    print("map returned", flush=True)
except KeyboardInterrupt:
    if not CATCH:
        raise
    print("interrupted", flush=True)
    executor.shutdown(wait=True, cancel_futures=True)
    print("shut down", flush=True)
"""


def test_sigint_during_executor_map_is_prompt():
    run = interrupt(MAP, catch=True)
    assert run.returncode == 0, run.stderr
    assert run.texts == ["interrupted", "shut down"]
    assert run.seconds_until("interrupted") < PROMPT_SECONDS
    # The tasks already running finish; the queued ones are dropped.
    assert run.seconds_until("shut down") < TASK_SECONDS + PROMPT_SECONDS


def test_sigint_during_executor_map_uncaught_exits_by_sigint():
    run = interrupt(MAP, catch=False)
    assert run.texts == []
    assert_died_of_sigint(run)


# -- storms of signals inside this package's code ---------------------------------------------
# A signal handler's exception is raised when a call returns, so it can land between any two
# calls of the implementation: after a lock's token was taken, an interpreter created, a run
# registered.  Each storm raises one into the package's own code every few microseconds to
# milliseconds, then checks that nothing was left half-done: counts match items, no lock or
# "running"/"closing" mark is left behind, no interpreter is lost, the process exits cleanly.

STORM_HARNESS = """
import json, signal, sys
import interpreters_pep734 as interpreters
from interpreters_pep734 import _queues

class Interrupted(Exception):
    pass

OURS = ("interpreters_pep734", "concurrent.interpreters")

def raise_inside_our_code(signum, frame):
    # Only inside the implementation, so that the loops below always get control back.
    if frame is not None and frame.f_globals.get("__name__", "").startswith(OURS):
        raise Interrupted

def was_interrupted(exc):
    # Also when it is wrapped, e.g. as the cause of a NotShareableError from pickling (3.14
    # too), which may itself be the cause of the NotShareableError for the arguments.
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, Interrupted):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False

def storm(period):
    signal.signal(signal.SIGALRM, raise_inside_our_code)
    signal.setitimer(signal.ITIMER_REAL, period, period)

def calm():
    signal.setitimer(signal.ITIMER_REAL, 0, 0)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
"""

QUEUE_STORM = """
queue = interpreters.create_queue(int(sys.argv[1]))
storm(20e-6)
interrupted = 0
for i in range(20000):
    for op in (lambda: queue.put(i, timeout=0.01), lambda: queue.get(timeout=0.01)):
        try:
            op()
        except Interrupted:
            interrupted += 1
        except (_queues.QueueEmpty, _queues.QueueFull):
            pass
calm()
size = queue.qsize()
drained = 0
while True:
    try:
        queue.get_nowait()
    except _queues.QueueEmpty:
        break
    drained += 1
# No lock was left taken: another interpreter can use this queue.
interp = interpreters.create()
interp.prepare_main(queue=queue)
interp.exec("queue.put('from the other interpreter')")
echoed = queue.get(timeout=10)
interp.close()
print(json.dumps([interrupted, size, drained, echoed, queue.qsize()]))
"""

CALL_STORM = """
interp = interpreters.create()
storm(float(sys.argv[1]))
interrupted = wrong = 0
for i in range(2000):
    try:
        result = interp.call(pow, i, 1)
    except Exception as exc:
        if not was_interrupted(exc):
            raise
        interrupted += 1
        continue
    wrong += result != i  # a stale reply from an interrupted call would show here
calm()
after = interp.call(pow, 2, 10)
interp.close()
print(json.dumps([interrupted, wrong, after]))
"""

LIFECYCLE_STORM = """
main_id = interpreters.get_main().id
storm(float(sys.argv[1]))
interrupted = wrong = 0
for i in range(30):
    try:
        interp = interpreters.create()
        wrong += interp.call(pow, i, 1) != i
        interp.exec("import sys")
        interp.close()
    except Exception as exc:
        if not was_interrupted(exc):
            raise
        interrupted += 1
calm()
# Interpreters whose create() or close() was cut short are still there and can be closed
# (3.14 itself keeps every interpreter whose create() was interrupted).
for interp in interpreters.list_all():
    if interp.id != main_id:
        try:
            interp.close()
        except interpreters.InterpreterNotFoundError:
            pass
final = interpreters.create()
result = final.call(pow, 2, 10)
final.close()
print(json.dumps([interrupted, wrong, result, len(interpreters.list_all())]))
"""

needs_setitimer = pytest.mark.skipif(
    not hasattr(signal, "setitimer"), reason="needs signal.setitimer (POSIX)"
)


@needs_setitimer
@pytest.mark.parametrize("maxsize", [0, 1])
def test_signal_storm_inside_queue_operations_leaves_the_queue_intact(maxsize):
    # A lost lock token would hang the other interpreter's put; a count out of step with
    # the items would show as qsize() != items drained.
    result, _ = run_python_json(STORM_HARNESS + QUEUE_STORM, maxsize, timeout=60)
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
    (interrupted, wrong, after), _ = run_python_json(STORM_HARNESS + CALL_STORM, period)
    assert interrupted > 0
    assert wrong == 0
    assert after == 1024


@needs_setitimer
@pytest.mark.parametrize("period", [1e-3, 13e-3])
def test_signal_storm_inside_create_and_close_loses_no_interpreter(period):
    (interrupted, wrong, result, remaining), proc = run_python_json(
        STORM_HARNESS + LIFECYCLE_STORM, period, timeout=120
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

HANDLER_USES_QUEUES = """
import itertools, json, signal, sys, threading
import interpreters_pep734 as interpreters

queue = interpreters.create_queue(int(sys.argv[1]))
side = interpreters.create_queue()
ids = itertools.count()
handled = []

def handler(signum, frame):
    mine = next(ids)  # handlers can interrupt handlers: each its own number
    side.put_nowait(mine)
    handled.append(mine)

# A thread that sleeps on the queue makes puts wake it: that path takes a lock too.
stop = threading.Event()
taken = []
def sleeper():
    while not stop.is_set():
        try:
            taken.append(queue.get(timeout=0.002))
        except interpreters.QueueEmpty:
            pass

thread = threading.Thread(target=sleeper)
thread.start()
signal.signal(signal.SIGALRM, handler)
signal.setitimer(signal.ITIMER_REAL, 300e-6, 300e-6)
put = 0
for i in range(int(sys.argv[2])):
    try:
        queue.put(i, timeout=0.01)
        put += 1
    except interpreters.QueueFull:
        pass
    try:
        taken.append(queue.get(timeout=0.001))
    except interpreters.QueueEmpty:
        pass
signal.setitimer(signal.ITIMER_REAL, 0, 0)
stop.set()
thread.join()
while not queue.empty():
    taken.append(queue.get_nowait())
side_items = []
while not side.empty():
    side_items.append(side.get_nowait())
print(json.dumps({"handled": len(handled), "side_all_there": sorted(side_items) == sorted(handled),
                  "all_taken": sorted(taken) == sorted(set(taken)) and len(taken) == put}))
"""


@needs_setitimer
@pytest.mark.parametrize("maxsize", [0, 1])
def test_signal_handler_that_uses_a_queue_inside_queue_operations(maxsize):
    for _ in range(2):
        result, _ = run_python_json(HANDLER_USES_QUEUES, maxsize, 20000, timeout=CHILD_TIMEOUT)
        assert result["handled"] > 0
        assert result["side_all_there"]
        assert result["all_taken"]


@pytest.mark.skipif(STDLIB, reason="CPython 3.14+: the stdlib's queues take no pipe lock")
def test_first_import_in_another_thread_still_protects_the_main_thread():
    # The thread that runs handlers is the main thread, whichever thread imported us first.
    result, _ = run_python_json(
        """
        import json, threading
        seen = []
        def first_import():
            import interpreters_pep734
            from interpreters_pep734._backend import _pipelock
            seen.append(_pipelock.signal_thread)
        thread = threading.Thread(target=first_import)
        thread.start()
        thread.join()
        print(json.dumps(seen == [threading.main_thread().ident]))
        """
    )
    assert result is True
