"""``Interpreter.exec()``: running code in another interpreter's ``__main__``, and how an
uncaught exception comes back as ``ExecutionFailed``."""

import json
import os
import threading

import pytest

import interpreters_pep734 as interpreters
from conftest import read_back, run_script_file, running

LOCATION = "the test module"


def failure_of(interp, code):
    """The ExecutionFailed that running *code* in *interp* raises."""
    with pytest.raises(interpreters.ExecutionFailed) as excinfo:
        interp.exec(code)
    return excinfo.value


# Functions handed to exec(): only their code is used, run against the target's __main__.


def copy_location():
    global copied
    copied = LOCATION


def make_closure():
    value = 1

    def closure():
        print(value)

    return closure


def takes_an_arg(arg):
    pass


def takes_a_default(arg=1):
    pass


def returns_a_value():
    return 1


def generator():
    yield


async def coroutine():
    pass


def raises_from_a_function():
    raise ValueError("from a function")


# --- running code ----------------------------------------------------------------------


def test_output_goes_to_the_process_stdout(interp, capfd):
    assert interp.exec('print("it worked!", end="", flush=True)') is None
    assert capfd.readouterr().out == "it worked!"


def test_runs_in_the_targets_main_and_state_persists(interp):
    interp.exec("spam = 1")
    interp.exec("spam += 1\nname = __name__")
    assert read_back(interp, "(spam, name)") == (2, "__main__")
    assert "spam" not in globals()


def test_runs_in_the_target_not_here(interp):
    interp.exec("import json\njson.set_in_subinterpreter = True")
    assert not hasattr(json, "set_in_subinterpreter")
    assert read_back(interp, "json.set_in_subinterpreter") is True


def test_indented_script_in_if_true_form(interp):
    interp.exec("""if True:
        spam = [1, 2]
        spam.append(3)
        """)
    assert read_back(interp, "spam") == [1, 2, 3]


def test_bytes_source(interp):
    interp.exec(b"spam = 'from bytes'")
    assert read_back(interp, "spam") == "from bytes"


def test_code_object(interp):
    interp.exec(compile("spam = 'from code'", "<test>", "exec"))
    assert read_back(interp, "spam") == "from code"


def test_function_runs_with_the_targets_main_as_globals(interp):
    interp.exec("LOCATION = 'the target __main__'")
    assert interp.exec(copy_location) is None
    assert read_back(interp, "copied") == "the target __main__"
    assert "copied" not in globals()


def test_list_comprehension(interp):
    # gh-135450: a comprehension in exec'd code used to trip an assertion.
    interp.exec("comp = [str(i) for i in range(10)]")
    assert read_back(interp, "''.join(comp)") == "0123456789"


def test_exec_from_another_thread(interp):
    errors = []

    def target():
        try:
            interp.exec("spam = 'from a thread'")
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    assert errors == []
    assert read_back(interp, "spam") == "from a thread"


def test_background_threads_keep_running_between_execs(interp):
    r_release, w_release = os.pipe()
    r_out, w_out = os.pipe()
    try:
        interp.exec(
            "import os, threading\n"
            "def task():\n"
            f"    assert os.read({r_release}, 1) == b'D'\n"
            f"    os.write({w_out}, b'F')\n"
            "t = threading.Thread(target=task)\n"
            "t.start()\n"
            f"os.write({w_out}, b'1')\n"
        )
        interp.exec(f"os.write({w_out}, b'2')")
        os.write(w_release, b"D")
        interp.exec("t.join()")
        assert os.read(r_out, 3) == b"12F"
    finally:
        for fd in (r_release, w_release, r_out, w_out):
            os.close(fd)


def test_fork_is_refused_inside(interp):
    interp.exec(
        "import os\ntry:\n    os.fork()\nexcept RuntimeError as exc:\n    error = str(exc)\n"
    )
    assert read_back(interp, "error") == "fork not supported for isolated subinterpreters"


# --- what exec() refuses ---------------------------------------------------------------


@pytest.mark.parametrize("script", [10, None, print, ["spam = 1"]])
def test_unsupported_script_type_raises_type_error(interp, script):
    with pytest.raises(TypeError, match=r"^unsupported script "):
        interp.exec(script)


def test_unsupported_script_message_shows_the_object(interp):
    with pytest.raises(TypeError, match=r"^unsupported script 10$"):
        interp.exec(10)


def test_there_is_no_dedent_parameter(interp):
    with pytest.raises(TypeError):
        interp.exec("pass", dedent=True)


def test_syntax_error_is_raised_here_not_as_execution_failed(interp):
    # The text is compiled in the calling interpreter, under the name "<script>".
    with pytest.raises(SyntaxError) as excinfo:
        interp.exec("spam = 1\n1 +")
    assert type(excinfo.value) is SyntaxError
    assert excinfo.value.filename == "<script>"
    assert excinfo.value.lineno == 2
    assert read_back(interp, "'spam' in globals()") is False


def test_indented_text_is_not_dedented(interp):
    with pytest.raises(IndentationError) as excinfo:
        interp.exec("    spam = 1\n    eggs = 2\n")
    assert excinfo.value.filename == "<script>"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (takes_an_arg, "code with args not supported"),
        (takes_a_default, "code with args not supported"),
        (takes_an_arg.__code__, "code with args not supported"),
        (make_closure(), "closures not supported"),
        (returns_a_value, "code that returns a value is not a script"),
        (generator, "code that returns a value is not a script"),
        (coroutine, "code that returns a value is not a script"),
    ],
    ids=["arg", "default", "code-with-arg", "closure", "returns", "generator", "coroutine"],
)
def test_functions_that_are_not_scripts_raise_value_error(interp, code, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        interp.exec(code)


def test_running_interpreter_refuses_a_second_exec(interp):
    with running(interp):
        with pytest.raises(interpreters.InterpreterError, match=r"^interpreter already running$"):
            interp.exec("spam = 1")
    assert read_back(interp, "'spam' in globals()") is False


def test_main_interpreter_is_refused():
    main = interpreters.get_main()
    message = r"^cannot exec code for unrecognized interpreter 0$"
    with pytest.raises(interpreters.InterpreterError, match=message):
        main.exec("raise Exception('must not run')")


def test_closed_interpreter_raises_not_found():
    interp = interpreters.create()
    interp.close()
    with pytest.raises(interpreters.InterpreterNotFoundError):
        interp.exec("pass")


# --- ExecutionFailed -------------------------------------------------------------------


def test_uncaught_exception_raises_execution_failed(interp):
    exc = failure_of(interp, "raise Exception")
    assert isinstance(exc, interpreters.InterpreterError)
    assert set(vars(exc.excinfo)) == {"type", "msg", "formatted", "errdisplay"}
    assert vars(exc.excinfo.type) == {
        "__name__": "Exception",
        "__qualname__": "Exception",
        "__module__": "builtins",
    }
    assert exc.excinfo.msg == ""
    assert exc.excinfo.formatted == "Exception: "


def test_execution_failed_message_carries_the_remote_traceback(interp):
    exc = failure_of(interp, "spam = 1\nraise ValueError('boom')")
    errdisplay = 'Traceback (most recent call last):\n  File "<script>", line 2, in <module>\n'
    errdisplay += "ValueError: boom"
    assert exc.excinfo.msg == "boom"
    assert exc.excinfo.formatted == "ValueError: boom"
    assert exc.excinfo.errdisplay == errdisplay
    assert exc.args == ("ValueError: boom",)
    assert str(exc) == f"ValueError: boom\n\nUncaught in the interpreter:\n\n{errdisplay}"
    # What ran before the raise stays done, and the interpreter is still usable.
    assert read_back(interp, "spam") == 1


@pytest.mark.parametrize(
    ("script", "type_names", "formatted"),
    [
        (
            "class Error(Exception): pass\nraise Error('x')",
            ("Error", "Error", "__main__"),
            "Error: x",
        ),
        (
            "class Outer:\n    class Inner(Exception): pass\nraise Outer.Inner('x')",
            ("Inner", "Outer.Inner", "__main__"),
            "Outer.Inner: x",
        ),
        (
            "import json\njson.loads('[')",
            ("JSONDecodeError", "JSONDecodeError", "json.decoder"),
            "json.decoder.JSONDecodeError: Expecting value: line 1 column 2 (char 1)",
        ),
    ],
    ids=["main-class", "nested-class", "module-class"],
)
def test_excinfo_names_the_exception_type(interp, script, type_names, formatted):
    exc = failure_of(interp, script)
    excinfo_type = exc.excinfo.type
    assert (excinfo_type.__name__, excinfo_type.__qualname__, excinfo_type.__module__) == type_names
    assert exc.excinfo.formatted == formatted
    assert exc.excinfo.errdisplay.endswith("\n" + formatted)


def test_chained_exceptions_show_in_the_remote_traceback(interp):
    exc = failure_of(
        interp,
        "try:\n    1 / 0\nexcept ZeroDivisionError as exc:\n    raise KeyError('k') from exc",
    )
    assert exc.excinfo.formatted == "KeyError: 'k'"
    assert "ZeroDivisionError: division by zero" in exc.excinfo.errdisplay
    assert "The above exception was the direct cause" in exc.excinfo.errdisplay


@pytest.mark.parametrize(
    ("script", "formatted"),
    [("raise SystemExit(3)", "SystemExit: 3"), ("raise KeyboardInterrupt", "KeyboardInterrupt: ")],
)
def test_base_exceptions_come_back_as_execution_failed(interp, script, formatted):
    exc = failure_of(interp, script)
    assert exc.excinfo.formatted == formatted
    interp.exec("still_alive = True")


def test_function_failure_traceback_points_at_its_source(interp):
    exc = failure_of(interp, raises_from_a_function)
    line = raises_from_a_function.__code__.co_firstlineno + 1
    assert exc.excinfo.formatted == "ValueError: from a function"
    assert f'File "{__file__}", line {line}, in raises_from_a_function' in exc.excinfo.errdisplay
    assert 'raise ValueError("from a function")' in exc.excinfo.errdisplay


def test_uncaught_execution_failed_display(tmp_path):
    (tmp_path / "spam.py").write_text(
        "def ham():\n    raise RuntimeError('uh-oh!')\n\n\ndef eggs():\n    ham()\n"
    )
    package_parent = os.path.dirname(os.path.dirname(interpreters.__file__))
    source = f"""\
        import os
        import sys
        import traceback

        os.environ["PYTHON_COLORS"] = "0"
        sys.path.insert(0, {package_parent!r})  # the child runs in tmp_path: find the package

        import interpreters_pep734 as interpreters


        def script():
            import sys
            sys.path.insert(0, {str(tmp_path)!r})
            import spam
            spam.eggs()


        # What this Python prints for the same failure, without this frame: the reference.
        try:
            script()
        except RuntimeError as exc:
            local = exc.with_traceback(exc.__traceback__.tb_next)
            print("".join(traceback.format_exception(local)), end="", flush=True)

        interp = interpreters.create()
        try:
            interp.exec(script)
        finally:
            interp.close()
        """
    proc = run_script_file(tmp_path, source, check=False)
    assert proc.returncode == 1, proc.stderr
    remote = proc.stdout.rstrip("\n")
    assert f'File "{tmp_path / "spam.py"}", line 2, in ham' in remote
    assert remote.endswith("\nRuntimeError: uh-oh!")

    exec_line = source.splitlines().index("            interp.exec(script)") + 1
    script_path = tmp_path / "script.py"
    head = f'Traceback (most recent call last):\n  File "{script_path}", line {exec_line}'
    head += ", in <module>\n    interp.exec(script)\n"
    failed = f"{interpreters.ExecutionFailed.__module__}.ExecutionFailed"
    tail = f"{failed}: RuntimeError: uh-oh!\n\nUncaught in the interpreter:\n\n{remote}\n"
    assert proc.stderr.startswith(head), proc.stderr
    assert proc.stderr.endswith(tail), proc.stderr
    assert "During handling" not in proc.stderr
