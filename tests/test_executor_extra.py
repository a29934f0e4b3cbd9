"""InterpreterPoolExecutor: sys.path in workers (cpython #126714) and a clear error for a
task whose module cannot be loaded in a subinterpreter."""

from __future__ import annotations

import importlib
import sys

import pytest

import interpreters_pep734 as interpreters
from conftest import STDLIB
from interpreters_pep734.futures import InterpreterPoolExecutor

TIMEOUT = 30


def _write_module(directory, name, body):
    (directory / f"{name}.py").write_text(body)
    importlib.invalidate_caches()


def _failure_text(exc):
    """Every message along the exception's cause chain, excinfo included."""
    parts = []
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        parts.append(f"{type(exc).__name__}: {exc}")
        excinfo = getattr(exc, "excinfo", None)
        if excinfo is not None:
            parts += [str(excinfo.msg), str(excinfo.formatted), str(excinfo.errdisplay)]
        exc = exc.__cause__ or exc.__context__
    return "\n".join(parts)


@pytest.mark.skipif(
    STDLIB,
    reason="CPython 3.14+: the stdlib executor's workers do not see sys.path changes "
    "(cpython #126714); this package hands out the stdlib's executor there",
)
def test_workers_see_sys_path_changes(tmp_path, monkeypatch):
    name = "pep734_extra_syspath_mod"
    _write_module(
        tmp_path,
        name,
        "import interpreters_pep734 as interpreters\n"
        "\n"
        "def double_where(x):\n"
        "    return interpreters.get_current().id, x * 2\n",
    )
    try:
        with InterpreterPoolExecutor(1) as pool:
            monkeypatch.syspath_prepend(str(tmp_path))  # sys.path.insert(0, ...) at run time
            mod = importlib.import_module(name)
            fut = pool.submit(mod.double_where, 21)
            worker_id, result = fut.result(timeout=TIMEOUT)
    finally:
        sys.modules.pop(name, None)
    assert result == 42
    assert worker_id != interpreters.get_current().id


def test_module_refusing_subinterpreters_is_named_in_the_failure(tmp_path, monkeypatch):
    name = "pep734_extra_refuser"
    _write_module(
        tmp_path,
        name,
        "import interpreters_pep734 as interpreters\n"
        "\n"
        "if interpreters.get_current().id != 0:\n"
        f"    raise ImportError('module {name} does not support loading in subinterpreters')\n"
        "\n"
        "def task():\n"
        "    # uses a module global: a function that uses none may be sent by value\n"
        "    return interpreters.get_current().id\n",
    )
    # Make the directory visible to the worker explicitly, so that the failure below is the
    # module's refusal and not a plain "No module named ..." on any version.
    path_setup = f"import sys\nsys.path.insert(0, {str(tmp_path)!r})\n"
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        mod = importlib.import_module(name)
        assert mod.task() == interpreters.get_current().id  # the main interpreter loads it
        with InterpreterPoolExecutor(1, initializer=exec, initargs=(path_setup, {})) as pool:
            fut = pool.submit(mod.task)
            with pytest.raises(Exception) as info:
                fut.result(timeout=TIMEOUT)
            # the worker is still usable after the failed transfer
            assert pool.submit(abs, -1).result(timeout=TIMEOUT) == 1
    finally:
        sys.modules.pop(name, None)
    text = _failure_text(info.value)
    assert name in text, text
    assert "does not support loading in subinterpreters" in text, text
