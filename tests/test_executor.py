"""InterpreterPoolExecutor: the constructor and initializer, submit, map, shutdown, worker
reuse, what may be submitted, where tasks' modules come from, exceptions from tasks and their
causes, queues as arguments, and asyncio.

Tasks are module-level functions of this module, builtins, or ``__main__`` functions of scripts
run in a subprocess: a worker unpickles a task by reference, so it imports this module.
(On 3.14 a function that uses no globals at all may be sent by value instead and then runs
against another namespace: initializers here therefore always read a global too.)
"""

from __future__ import annotations

import asyncio
import importlib
import itertools
import os
import re
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.thread import BrokenThreadPool

import pytest

import interpreters_pep734 as interpreters
from conftest import STDLIB, TIMEOUT, run_python, run_script_file
from interpreters_pep734.futures import BrokenInterpreterPool, InterpreterPoolExecutor

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(interpreters.__file__)))

MODULE_CONSTANT = "defined at module level"
WORKER_STATE = "unset"  # set by the initializer in a worker, never in the main interpreter


def make_pool(max_workers=1, *, initializer=None, initargs=(), **kwargs):
    """An InterpreterPoolExecutor whose workers can import this test module.

    pytest puts the tests directory on sys.path at run time.  On 3.14+ (the stdlib executor) a
    worker's sys.path is computed afresh and misses that entry (cpython #126714), so there a
    builtin initializer adds it first and then calls the wanted module-level initializer.
    Elsewhere the pool is built exactly as a user would build it.
    """
    if STDLIB:
        setup = (
            f"import sys\n"
            f"if {TESTS_DIR!r} not in sys.path:\n"
            f"    sys.path.insert(0, {TESTS_DIR!r})\n"
        )
        if initializer is not None:
            setup += (
                f"import {initializer.__module__} as _mod\n"
                f"_mod.{initializer.__qualname__}(*initargs)\n"
            )
        initializer, initargs = exec, (setup, {"initargs": tuple(initargs)})
    return InterpreterPoolExecutor(
        max_workers, initializer=initializer, initargs=initargs, **kwargs
    )


def script(source):
    """*source* (a ``__main__`` script) prefixed so that it imports the package under test even
    when that is found through a relative PYTHONPATH (the script runs with cwd=tmp_path)."""
    return f"import sys\nsys.path.insert(0, {PACKAGE_PARENT!r})\n" + source


def pool_threads(prefix):
    return [t for t in threading.enumerate() if t.name.startswith(f"{prefix}_")]


def interp_ids():
    return {i.id for i in interpreters.list_all()}


# --- tasks and initializers (module level: workers import them by reference) ---------------


def current_interp_id(*extra):
    return (interpreters.get_current().id, *extra)


def get_current_name():
    return __name__


def read_module_constant():
    return MODULE_CONSTANT


def describe_call(a, b=None, *, c=None):
    return {"a": a, "b": b, "c": c, "interp": interpreters.get_current().id}


def fail(exctype, msg=None):
    raise exctype(msg)


class SpamError(Exception):
    pass


class UnpicklableError(Exception):
    def __reduce__(self):
        raise TypeError("UnpicklableError refuses to be pickled")


def raise_unpicklable(msg):
    raise UnpicklableError(msg)


class FalsyError(Exception):
    """An exception that is false: 3.12/3.13's futures took it for "no exception"."""

    def __bool__(self):
        return False


def raise_falsy(msg):
    raise FalsyError(msg)


def return_lock():
    return threading.Lock()


def identity(obj):
    return obj


class PickleShenanigans:
    """pickle.dumps() succeeds, pickle.loads() fails."""

    def __init__(self, value):
        if value == 1:
            raise RuntimeError("gotcha")

    def __reduce__(self):
        return (self.__class__, (1,))


def wait_for_item(items, started=None):
    """Block until *items* has an item; first report this interpreter's id on *started*."""
    if started is not None:
        started.put(interpreters.get_current().id)
    return items.get(timeout=TIMEOUT)


def double_via_queues(inbox, outbox):
    item = inbox.get(timeout=TIMEOUT)
    outbox.put(item * 2)
    return item


def put_item(queue, item):
    queue.put(item)
    return interpreters.get_current().id


def setup_worker(fd, value):
    global WORKER_STATE
    WORKER_STATE = value
    os.write(fd, f"{interpreters.get_current().id};".encode())


def report_worker_state():
    return interpreters.get_current().id, WORKER_STATE


# --- the class and the constructor ---------------------------------------------------------


def test_class_hierarchy():
    assert issubclass(InterpreterPoolExecutor, ThreadPoolExecutor)
    assert issubclass(BrokenInterpreterPool, BrokenThreadPool)


def test_max_workers_must_be_positive():
    with pytest.raises(ValueError, match="max_workers must be greater than 0"):
        InterpreterPoolExecutor(0)
    with pytest.raises(ValueError, match="max_workers must be greater than 0"):
        InterpreterPoolExecutor(-1)


def test_default_thread_names():
    with InterpreterPoolExecutor(1) as pool:
        before = {t.name for t in threading.enumerate()}
        assert pool.submit(abs, -5).result(timeout=TIMEOUT) == 5
        new = {t.name for t in threading.enumerate()} - before
        assert any(re.fullmatch(r"InterpreterPoolExecutor-\d+_0", name) for name in new), new


# --- submit, map --------------------------------------------------------------------------


def test_submit_builtin():
    with make_pool() as pool:
        fut = pool.submit(pow, 2, 8)
        assert fut.result(timeout=TIMEOUT) == 256
        assert fut.done() and not fut.cancelled()


def test_submit_runs_in_another_interpreter():
    main_id = interpreters.get_current().id
    with make_pool() as pool:
        worker_id, extra = pool.submit(current_interp_id, "yo").result(timeout=TIMEOUT)
        assert extra == "yo"
        assert worker_id != main_id
        assert worker_id in interp_ids()


def test_submit_keyword_args():
    with make_pool() as pool:
        res = pool.submit(describe_call, 1, b=[2], c={"x": 3}).result(timeout=TIMEOUT)
    assert res["a"] == 1
    assert res["b"] == [2]
    assert res["c"] == {"x": 3}
    assert res["interp"] != interpreters.get_current().id


def test_map():
    with make_pool(2) as pool:
        assert list(pool.map(pow, [2, 3, 10], [5, 2, 3])) == [32, 9, 1000]
        assert list(pool.map(identity, range(5), timeout=TIMEOUT)) == [0, 1, 2, 3, 4]


def test_map_exception():
    with make_pool() as pool:
        results = pool.map(int, ["1", "x", "3"])
        assert next(results) == 1
        with pytest.raises(ValueError, match="invalid literal for int") as info:
            next(results)
    assert type(info.value) is ValueError
    assert isinstance(info.value.__cause__, interpreters.ExecutionFailed)


def test_map_timeout():
    with make_pool() as pool:
        results = pool.map(time.sleep, [0.5, 0.5], timeout=0.05)
        with pytest.raises(TimeoutError):
            list(results)


@pytest.mark.parametrize("buffersize", ["3", 2.0, None.__class__])
def test_map_buffersize_must_be_an_int_or_none(buffersize):
    with make_pool() as pool:
        with pytest.raises(TypeError, match=r"^buffersize must be an integer or None$"):
            pool.map(abs, range(4), buffersize=buffersize)


@pytest.mark.parametrize("buffersize", [0, -1, -(2**70)])
def test_map_buffersize_must_be_positive(buffersize):
    with make_pool() as pool:
        with pytest.raises(ValueError, match=r"^buffersize must be None or > 0$"):
            pool.map(abs, range(4), buffersize=buffersize)


@pytest.mark.parametrize("buffersize", [1, 2, 4, 8, True])
def test_map_buffersize_gives_every_result_in_order(buffersize):
    with make_pool(2) as pool:
        assert list(pool.map(pow, range(4), [2] * 4, buffersize=buffersize)) == [0, 1, 4, 9]
        assert list(pool.map(identity, [], buffersize=buffersize)) == []
        assert list(pool.map(identity, buffersize=buffersize)) == []


def test_map_buffersize_works_on_an_endless_iterable():
    with make_pool(2) as pool:
        results = pool.map(pow, itertools.count(), itertools.repeat(2), buffersize=2)
        assert [next(results) for _ in range(5)] == [0, 1, 4, 9, 16]


def test_map_buffersize_bounds_the_read_ahead():
    inputs = iter(range(100))
    with make_pool() as pool:
        results = pool.map(identity, inputs, buffersize=3)
        pool.shutdown(wait=True)  # the first three tasks are done
        # map() took exactly `buffersize` inputs up front ...
        assert next(inputs) == 3
    inputs = iter(range(100))
    with make_pool() as pool:
        results = pool.map(identity, inputs, buffersize=3)
        # ... and takes one more before handing out each result, as 3.14 does.
        assert next(results) == 0
        assert next(inputs) == 4
        assert next(results) == 1
        results.close()  # the tasks not handed out are cancelled or finish


def test_map_buffersize_timeout():
    with make_pool() as pool:
        results = pool.map(time.sleep, [0.5, 0.5], timeout=0.05, buffersize=1)
        with pytest.raises(TimeoutError):
            list(results)


def test_map_buffersize_exception_stops_the_results():
    with make_pool() as pool:
        results = pool.map(int, ["1", "x", "3"], buffersize=1)
        assert next(results) == 1
        with pytest.raises(ValueError, match="invalid literal for int"):
            next(results)
        assert list(results) == []


def test_falsy_exception_is_raised_by_result():
    with make_pool() as pool:
        fut = pool.submit(raise_falsy, "false but raised")
        with pytest.raises(FalsyError, match="false but raised"):
            fut.result(timeout=TIMEOUT)
        assert type(fut.exception(timeout=TIMEOUT)) is FalsyError
        with pytest.raises(FalsyError):
            list(pool.map(raise_falsy, ["in map"]))
        with pytest.raises(FalsyError):
            list(pool.map(raise_falsy, ["in map with buffersize"], buffersize=1))


def test_futures_are_concurrent_futures():
    with make_pool() as pool:
        fut = pool.submit(abs, -1)
        assert isinstance(fut, Future)
        assert type(fut).__name__ == "Future"
        assert fut.result(timeout=TIMEOUT) == 1
        assert re.fullmatch(r"<Future at 0x[0-9a-f]+ state=finished returned int>", repr(fut))


# --- shutdown -----------------------------------------------------------------------------


def test_shutdown_wait_finishes_pending_work():
    pool = make_pool()
    futures = [pool.submit(time.sleep, 0.05) for _ in range(3)]
    pool.shutdown(wait=True)
    assert all(f.done() and not f.cancelled() for f in futures)
    assert [f.result() for f in futures] == [None, None, None]


def test_shutdown_no_wait_lets_running_task_finish():
    items = interpreters.create_queue()
    pool = make_pool()
    try:
        fut = pool.submit(wait_for_item, items)
        start = time.monotonic()
        pool.shutdown(wait=False)
        assert time.monotonic() - start < 5
        items.put("done")
        assert fut.result(timeout=TIMEOUT) == "done"
    finally:
        items.put("unblock")  # harmless if the task already finished
        pool.shutdown(wait=True)


def test_shutdown_cancel_futures():
    items = interpreters.create_queue()
    started = interpreters.create_queue()
    pool = make_pool(1)
    try:
        running = pool.submit(wait_for_item, items, started)
        started.get(timeout=TIMEOUT)  # the only worker is busy now
        queued = [pool.submit(abs, -i) for i in range(5)]
        pool.shutdown(wait=False, cancel_futures=True)
        assert all(f.cancelled() for f in queued)
        items.put(42)
        assert running.result(timeout=TIMEOUT) == 42
    finally:
        items.put(None)
        pool.shutdown(wait=True)
    assert not running.cancelled()


def test_submit_after_shutdown_raises():
    pool = make_pool()
    pool.shutdown()
    with pytest.raises(RuntimeError, match="cannot schedule new futures after shutdown"):
        pool.submit(abs, -1)


def test_context_manager_closes_every_worker_interpreter():
    before = interp_ids()
    items = interpreters.create_queue()
    started = interpreters.create_queue()
    with make_pool(2) as pool:
        futures = [pool.submit(wait_for_item, items, started) for _ in range(2)]
        worker_ids = {started.get(timeout=TIMEOUT) for _ in range(2)}
        assert len(worker_ids) == 2
        assert worker_ids <= interp_ids()
        assert not worker_ids & before
        items.put(1)
        items.put(2)
        assert sorted(f.result(timeout=TIMEOUT) for f in futures) == [1, 2]
    assert interp_ids() == before


# --- threads and workers ----------------------------------------------------------------------


def test_saturation_never_more_threads_than_max_workers():
    max_workers = 2
    prefix = "pep734-saturation"
    before = interp_ids()
    items = interpreters.create_queue()
    started = interpreters.create_queue()
    pool = make_pool(max_workers, thread_name_prefix=prefix)
    try:
        futures = [pool.submit(wait_for_item, items, started) for _ in range(15 * max_workers)]
        assert len(pool_threads(prefix)) == max_workers
        worker_ids = {started.get(timeout=TIMEOUT) for _ in range(max_workers)}
        assert len(worker_ids) == max_workers
        assert len(interp_ids() - before) == max_workers
        for i in range(len(futures)):
            items.put(i)
        assert sorted(f.result(timeout=TIMEOUT) for f in futures) == list(range(len(futures)))
        assert len(pool_threads(prefix)) == max_workers
    finally:
        for _ in range(15 * max_workers):
            items.put_nowait(None)  # unblock whatever is left after a failure
        pool.shutdown(wait=True)
    assert not pool_threads(prefix)


def test_idle_worker_is_reused():
    prefix = "pep734-reuse"
    with make_pool(2, thread_name_prefix=prefix) as pool:
        ids = []
        for _ in range(3):
            ids.append(pool.submit(current_interp_id).result(timeout=TIMEOUT)[0])
            time.sleep(0.05)  # let the worker go idle before the next submit
        assert len(set(ids)) == 1
        assert len(pool_threads(prefix)) == 1


# --- initializer --------------------------------------------------------------------------


def test_initializer_runs_in_each_worker_before_tasks():
    r, w = os.pipe()
    try:
        items = interpreters.create_queue()
        started = interpreters.create_queue()
        with make_pool(2, initializer=setup_worker, initargs=(w, "initialized")) as pool:
            states = [pool.submit(report_worker_state) for _ in range(2)]
            blockers = [pool.submit(wait_for_item, items, started) for _ in range(2)]
            worker_ids = {started.get(timeout=TIMEOUT) for _ in range(2)}
            for i in range(2):
                items.put(i)
            for f in blockers:
                f.result(timeout=TIMEOUT)
            for f in states:
                task_interp, state = f.result(timeout=TIMEOUT)
                assert state == "initialized"  # the initializer ran first, in this interpreter
                assert task_interp in worker_ids
        os.set_blocking(r, False)
        init_ids = [int(x) for x in os.read(r, 1000).decode().split(";") if x]
    finally:
        os.close(r)
        os.close(w)
    assert len(worker_ids) == 2
    assert sorted(init_ids) == sorted(worker_ids)  # once per worker, in the worker
    assert interpreters.get_current().id not in init_ids
    assert WORKER_STATE == "unset"  # the main interpreter's copy is untouched


MAIN_GLOBAL_SCRIPT = """
import interpreters_pep734 as interpreters
from interpreters_pep734.futures import InterpreterPoolExecutor

STATE = "unset"

def init(value):
    global STATE
    assert STATE == "unset", STATE  # a fresh worker
    STATE = value

def get_state():
    return interpreters.get_current().id, STATE

if __name__ == "__main__":
    with InterpreterPoolExecutor(1, initializer=init, initargs=("worker",)) as pool:
        wid, state = pool.submit(get_state).result(timeout=30)
    print(wid, state, STATE)
"""


def test_initializer_main_global_stays_in_worker(tmp_path):
    proc = run_script_file(tmp_path, script(MAIN_GLOBAL_SCRIPT))
    wid, worker_state, main_state = proc.stdout.split()
    assert int(wid) != 0
    assert worker_state == "worker"  # set by the initializer, seen by the task in that worker
    assert main_state == "unset"  # the main interpreter's __main__ is untouched


def test_initializer_failure_breaks_the_pool():
    pool = make_pool(1, initializer=fail, initargs=(SpamError, "spam"))
    try:
        fut = pool.submit(abs, -1)
        with pytest.raises(BrokenInterpreterPool):
            fut.result(timeout=TIMEOUT)
        with pytest.raises(BrokenInterpreterPool):
            pool.submit(abs, -2)
    finally:
        pool.shutdown(wait=True)


def _closure_initializer():
    count = 0

    def init():
        nonlocal count
        count += 1

    return init


def test_unshareable_initializer_breaks_the_pool():
    class Spam:
        def init(self):
            pass

    for initializer in (_closure_initializer(), Spam().init):
        pool = InterpreterPoolExecutor(1, initializer=initializer)
        try:
            fut = pool.submit(abs, -1)
            with pytest.raises(BrokenInterpreterPool):
                fut.result(timeout=TIMEOUT)
        finally:
            pool.shutdown(wait=True)


INIT_FAILURE_SCRIPT = """
import sys
from interpreters_pep734.futures import BrokenInterpreterPool, InterpreterPoolExecutor

def fail(msg):
    raise Exception(msg)

def make_closure():
    count = 0
    def init():
        nonlocal count
        count += 1
    return init

def make_bound_method():
    class Spam:
        def init(self):
            pass
    return Spam().init

def run(label, initializer, initargs=()):
    print(f"=== {label}", file=sys.stderr, flush=True)
    with InterpreterPoolExecutor(1, initializer=initializer, initargs=initargs) as pool:
        try:
            pool.submit(abs, -1).result(timeout=30)
        except BrokenInterpreterPool:
            print(label, "broken")
        else:
            print(label, "ran")
    sys.stderr.flush()

if __name__ == "__main__":
    run("raises", fail, ("spam",))
    run("closure", make_closure())
    run("method", make_bound_method())
"""


def test_initializer_failure_is_logged_to_stderr(tmp_path):
    proc = run_script_file(tmp_path, script(INIT_FAILURE_SCRIPT))
    assert proc.stdout.split("\n")[:3] == ["raises broken", "closure broken", "method broken"]
    sections = dict(part.split("\n", 1) for part in proc.stderr.split("=== ")[1:])
    assert sections.keys() == {"raises", "closure", "method"}
    raises = sections["raises"]
    assert "Exception in initializer:" in raises
    assert "ExecutionFailed: Exception: spam" in raises
    assert "Uncaught in the interpreter:" in raises
    for label in ("closure", "method"):
        assert "Exception in initializer:" in sections[label], sections[label]
        assert "NotShareableError" in sections[label], sections[label]


def test_script_initializer_not_supported():
    with pytest.raises(TypeError, match=r"^scripts not supported$"):
        InterpreterPoolExecutor(1, initializer="pass")


def test_script_submit_not_supported():
    with make_pool() as pool:
        with pytest.raises(TypeError, match=r"^scripts not supported$"):
            pool.submit("pass")
        # the pool is still usable
        assert pool.submit(abs, -3).result(timeout=TIMEOUT) == 3


# --- what may be submitted --------------------------------------------------------------------


def test_submit_closure_not_shareable():
    hits = 0

    def reads_cell():
        return hits

    def rebinds_cell():
        nonlocal hits
        hits = hits + 2
        return hits

    with make_pool() as pool:
        for task in (reads_cell, rebinds_cell):
            fut = pool.submit(task)  # nothing is pickled at submit time
            with pytest.raises(interpreters.NotShareableError):
                fut.result(timeout=TIMEOUT)


def test_submit_local_class_and_bound_method_not_shareable():
    class Job:
        def perform(self):
            return "performed"

    with make_pool() as pool:
        for task in (Job, Job().perform):
            fut = pool.submit(task)
            with pytest.raises(interpreters.NotShareableError):
                fut.result(timeout=TIMEOUT)
        # the worker survives: a good task still runs
        assert pool.submit(abs, -4).result(timeout=TIMEOUT) == 4


def test_unshareable_argument_and_return_value():
    with make_pool() as pool:
        with pytest.raises(interpreters.NotShareableError):
            pool.submit(identity, threading.Lock()).result(timeout=TIMEOUT)
        with pytest.raises(interpreters.NotShareableError):
            pool.submit(return_lock).result(timeout=TIMEOUT)


def test_module_function_sees_its_module_globals():
    with make_pool() as pool:
        name = pool.submit(get_current_name).result(timeout=TIMEOUT)
        constant = pool.submit(read_module_constant).result(timeout=TIMEOUT)
    assert name == __name__
    assert name != "__main__"
    assert constant == "defined at module level"


@pytest.mark.parametrize("how", ["callable", "argument"])
def test_pickle_fails_on_loads_gives_not_shareable(how):
    with make_pool() as pool:
        if how == "callable":
            fut = pool.submit(PickleShenanigans(0))
        else:
            fut = pool.submit(identity, PickleShenanigans(0))
        with pytest.raises(interpreters.NotShareableError) as info:
            fut.result(timeout=TIMEOUT)  # gh-125864: this used to hang
        assert str(info.value) == "args not shareable"
        assert "unpickled" in str(info.value.__cause__)
        assert "gotcha" in str(info.value.__cause__)
        # the worker is still usable afterwards
        assert pool.submit(abs, -6).result(timeout=TIMEOUT) == 6


# --- where tasks' modules come from (sys.path: cpython #126714) ----------------------------


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


# --- exceptions from tasks -----------------------------------------------------------------------


@pytest.mark.parametrize("exctype", [Exception, ValueError, SpamError])
def test_raising_task_gives_original_exception_with_cause(exctype):
    with make_pool() as pool:
        fut = pool.submit(fail, exctype, "spam")
        with pytest.raises(exctype) as info:
            fut.result(timeout=TIMEOUT)
    exc = info.value
    assert type(exc) is exctype
    assert str(exc) == "spam"
    cause = exc.__cause__
    assert type(cause) is interpreters.ExecutionFailed
    for attr in ("__name__", "__qualname__", "__module__"):
        assert getattr(cause.excinfo.type, attr) == getattr(exctype, attr)
    assert cause.excinfo.msg == "spam"
    assert "Uncaught in the interpreter:" in str(cause)


def test_unpicklable_exception_gives_execution_failed():
    with make_pool() as pool:
        fut = pool.submit(raise_unpicklable, "boom")
        with pytest.raises(interpreters.ExecutionFailed) as info:
            fut.result(timeout=TIMEOUT)
        assert pool.submit(abs, -7).result(timeout=TIMEOUT) == 7
    excinfo = info.value.excinfo
    assert excinfo.type.__name__ == "UnpicklableError"
    assert excinfo.type.__module__ == __name__
    assert excinfo.msg == "boom"


# --- queues passed as arguments ------------------------------------------------------------------


@pytest.mark.parametrize("max_workers", [1, 2, None])
def test_tasks_using_queues_do_not_deadlock(max_workers):
    inbox = interpreters.create_queue()
    outbox = interpreters.create_queue()
    pool = make_pool(max_workers)
    try:
        # main interpreter as producer
        fut = pool.submit(double_via_queues, inbox, outbox)
        inbox.put(21)
        assert fut.result(timeout=TIMEOUT) == 21
        assert outbox.get(timeout=TIMEOUT) == 42
        # another task as producer, queued before the consumer
        producer = pool.submit(put_item, inbox, 5)
        consumer = pool.submit(double_via_queues, inbox, outbox)
        assert consumer.result(timeout=TIMEOUT) == 5
        assert producer.result(timeout=TIMEOUT) != interpreters.get_current().id
        assert outbox.get(timeout=TIMEOUT) == 10
    finally:
        inbox.put_nowait(0)  # unblock a stuck consumer after a failure
        pool.shutdown(wait=True)


# --- asyncio -------------------------------------------------------------------------------


def test_asyncio_run_in_executor():
    main_id = interpreters.get_current().id

    async def main(pool):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool, current_interp_id, "yo")

    with make_pool() as pool:
        worker_id, res = asyncio.run(main(pool))
    assert res == "yo"
    assert worker_id != main_id


def test_asyncio_default_executor():
    main_id = interpreters.get_current().id

    async def main(pool):
        loop = asyncio.get_running_loop()
        loop.set_default_executor(pool)
        return await loop.run_in_executor(None, current_interp_id)

    with make_pool() as pool:
        (worker_id,) = asyncio.run(main(pool))
    assert worker_id != main_id


def test_asyncio_cancelled_call_does_not_call_back():
    calls = []

    def record(*args):
        calls.append(args)

    loop = asyncio.new_event_loop()
    with make_pool() as pool:
        try:
            fut = loop.run_in_executor(pool, time.sleep, 0.05)
            fut.cancel()
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()
        loop.call_soon = record
        loop.call_soon_threadsafe = record
        time.sleep(0.3)
    assert fut.cancelled()
    assert calls == []


# -- what the executor takes from concurrent.futures' internals ------------------------------

NOT_OUR_EXECUTOR = pytest.mark.skipif(
    STDLIB,
    reason="CPython 3.14+: the stdlib's InterpreterPoolExecutor is handed out; nothing "
    "imports this package's executor or its concurrent.futures seam",
)


@NOT_OUR_EXECUTOR
def test_thread_pool_seam_finds_every_internal_it_needs():
    from interpreters_pep734._backend import _thread_pool

    assert _thread_pool.missing() == []
    assert _thread_pool.interpreter_shutting_down() is False
    lock = _thread_pool.global_shutdown_lock()
    with lock:
        assert lock.locked()
    first = _thread_pool.next_pool_number()
    assert _thread_pool.next_pool_number() == first + 1
    pool = InterpreterPoolExecutor()
    try:
        assert pool._thread_name_prefix == f"InterpreterPoolExecutor-{first + 2}"
        for name in _thread_pool.POOL_ATTRIBUTES:
            assert hasattr(pool, name), name
    finally:
        pool.shutdown()


@NOT_OUR_EXECUTOR
def test_thread_pool_seam_joins_our_workers_at_exit():
    import concurrent.futures.thread

    with make_pool() as pool:
        pool.submit(int).result(timeout=TIMEOUT)
        (worker,) = pool._threads
        assert concurrent.futures.thread._threads_queues[worker] is pool._work_queue


@NOT_OUR_EXECUTOR
@pytest.mark.parametrize(
    ("remove", "named"),
    [
        (
            "del concurrent.futures.thread._threads_queues",
            "concurrent.futures.thread._threads_queues",
        ),
        ("del ThreadPoolExecutor._counter", "ThreadPoolExecutor._counter"),
        ("del Future._Future__get_result", "concurrent.futures.Future.__get_result"),
    ],
)
def test_executor_import_names_a_missing_internal(remove, named):
    proc = run_python(
        f"""
        import concurrent.futures.thread
        from concurrent.futures import Future, ThreadPoolExecutor
        {remove}
        try:
            from interpreters_pep734 import futures
        except ImportError as exc:
            print(exc)
        """
    )
    assert proc.stdout == (
        "interpreters_pep734's InterpreterPoolExecutor builds on internals of "
        f"concurrent.futures that this Python does not have: {named}\n"
    )
