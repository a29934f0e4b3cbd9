"""``Interpreter.call`` and ``Interpreter.call_in_thread``: what can be called, what comes
back, what cannot be called, and failures in the target.

Callables that cannot travel as stateless functions are pickled by reference, so most of
them live in ``_xidefs`` and the target gets that directory on its ``sys.path`` first.
Round trips of argument and return *values* are in ``test_shareable.py``.
"""

import json
import os
import pickle
import re
import threading
from importlib.machinery import BuiltinImporter

import pytest

import interpreters_pep734 as interpreters
from _xidefs import (
    CustomError,
    Tally,
    closure_factory,
    current_id,
    dispatch,
    exec_in,
    full_signature,
    full_signature_with_defaults,
    get_global,
    ident,
    make_importable,
    module_name,
    noop,
    raises_custom,
    raises_value_error,
    returns_closure,
    returns_local_instance,
    returns_pickleable,
    returns_shareable,
    returns_stateless_func,
    set_global,
    stateless_kwonly,
)
from conftest import run_script_file

FRESH_MAIN_NAMES = ["__builtins__", "__doc__", "__loader__", "__name__", "__package__", "__spec__"]
NOT_XI_DATA = "does not support cross-interpreter data"


@pytest.fixture
def target(interp):
    """A fresh interpreter that can import ``_xidefs``."""
    return make_importable(interp)


# -- calling: what comes back -----------------------------------------------------------------


def test_call_builtin_returns_the_result(interp):
    assert interp.call(pow, 2, 10) == 1024
    assert interp.call(len, "spam") == 4
    assert interp.call(sorted, [3, 1, 2]) == [1, 2, 3]
    assert interp.call(divmod, 17, 5) == (3, 2)


def test_call_stateless_functions_returning_values(target):
    assert target.call(noop) is None
    assert target.call(returns_shareable) == (1, None)
    assert target.call(returns_pickleable) == [1, 2, 3]


def test_returned_stateless_lambda_is_an_equivalent_function(target):
    func = target.call(returns_stateless_func)
    assert callable(func)
    assert func.__name__ == "<lambda>"
    assert func.__qualname__ == "returns_stateless_func.<locals>.<lambda>"
    assert func(21) == 42


def test_returned_closure_is_not_shareable(target):
    with pytest.raises(interpreters.NotShareableError, match=NOT_XI_DATA):
        target.call(returns_closure)


def test_call_runs_in_the_target_interpreter(target):
    assert target.call(current_id) == target.id
    assert target.id != interpreters.get_current().id


# -- what can be called -----------------------------------------------------------------------


def test_module_function_using_its_globals(target):
    # Pickled by reference: it runs with its own module's globals in the target.
    assert target.call(module_name) == "_xidefs"


def test_static_and_class_methods(target):
    assert target.call(Tally.kind) == "tally"
    made = target.call(Tally.unlabelled)
    assert type(made) is Tally
    assert made == Tally(None)
    assert target.call(Tally.unlabelled, 7, "eight", 9.5) == Tally(None, 7, "eight", 9.5)


def test_class_is_called_to_make_an_instance(target):
    result = target.call(Tally, "made there", 3, 4)
    assert type(result) is Tally
    assert result == Tally("made there", 3, 4)
    assert result != Tally("made there", 3)


def test_callable_instance_and_bound_method(target):
    votes = Tally("votes", 2, 3)
    assert target.call(votes) == {"label": "votes", "args": (), "kwargs": {}}
    assert target.call(votes, 8, side="left") == {
        "label": "votes",
        "args": (8,),
        "kwargs": {"side": "left"},
    }
    assert target.call(votes.with_marks) == ["votes", (2, 3), {}]
    assert target.call(votes.with_marks, 5, 13, why="fib") == [
        "votes",
        (2, 3, 5, 13),
        {"why": "fib"},
    ]
    assert votes.marks == (2, 3)


def test_mixed_args_and_kwargs(target):
    assert target.call(dispatch, "echo", 2.5) == 2.5
    assert target.call(dispatch, "pack", "lone") == {"subject": "lone", "rest": [], "options": {}}
    assert target.call(dispatch, "pack", "first", "second", 3, mode="fast", depth=0) == {
        "subject": "first",
        "rest": ["second", 3],
        "options": {"mode": "fast", "depth": 0},
    }
    made = target.call(dispatch, "tally", "remote", 1, 1)
    assert type(made) is Tally
    assert made == Tally("remote", 1, 1)


def test_full_signature_passthrough(target):
    assert target.call(full_signature, 1, 2, 3, 4, "?", e=5, f=6, g=7, h=8) == (
        1, 2, 3, 4, ("?",), 5, 6, {"g": 7, "h": 8},
    )  # fmt: skip
    assert target.call(full_signature, 1, 2, c=3, d=4, e=5, f=6) == (1, 2, 3, 4, (), 5, 6, {})


def test_defaults_are_used(target):
    # Defaults make a function stateful, so it goes by pickle; the defaults still apply.
    assert target.call(full_signature_with_defaults) == (-1, -2, -3, -4, (), -5, -6, {})
    assert target.call(full_signature_with_defaults, g=8, h=9) == (
        -1, -2, -3, -4, (), -5, -6, {"g": 8, "h": 9},
    )  # fmt: skip
    assert target.call(full_signature_with_defaults, 1, 2, 3, 4, 5, f=0) == (
        1, 2, 3, 4, (5,), -5, 0, {},
    )  # fmt: skip


def test_positional_only_parameters_stay_positional_only(target):
    with pytest.raises(interpreters.ExecutionFailed) as info:
        target.call(full_signature, a=1, b=2, c=3, d=4, e=5, f=6)
    assert info.value.excinfo.type.__name__ == "TypeError"
    assert "positional" in info.value.excinfo.msg


def test_keyword_only_parameter_without_default(target):
    assert target.call(stateless_kwonly, key="k") == "k"


def test_nested_stateless_functions_work_though_unpicklable(interp):
    def double(x):
        return x * 2

    def star(*args, **kwargs):
        return (args, kwargs)

    square = lambda x: x * x  # noqa: E731

    for func in (double, star, square):
        with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
            pickle.dumps(func)
    assert interp.call(double, 21) == 42
    assert interp.call(square, 12) == 144
    assert interp.call(lambda: "spam") == "spam"
    assert interp.call(star, 1, 2, x=3) == ((1, 2), {"x": 3})
    assert interp.call(lambda *, b: b, b=1) == 1


# -- what cannot be called --------------------------------------------------------------------


def test_closure_is_not_shareable(interp):
    with pytest.raises(interpreters.NotShareableError) as info:
        interp.call(closure_factory(42))
    assert str(info.value) == "only stateless functions are shareable"

    value = 42

    def local_closure():
        return value

    with pytest.raises(interpreters.NotShareableError) as info:
        interp.call(local_closure)
    assert str(info.value) == "only stateless functions are shareable"


def test_closure_factory_result_is_not_shareable(interp):
    # The factory itself is stateless and runs; its return value (a closure) cannot come back.
    with pytest.raises(interpreters.NotShareableError, match=NOT_XI_DATA):
        interp.call(closure_factory, 42)


def test_returned_closure_from_a_pickled_function(target):
    with pytest.raises(interpreters.NotShareableError, match=NOT_XI_DATA):
        target.call(dispatch, "wrap", 0.25)


def test_nested_function_using_globals_is_not_shareable(interp):
    def uses_globals():
        return interpreters

    with pytest.raises(interpreters.NotShareableError) as info:
        interp.call(uses_globals)
    assert str(info.value) == "only stateless functions are shareable"


def test_nested_function_with_defaults_is_not_shareable(interp):
    def with_default(x=1):
        return x

    with pytest.raises(interpreters.NotShareableError) as info:
        interp.call(with_default)
    assert str(info.value) == "only stateless functions are shareable"


def test_local_class_and_instance_are_not_shareable(interp):
    class Local:
        def __call__(self):
            return 1

    with pytest.raises(interpreters.NotShareableError) as info:
        interp.call(Local)
    assert re.fullmatch(r"expected a function, got <class '.*\.Local'>", str(info.value))

    with pytest.raises(interpreters.NotShareableError) as info:
        interp.call(Local())
    assert re.fullmatch(
        r"expected a function, got <.*\.Local object at 0x[0-9a-f]+>", str(info.value)
    )


def test_returned_local_instance_is_not_shareable(interp):
    with pytest.raises(interpreters.NotShareableError, match=NOT_XI_DATA):
        interp.call(returns_local_instance)


def test_not_callable_is_a_type_error(interp):
    with pytest.raises(TypeError) as info:
        interp.call(10)
    assert type(info.value) is TypeError
    assert str(info.value) == "expected a callable, got 10"
    with pytest.raises(TypeError, match=r"^expected a callable, got 'spam'$"):
        interp.call("spam")


# -- builtins that need a frame run against the target's __main__ -----------------------------


def test_eval_and_exec(interp):
    assert interp.call(eval, "[1, 2, 3]") == [1, 2, 3]
    assert interp.call(eval, "sum([1, 2, 3])") == 6
    assert interp.call(exec, "...") is None
    assert interp.call(exec, "spam = 'eggs'") is None
    assert interp.call(eval, "spam") == "eggs"


@pytest.mark.parametrize("func", [globals, locals, vars])
def test_namespace_builtins_results_are_not_shareable(interp, func):
    with pytest.raises(interpreters.NotShareableError, match=NOT_XI_DATA):
        interp.call(func)


def test_dir_of_a_fresh_interpreter(interp):
    names = interp.call(dir)
    assert names == FRESH_MAIN_NAMES
    values = {name: interp.call(eval, name) for name in names if name != "__builtins__"}
    assert values == {
        "__name__": "__main__",
        "__doc__": None,
        "__spec__": None,
        "__package__": None,
        "__loader__": BuiltinImporter,
    }
    interp.call(exec, f"assert dir() == {names!r}, dir()")

    with pytest.raises(interpreters.ExecutionFailed) as info:
        interp.call(eval, "spam")
    assert info.value.excinfo.type.__name__ == "NameError"

    interp.prepare_main(spam=42)
    assert interp.call(dir) == [*FRESH_MAIN_NAMES, "spam"]
    assert interp.call(eval, "spam") == 42


# -- stateless functions see the target's __main__ --------------------------------------------


def test_stateless_function_globals_are_the_target_main(target):
    assert target.call(get_global, "__name__") == "__main__"
    assert target.call(get_global, "spam") is None
    target.exec("spam = True")
    assert target.call(get_global, "spam") is True
    target.call(set_global, "spam", 42)
    assert target.call(get_global, "spam") == 42
    target.exec("assert spam == 42, repr(spam)")
    target.prepare_main(eggs="from prepare_main")
    assert target.call(get_global, "eggs") == "from prepare_main"


def test_nested_stateless_function_sees_target_main(interp):
    interp.exec("answer = 42")
    assert interp.call(lambda: globals()["answer"]) == 42
    assert interp.call(lambda: globals()["__name__"]) == "__main__"


# -- arguments are copies ---------------------------------------------------------------------


def test_mutating_an_argument_remotely_does_not_change_the_callers(target):
    ns = {}
    result, remote_ns, remote_id = target.call(exec_in, "a = 7\nb = 2\nc = a ** b", ns)
    assert result is None
    assert ns == {}
    del remote_ns["__builtins__"]
    assert remote_ns == {"a": 7, "b": 2, "c": 49}
    assert remote_id != id(ns)
    assert remote_id != id(remote_ns)


def test_list_argument_is_a_copy(interp):
    items = [1, 2]

    def append_and_return(lst):
        lst.append(3)
        return lst

    result = interp.call(append_and_return, items)
    assert items == [1, 2]
    assert result == [1, 2, 3]
    assert result is not items


# -- failures in the target -------------------------------------------------------------------


def test_raising_callable_gives_execution_failed(target):
    with pytest.raises(interpreters.ExecutionFailed) as info:
        target.call(raises_value_error)
    exc = info.value
    assert isinstance(exc, interpreters.InterpreterError)
    assert exc.args == ("ValueError: boom",)
    excinfo = exc.excinfo
    assert sorted(vars(excinfo)) == ["errdisplay", "formatted", "msg", "type"]
    assert vars(excinfo.type) == {
        "__name__": "ValueError",
        "__qualname__": "ValueError",
        "__module__": "builtins",
    }
    assert excinfo.msg == "boom"
    assert excinfo.formatted == "ValueError: boom"
    assert excinfo.errdisplay.startswith("Traceback (most recent call last):\n")
    assert "in raises_value_error" in excinfo.errdisplay
    assert excinfo.errdisplay.endswith("\nValueError: boom")
    assert str(exc) == ("ValueError: boom\n\nUncaught in the interpreter:\n\n" + excinfo.errdisplay)


def test_exception_type_from_kwarg_is_preserved(target):
    # The action does not exist either: the exception passed in is raised before that matters.
    with pytest.raises(interpreters.ExecutionFailed) as info:
        target.call(dispatch, "no such action", fail_with=OverflowError("too many marks"))
    assert info.value.excinfo.type.__name__ == "OverflowError"
    assert info.value.excinfo.msg == "too many marks"


def test_custom_exception_names_its_module(target):
    with pytest.raises(interpreters.ExecutionFailed) as info:
        target.call(raises_custom, "bad")
    excinfo = info.value.excinfo
    assert vars(excinfo.type) == {
        "__name__": "CustomError",
        "__qualname__": "CustomError",
        "__module__": CustomError.__module__,
    }
    assert excinfo.msg == "bad"
    assert excinfo.formatted == "_xidefs.CustomError: bad"


def test_interpreter_is_usable_after_a_failed_call(target):
    with pytest.raises(interpreters.ExecutionFailed):
        target.call(raises_value_error)
    assert target.call(ident, "still here") == "still here"
    assert not target.is_running()


# -- __main__ functions (run as a script in a child process) ----------------------------------

HELPER_MODULE = """
import interpreters_pep734 as interpreters

def call_in(interp, func):
    return interp.call(func)

def call_in_fresh(func):
    interp = interpreters.create()
    try:
        return interp.call(func)
    finally:
        interp.close()
"""

MAIN_SCRIPT = """
import json
import sys

print("top-level code ran as", __name__, flush=True)

eggs = "eggs"
count = 0


def describe():
    eggs  # a global name: the function is stateful, so it travels by pickle
    ns = globals()
    return {"name": ns["__name__"], "file": ns.get("__file__"), "eggs": ns.get("eggs"),
            "ham": ns.get("ham"), "has_describe": "describe" in ns}


def describe_real_main():
    import __main__
    ns = vars(__main__)
    return {"name": ns["__name__"], "file": ns.get("__file__"), "eggs": ns.get("eggs"),
            "ham": ns.get("ham"), "has_describe": "describe" in ns}


def inc(by=1):
    global count
    count += by


def get_count():
    return count


def module_name():
    return __name__


if __name__ == "__main__":
    print("main block ran", flush=True)
    import interpreters_pep734 as interpreters
    import helper

    ham = "ham"
    interp = interpreters.create()
    results = {"local": describe()}
    results["remote"] = interp.call(describe)
    results["remote_real_main"] = interp.call(describe_real_main)
    counts = [interp.call(get_count)]
    interp.call(inc)
    counts.append(interp.call(get_count))
    interp.call(inc, 3)
    counts.append(interp.call(get_count))
    results["counts"] = counts
    results["local_count"] = count
    results["in_target_main"] = sorted(interp.call(dir))
    results["direct"] = interp.call(module_name)
    results["via_helper"] = helper.call_in(interp, module_name)
    results["via_helper_fresh"] = helper.call_in_fresh(module_name)

    main_ns = vars(sys.modules["__main__"])
    exec("def added():\\n    return __name__\\n", main_ns)
    try:
        interp.call(added)
    except interpreters.NotShareableError:
        results["added"] = "NotShareableError"
    liar = main_ns.pop("added")  # still claims __module__ == "__main__"
    try:
        interp.call(liar)
    except interpreters.NotShareableError:
        results["liar"] = "NotShareableError"
    interp.close()
    print("RESULT", json.dumps(results), flush=True)
"""


PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(interpreters.__file__)))


@pytest.fixture(scope="module")
def main_script_run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("mainfuncs")
    (tmp_path / "helper.py").write_text(HELPER_MODULE)
    # The script runs from its own directory: make the package importable there by an
    # absolute path (a relative PYTHONPATH such as "src" would not resolve).
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(
            "PYTHONPATH",
            os.pathsep.join(filter(None, [PACKAGE_ROOT, os.environ.get("PYTHONPATH")])),
        )
        proc = run_script_file(tmp_path, MAIN_SCRIPT)
    lines = proc.stdout.splitlines()
    assert lines[-1].startswith("RESULT "), proc.stdout
    return str(tmp_path / "script.py"), lines[:-1], json.loads(lines[-1][len("RESULT ") :])


def test_main_function_runs_in_a_hidden_fake_main(main_script_run):
    script, _, results = main_script_run
    assert results["local"] == {
        "name": "__main__", "file": script, "eggs": "eggs", "ham": "ham", "has_describe": True,
    }  # fmt: skip
    # The module-level code re-ran in the target under another name; the guarded block
    # did not, so ``ham`` is missing there.
    assert results["remote"] == {
        "name": "<fake __main__>", "file": script, "eggs": "eggs", "ham": None,
        "has_describe": True,
    }  # fmt: skip
    assert results["direct"] == "<fake __main__>"


def test_main_function_leaves_the_target_main_untouched(main_script_run):
    _, _, results = main_script_run
    assert results["remote_real_main"] == {
        "name": "__main__", "file": None, "eggs": None, "ham": None, "has_describe": False,
    }  # fmt: skip
    assert results["in_target_main"] == FRESH_MAIN_NAMES


def test_main_function_globals_persist_across_calls(main_script_run):
    _, _, results = main_script_run
    assert results["counts"] == [0, 1, 4]
    assert results["local_count"] == 0


def test_main_script_runs_once_per_target_and_guarded_block_never(main_script_run):
    _, lines, _ = main_script_run
    assert lines == [
        "top-level code ran as __main__",
        "main block ran",
        "top-level code ran as <fake __main__>",  # the script's interpreter, once for all calls
        "top-level code ran as <fake __main__>",  # the interpreter helper.call_in_fresh makes
    ]


def test_main_function_through_a_helper_module(main_script_run):
    _, _, results = main_script_run
    assert results["via_helper"] == "<fake __main__>"
    assert results["via_helper_fresh"] == "<fake __main__>"


def test_main_function_added_dynamically_is_not_shareable(main_script_run):
    _, _, results = main_script_run
    assert results["added"] == "NotShareableError"
    assert results["liar"] == "NotShareableError"


# -- call_in_thread ---------------------------------------------------------------------------


def test_call_in_thread_returns_a_started_non_daemon_thread(target, thread_exceptions):
    queue = interpreters.create_queue()

    def put(q, value):
        q.put(value)

    thread = target.call_in_thread(put, queue, 42)
    assert isinstance(thread, threading.Thread)
    assert thread.ident is not None  # already started
    assert thread.daemon is False
    thread.join()
    assert queue.get_nowait() == 42
    assert thread_exceptions == []


@pytest.mark.parametrize(
    ("func", "args", "kwargs"),
    [
        (noop, (), {}),
        (returns_shareable, (), {}),
        (returns_pickleable, (), {}),
        (Tally.kind, (), {}),
        (Tally.unlabelled, (7, 8), {}),
        (Tally("in a thread"), (0,), {"on": "thread"}),
        (Tally("bound", 1).with_marks, (2,), {"note": "from a thread"}),
        (dispatch, ("pack", "a", "b"), {"flag": True}),
        (dispatch, ("tally", "threaded", 0), {}),
        (module_name, (), {}),
        (current_id, (), {}),
        (pow, (2, 10), {}),
    ],
)
def test_call_in_thread_success_raises_nothing(target, thread_exceptions, func, args, kwargs):
    thread = target.call_in_thread(func, *args, **kwargs)
    thread.join()
    assert thread_exceptions == []


def test_call_in_thread_failure_goes_to_excepthook(target, thread_exceptions):
    thread = target.call_in_thread(raises_value_error)
    thread.join()
    [hook_args] = thread_exceptions
    assert hook_args.exc_type is interpreters.ExecutionFailed
    assert hook_args.exc_value.excinfo.type.__name__ == "ValueError"
    assert hook_args.exc_value.excinfo.msg == "boom"
    assert hook_args.thread is thread


@pytest.mark.parametrize(
    ("func", "args"),
    [(closure_factory, (42,)), (closure_factory(42), ())],
    ids=["returns-closure", "closure"],
)
def test_call_in_thread_not_shareable_goes_to_excepthook(target, thread_exceptions, func, args):
    thread = target.call_in_thread(func, *args)
    thread.join()
    [hook_args] = thread_exceptions
    assert hook_args.exc_type is interpreters.NotShareableError
    assert hook_args.thread is thread
