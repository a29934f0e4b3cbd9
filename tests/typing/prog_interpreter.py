"""A user's program with Interpreter: checked, not run (see README.md here)."""

import threading
import types
from typing import Literal, assert_type

import interpreters_pep734 as interpreters

type Whence = Literal[
    "unknown",
    "runtime init",
    "legacy C-API",
    "C-API",
    "cross-interpreter C-API",
    "_interpreters module",
]


def square(x: int) -> int:
    return x * x


def greet(name: str, *, punctuation: str = "!") -> str:
    return f"hello {name}{punctuation}"


def setup() -> None:
    pass


def main() -> None:
    interp = interpreters.create()
    assert_type(interp, interpreters.Interpreter)
    assert_type(interpreters.list_all(), list[interpreters.Interpreter])
    assert_type(interpreters.get_current(), interpreters.Interpreter)
    assert_type(interpreters.get_main(), interpreters.Interpreter)
    assert_type(interpreters.Interpreter(interp.id), interpreters.Interpreter)
    assert_type(interpreters.is_shareable(b"x"), bool)

    assert_type(interp.id, int)
    assert_type(interp.whence, Whence)
    assert_type(interp.is_running(), bool)

    # call(): the result has the callable's return type, and the arguments are checked.
    assert_type(interp.call(square, 3), int)
    assert_type(interp.call(greet, "you", punctuation="?"), str)
    assert_type(interp.call(len, "abc"), int)
    interp.call(square, "3")  # type: ignore[arg-type]
    interp.call(square)  # type: ignore[call-arg]
    interp.call(greet, "you", exclamation="?")  # type: ignore[call-arg]

    assert_type(interp.call_in_thread(square, 3), threading.Thread)
    interp.call_in_thread(square, "3")  # type: ignore[arg-type]

    # exec(): source text, a code object, or a function that takes no arguments.
    assert_type(interp.exec("x = 1"), None)
    assert_type(interp.exec(compile("x = 1", "<s>", "exec")), None)
    assert_type(interp.exec(setup), None)
    interp.exec(42)  # type: ignore[arg-type]
    interp.exec(square)  # type: ignore[arg-type]

    # prepare_main(): a dict of names, keywords, or both.
    interp.prepare_main({"a": 1, "b": "two"})
    interp.prepare_main(None, a=1)
    interp.prepare_main({"a": 1}, b=(2, 3))
    interp.prepare_main([("a", 1)])  # type: ignore[arg-type]

    try:
        interp.exec("raise ValueError")
    except interpreters.ExecutionFailed as exc:
        assert_type(exc.excinfo, types.SimpleNamespace)
        failed: interpreters.InterpreterError = exc
        del failed
    except interpreters.InterpreterNotFoundError as exc:
        base: interpreters.InterpreterError = exc
        del base

    interp.close()
