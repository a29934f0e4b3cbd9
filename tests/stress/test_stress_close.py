"""Stress: closing an interpreter from another thread while a call runs in it, closing one
racing a call that is just starting, and closing one interpreter from several threads at once.

3.14's answer to closing a running interpreter is ``InterpreterError('interpreter running')``,
and the interpreter stays usable.  Every scenario runs in a fresh process (``run_child``; the
programs are in children/close.py) so that a crash is a failed test.  Iteration counts grow
with ``STRESS_SCALE`` (default 1).
"""

import pytest

from children.close import (
    close_from_several_threads_at_once,
    close_racing_a_call_that_is_starting,
    close_while_a_call_is_running,
)
from conftest import CHILD_TIMEOUT, SCALE, STDLIB, run_child_json

pytestmark = pytest.mark.timeout(CHILD_TIMEOUT + 30)


@pytest.mark.parametrize("closer", ["main thread", "other thread"])
@pytest.mark.parametrize("kind", ["call sleeping", "call computing", "exec sleeping"])
def test_close_while_a_call_is_running(kind, closer):
    rounds = 3 * SCALE
    result, proc = run_child_json(
        close_while_a_call_is_running,
        kind,
        closer,
        rounds,
        timeout=CHILD_TIMEOUT,
    )
    assert result["outcomes"] == [["InterpreterError", "interpreter running"]] * rounds
    expected = {"call sleeping": None, "call computing": sum(range(6_000_000))}.get(kind)
    assert result["results"] == [expected, 32] * rounds
    assert result["end"] == result["start"]
    assert proc.stderr == ""


@pytest.mark.skipif(
    STDLIB,
    reason="CPython 3.14.10 hangs or segfaults and 3.15.2 segfaults (in _PyXI_Enter) when "
    "Interpreter.close() races a call() that is starting in another thread",
)
def test_close_racing_a_call_that_is_starting():
    # The edge where an interpreter starts running while it is being destroyed.
    # Acceptable: the close wins (the call then raises InterpreterNotFoundError, as a call on
    # a closed interpreter does), or the call wins (the close raises 3.14's
    # InterpreterError('interpreter running'), or succeeds after the call finished).
    rounds = 48 * SCALE
    result, proc = run_child_json(
        close_racing_a_call_that_is_starting,
        rounds,
        timeout=CHILD_TIMEOUT,
    )
    allowed = {
        "closed | 1024",
        "closed | InterpreterNotFoundError: unrecognized interpreter ID N",
        "InterpreterError: interpreter running | 1024",
    }
    assert set(result["seen"]) <= allowed, result["seen"]
    assert sum(result["seen"].values()) == rounds
    assert result["end"] == result["start"]
    assert proc.stderr == ""


@pytest.mark.skipif(
    STDLIB,
    reason="CPython 3.14.10 and 3.15.2 segfault when several threads close() the same "
    "interpreter at once",
)
def test_close_one_interpreter_from_several_threads_at_once():
    # Exactly one close() does it; the others find it gone (InterpreterNotFoundError) or,
    # while it is being finalized, busy (InterpreterError('interpreter running')).
    rounds, threads = 30 * SCALE, 4
    result, proc = run_child_json(
        close_from_several_threads_at_once,
        rounds,
        threads,
        timeout=CHILD_TIMEOUT,
    )
    others = {
        "InterpreterNotFoundError: unrecognized interpreter ID N",
        "InterpreterError: interpreter running",
    }
    for outcome in result["seen"]:
        parts = outcome.split(" / ")
        assert parts.count("closed") == 1, result["seen"]
        assert set(parts) - {"closed"} <= others, result["seen"]
    assert sum(result["seen"].values()) == rounds
    assert result["end"] == result["start"]
    assert proc.stderr == ""
