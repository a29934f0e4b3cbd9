"""Items whose interpreter goes away while a consumer waits for them or while they are
queues themselves, and the default unbound op of a queue found by its id.  (The unbound ops
of items at rest are in test_queues.py, "items whose interpreter is destroyed".)
"""

from __future__ import annotations

import textwrap
import threading
import time

import pytest

import interpreters_pep734 as interpreters
from conftest import STDLIB, exec_in_thread, run_python
from interpreters_pep734 import _queues


def run(interp: interpreters.Interpreter, source: str) -> None:
    interp.exec(textwrap.dedent(source))


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
        t = exec_in_thread(
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


# --- a queue as a queued item, and a queue's default unbound op -----------------------------


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
