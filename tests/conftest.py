"""Shared fixtures.  Every test file runs unchanged on every CPython of the matrix."""

from __future__ import annotations

import ast
import contextlib
import gc
import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Sequence
from typing import Any

import pytest

import interpreters_pep734 as interpreters
from interpreters_pep734 import _backend, _queues

#: True where the package hands out CPython's own objects (3.14+).  Tests of the places
#: where this package deliberately does better than 3.14 are skipped there, with a reason.
STDLIB = _backend.STDLIB

#: CPython's debug build (``python3.13d``): C assertions on, and several times slower, so
#: the bounds that tell a hang from slowness are scaled by SLOWDOWN there.
DEBUG_BUILD = hasattr(sys, "gettotalrefcount")
SLOWDOWN = 4 if DEBUG_BUILD else 1
#: CPython 3.12, for the tests that avoid its problems this package cannot route around.
ON_3_12 = sys.version_info[:2] == (3, 12)

#: How much more work the stress tests (tests/stress/) do: the ``STRESS_SCALE`` environment
#: variable, default 1 (``nox -s stress`` sets it larger).
SCALE = max(1, int(os.environ.get("STRESS_SCALE", "1")))
#: The bound, in seconds, on one wait of a test (a future's result, a queue's get): every
#: wait is bounded so that a bug fails instead of hanging.
TIMEOUT = 30
#: The bound, in seconds, on one stress scenario's child process: past it, a hang.
CHILD_TIMEOUT = 30 * SCALE * SLOWDOWN

#: This directory: the child processes of run_child import the ``children`` package from it.
TESTS_DIR = os.path.dirname(os.path.abspath(__file__))

#: True where a memoryview crosses zero-copy, as in 3.14.
SHARES_BUFFERS = STDLIB or bool(getattr(_backend.BACKEND, "shares_buffers", False))
NO_BUFFER_SHARING = (
    "CPython 3.12/3.13 backend: memoryview is not shared zero-copy by this package yet; "
    "it crosses as a read-only copy of its bytes"
)


def _interp_ids() -> set[int]:
    return {i.id for i in interpreters.list_all()}


@pytest.fixture
def interp():
    """A fresh interpreter, closed after the test if the test did not close it."""
    it = interpreters.create()
    yield it
    try:
        it.close()
    except interpreters.InterpreterNotFoundError:
        pass


@pytest.fixture
def thread_exceptions(monkeypatch):
    """The exceptions that escape threads during the test (``threading.excepthook``'s
    arguments), instead of their being printed."""
    caught = []
    monkeypatch.setattr(threading, "excepthook", caught.append)
    return caught


@pytest.fixture(autouse=True)
def no_leaked_interpreters():
    """Every test leaves the set of interpreters as it found it."""
    before = _interp_ids()
    yield
    gc.collect()
    leaked = _interp_ids() - before
    for interp_id in leaked:  # clean up, so one leak does not fail every later test
        try:
            interpreters.Interpreter(interp_id).close()
        except interpreters.InterpreterError:
            pass
    assert not leaked, f"test left interpreters alive: {sorted(leaked)}"


def _queue_ids() -> set[int]:
    try:
        return {q.id for q in _queues.list_all()}
    except _queues.ItemInterpreterDestroyed:
        # CPython 3.14's list_all() raises for a queue that defaults to UNBOUND_ERROR and
        # was made in another interpreter; such a test cannot be checked for leaks.
        return set()


@pytest.fixture(autouse=True)
def no_leaked_queues():
    """Every test leaves the set of queues as it found it (checked on this package's
    backends: CPython 3.14's executor leaves a results queue behind for each worker whose
    initializer failed)."""
    if STDLIB:
        yield
        return
    before = _queue_ids()
    yield
    gc.collect()
    leaked = _queue_ids() - before
    assert not leaked, f"test left queues alive: {sorted(leaked)}"


def read_back(interp, expr):
    """Evaluate *expr* in *interp*'s ``__main__`` and return its (literal) value here."""
    r, w = os.pipe()
    try:
        interp.exec(f"__import__('os').write({w}, repr({expr}).encode())")
        return ast.literal_eval(os.read(r, 1 << 16).decode())
    finally:
        os.close(r)
        os.close(w)


@contextlib.contextmanager
def running(interp):
    """Keep *interp* busy in an ``exec()`` on another thread for the length of the block."""
    r_started, w_started = os.pipe()
    r_release, w_release = os.pipe()
    errors = []

    def target():
        try:
            interp.exec(f"import os\nos.write({w_started}, b's')\nos.read({r_release}, 1)")
        except BaseException as exc:
            errors.append(exc)
            os.write(w_started, b"!")

    thread = threading.Thread(target=target)
    thread.start()
    try:
        assert os.read(r_started, 1) == b"s", errors
        yield
    finally:
        os.write(w_release, b"r")
        thread.join()
        for fd in (r_started, w_started, r_release, w_release):
            os.close(fd)
    assert not errors


def exec_in_thread(
    interp: interpreters.Interpreter, source: str, errors: list[BaseException]
) -> threading.Thread:
    """Run *source* (dedented) in *interp* from a new thread; what it raises goes to *errors*."""

    def target() -> None:
        try:
            interp.exec(textwrap.dedent(source))
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=target)
    t.start()
    return t


def run_python(
    script: str,
    *args: str,
    timeout: float = 60,
    cwd: str | None = None,
    check: bool = True,
    options: Sequence[str] = (),
    pythonpath: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """Run *script* in a fresh interpreter process (for crash, hang and exit regressions).

    The child sees this package the same way the tests do.  A crash shows up as a negative
    return code, a hang as ``subprocess.TimeoutExpired``.  *options* go to the interpreter
    (``["-X", "dev"]``); without them the child is not in development mode.  *pythonpath*
    goes before the child's ``PYTHONPATH``: on the path of every interpreter it starts.
    """
    env = child_env(pythonpath)
    proc = subprocess.run(
        [sys.executable, *options, "-c", textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"child exited with {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )
    return proc


def run_python_json(
    script: str, *args: object, timeout: float = 60, options: Sequence[str] = ()
) -> tuple[Any, subprocess.CompletedProcess[str]]:
    """Run *script* with :func:`run_python`; return its last stdout line, parsed, and the process.

    For scenarios whose child reports what it saw as one JSON line.  *args* reach the child's
    ``sys.argv`` as strings.
    """
    proc = run_python(script, *map(str, args), timeout=timeout, options=options)
    return json.loads(proc.stdout.splitlines()[-1]), proc


def child_env(pythonpath: Sequence[str] = ()) -> dict[str, str]:
    """The environment of a child process: this one's, without development mode, with
    *pythonpath* before its ``PYTHONPATH``."""
    env = dict(os.environ)
    env.pop("PYTHONDEVMODE", None)
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join([*pythonpath, *filter(None, [env.get("PYTHONPATH")])])
    return env


def child_script(program: Callable[..., object], *, report: bool = False) -> str:
    """The ``-c`` script that runs *program*, a function of the ``children`` package, with
    the arguments JSON-encoded in ``sys.argv[1]``; with *report*, it prints the result as
    one JSON line.  The child needs `TESTS_DIR` on its path (`run_child` puts it there)."""
    module, name = program.__module__, program.__qualname__
    assert module.startswith("children.") and "." not in name, f"not a child program: {program}"
    call = f"{name}(*json.loads(sys.argv[1]))"
    return f"import json, sys\nfrom {module} import {name}\n" + (
        f"print(json.dumps({call}))\n" if report else f"{call}\n"
    )


def run_child(
    program: Callable[..., object],
    *args: object,
    timeout: float = 60,
    check: bool = True,
    options: Sequence[str] = (),
    report: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run ``program(*args)`` in a fresh interpreter process, as :func:`run_python` runs a
    script (a crash is a negative return code, a hang ``subprocess.TimeoutExpired``).

    *program* is a function of the ``children`` package (tests/children/); *args* cross as
    JSON; with *report*, the child prints the result as its last line, in JSON.  The tests
    directory is on the path of every interpreter of the child, so that the functions the
    program sends to them (``children.tasks``) can be imported there.
    """
    return run_python(
        child_script(program, report=report),
        json.dumps(args),
        timeout=timeout,
        check=check,
        options=options,
        pythonpath=[TESTS_DIR],
    )


def run_child_json(
    program: Callable[..., object],
    *args: object,
    timeout: float = 60,
    options: Sequence[str] = (),
) -> tuple[Any, subprocess.CompletedProcess[str]]:
    """Run ``program(*args)`` with :func:`run_child`; return what it returned (it crosses as
    JSON: tuples become lists) and the process."""
    proc = run_child(program, *args, timeout=timeout, options=options, report=True)
    return json.loads(proc.stdout.splitlines()[-1]), proc


def run_script_file(
    tmp_path, source: str, *args: str, timeout: float = 60, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Write *source* to a file and run it as ``__main__`` (for tests of ``__main__`` functions)."""
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(source))
    proc = subprocess.run(
        [sys.executable, str(path), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=str(tmp_path),
        env=child_env(),
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"script exited with {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )
    return proc
