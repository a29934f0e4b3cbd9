"""Interpreter lifecycle: create, list_all, get_current, get_main, the Interpreter object,
is_running and close, as CPython 3.14's ``concurrent.interpreters`` behaves."""

import gc
import os
import pickle
import threading

import pytest

import interpreters_pep734 as interpreters
from conftest import STDLIB, read_back, run_python, running

WHENCE_RUNTIME = "runtime init"
WHENCE_STDLIB = "_interpreters module"


def live_ids():
    return [i.id for i in interpreters.list_all()]


def run_in_thread(func):
    """Run *func* in a new thread; return what it returned or raised."""
    outcome = {}

    def target():
        try:
            outcome["result"] = func()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    return outcome


# --- module functions ------------------------------------------------------------------


def test_create_returns_an_interpreter_that_list_all_shows():
    interp = interpreters.create()
    try:
        assert isinstance(interp, interpreters.Interpreter)
        assert interp in interpreters.list_all()
        assert interp.id != interpreters.get_main().id
    finally:
        interp.close()


def test_create_from_another_thread_outlives_the_thread():
    outcome = run_in_thread(interpreters.create)
    interp = outcome["result"]
    try:
        assert interp in interpreters.list_all()
        interp.exec("pass")  # still usable from this thread
    finally:
        interp.close()


def test_create_inside_a_subinterpreter_is_listed_in_creation_order():
    before = interpreters.list_all()
    interp = interpreters.create()
    interp.exec("import interpreters_pep734 as interpreters\nchild = interpreters.create()")
    child_id = read_back(interp, "child.id")
    child = interpreters.Interpreter(child_id)
    try:
        assert child.whence == WHENCE_STDLIB
        assert interpreters.list_all() == [*before, interp, child]
    finally:
        child.close()
        interp.close()


def test_interpreter_created_in_a_subinterpreter_dies_with_its_creator():
    # Only the creator's object owns a reference; closing the creator drops it.
    creator = interpreters.create()
    creator.exec("import interpreters_pep734 as interpreters\nchild = interpreters.create()")
    child_id = read_back(creator, "child.id")
    assert child_id in live_ids()
    creator.close()
    gc.collect()
    assert child_id not in live_ids()


def test_list_all_after_closing_every_created_interpreter():
    before = set(interpreters.list_all())
    for interp in [interpreters.create() for _ in range(3)]:
        interp.close()
    new = interpreters.create()
    try:
        assert set(interpreters.list_all()) == before | {new}
    finally:
        new.close()


def test_list_all_after_closing_some_created_interpreters():
    before = set(interpreters.list_all())
    first, second, third = (interpreters.create() for _ in range(3))
    first.close()
    second.close()
    new = interpreters.create()
    try:
        assert set(interpreters.list_all()) == before | {third, new}
    finally:
        third.close()
        new.close()


@pytest.mark.parametrize("repeat", range(5))
def test_list_all_while_the_collector_destroys_an_interpreter(repeat):
    # The only Interpreter object of a created interpreter sits in a reference cycle; the
    # collector frees it (and so destroys the interpreter) while list_all() runs.  3.14.10
    # leaves it out of the list; it must not raise InterpreterNotFoundError.
    interp = interpreters.create()
    interp_id = interp.id
    cycle = [interp]
    cycle.append(cycle)
    old_threshold = gc.get_threshold()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        del interp, cycle
        gc.set_threshold(1)
        gc.enable()
        listed = live_ids()
    finally:
        gc.set_threshold(*old_threshold)
        if not was_enabled:
            gc.disable()
    gc.collect()
    assert interp_id not in live_ids()
    # Whether the collection happened inside list_all() depends on the collector (3.14's
    # incremental one may run it later, and then the interpreter is rightly listed); what
    # holds either way is that the call returned and listed only interpreters, main first.
    assert listed[0] == 0
    assert set(listed) <= set(live_ids()) | {interp_id}


def test_list_all_is_in_id_order_and_hands_out_the_cached_objects():
    before = interpreters.list_all()
    first = interpreters.create()
    second = interpreters.create()
    try:
        listed = interpreters.list_all()
        assert [i.id for i in listed] == [i.id for i in before] + [first.id, second.id]
        for got, expected in zip(listed, [*before, first, second], strict=True):
            assert got is expected
        first.close()
        assert live_ids() == [i.id for i in before] + [second.id]
    finally:
        second.close()


def test_get_main_is_id_0_and_the_current_interpreter_here():
    main = interpreters.get_main()
    assert main.id == 0
    assert main is interpreters.get_current()
    assert main is interpreters.get_main()
    assert interpreters.get_current() is interpreters.get_current()


def test_get_current_in_a_thread_of_the_main_interpreter_is_main():
    outcome = run_in_thread(interpreters.get_current)
    assert outcome["result"] is interpreters.get_main()


def test_get_current_inside_a_subinterpreter(interp):
    interp.exec(
        "import interpreters_pep734 as interpreters\n"
        "cur = interpreters.get_current()\n"
        "main = interpreters.get_main()\n"
    )
    assert read_back(interp, "cur.id") == interp.id
    assert read_back(interp, "cur.whence") == WHENCE_STDLIB
    assert read_back(interp, "cur is interpreters.get_current()") is True
    assert read_back(interp, "cur is interpreters.Interpreter(cur.id)") is True
    assert read_back(interp, "(main.id, main.whence)") == (0, WHENCE_RUNTIME)
    assert (
        read_back(interp, "main is interpreters.get_main() is interpreters.Interpreter(0)") is True
    )
    assert read_back(interp, "[i.id for i in interpreters.list_all()]") == live_ids()
    # The cache is per interpreter: the subinterpreter's object for itself is not ours.
    # Both objects are alive at once, so distinct addresses mean distinct objects.
    assert read_back(interp, "id(cur)") != id(interp)


def test_a_fresh_process_has_only_the_main_interpreter():
    proc = run_python("""
        import interpreters_pep734 as interpreters
        interps = interpreters.list_all()
        print(len(interps), interps[0].id, interps[0] is interpreters.get_main())
        """)
    assert proc.stdout.split() == ["1", "0", "True"]


def test_whence_names_who_created_the_interpreter(interp):
    assert interpreters.get_main().whence == WHENCE_RUNTIME
    assert interp.whence == WHENCE_STDLIB


# --- the Interpreter object ------------------------------------------------------------


def test_constructor_returns_the_cached_object(interp):
    main = interpreters.get_main()
    assert interpreters.Interpreter(main.id) is main
    assert interpreters.Interpreter(interp.id) is interp
    assert interpreters.Interpreter(interp.id).id == interp.id


@pytest.mark.parametrize("bad_id", ["0", 0.0, object(), None, ""])
def test_constructor_rejects_ids_that_are_not_ints(bad_id):
    with pytest.raises(TypeError, match=r"^id must be an int, got "):
        interpreters.Interpreter(bad_id)


def test_constructor_accepts_bool_because_it_is_an_int():
    assert interpreters.Interpreter(False) is interpreters.get_main()


def test_constructor_rejects_unknown_and_negative_ids():
    with pytest.raises(interpreters.InterpreterNotFoundError) as excinfo:
        interpreters.Interpreter(1_000_000)
    assert str(excinfo.value) == "unrecognized interpreter ID 1000000"
    assert isinstance(excinfo.value, interpreters.InterpreterError)
    with pytest.raises(ValueError, match=r"^interpreter ID must be a non-negative int, got -1$"):
        interpreters.Interpreter(-1)


def test_id_is_a_read_only_int(interp):
    for obj in (interpreters.get_main(), interpreters.get_current(), interp):
        assert type(obj.id) is int
    with pytest.raises(AttributeError):
        interp.id = 1_000_000
    assert interp.id != 1_000_000


@pytest.mark.parametrize("value", [None, "unknown", WHENCE_RUNTIME, WHENCE_STDLIB, "C-API"])
def test_whence_is_read_only(interp, value):
    for obj in (interpreters.get_main(), interp):
        with pytest.raises(AttributeError):
            obj.whence = value
    assert interp.whence == WHENCE_STDLIB


def test_hash_is_the_id_hash_and_equality_is_identity(interp):
    other = interpreters.create()
    try:
        assert hash(interp) == hash(interp.id)
        assert interp == interpreters.Interpreter(interp.id)
        assert interp != other
        assert interp != interp.id
        assert len({interp, other, interpreters.Interpreter(interp.id)}) == 2
    finally:
        other.close()


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_round_trip_gives_back_the_same_object(interp, protocol):
    for obj in (interp, interpreters.get_main()):
        unpickled = pickle.loads(pickle.dumps(obj, protocol))
        assert unpickled == obj
        assert unpickled is obj


def test_unpickling_in_another_interpreter_gives_that_interpreters_object(interp):
    other = interpreters.create()
    try:
        interp.prepare_main(data=pickle.dumps(other))
        interp.exec("import pickle\nobj = pickle.loads(data)")
        assert read_back(interp, "(obj.id, obj.whence)") == (other.id, WHENCE_STDLIB)
    finally:
        other.close()


def test_unpickling_a_closed_interpreter_raises_not_found():
    interp = interpreters.create()
    data = pickle.dumps(interp)
    interp.close()
    del interp
    gc.collect()
    with pytest.raises(interpreters.InterpreterNotFoundError):
        pickle.loads(data)


def test_repr_names_the_class_and_id(interp):
    assert repr(interpreters.get_main()) == "Interpreter(0)"
    assert repr(interp) == f"Interpreter({interp.id})"
    assert str(interp) == repr(interp)


def test_dropping_the_last_object_destroys_a_created_interpreter():
    interp = interpreters.create()
    interp_id = interp.id
    assert interp_id in live_ids()
    del interp
    gc.collect()
    assert interp_id not in live_ids()


def test_an_object_in_another_interpreter_keeps_it_alive(interp):
    target = interpreters.create()
    target_id = target.id
    interp.exec(
        f"import interpreters_pep734 as interpreters\nheld = interpreters.Interpreter({target_id})"
    )
    del target
    gc.collect()
    assert target_id in live_ids()
    interp.exec("del held\nimport gc\ngc.collect()")
    assert target_id not in live_ids()


def test_dropping_an_object_after_close_is_quiet():
    # A failing __del__ would surface as PytestUnraisableExceptionWarning (an error here).
    interp = interpreters.create()
    interp.close()
    del interp
    gc.collect()


# --- is_running ------------------------------------------------------------------------


def test_main_interpreter_is_running():
    assert interpreters.get_main().is_running() is True


def test_is_running_only_while_exec_is_in_progress(interp):
    assert interp.is_running() is False
    with running(interp):
        assert interp.is_running() is True
    assert interp.is_running() is False
    interp.exec("x = 1")
    assert interp.is_running() is False


def test_is_running_seen_from_inside(interp):
    interp.exec(
        "import interpreters_pep734 as interpreters\n"
        "inside = interpreters.get_current().is_running()\n"
        "main_running = interpreters.get_main().is_running()\n"
    )
    assert read_back(interp, "(inside, main_running)") == (True, True)


def test_background_threads_alone_do_not_count_as_running(interp):
    r_release, w_release = os.pipe()
    r_done, w_done = os.pipe()
    try:
        interp.exec(
            "import os, threading\n"
            "def task():\n"
            f"    assert os.read({r_release}, 1) == b'g'\n"
            f"    os.write({w_done}, b'F')\n"
            "t = threading.Thread(target=task)\n"
            "t.start()\n"
        )
        assert interp.is_running() is False
        os.write(w_release, b"g")
        interp.exec("t.join()")
        assert os.read(r_done, 1) == b"F"
    finally:
        for fd in (r_release, w_release, r_done, w_done):
            os.close(fd)


def test_is_running_on_a_closed_interpreter_raises_not_found():
    interp = interpreters.create()
    interp.close()
    with pytest.raises(interpreters.InterpreterNotFoundError):
        interp.is_running()


# --- close -----------------------------------------------------------------------------


def test_close_removes_exactly_that_interpreter():
    before = set(interpreters.list_all())
    first, second, third = (interpreters.create() for _ in range(3))
    try:
        assert set(interpreters.list_all()) == before | {first, second, third}
        assert second.close() is None
        assert set(interpreters.list_all()) == before | {first, third}
    finally:
        first.close()
        third.close()


def test_closing_every_created_interpreter_restores_list_all():
    before = set(interpreters.list_all())
    created = {interpreters.create() for _ in range(3)}
    assert set(interpreters.list_all()) == before | created
    for interp in created:
        interp.close()
    assert set(interpreters.list_all()) == before


def test_closing_the_main_interpreter_is_refused():
    main = interpreters.get_main()
    # The "not created by this module" check comes first, so it wins over "current"/"running".
    message = r"^cannot destroy unrecognized interpreter 0$"
    with pytest.raises(interpreters.InterpreterError, match=message):
        main.close()
    outcome = run_in_thread(main.close)
    assert type(outcome["error"]) is interpreters.InterpreterError
    assert str(outcome["error"]) == "cannot destroy unrecognized interpreter 0"
    assert 0 in live_ids()


def test_closing_twice_raises_not_found():
    interp = interpreters.create()
    interp.close()
    with pytest.raises(interpreters.InterpreterNotFoundError) as excinfo:
        interp.close()
    assert str(excinfo.value) == f"unrecognized interpreter ID {interp.id}"


def test_an_interpreter_cannot_close_itself(interp):
    interp.exec(
        "import interpreters_pep734 as interpreters\n"
        "try:\n"
        "    interpreters.get_current().close()\n"
        "except interpreters.InterpreterError as exc:\n"
        "    outcome = (type(exc).__name__, str(exc))\n"
    )
    assert read_back(interp, "outcome") == (
        "InterpreterError",
        "cannot destroy the current interpreter",
    )
    assert interp in interpreters.list_all()


def test_a_subinterpreter_can_close_a_sibling_and_its_own_creations(interp):
    before = set(interpreters.list_all())
    sibling = interpreters.create()
    interp.exec(
        "import interpreters_pep734 as interpreters\n"
        f"interpreters.Interpreter({sibling.id}).close()\n"
        "third = interpreters.create()\n"
        "third.close()\n"
    )
    assert set(interpreters.list_all()) == before
    with pytest.raises(interpreters.InterpreterNotFoundError):
        sibling.close()


def test_close_from_another_thread():
    interp = interpreters.create()
    outcome = run_in_thread(interp.close)
    assert outcome == {"result": None}
    assert interp not in interpreters.list_all()


def test_closing_a_running_interpreter_is_refused(interp):
    with running(interp):
        with pytest.raises(interpreters.InterpreterError, match=r"^interpreter running$"):
            interp.close()
        assert interp.is_running() is True
    assert interp in interpreters.list_all()


def test_close_waits_for_non_daemon_threads():
    r_done, w_done = os.pipe()
    interp = interpreters.create()
    try:
        interp.exec(
            "import os, threading, time\n"
            "def task():\n"
            "    time.sleep(0.2)\n"
            f"    os.write({w_done}, b'F')\n"
            "threading.Thread(target=task).start()\n"
        )
        interp.close()
        os.set_blocking(r_done, False)
        assert os.read(r_done, 1) == b"F"  # already written, not still pending
    finally:
        os.close(r_done)
        os.close(w_done)


def test_close_runs_threading_atexit_hooks_that_join_threads():
    r_done, w_done = os.pipe()
    interp = interpreters.create()
    try:
        interp.exec(
            "import os, threading, time\n"
            "stop = False\n"
            "def at_exit():\n"
            "    global stop\n"
            "    stop = True\n"
            "    t.join()\n"
            "threading._register_atexit(at_exit)\n"
            "def task():\n"
            "    while not stop:\n"
            "        time.sleep(0.01)\n"
            f"    os.write({w_done}, b'F')\n"
            "t = threading.Thread(target=task)\n"
            "t.start()\n"
        )
        interp.close()
        assert os.read(r_done, 1) == b"F"
    finally:
        os.close(r_done)
        os.close(w_done)


def test_a_closed_interpreter_refuses_further_use():
    interp = interpreters.create()
    interp.close()
    for operation in (
        lambda: interp.exec("pass"),
        lambda: interp.prepare_main(spam=1),
        lambda: interp.call(len, ()),
        interp.is_running,
        interp.close,
    ):
        with pytest.raises(interpreters.InterpreterNotFoundError):
            operation()
    assert interp not in interpreters.list_all()
    assert repr(interp) == f"Interpreter({interp.id})"


def test_process_exits_cleanly_with_interpreters_left_open():
    proc = run_python("""
        import interpreters_pep734 as interpreters
        kept = [interpreters.create() for _ in range(2)]
        kept[0].exec("x = [1, 2, 3]")
        print("done")
        """)
    assert proc.stdout == "done\n"
    assert "Traceback" not in proc.stderr
    assert "Fatal" not in proc.stderr


REMAINING = "remaining subinterpreters; close them with Interpreter.close()"


def test_exit_with_interpreters_left_warns_once_as_3_14():
    proc = run_python("""
        import interpreters_pep734 as interpreters
        kept = [interpreters.create() for _ in range(3)]
        """)
    assert proc.stderr == f"<sys>:0: RuntimeWarning: {REMAINING}\n"


def test_exit_with_every_interpreter_closed_does_not_warn():
    proc = run_python("""
        import interpreters_pep734 as interpreters
        for interp in [interpreters.create() for _ in range(2)]:
            interp.close()
        dropped = interpreters.create()
        del dropped  # its last object: destroyed now
        """)
    assert proc.stderr == ""


def test_exit_warning_goes_through_the_warnings_machinery():
    proc = run_python("""
        import warnings
        import interpreters_pep734 as interpreters

        def show(message, category, filename, lineno, file=None, line=None):
            print(repr(str(message)), category.__name__, filename, lineno)

        warnings.showwarning = show
        kept = interpreters.create()
        """)
    assert proc.stdout == f"{REMAINING!r} RuntimeWarning <sys> 0\n"
    proc = run_python("""
        import warnings
        import interpreters_pep734 as interpreters
        kept = interpreters.create()
        warnings.simplefilter("ignore")
        """)
    assert proc.stderr == ""


def test_exit_warning_counts_interpreters_made_through_the_low_level_module():
    proc = run_python("""
        import importlib
        import interpreters_pep734 as interpreters
        try:
            low = importlib.import_module("_interpreters")
        except ImportError:
            low = importlib.import_module("_xxsubinterpreters")
        interpreters.create().close()  # the package is in use
        handle = low.create()
        """)
    assert proc.stderr == f"<sys>:0: RuntimeWarning: {REMAINING}\n"


@pytest.mark.skipif(
    STDLIB,
    reason="CPython 3.14.10 and 3.15.2 report the warning turned error as 'Exception "
    "ignored while flushing sys.stdout' and exit with status 120",
)
def test_exit_warning_as_error_still_closes_the_interpreters(tmp_path):
    marker = tmp_path / "finished"
    proc = run_python(
        """
        import sys, warnings
        import interpreters_pep734 as interpreters
        warnings.simplefilter("error")
        interp = interpreters.create()
        interp.exec(
            "import threading, time\\n"
            "def task():\\n"
            "    time.sleep(0.2)\\n"
            f"    open({sys.argv[1]!r}, 'w').write('finished')\\n"
            "threading.Thread(target=task).start()\\n"
        )
        """,
        str(marker),
        timeout=20,
    )
    assert f"RuntimeWarning: {REMAINING}" in proc.stderr
    assert "Fatal" not in proc.stderr
    assert marker.read_text() == "finished"


def test_process_exit_waits_for_threads_in_open_interpreters(tmp_path):
    marker = tmp_path / "finished"
    proc = run_python(
        """
        import sys
        import interpreters_pep734 as interpreters
        interp = interpreters.create()
        interp.exec(
            "import threading, time\\n"
            "def task():\\n"
            "    time.sleep(0.2)\\n"
            f"    open({sys.argv[1]!r}, 'w').write('finished')\\n"
            "threading.Thread(target=task).start()\\n"
        )
        print("main done")
        """,
        str(marker),
        timeout=20,
    )
    assert proc.stdout == "main done\n"
    assert "Traceback" not in proc.stderr
    assert marker.read_text() == "finished"
