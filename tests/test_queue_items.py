"""What travels through a queue: many producers and consumers lose and duplicate nothing,
an object that cannot be shared is refused and leaves the queue unchanged, and a queue that
travels (as an item, a call() argument or a prepare_main() value) is the same queue.

``QUEUE_STRESS_ITEMS`` (default 40,000: 10,000 from each of 4 producer interpreters) sets
how many items the producer/consumer test moves; set it higher for a longer soak.
"""

from __future__ import annotations

import os
import textwrap

import pytest

import interpreters_pep734 as interpreters
from conftest import exec_in_thread

STRESS_ITEMS = int(os.environ.get("QUEUE_STRESS_ITEMS", "40000"))


def run(interp: interpreters.Interpreter, source: str) -> None:
    interp.exec(textwrap.dedent(source))


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
            threads.append(exec_in_thread(interp, CONSUME, errors))
        producer_threads = []
        for n, interp in enumerate(interps[:producers]):
            interp.prepare_main(work=work, me=n, count=per_producer)
            producer_threads.append(exec_in_thread(interp, PRODUCE, errors))
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
