"""The exception classes: 3.14's hierarchy, and the low-level modules' own classes.

In CPython 3.14 ``InterpreterError``, ``InterpreterNotFoundError``, ``NotShareableError``,
``QueueError`` and ``QueueNotFoundError`` are the classes of ``_interpreters`` and
``_interpqueues``.  Code that catches the low-level class (CPython's own test helpers do)
must catch this package's exceptions too, wherever the running CPython has such a class.
"""

import importlib
import json
import queue as stdlib_queue

import pytest

import interpreters_pep734 as interpreters
from conftest import STDLIB, run_python
from interpreters_pep734 import _queues


def _low_level(module_name, class_name):
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(module, class_name, None)


#: (public class, low-level module, low-level class name) for every class 3.14 takes from
#: a low-level module.
NATIVE_PAIRS = [
    (interpreters.InterpreterError, "_interpreters", "InterpreterError"),
    (interpreters.InterpreterNotFoundError, "_interpreters", "InterpreterNotFoundError"),
    (interpreters.NotShareableError, "_interpreters", "NotShareableError"),
    (_queues.QueueError, "_interpqueues", "QueueError"),
    (_queues.QueueNotFoundError, "_interpqueues", "QueueNotFoundError"),
]


def test_hierarchy_is_3_14s():
    assert issubclass(interpreters.InterpreterError, Exception)
    assert issubclass(interpreters.InterpreterNotFoundError, interpreters.InterpreterError)
    assert issubclass(interpreters.ExecutionFailed, interpreters.InterpreterError)
    assert issubclass(interpreters.NotShareableError, TypeError)
    assert not issubclass(interpreters.NotShareableError, interpreters.InterpreterError)
    assert issubclass(_queues.QueueError, RuntimeError)
    assert issubclass(_queues.QueueNotFoundError, _queues.QueueError)
    for cls, base in [
        (_queues.QueueEmpty, stdlib_queue.Empty),
        (_queues.QueueFull, stdlib_queue.Full),
    ]:
        assert issubclass(cls, _queues.QueueError)
        assert issubclass(cls, base)
    assert issubclass(_queues.ItemInterpreterDestroyed, _queues.QueueError)
    assert not issubclass(_queues.QueueError, interpreters.InterpreterError)


@pytest.mark.parametrize(("cls", "module_name", "class_name"), NATIVE_PAIRS)
def test_each_class_is_or_derives_from_the_low_level_modules_own(cls, module_name, class_name):
    native = _low_level(module_name, class_name)
    if native is None:
        pytest.skip(f"this CPython's {module_name} (3.12: none) has no {class_name}")
    assert issubclass(cls, native)
    assert cls.__name__ == class_name


@pytest.mark.parametrize("cls", [_queues.QueueEmpty, _queues.QueueFull])
def test_queue_empty_and_full_derive_from_the_low_level_queue_error(cls):
    # _interpqueues' C code asserts this of the classes it is given (3.13 debug build).
    native = _low_level("_interpqueues", "QueueError")
    if native is None:
        pytest.skip("CPython 3.12 has no _interpqueues")
    assert issubclass(cls, native)


def test_low_level_except_clause_catches_not_found():
    native = _low_level("_interpreters", "InterpreterNotFoundError")
    if native is None:
        pytest.skip("CPython 3.12's _xxsubinterpreters has no InterpreterNotFoundError")
    interp = interpreters.create()
    interp.close()
    with pytest.raises(native) as info:
        interp.close()
    assert isinstance(info.value, interpreters.InterpreterNotFoundError)
    with pytest.raises(native):
        interpreters.Interpreter(2**40)


def test_low_level_except_clause_catches_queue_errors():
    native_error = _low_level("_interpqueues", "QueueError")
    native_not_found = _low_level("_interpqueues", "QueueNotFoundError")
    if native_error is None:
        pytest.skip("CPython 3.12 has no _interpqueues")
    q = interpreters.create_queue(maxsize=1)
    with pytest.raises(native_error) as info:
        q.get_nowait()
    assert type(info.value) is interpreters.QueueEmpty
    q.put_nowait(1)
    with pytest.raises(native_error) as info:
        q.put_nowait(2)
    assert type(info.value) is interpreters.QueueFull
    assert q.get_nowait() == 1
    with pytest.raises(native_not_found) as info:
        _queues.Queue(2**40)
    assert isinstance(info.value, _queues.QueueNotFoundError)


def test_low_level_except_clause_catches_not_shareable(interp):
    native = _low_level("_interpreters", "NotShareableError")
    if native is None:
        pytest.skip("CPython 3.12's _xxsubinterpreters has no NotShareableError")
    with pytest.raises(native) as info:
        interp.prepare_main(x=object())
    assert isinstance(info.value, interpreters.NotShareableError)
    assert isinstance(info.value, TypeError)


def test_execution_failed_is_caught_as_the_low_level_interpreter_error(interp):
    native = _low_level("_interpreters", "InterpreterError")
    if native is None:
        pytest.skip("CPython 3.12's _xxsubinterpreters has no InterpreterError")
    with pytest.raises(native) as info:
        interp.exec("raise KeyError('k')")
    assert type(info.value) is interpreters.ExecutionFailed
    assert info.value.excinfo.type.__name__ == "KeyError"


def test_public_modules_name_the_classes_as_3_14_does():
    prefix = "concurrent.interpreters" if STDLIB else "interpreters_pep734"
    for cls in (
        interpreters.InterpreterError,
        interpreters.InterpreterNotFoundError,
        interpreters.NotShareableError,
        interpreters.ExecutionFailed,
        _queues.QueueError,
        _queues.QueueNotFoundError,
    ):
        assert cls.__module__ == prefix, cls
    for cls in (_queues.QueueEmpty, _queues.QueueFull, _queues.ItemInterpreterDestroyed):
        assert cls.__module__ == f"{prefix}._queues", cls


def test_self_check_runs_clean():
    # 3.13's debug build aborted here when QueueEmpty did not derive from
    # _interpqueues.QueueError (an assertion in _register_heap_types).
    proc = run_python("import runpy; runpy.run_module('interpreters_pep734', run_name='__main__')")
    assert "result:     ok" in proc.stdout


# --- interpreters made or destroyed behind this package's back --------------------------


def test_interpreters_made_and_destroyed_through_the_low_level_module():
    proc = run_python("""
        import importlib, json
        import interpreters_pep734 as interpreters
        try:
            low = importlib.import_module("_interpreters")
        except ImportError:
            low = importlib.import_module("_xxsubinterpreters")
        ours = interpreters.create()
        kept = interpreters.create()
        handles = [low.create()]  # 3.12 destroys it with its last InterpreterID object
        foreign = int(handles[0])
        low.destroy(ours.id)  # one of ours, destroyed behind our back
        seen = [i.id for i in interpreters.list_all()]
        try:
            ours.close()
            outcome = "closed"
        except interpreters.InterpreterNotFoundError:
            outcome = "not found"
        handles.append(low.create())
        foreign2 = int(handles[1])
        print(json.dumps({
            "ids": [ours.id, kept.id, foreign, foreign2],
            "seen": seen,
            "after": [i.id for i in interpreters.list_all()],
            "close": outcome,
        }))
        # kept, foreign and foreign2 are left open for the exit hook
        """)

    report = json.loads(proc.stdout.splitlines()[-1])
    ours, kept, foreign, foreign2 = report["ids"]
    assert report["seen"] == [0, kept, foreign]
    assert report["close"] == "not found"
    assert report["after"] == [0, kept, foreign, foreign2]
    assert "Traceback" not in proc.stderr
    assert "Fatal" not in proc.stderr
