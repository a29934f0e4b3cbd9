"""Cross-interpreter queues: lifetime, creation, operations in one interpreter and across
interpreters, items whose interpreter is destroyed, and threads.

Everything goes through the public API: ``interpreters.create_queue``/``Queue``/``QueueEmpty``/
``QueueFull`` and the private-but-mirrored ``_queues`` module for the rest.  A queue's lifetime
is expressed as "a queue exists while some ``Queue`` object, in some interpreter, or some
queued reference to it exists": it shows up in ``_queues.list_all()`` and ``Queue(id)``
finds it.
"""

from __future__ import annotations

import gc
import inspect
import logging
import logging.handlers
import pickle
import queue as stdlib_queue
import sys
import textwrap
import threading
import time
from types import SimpleNamespace
from unittest import mock

import pytest

import interpreters_pep734 as interpreters
from conftest import STDLIB, run_python
from interpreters_pep734 import _queues

IMPORT_QUEUES = "from interpreters_pep734 import _queues\n"
FLOAT_TIMEOUT_REASON = (
    "CPython 3.14+: the stdlib Queue truncates float timeouts with int(); "
    "this package hands out the stdlib's Queue there"
)


def run(interp: interpreters.Interpreter, source: str) -> None:
    interp.exec(textwrap.dedent(source))


def live_ids() -> set[int]:
    return {q.id for q in _queues.list_all()}


def assert_destroyed(interp_id: int) -> None:
    """The test dropped its only reference (``del interp``, as in 3.14's tests): it is gone."""
    gc.collect()
    assert interp_id not in {i.id for i in interpreters.list_all()}


def producer(queue: interpreters.Queue, puts: str) -> interpreters.Interpreter:
    """A new interpreter with ``q`` bound to *queue* (and ``_queues`` imported) that ran *puts*."""
    interp = interpreters.create()
    interp.prepare_main(q=queue)
    run(interp, IMPORT_QUEUES + textwrap.dedent(puts))
    return interp


# --- a queue's lifetime --------------------------------------------------------------------


def test_queue_is_gone_once_its_last_queue_object_is_gone():
    q = interpreters.create_queue()
    qid = q.id
    assert qid in live_ids()
    assert _queues.Queue(qid) is q
    del q
    gc.collect()
    assert qid not in live_ids()
    with pytest.raises(_queues.QueueNotFoundError, match=rf"^queue {qid} not found$"):
        _queues.Queue(qid)


def test_a_dropped_queue_loses_its_items_and_is_not_found_again():
    q = interpreters.create_queue()
    q.put(b"lost")
    qid = q.id
    del q
    gc.collect()
    with pytest.raises(_queues.QueueNotFoundError):
        _queues.Queue(qid)
    assert isinstance(_queues.QueueNotFoundError(), _queues.QueueError)


def test_every_interpreter_holding_a_queue_keeps_it_alive():
    q = interpreters.create_queue()
    qid = q.id
    first = interpreters.create()
    second = interpreters.create()
    try:
        first.prepare_main(q=q)
        second.prepare_main(q=q)
        del q
        gc.collect()
        assert qid in live_ids()

        run(first, "del q")  # released in one interpreter, still bound in the other
        gc.collect()
        assert qid in live_ids()
        again = _queues.Queue(qid)  # binding again from main, then releasing, is balanced
        again.put(1)
        del again
        gc.collect()
        assert qid in live_ids()

        run(second, "assert q.get() == 1\ndel q")
        gc.collect()
        assert qid not in live_ids()
    finally:
        first.close()
        second.close()


def test_repeated_queue_objects_do_not_keep_a_queue_alive():
    q = interpreters.create_queue()
    qid = q.id
    aliases = [_queues.Queue(qid) for _ in range(5)]
    assert all(a is q for a in aliases)
    del q, aliases
    gc.collect()
    assert qid not in live_ids()


def test_destroying_the_only_holder_destroys_the_queue():
    q = interpreters.create_queue()
    qid = q.id
    interp = interpreters.create()
    interp.prepare_main(q=q)
    del q
    gc.collect()
    assert qid in live_ids()
    interp_id = interp.id
    del interp
    assert_destroyed(interp_id)
    assert qid not in live_ids()


def test_a_queued_queue_keeps_its_queue_alive():
    carrier = interpreters.create_queue()
    inner = interpreters.create_queue()
    inner.put("kept")
    inner_id = inner.id
    carrier.put(inner)
    del inner
    gc.collect()
    assert inner_id in live_ids()
    back = carrier.get()
    assert back.id == inner_id
    assert back.get() == "kept"


def test_queue_created_in_a_subinterpreter_is_listed_in_main(interp):
    carrier = interpreters.create_queue()
    interp.prepare_main(c=carrier)
    run(interp, IMPORT_QUEUES + "made = _queues.create()\nc.put(made.id)")
    made_id = carrier.get()
    assert made_id in live_ids()
    run(interp, "del made")
    gc.collect()
    assert made_id not in live_ids()


# --- module reload, process exit ----------------------------------------------------------


def test_reloading_the_queue_module_keeps_queues_working():
    proc = run_python(
        """
        import importlib
        import interpreters_pep734 as interpreters
        from interpreters_pep734 import _queues

        before = interpreters.create_queue()
        before.put([1, 2])
        assert importlib.reload(_queues) is _queues
        q = _queues.create(2)
        q.put([3])
        q.put_nowait(b"x")
        try:
            q.put_nowait(None)
        except interpreters.QueueFull:
            pass
        else:
            raise AssertionError("no QueueFull after reload")
        assert q.get() == [3] and q.get_nowait() == b"x"
        try:
            q.get_nowait()
        except _queues.QueueEmpty:
            pass
        assert before.get() == [1, 2]

        interp = interpreters.create()
        interp.prepare_main(q=q)
        interp.exec("q.put({'from': 'sub'})")
        assert q.get() == {'from': 'sub'}
        interp.close()
        print("ok")
        """
    )
    assert proc.stdout == "ok\n"


def test_reloading_the_queue_module_in_a_subinterpreter(interp):
    q = interpreters.create_queue()
    interp.prepare_main(q=q)
    run(
        interp,
        """
        import importlib
        from interpreters_pep734 import _queues
        importlib.reload(_queues)
        own = _queues.create()
        own.put([1, 2, 3])
        assert own.get() == [1, 2, 3]
        q.put(("reloaded", 1))
        """,
    )
    assert q.get() == ("reloaded", 1)


@pytest.mark.skipif(
    hasattr(sys, "gettotalrefcount"),
    reason="debug builds of CPython 3.14 report the queues still alive at exit on stderr",
)
def test_exiting_with_live_queues_prints_nothing():
    proc = run_python(
        """
        import interpreters_pep734 as interpreters
        from interpreters_pep734 import _queues

        kept = interpreters.create_queue(5)
        kept.put([1, 2, 3])
        kept.put(b"bytes")
        other = _queues.create(unbounditems=_queues.UNBOUND_ERROR)
        other.put({"a": 1})
        interp = interpreters.create()
        interp.prepare_main(q=kept)
        interp.exec("from interpreters_pep734 import _queues\\nown = _queues.create()\\nq.put(1)")
        interp.close()
        """
    )
    assert proc.stdout == ""
    assert proc.stderr == ""


# --- creation and the Queue object ---------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [((), 0), ((3,), 3), ((100,), 100), ((0,), 0), ((-10,), -10), ((-1,), -1)],
)
def test_maxsize(args, expected):
    q = interpreters.create_queue(*args)
    assert q.maxsize == expected
    assert type(q.maxsize) is int
    assert interpreters.create_queue(maxsize=expected).maxsize == expected


def test_maxsize_must_be_an_integer():
    with pytest.raises(TypeError):
        interpreters.create_queue("1")
    with pytest.raises(TypeError):
        interpreters.create_queue(1.5)


def test_create_returns_a_queue_with_an_int_id():
    q = interpreters.create_queue()
    assert type(q) is interpreters.Queue
    assert type(q.id) is int
    assert q.id > 0
    assert repr(q) == f"Queue({q.id})"
    assert interpreters.create_queue().id != q.id


def test_queue_by_id():
    q = interpreters.create_queue()
    assert interpreters.Queue(q.id) is q
    with pytest.raises(_queues.QueueNotFoundError, match=r"^queue 1000000 not found$"):
        interpreters.Queue(1_000_000)
    with pytest.raises(TypeError, match="id must be an int"):
        interpreters.Queue(str(q.id))
    with pytest.raises(TypeError, match="id must be an int"):
        interpreters.Queue(float(q.id))


def test_id_and_maxsize_are_read_only():
    q = interpreters.create_queue(10)
    with pytest.raises(AttributeError):
        q.id = 1_000_000
    with pytest.raises(AttributeError):
        q.maxsize = 1_000_000
    assert q.maxsize == 10


def test_hash_and_equality():
    q1 = interpreters.create_queue()
    q2 = interpreters.create_queue()
    assert hash(q1) == hash(q1.id)
    assert q1 == q1  # noqa: PLR0124
    assert q1 != q2
    assert (q1 == q2) is False
    assert len({q1, q2, _queues.Queue(q1.id)}) == 2


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_round_trip_gives_back_the_same_queue(protocol):
    q = interpreters.create_queue()
    assert pickle.loads(pickle.dumps(q, protocol)) is q


# --- operations in one interpreter ---------------------------------------------------------


def test_empty():
    q = interpreters.create_queue()
    seen = [q.empty()]
    q.put(None)
    seen.append(q.empty())
    q.get()
    seen.append(q.empty())
    assert seen == [True, False, True]


@pytest.mark.parametrize("maxsize", [1, 3, 11])
def test_full_only_at_maxsize(maxsize):
    q = interpreters.create_queue(maxsize)
    fills = []
    for _ in range(maxsize):
        fills.append(q.full())
        q.put_nowait(None)
    fills.append(q.full())
    assert fills == [False] * maxsize + [True]
    assert q.empty() is False
    with pytest.raises(interpreters.QueueFull, match=rf"^queue {q.id} is full$"):
        q.put_nowait(None)
    assert q.qsize() == maxsize

    drains = []
    for _ in range(maxsize):
        q.get_nowait()
        drains.append(q.full())
    assert drains == [False] * maxsize
    with pytest.raises(interpreters.QueueEmpty, match=rf"^queue {q.id} is empty$"):
        q.get_nowait()
    assert q.full() is False
    assert q.empty() is True


@pytest.mark.parametrize("args", [(), (0,), (-1,), (-10,)])
def test_unbounded_queue_is_never_full(args):
    q = interpreters.create_queue(*args)
    seen = [q.full()]
    for _ in range(13):
        q.put_nowait(None)
        seen.append(q.full())
    assert q.qsize() == 13
    for _ in range(13):
        q.get_nowait()
        seen.append(q.full())
    assert seen == [False] * 27
    assert q.empty()


def test_qsize_follows_puts_and_gets():
    q = interpreters.create_queue()
    sizes = [q.qsize()]
    for op in "pp g ppp gg p ggg".replace(" ", ""):
        if op == "p":
            q.put(None)
        else:
            q.get()
        sizes.append(q.qsize())
    assert sizes == [0, 1, 2, 1, 2, 3, 4, 3, 2, 3, 2, 1, 0]


def test_fifo_order():
    q = interpreters.create_queue()
    for i in range(20):
        q.put(i)
    assert [q.get() for _ in range(20)] == list(range(20))


def test_put_timeout_on_a_full_queue():
    q = interpreters.create_queue(2)
    q.put("a")
    q.put("b")
    with pytest.raises(interpreters.QueueFull, match=rf"^queue {q.id} is full$"):
        q.put("c", timeout=0.1)
    assert q.qsize() == 2
    assert q.get() == "a"
    q.put("c", timeout=0.1)
    assert [q.get(), q.get()] == ["b", "c"]


def test_put_nowait_on_a_full_queue():
    q = interpreters.create_queue(2)
    q.put_nowait(1)
    q.put_nowait(2)
    with pytest.raises(interpreters.QueueFull):
        q.put_nowait(3)
    assert q.get() == 1
    q.put_nowait(3)
    assert [q.get_nowait(), q.get_nowait()] == [2, 3]


def test_blocking_put_waits_for_room():
    q = interpreters.create_queue(1)
    q.put("first")
    done = threading.Event()

    def putter():
        q.put("second", timeout=30)
        done.set()

    t = threading.Thread(target=putter)
    t.start()
    try:
        assert not done.wait(0.3)  # blocked while full
        assert q.get() == "first"
        assert done.wait(10)
    finally:
        t.join(30)
    assert q.get_nowait() == "second"


def test_integer_timeouts_are_waited_for():
    q = interpreters.create_queue(1)
    start = time.monotonic()
    with pytest.raises(interpreters.QueueEmpty):
        q.get(timeout=1)
    assert 0.95 <= time.monotonic() - start < 10
    q.put(None)
    start = time.monotonic()
    with pytest.raises(interpreters.QueueFull):
        q.put(None, timeout=1)
    assert 0.95 <= time.monotonic() - start < 10


def test_negative_timeouts_are_rejected():
    q = interpreters.create_queue(1)
    with pytest.raises(ValueError, match="timeout value must be non-negative"):
        q.get(timeout=-1)
    with pytest.raises(ValueError, match="timeout value must be non-negative"):
        q.put("x", timeout=-1)
    assert q.qsize() == 0


@pytest.mark.skipif(STDLIB, reason=FLOAT_TIMEOUT_REASON)
def test_get_honours_a_float_timeout():
    q = interpreters.create_queue()
    start = time.monotonic()
    with pytest.raises(interpreters.QueueEmpty):
        q.get(timeout=0.25)
    elapsed = time.monotonic() - start
    assert 0.25 <= elapsed < 0.95, elapsed


@pytest.mark.skipif(STDLIB, reason=FLOAT_TIMEOUT_REASON)
def test_put_honours_a_float_timeout():
    q = interpreters.create_queue(1)
    q.put(None)
    start = time.monotonic()
    with pytest.raises(interpreters.QueueFull):
        q.put(None, timeout=0.25)
    elapsed = time.monotonic() - start
    assert 0.25 <= elapsed < 0.95, elapsed
    assert q.qsize() == 1


@pytest.mark.skipif(STDLIB, reason=FLOAT_TIMEOUT_REASON)
def test_float_timeout_above_one_second_is_not_cut_to_one():
    q = interpreters.create_queue()
    start = time.monotonic()
    with pytest.raises(interpreters.QueueEmpty):
        q.get(timeout=1.5)
    elapsed = time.monotonic() - start
    assert 1.5 <= elapsed < 10, elapsed


def test_float_timeout_returns_an_item_that_arrives_in_time():
    q = interpreters.create_queue()
    timer = threading.Timer(0.2, q.put, args=(b"late",))
    timer.start()
    try:
        assert q.get(timeout=5.0) == b"late"
    finally:
        timer.join(10)


@pytest.mark.parametrize(
    "obj",
    [
        None,
        True,
        10,
        -(2**40),
        1.5,
        "spam",
        b"spam",
        (0, "a"),
        ((1, (b"x",)), None),
        # not natively shareable: pickled
        [1, 2, 3],
        {"a": 13, "b": 17},
        {1, 2},
        2**100,
        SimpleNamespace(a=1),
        ValueError("boom"),
    ],
    ids=repr,
)
@pytest.mark.parametrize("method", ["get", "get_nowait"])
def test_round_trip_with_full_fallback(obj, method):
    q = interpreters.create_queue()
    q.put(obj)
    got = getattr(q, method)()
    assert type(got) is type(obj)
    if isinstance(obj, BaseException):
        assert got.args == obj.args
    else:
        assert got == obj
    if isinstance(obj, (list, dict, set, SimpleNamespace, BaseException)):
        assert got is not obj


def test_lists_come_back_as_equal_copies():
    q = interpreters.create_queue()
    for get in (q.get, q.get_nowait):
        original = [1, [2, 3]]
        q.put(original)
        got = get()
        assert got == original
        assert got is not original
        assert got[1] is not original[1]


def test_get_on_an_empty_queue():
    q = interpreters.create_queue()
    with pytest.raises(interpreters.QueueEmpty, match=rf"^queue {q.id} is empty$"):
        q.get(timeout=0.1)
    with pytest.raises(interpreters.QueueEmpty, match=rf"^queue {q.id} is empty$"):
        q.get_nowait()


def test_exception_classes():
    assert issubclass(_queues.QueueError, RuntimeError)
    assert issubclass(_queues.QueueNotFoundError, _queues.QueueError)
    assert issubclass(interpreters.QueueEmpty, _queues.QueueError)
    assert issubclass(interpreters.QueueEmpty, stdlib_queue.Empty)
    assert issubclass(interpreters.QueueFull, _queues.QueueError)
    assert issubclass(interpreters.QueueFull, stdlib_queue.Full)
    assert issubclass(_queues.ItemInterpreterDestroyed, _queues.QueueError)
    assert _queues.QueueEmpty is interpreters.QueueEmpty
    assert _queues.QueueFull is interpreters.QueueFull
    q = interpreters.create_queue()
    with pytest.raises(stdlib_queue.Empty):
        q.get_nowait()


# --- across interpreters -------------------------------------------------------------------


def test_queue_put_into_a_queue_is_the_same_object():
    carrier = interpreters.create_queue()
    inner = interpreters.create_queue(7)
    carrier.put(inner)
    assert carrier.get() is inner
    carrier.put_nowait(inner)
    assert carrier.get_nowait() is inner
    carrier.put(carrier)
    assert carrier.get() is carrier


def test_queue_sent_to_a_subinterpreter_is_the_same_queue(interp):
    carrier = interpreters.create_queue()
    run(interp, IMPORT_QUEUES)
    interp.prepare_main(c=carrier)
    sent = interpreters.create_queue(3)
    sent.put(b"payload")
    carrier.put(sent)
    run(
        interp,
        """
        got = c.get()
        assert type(got) is _queues.Queue, type(got)
        c.put((got.id, got.maxsize, got.get()))
        """,
    )
    assert carrier.get() == (sent.id, 3, b"payload")


def test_queue_created_in_a_subinterpreter_comes_back_as_the_same_queue(interp):
    carrier = interpreters.create_queue()
    interp.prepare_main(c=carrier)
    run(
        interp,
        IMPORT_QUEUES
        + """
made = _queues.create(4)
made.put("from sub")
c.put(made)
c.put(made.id)
""",
    )
    made = carrier.get()
    assert made.id == carrier.get()
    assert made.maxsize == 4
    assert made.get() == "from sub"
    made.put("from main")
    run(interp, 'assert made.get() == "from main"')


def test_put_and_get_in_the_same_subinterpreter(interp):
    run(interp, IMPORT_QUEUES + "q = _queues.create()")
    for method in ("get", "get_nowait"):
        run(
            interp,
            f"""
            orig = b'spam'
            q.put(orig)
            obj = q.{method}()
            assert obj == orig, obj
            assert obj is not orig
            assert q.empty()
            """,
        )


@pytest.mark.parametrize("method", ["get", "get_nowait"])
def test_put_and_get_across_interpreters(interp, method):
    to_sub = interpreters.create_queue()
    to_main = interpreters.create_queue()
    before = live_ids()
    orig = b"spam"
    to_sub.put(orig)
    interp.prepare_main(to_sub=to_sub, to_main=to_main, main_obj_id=id(orig))
    run(
        interp,
        f"""
        assert to_sub.qsize() == 1
        obj = to_sub.{method}()
        assert obj == b'spam', obj
        assert id(obj) != main_obj_id
        assert to_sub.qsize() == 0
        eggs = b'eggs'
        to_main.put(eggs)
        assert to_main.qsize() == 1
        """,
    )
    assert live_ids() == before
    assert to_sub.qsize() == 0
    assert to_main.qsize() == 1
    got = getattr(to_main, method)()
    assert got == b"eggs"
    assert id(got) != interp.call(eval, "id(eggs)")


def test_pickled_items_cross_interpreters(interp):
    q = interpreters.create_queue()
    interp.prepare_main(q=q)
    q.put({"k": [1, 2]})
    run(interp, "d = q.get()\nd['k'].append(3)\nq.put(d)\nq.put({1, 2})")
    assert q.get() == {"k": [1, 2, 3]}
    assert q.get() == {1, 2}


# --- items whose interpreter is destroyed --------------------------------------------------


def test_unbound_default_replaces_the_item_with_UNBOUND():
    q = interpreters.create_queue()
    assert q.unbounditems is _queues.UNBOUND
    interp = producer(q, "q.put(b'spam')\nq.put(b'eggs')")
    assert q.qsize() == 2
    assert q.get() == b"spam"
    interp_id = interp.id
    del interp
    assert_destroyed(interp_id)
    assert q.qsize() == 1
    assert q.get() is _queues.UNBOUND
    assert q.qsize() == 0
    with pytest.raises(interpreters.QueueEmpty):
        q.get_nowait()


@pytest.mark.parametrize("where", ["put", "queue"])
def test_unbound_explicit(where):
    if where == "put":
        q = interpreters.create_queue()
        puts = "q.put(b'spam', unbounditems=_queues.UNBOUND)\n"
        puts += "q.put_nowait(b'eggs', unbounditems=_queues.UNBOUND)"
    else:
        q = interpreters.create_queue(unbounditems=_queues.UNBOUND)
        puts = "q.put(b'spam')\nq.put_nowait(b'eggs')"
    interp = producer(q, puts)
    assert q.get() == b"spam"
    interp_id = interp.id
    del interp
    assert_destroyed(interp_id)
    assert q.qsize() == 1
    assert q.get_nowait() is _queues.UNBOUND
    assert q.empty()


@pytest.mark.parametrize("where", ["put", "queue"])
def test_unbound_error_raises_once_per_item(where):
    if where == "put":
        q = interpreters.create_queue()
        puts = "q.put(b'spam', unbounditems=_queues.UNBOUND_ERROR)\n"
        puts += "q.put(b'eggs', unbounditems=_queues.UNBOUND_ERROR)\n"
        puts += "q.put(b'ham', unbounditems=_queues.UNBOUND_ERROR)"
    else:
        q = interpreters.create_queue(unbounditems=_queues.UNBOUND_ERROR)
        assert q.unbounditems is _queues.UNBOUND_ERROR
        puts = "q.put(b'spam')\nq.put(b'eggs')\nq.put(b'ham')"
    interp = producer(q, puts)
    assert q.get() == b"spam"
    interp_id = interp.id
    del interp
    assert_destroyed(interp_id)
    assert q.qsize() == 2
    with pytest.raises(
        _queues.ItemInterpreterDestroyed, match=r"^item's original interpreter destroyed$"
    ):
        q.get()
    assert q.qsize() == 1
    with pytest.raises(_queues.ItemInterpreterDestroyed):
        q.get_nowait()
    assert q.qsize() == 0
    with pytest.raises(interpreters.QueueEmpty):
        q.get_nowait()
    q.put("after")  # the queue itself is fine
    assert q.get() == "after"


@pytest.mark.parametrize("where", ["put", "queue"])
def test_unbound_remove_drops_the_items(where):
    if where == "put":
        q = interpreters.create_queue()
        puts = "q.put(b'spam', unbounditems=_queues.UNBOUND_REMOVE)\n"
        puts += "q.put(b'eggs', unbounditems=_queues.UNBOUND_REMOVE)"
    else:
        q = interpreters.create_queue(unbounditems=_queues.UNBOUND_REMOVE)
        assert q.unbounditems is _queues.UNBOUND_REMOVE
        puts = "q.put(b'spam')\nq.put(b'eggs')"
    interp = producer(q, puts)
    assert q.get() == b"spam"
    assert q.qsize() == 1
    interp_id = interp.id
    del interp
    assert_destroyed(interp_id)
    assert q.qsize() == 0
    with pytest.raises(interpreters.QueueEmpty):
        q.get_nowait()


def test_unbound_remove_keeps_items_of_living_interpreters_in_order():
    q = interpreters.create_queue()
    q.put(b"ham", unbounditems=_queues.UNBOUND_REMOVE)
    interp = producer(
        q,
        "q.put(b'spam', unbounditems=_queues.UNBOUND_REMOVE)\n"
        "q.put(b'eggs', unbounditems=_queues.UNBOUND_REMOVE)",
    )
    assert q.qsize() == 3
    q.put(42, unbounditems=_queues.UNBOUND_REMOVE)
    assert q.qsize() == 4
    interp_id = interp.id
    del interp
    assert_destroyed(interp_id)
    assert q.qsize() == 2
    assert [q.get(), q.get()] == [b"ham", 42]
    assert q.empty()


def test_mixed_unbound_ops_in_one_interpreter():
    q = interpreters.create_queue()  # default: UNBOUND
    interp = producer(
        q,
        """
        q.put('a', unbounditems=_queues.UNBOUND_ERROR)
        q.put('b', unbounditems=_queues.UNBOUND_REMOVE)
        q.put('c')
        q.put('d', unbounditems=_queues.UNBOUND)
        q.put('e', unbounditems=_queues.UNBOUND_REMOVE)
        q.put('f', unbounditems=_queues.UNBOUND_ERROR)
        """,
    )
    assert q.qsize() == 6
    interp_id = interp.id
    del interp
    assert_destroyed(interp_id)
    assert q.qsize() == 4
    with pytest.raises(_queues.ItemInterpreterDestroyed):
        q.get()
    assert q.qsize() == 3
    assert q.get() is _queues.UNBOUND
    assert q.get() is _queues.UNBOUND
    assert q.qsize() == 1
    with pytest.raises(_queues.ItemInterpreterDestroyed):
        q.get()
    assert q.qsize() == 0


def test_unbound_items_with_two_interpreters_passing_items_around():
    q = interpreters.create_queue()
    a = producer(q, "")
    b = producer(q, "")
    q.put(0)
    run(
        a,
        """
        x = q.get()
        q.put(1, unbounditems=_queues.UNBOUND)
        q.put(x, unbounditems=_queues.UNBOUND_REMOVE)  # now owned by a
        """,
    )
    run(b, "y = q.get()\nz = q.get()\nassert (y, z) == (1, 0), (y, z)")
    assert q.qsize() == 0
    q.put(2)
    run(
        a,
        """
        q.put(3, unbounditems=_queues.UNBOUND_ERROR)
        q.put(4, unbounditems=_queues.UNBOUND_REMOVE)
        q.put(5, unbounditems=_queues.UNBOUND)
        """,
    )
    run(
        b,
        """
        q.put(y, unbounditems=_queues.UNBOUND_REMOVE)
        q.put(z, unbounditems=_queues.UNBOUND_ERROR)
        q.put(6)
        """,
    )
    run(a, "q.put(7, unbounditems=_queues.UNBOUND_ERROR)")
    run(b, "q.put(8, unbounditems=_queues.UNBOUND_REMOVE)")
    assert q.qsize() == 9

    assert q.get() == 2
    assert q.qsize() == 8
    a_id = a.id
    del a
    assert_destroyed(a_id)  # 4 goes; 3, 5 and 7 lose their data
    assert q.qsize() == 7
    with pytest.raises(_queues.ItemInterpreterDestroyed):  # 3
        q.get()
    assert q.get() is _queues.UNBOUND  # 5
    assert q.get() == 1  # b's, b still alive
    assert q.qsize() == 4
    b_id = b.id
    del b
    assert_destroyed(b_id)  # 8 goes; 0 and 6 lose their data
    assert q.qsize() == 3
    with pytest.raises(_queues.ItemInterpreterDestroyed):  # 0
        q.get()
    assert q.get() is _queues.UNBOUND  # 6
    with pytest.raises(_queues.ItemInterpreterDestroyed):  # 7, put by a
        q.get()
    assert q.qsize() == 0
    with pytest.raises(interpreters.QueueEmpty):
        q.get_nowait()


def test_items_of_surviving_interpreters_are_untouched():
    q = interpreters.create_queue()
    survivor = producer(q, "")
    doomed = producer(q, "")
    try:
        run(survivor, "q.put([1, 'survivor'])")
        run(doomed, "q.put([2, 'doomed'])")
        q.put([3, "main"])
        run(survivor, "q.put(b'survivor again', unbounditems=_queues.UNBOUND_REMOVE)")
        doomed_id = doomed.id
        del doomed
        assert_destroyed(doomed_id)
        assert q.qsize() == 4
        assert q.get() == [1, "survivor"]
        assert q.get() is _queues.UNBOUND
        assert q.get() == [3, "main"]
        assert q.get() == b"survivor again"
    finally:
        survivor.close()


def test_unbound_marker():
    marker = _queues.UNBOUND
    assert repr(marker).endswith("._queues.UNBOUND")
    assert type(marker).__name__ == "UnboundQueueItem"
    with pytest.raises(Exception, match=r"^use .*\._queues\.UNBOUND$"):
        type(marker)()
    assert marker is not _queues.UNBOUND_ERROR
    assert marker is not _queues.UNBOUND_REMOVE
    assert _queues.UNBOUND_ERROR is not _queues.UNBOUND_REMOVE


def test_unsupported_unbound_ops_are_rejected():
    with pytest.raises(NotImplementedError, match="unsupported unbound replacement op"):
        interpreters.create_queue(unbounditems=None)
    with pytest.raises(NotImplementedError):
        interpreters.create_queue(unbounditems="UNBOUND")
    q = interpreters.create_queue()
    with pytest.raises(NotImplementedError, match="unsupported unbound replacement op"):
        q.put(1, unbounditems=object())
    with pytest.raises(NotImplementedError):
        q.put_nowait(1, unbounditems=True)
    assert q.qsize() == 0


# --- threads; block=False and positional block ---------------------------------------------


def test_put_and_get_in_different_threads():
    inbox = interpreters.create_queue()
    outbox = interpreters.create_queue()

    def echo():
        for _ in range(3):
            while True:
                try:
                    obj = inbox.get(timeout=0.1)
                except interpreters.QueueEmpty:
                    continue
                break
            outbox.put(obj)

    t = threading.Thread(target=echo)
    t.start()
    try:
        originals = [b"spam", [1, 2], ("x", 3)]
        for orig in originals:
            time.sleep(0.05)
            inbox.put(orig)
        echoed = [outbox.get(timeout=30) for _ in originals]
    finally:
        t.join(30)
    assert not t.is_alive()
    assert echoed == originals
    assert all(e is not o for e, o in zip(echoed, originals, strict=True))


def test_threads_of_a_subinterpreter_share_the_queue(interp):
    q = interpreters.create_queue()
    interp.prepare_main(q=q)
    run(
        interp,
        """
        import threading
        def work(n):
            q.put(('thread', n))
        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        """,
    )
    assert sorted(q.get() for _ in range(4)) == [("thread", n) for n in range(4)]


_HAS_BLOCK = "block" in inspect.signature(interpreters.Queue.get).parameters
needs_block = pytest.mark.skipif(
    STDLIB and not _HAS_BLOCK,
    reason="CPython 3.14 before gh-138253: Queue.get()/put() have no block parameter",
)


@needs_block
def test_put_with_block_false_is_put_nowait():
    q = interpreters.create_queue(1)
    q.put("a", block=False)
    start = time.monotonic()
    with pytest.raises(interpreters.QueueFull):
        q.put("b", False, 5)  # the timeout is ignored
    assert time.monotonic() - start < 2
    q.get()
    q.put("c", False, unbounditems=_queues.UNBOUND_REMOVE)
    assert q.get() == "c"


@needs_block
def test_get_with_block_false_is_get_nowait():
    q = interpreters.create_queue()
    start = time.monotonic()
    with pytest.raises(interpreters.QueueEmpty, match=rf"^queue {q.id} is empty$"):
        q.get(False, 5)  # the timeout is ignored
    with pytest.raises(interpreters.QueueEmpty):
        q.get(block=False)
    assert time.monotonic() - start < 2
    q.put(1)
    assert q.get(block=False) == 1


@needs_block
def test_positional_block_and_timeout_like_queue_Queue():
    q = interpreters.create_queue(1)
    q.put("x", True, 5)
    assert q.get(True) == "x"
    q.put("y", True)
    assert q.get(True, 5) == "y"


@needs_block
def test_logging_queue_handler_and_listener():
    q = interpreters.create_queue()
    seen = []

    class Collect(logging.Handler):
        def emit(self, record):
            seen.append((record.levelname, record.getMessage()))

    listener = logging.handlers.QueueListener(q, Collect())
    logger = logging.getLogger("interpreters_pep734.tests.queues")
    handler = logging.handlers.QueueHandler(q)
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    listener.start()
    try:
        logger.info("hello %s", "queue")
        logger.warning("second")
    finally:
        listener.stop()
        logger.removeHandler(handler)
    assert seen == [("INFO", "hello queue"), ("WARNING", "second")]
    assert q.empty()


def test_timeouts_use_the_monotonic_clock_of_the_queues_module():
    # The deadline of a blocking call comes from time.monotonic(), never the wall clock
    # (which may jump).  As in 3.14, the clock is looked up through the module of Queue
    # (concurrent.interpreters._queues there).
    module = sys.modules[_queues.Queue.__module__]
    queue = _queues.create(1)
    with mock.patch.object(module, "time", wraps=time) as fake_time:
        with pytest.raises(_queues.QueueEmpty):
            queue.get(timeout=0)
        queue.put(None)
        with pytest.raises(_queues.QueueFull):
            queue.put(None, timeout=0)
    fake_time.monotonic.assert_called()
    fake_time.time.assert_not_called()


# --- the backend's queue protocol -------------------------------------------------------------


def _has_3_14_queue_protocol() -> bool:
    try:
        from interpreters_pep734._backend._py313 import _queue_protocol
    except ImportError:  # 3.12: no _interpreters
        return False
    return _queue_protocol()[0] != 0  # 3.13's (fmt, unboundop) starts with fmt 0


@pytest.mark.skipif(
    not _has_3_14_queue_protocol(),
    reason="needs _interpqueues with 3.14's create(maxsize, unboundop, fallback): CPython 3.14+",
)
def test_the_3_13_backend_speaks_the_3_14_queue_protocol_too():
    # No 3.13 release has it yet (3.13.18 has not), but the backend probes for it rather
    # than trusting the version: exercise that branch where the protocol exists.
    from interpreters_pep734 import _errors
    from interpreters_pep734._backend._py313 import Py313Backend

    backend = Py313Backend()
    assert backend.queue_put == backend._put_with_fallback  # not the 3.13 C function
    qid = backend.queue_create(0, 2)
    try:
        assert backend.queue_default_unboundop(qid) == 2
        assert qid in backend.queue_list_all()
        backend.queue_put(qid, b"pickled bytes", True, 3)
        backend.queue_put(qid, 12345, False, 1)
        assert backend.queue_count(qid) == 2
        assert backend.queue_get(qid) == (b"pickled bytes", True, None)
        assert backend.queue_get(qid) == (12345, False, None)
        assert backend.queue_count(qid) == 0
    finally:
        import _interpqueues

        _interpqueues.destroy(qid)
    with pytest.raises(backend.queue_native_errors) as caught:
        backend.queue_get(qid)
    error = backend.translate_queue_error(caught.value)
    assert isinstance(error, _errors.QueueNotFoundError)  # the backend's own class
    assert str(error) == f"queue {qid} not found"
