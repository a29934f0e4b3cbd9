"""Queues beyond CPython's own tests: load, races with interpreter destruction, failed puts,
identity of queues passed around, and where this package does better than 3.14.

``QUEUE_STRESS_ITEMS`` (default 40,000: 10,000 from each of 4 producer interpreters) sets
how many items the producer/consumer test moves; set it higher for a longer soak.
"""

from __future__ import annotations

import os
import textwrap
import threading
import time

import pytest

import interpreters_pep734 as interpreters
from conftest import STDLIB, run_python
from interpreters_pep734 import _queues

STRESS_ITEMS = int(os.environ.get("QUEUE_STRESS_ITEMS", "40000"))
FLOAT_TIMEOUT_REASON = (
    "CPython 3.14+: the stdlib Queue truncates float timeouts with int(); "
    "this package hands out the stdlib's Queue there"
)


def run(interp: interpreters.Interpreter, source: str) -> None:
    interp.exec(textwrap.dedent(source))


def run_in_thread(interp, source, errors):
    def target():
        try:
            run(interp, source)
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=target)
    t.start()
    return t


# --- no item lost or duplicated ------------------------------------------------------------

PRODUCE = """
for i in range(count):
    item = (me, i)
    if i % 7 == 0:
        item = [me, i]  # not natively shareable: goes through pickle
    work.put(item)
"""

CONSUME = """
got = []
while True:
    item = work.get()
    if item is None:
        break
    got.append(tuple(item))
results.put(tuple(got))
"""


def test_producers_and_consumers_lose_and_duplicate_nothing():
    producers, consumers = 4, 4
    per_producer = max(1, STRESS_ITEMS // producers)
    work = interpreters.create_queue(64)  # bounded: producers also wait for room
    results = interpreters.create_queue()
    errors: list[BaseException] = []
    interps = [interpreters.create() for _ in range(producers + consumers)]
    try:
        threads = []
        for n, interp in enumerate(interps[producers:]):
            interp.prepare_main(work=work, results=results, me=n)
            threads.append(run_in_thread(interp, CONSUME, errors))
        producer_threads = []
        for n, interp in enumerate(interps[:producers]):
            interp.prepare_main(work=work, me=n, count=per_producer)
            producer_threads.append(run_in_thread(interp, PRODUCE, errors))
        for t in producer_threads:
            t.join(120)
        assert not any(t.is_alive() for t in producer_threads), "producers hung"
        for _ in range(consumers):
            work.put(None)
        for t in threads:
            t.join(120)
        assert not any(t.is_alive() for t in threads), "consumers hung"
        assert errors == []

        batches = [results.get(timeout=10) for _ in range(consumers)]
        assert results.empty()
        assert work.empty()
    finally:
        for interp in interps:
            interp.close()

    received = [item for batch in batches for item in batch]
    expected = [(p, i) for p in range(producers) for i in range(per_producer)]
    assert len(received) == len(expected)  # nothing duplicated
    assert sorted(received) == expected  # nothing lost
    for batch in batches:  # FIFO: each consumer sees each producer's items in order
        for p in range(producers):
            seqs = [i for (q, i) in batch if q == p]
            assert seqs == sorted(seqs)


# --- a blocked get() while the putting interpreter goes away -------------------------------


@pytest.mark.parametrize("op", ["UNBOUND", "UNBOUND_ERROR", "UNBOUND_REMOVE"])
def test_blocked_get_while_the_producer_is_closed(op):
    q = interpreters.create_queue()
    outcome = []
    waiting = threading.Event()

    def consumer():
        waiting.set()
        start = time.monotonic()
        try:
            outcome.append(("item", q.get(timeout=3)))
        except _queues.ItemInterpreterDestroyed as exc:
            outcome.append(("destroyed", str(exc)))
        except interpreters.QueueEmpty:
            outcome.append(("empty", None))
        except BaseException as exc:
            outcome.append(("unexpected", exc))
        outcome.append(time.monotonic() - start)

    t = threading.Thread(target=consumer)
    t.start()
    try:
        waiting.wait(10)
        time.sleep(0.1)  # the consumer is now inside get()
        producer = interpreters.create()
        producer.prepare_main(q=q)
        run(
            producer,
            f"from interpreters_pep734 import _queues\nq.put(b'data', unbounditems=_queues.{op})",
        )
        producer.close()
    finally:
        t.join(30)
    assert not t.is_alive(), "get() hung after the producer was closed"
    result, elapsed = outcome
    # The consumer may win the race and get the item before the close; otherwise it gets
    # the unbound behaviour of the item's op.
    unbound = {
        "UNBOUND": ("item", _queues.UNBOUND),
        "UNBOUND_ERROR": ("destroyed", "item's original interpreter destroyed"),
        "UNBOUND_REMOVE": ("empty", None),
    }[op]
    assert result in (("item", b"data"), unbound)
    assert elapsed < 20
    assert q.qsize() == 0


def test_destroyed_producer_with_a_waiting_consumer_interpreter():
    """A consumer in another interpreter, blocked in get(), sees the replacement items."""
    q = interpreters.create_queue()
    done = interpreters.create_queue()
    consumer = interpreters.create()
    producer = interpreters.create()
    errors: list[BaseException] = []
    try:
        consumer.prepare_main(q=q, done=done)
        t = run_in_thread(
            consumer,
            """
            from interpreters_pep734 import _queues
            seen = []
            for _ in range(3):
                try:
                    seen.append(repr(q.get(timeout=30)))
                except _queues.ItemInterpreterDestroyed:
                    seen.append('destroyed')
            done.put(tuple(seen))
            """,
            errors,
        )
        producer.prepare_main(q=q)
        run(producer, "from interpreters_pep734 import _queues")
        time.sleep(0.1)  # the consumer is now blocked in get()
        # Whether the consumer takes an item before the close is a race: accept the data
        # or its replacement, but never a hang, a crash or another item.
        run(
            producer,
            """
            q.put(b'a', unbounditems=_queues.UNBOUND)
            q.put(b'b', unbounditems=_queues.UNBOUND_ERROR)
            q.put(b'c', unbounditems=_queues.UNBOUND)
            """,
        )
        producer.close()
        t.join(60)
        assert not t.is_alive()
        assert errors == []
        seen = done.get(timeout=10)
    finally:
        consumer.close()
    assert seen[0] in ("b'a'", repr(_queues.UNBOUND))
    assert seen[1] in ("b'b'", "destroyed")
    assert seen[2] in ("b'c'", repr(_queues.UNBOUND))


# --- put() of objects that cannot be shared ------------------------------------------------


def _closure():
    captured = [1]
    return lambda: captured


class ReduceFails:
    def __reduce__(self):
        raise RuntimeError("cannot reduce")


class LocalHolder:
    def __init__(self):
        class Local:
            pass

        self.local = Local()


UNSHAREABLE = {
    "closure lambda": _closure,
    "__reduce__ raises": ReduceFails,
    "instance of a local class": lambda: LocalHolder().local,
    "generator": lambda: (i for i in range(3)),
}


@pytest.mark.parametrize("make", UNSHAREABLE.values(), ids=UNSHAREABLE.keys())
def test_put_of_an_unshareable_object_leaves_the_queue_unchanged(make):
    q = interpreters.create_queue()
    q.put(b"previous")
    obj = make()
    with pytest.raises(interpreters.NotShareableError) as info:
        q.put(obj)
    assert isinstance(info.value, TypeError)
    with pytest.raises(interpreters.NotShareableError):
        q.put_nowait(obj)
    assert q.qsize() == 1
    assert q.get() == b"previous"
    assert q.empty()


def test_unshareable_object_error_message():
    q = interpreters.create_queue()
    obj = _closure()
    with pytest.raises(interpreters.NotShareableError) as info:
        q.put(obj)
    assert str(info.value) == f"{obj!r} does not support cross-interpreter data"


def test_unshareable_put_into_a_full_queue_is_not_shareable_not_full():
    q = interpreters.create_queue(1)
    q.put("only")
    with pytest.raises(interpreters.NotShareableError):
        q.put_nowait(_closure())
    with pytest.raises(interpreters.NotShareableError):
        q.put(ReduceFails(), timeout=1)
    assert q.qsize() == 1
    assert q.get() == "only"


def test_unshareable_put_in_a_subinterpreter(interp):
    q = interpreters.create_queue()
    interp.prepare_main(q=q)
    q.put(1)
    run(
        interp,
        """
        import interpreters_pep734 as interpreters
        def make():
            x = 2
            return lambda: x
        try:
            q.put(make())
        except interpreters.NotShareableError:
            pass
        else:
            raise AssertionError('put did not fail')
        assert q.qsize() == 1
        q.put(3)
        """,
    )
    assert [q.get(), q.get()] == [1, 3]


# --- a queue passed around is the same queue -----------------------------------------------


def _identity(obj):
    return obj


def _main_global(name):
    return globals()[name]


def _is_main_global(name, obj):
    return globals()[name] is obj


def _queue_id(q):
    return q.id


def test_queue_passed_around_in_the_same_interpreter_is_the_same_object(interp):
    q = interpreters.create_queue()
    carrier = interpreters.create_queue()
    carrier.put(q)
    assert carrier.get() is q
    carrier.put(("wrapped", q))
    assert carrier.get()[1] is q
    # Through call() into another interpreter and back: the very same object again.
    assert interp.call(_identity, q) is q
    interp.prepare_main(q=q)
    assert interp.call(_main_global, "q") is q
    assert interp.call(_identity, (q, 1))[0] is q


def test_queue_passed_into_a_subinterpreter_is_one_object_there(interp):
    q = interpreters.create_queue()
    carrier = interpreters.create_queue()
    interp.prepare_main(q=q, c=carrier)
    # prepare_main again, call() args, and through another queue: all the same object
    interp.prepare_main(q2=q)
    assert interp.call(eval, "q2 is q") is True
    assert interp.call(_is_main_global, "q", q) is True
    assert interp.call(_queue_id, q) == q.id
    carrier.put(q)
    assert interp.call(eval, "c.get() is q") is True
    carrier.put([q])  # pickled container: the queue inside still resolves to the same object
    assert interp.call(eval, "c.get()[0] is q") is True
    # And it works as a queue there.
    q.put("to sub")
    assert interp.call(eval, "q.get()") == "to sub"


def test_queue_created_in_a_subinterpreter_keeps_its_id_everywhere(interp):
    carrier = interpreters.create_queue()
    interp.prepare_main(c=carrier)
    run(
        interp,
        """
        from interpreters_pep734 import _queues
        own = _queues.create()
        c.put(own)
        """,
    )
    own = carrier.get()
    assert own.id == interp.call(eval, "own.id")
    assert interp.call(_is_main_global, "own", own) is True
    assert interp.call(_main_global, "own") is own
    own.put(("from main", 1))
    assert interp.call(eval, "own.get()") == ("from main", 1)


# --- where this package does better than 3.14 ----------------------------------------------


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


@pytest.mark.skipif(
    STDLIB,
    reason=(
        "CPython 3.14+: destroying an interpreter while a Queue it put is still queued "
        "deadlocks in _interpqueues; this package hands out the stdlib's Queue there"
    ),
)
def test_destroying_an_interpreter_whose_queued_item_is_a_queue_does_not_hang():
    proc = run_python(
        """
        import faulthandler
        import interpreters_pep734 as interpreters
        from interpreters_pep734 import _queues

        faulthandler.dump_traceback_later(10, exit=True)  # a hang shows where, on stderr
        q = interpreters.create_queue()
        interp = interpreters.create()
        interp.prepare_main(q=q)
        interp.exec("from interpreters_pep734 import _queues\\nq.put(_queues.create())")
        assert q.qsize() == 1
        interp.close()
        assert q.qsize() == 1
        assert q.get() is _queues.UNBOUND
        print("ok")
        """,
        timeout=20,
    )
    assert proc.stdout == "ok\n"


def _raises_on_stdlib(name: str, error: str):
    reason = (
        f"CPython 3.14+: list_all() and Queue(id).unbounditems raise {error} for a queue "
        f"whose default is {name}; this package hands out the stdlib's Queue there"
    )
    return pytest.param(name, marks=pytest.mark.skipif(STDLIB, reason=reason))


@pytest.mark.parametrize(
    "name",
    [
        "UNBOUND",
        _raises_on_stdlib("UNBOUND_ERROR", "ItemInterpreterDestroyed"),
        _raises_on_stdlib("UNBOUND_REMOVE", "NotImplementedError"),
    ],
)
def test_a_queue_found_by_id_reports_its_default_unbounditems(interp, name):
    # Made in another interpreter, so this one learns the default from the queue itself.
    ids = interpreters.create_queue()
    interp.prepare_main(ids=ids)
    run(
        interp,
        f"""
        from interpreters_pep734 import _queues
        q = _queues.create(unbounditems=_queues.{name})
        ids.put(q.id)
        """,
    )
    qid = ids.get(timeout=10)
    listed = {q.id: q for q in _queues.list_all()}
    assert listed[qid].unbounditems is getattr(_queues, name)
    assert _queues.Queue(qid) is listed[qid]


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
