"""Stress: interpreters still alive when the process exits.

Each scenario (children/at_exit.py) leaves ``4 * STRESS_SCALE`` interpreters (or more) alive
in some state and lets the process end.  The process must exit with code 0, having run what
it had started, and print nothing on stderr but 3.14's own warning, "RuntimeWarning:
remaining subinterpreters", which this package gives too before it closes them.
"""

import pytest

from children.at_exit import SCENARIOS, alive_at_exit
from conftest import CHILD_TIMEOUT, SCALE, run_child

EXIT_WARNING = (
    "<sys>:0: RuntimeWarning: remaining subinterpreters; close them with Interpreter.close()"
)

pytestmark = pytest.mark.timeout(CHILD_TIMEOUT + 30)


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
    proc = run_child(alive_at_exit, [scenario], n, timeout=CHILD_TIMEOUT, check=False)
    assert proc.returncode == 0, proc.stderr
    assert unexpected_stderr(proc.stderr) == []
    exiting, finished = split_output(proc.stdout)
    assert len(exiting) == 1, proc.stdout
    expect_finished = int(exiting[0].split()[1])
    assert finished == sorted(f"finished {i}" for i in range(expect_finished))


def test_everything_at_once_at_exit():
    # Every scenario but the daemon thread one (which has a test of its own), together.
    n = 2 * SCALE
    scenarios = [name for name in SCENARIOS if name != "daemon thread running exec"]
    proc = run_child(alive_at_exit, scenarios, n, timeout=CHILD_TIMEOUT, check=False)
    assert proc.returncode == 0, proc.stderr
    assert unexpected_stderr(proc.stderr) == []
    exiting, finished = split_output(proc.stdout)
    assert exiting == [f"exiting {2 * n}"]
    # Both kinds of late work print "finished i" for i < n.
    assert finished == sorted(f"finished {i}" for i in range(n) for _ in range(2))
