"""The same user program gives the same results on every version.

One ordinary program (create, prepare_main, exec, call, failures) runs as a script in a child
process; its whole stdout is compared with the text CPython 3.14 prints.
"""

import os

import pytest

import interpreters_pep734 as interpreters
from conftest import run_script_file

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(interpreters.__file__)))

PROGRAM = """\
import sys

import interpreters_pep734 as interpreters

sys.stdout.reconfigure(line_buffering=True)


class AppError(Exception):
    pass


def scale(values, factor=2, *, offset=0):
    return [v * factor + offset for v in values]


def check(order):
    if order["qty"] <= 0:
        raise AppError(f"bad quantity for {order['item']}: {order['qty']}")
    return {**order, "ok": True}


def main():
    interp = interpreters.create()
    print("created:", type(interp).__name__, interp.whence, interp.id > 0)
    print("listed:", [i.id for i in interpreters.list_all()] == [0, interp.id])
    print("running:", interp.is_running())

    interp.prepare_main(greeting="hello", count=3)
    interp.exec("print(greeting, 'from', __name__, count * 2, flush=True)")
    interp.exec("total = sum(range(10))")
    print("eval:", interp.call(eval, "total"))

    print("pow:", interp.call(pow, 2, 10))
    print("big pow:", interp.call(pow, 2, 100))
    print("sorted:", interp.call(sorted, ["b", "c", "a"], reverse=True))
    print("scale:", interp.call(scale, [1, 2, 3]), interp.call(scale, [1, 2], 10, offset=1))
    print("dict:", interp.call(dict, a=1, b=[2, 3]))
    print("set:", sorted(interp.call(set, "hello")))
    print("check:", interp.call(check, {"item": "tea", "qty": 2}))
    print("shareable:", [interpreters.is_shareable(v) for v in (1, "a", (1, b"b"), [1], {})])

    try:
        interp.exec("class BadInput(Exception): pass\\nraise BadInput('nope')")
    except interpreters.ExecutionFailed as exc:
        info = exc.excinfo
        print("exec failed:", exc.args)
        print("  type:", info.type.__name__, info.type.__qualname__, info.type.__module__)
        print("  msg:", repr(info.msg))
        print("  formatted:", info.formatted)
        print("  str:", str(exc).splitlines()[:3])
        print("  last line:", info.errdisplay.splitlines()[-1])
    try:
        interp.exec("{}['missing']")
    except interpreters.ExecutionFailed as exc:
        print("exec failed:", exc.excinfo.formatted, repr(exc.excinfo.msg))
    try:
        interp.call(check, {"item": "jam", "qty": 0})
    except interpreters.ExecutionFailed as exc:
        info = exc.excinfo
        print("call failed:", exc.args)
        print("  type:", info.type.__name__, info.type.__qualname__, info.type.__module__)
        print("  last line:", info.errdisplay.splitlines()[-1])
    try:
        interp.call(int, "ten")
    except interpreters.ExecutionFailed as exc:
        print("call failed:", exc.excinfo.formatted)
    try:
        interp.call(42)
    except TypeError as exc:
        print("not callable:", exc)
    secret = "x"
    try:
        interp.call(lambda: secret)
    except interpreters.NotShareableError as exc:
        print("closure:", type(exc).__name__, exc)
    print("still works:", interp.call(eval, "total + 1"))
    interp.close()
    print("closed:", [i.id for i in interpreters.list_all()])


if __name__ == "__main__":
    main()
"""

EXPECTED = """\
created: Interpreter _interpreters module True
listed: True
running: False
hello from __main__ 6
eval: 45
pow: 1024
big pow: 1267650600228229401496703205376
sorted: ['c', 'b', 'a']
scale: [2, 4, 6] [11, 21]
dict: {'a': 1, 'b': [2, 3]}
set: ['e', 'h', 'l', 'o']
check: {'item': 'tea', 'qty': 2, 'ok': True}
shareable: [True, True, True, False, False]
exec failed: ('BadInput: nope',)
  type: BadInput BadInput __main__
  msg: 'nope'
  formatted: BadInput: nope
  str: ['BadInput: nope', '', 'Uncaught in the interpreter:']
  last line: BadInput: nope
exec failed: KeyError: 'missing' "'missing'"
call failed: ('<fake __main__>.AppError: bad quantity for jam: 0',)
  type: AppError AppError <fake __main__>
  last line: <fake __main__>.AppError: bad quantity for jam: 0
call failed: ValueError: invalid literal for int() with base 10: 'ten'
not callable: expected a callable, got 42
closure: NotShareableError only stateless functions are shareable
still works: 46
closed: [0]
"""


@pytest.fixture(scope="module")
def program_run(tmp_path_factory):
    # The script runs from its own directory: make the package importable there by an
    # absolute path (a relative PYTHONPATH such as "src" would not resolve).
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(
            "PYTHONPATH",
            os.pathsep.join(filter(None, [PACKAGE_ROOT, os.environ.get("PYTHONPATH")])),
        )
        return run_script_file(tmp_path_factory.mktemp("program"), PROGRAM)


def test_program_output_is_exactly_the_3_14_output(program_run):
    assert program_run.stdout == EXPECTED


def test_program_writes_nothing_to_stderr(program_run):
    assert program_run.stderr == ""
    assert program_run.returncode == 0
