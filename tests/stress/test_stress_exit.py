"""Stress: interpreters still alive when the process exits.

Each scenario leaves ``4 * STRESS_SCALE`` interpreters (or more) alive in some state and lets
the process end.  The process must exit with code 0, having run what it had started, and
print nothing on stderr but 3.14's own warning, "RuntimeWarning: remaining subinterpreters",
which this package gives too before it closes them.
"""

import textwrap

import pytest

from conftest import CHILD_TIMEOUT, SCALE, run_python

EXIT_WARNING = (
    "<sys>:0: RuntimeWarning: remaining subinterpreters; close them with Interpreter.close()"
)

pytestmark = pytest.mark.timeout(CHILD_TIMEOUT + 30)

SCENARIOS = {
    # Idle interpreters, some with state, still referenced at exit.
    "idle": """
        keep = [interpreters.create() for _ in range(n)]
        for i, interp in enumerate(keep):
            interp.prepare_main(i=i, data=(1.5, b"x" * 1000))
            interp.exec("import json, pickle; state = [i] * 1000")
        """,
    # Used, then dropped without close().
    "dropped": """
        for i in range(n):
            interp = interpreters.create()
            assert interp.call(pow, i, 2) == i * i
        del interp
        """,
    # 3.12.1 deadlocked destroying an interpreter whose threading module was first
    # imported by another OS thread (the implicit destroy at exit included).
    "threading imported by other threads": """
        keep = [interpreters.create() for _ in range(n)]
        for interp in keep:
            t = threading.Thread(target=interp.exec, args=("import threading",))
            t.start()
            t.join()
        """,
    # call_in_thread calls still running when the main thread ends: they finish first.
    "call_in_thread still running": """
        def late(tag):
            import os, time
            time.sleep(0.3)
            os.write(1, f"finished {tag}\\n".encode())  # one write: no interleaving

        keep = [interpreters.create() for _ in range(n)]
        for i, interp in enumerate(keep):
            interp.call_in_thread(late, i)
        expect_finished = n
        """,
    # Interpreters running a thread of their own (non-daemon) at exit.
    "threads inside the interpreters": """
        keep = [interpreters.create() for _ in range(n)]
        for i, interp in enumerate(keep):
            interp.exec(
                "import os, threading, time\\n"
                "def later():\\n"
                "    time.sleep(0.3)\\n"
                f"    os.write(1, b'finished {i}\\\\n')\\n"
                "threading.Thread(target=later).start()\\n"
            )
        expect_finished = n
        """,
    # A daemon thread of the main interpreter is still running code in a subinterpreter.
    # (3.14 exits with code 0; the daemon thread's work is cut short.)
    "daemon thread running exec": """
        keep = [interpreters.create() for _ in range(n)]
        for interp in keep:
            threading.Thread(
                target=interp.exec, args=("import time; time.sleep(2)",), daemon=True
            ).start()
        time.sleep(0.3)
        """,
    # Items put by subinterpreters are still in a queue.
    "queue items from subinterpreters": """
        queue = interpreters.create_queue()
        keep = [interpreters.create() for _ in range(n)]
        for i, interp in enumerate(keep):
            interp.prepare_main(queue=queue, i=i)
            interp.exec("queue.put((i, b'x' * 100)); queue.put([i])")
        """,
    # A pool with tasks still queued, never shut down.
    "pool never shut down": """
        from interpreters_pep734.futures import InterpreterPoolExecutor
        pool = InterpreterPoolExecutor(2)
        futures = [pool.submit(pow, i, 2) for i in range(10 * n)]
        """,
}

PROLOGUE = """
import sys, threading, time
import interpreters_pep734 as interpreters
n = int(sys.argv[1])
expect_finished = 0
"""

EPILOGUE = """
import os
os.write(1, f"exiting {expect_finished}\\n".encode())
"""


def unexpected_stderr(stderr):
    lines = stderr.splitlines()
    assert lines.count(EXIT_WARNING) <= 1, stderr
    return [line for line in lines if line != EXIT_WARNING]


def split_output(stdout):
    """The "exiting N" line of the main interpreter and the sorted "finished i" lines."""
    lines = stdout.splitlines()
    exiting = [line for line in lines if line.startswith("exiting ")]
    return exiting, sorted(line for line in lines if not line.startswith("exiting "))


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_interpreters_alive_at_exit(scenario):
    n = 4 * SCALE
    script = PROLOGUE + textwrap.dedent(SCENARIOS[scenario]) + EPILOGUE
    proc = run_python(script, str(n), timeout=CHILD_TIMEOUT, check=False)
    assert proc.returncode == 0, proc.stderr
    assert unexpected_stderr(proc.stderr) == []
    exiting, finished = split_output(proc.stdout)
    assert len(exiting) == 1, proc.stdout
    expect_finished = int(exiting[0].split()[1])
    assert finished == sorted(f"finished {i}" for i in range(expect_finished))


def test_everything_at_once_at_exit():
    # Every scenario but the daemon thread one (which has a test of its own), together.
    n = 2 * SCALE
    body = "\n".join(
        textwrap.dedent(src).replace("keep", f"keep_{k}")
        for k, (name, src) in enumerate(SCENARIOS.items())
        if name != "daemon thread running exec"
    )
    script = PROLOGUE + body.replace("expect_finished = n", "expect_finished += n") + EPILOGUE
    proc = run_python(script, str(n), timeout=CHILD_TIMEOUT, check=False)
    assert proc.returncode == 0, proc.stderr
    assert unexpected_stderr(proc.stderr) == []
    exiting, finished = split_output(proc.stdout)
    assert exiting == [f"exiting {2 * n}"]
    # Both kinds of late work print "finished i" for i < n.
    assert finished == sorted(f"finished {i}" for i in range(n) for _ in range(2))
