"""A user's program with cross-interpreter queues: checked, not run (see README.md here)."""

import queue
import sys
from typing import assert_type

import interpreters_pep734 as interpreters
from interpreters_pep734._queues import (
    UNBOUND,
    UNBOUND_ERROR,
    UNBOUND_REMOVE,
    ItemInterpreterDestroyed,
    QueueError,
    QueueNotFoundError,
)
from interpreters_pep734._queues import create as create_queue
from interpreters_pep734._queues import list_all as list_queues


def main() -> None:
    q = interpreters.create_queue()
    assert_type(q, interpreters.Queue)
    assert_type(interpreters.create_queue(5, unbounditems=UNBOUND_ERROR), interpreters.Queue)
    assert_type(create_queue(unbounditems=UNBOUND_REMOVE), interpreters.Queue)
    assert_type(list_queues(), list[interpreters.Queue])
    assert_type(interpreters.Queue(q.id), interpreters.Queue)
    interpreters.create_queue(unbounditems=None)  # type: ignore[arg-type]

    assert_type(q.id, int)
    assert_type(q.maxsize, int)
    assert_type(q.qsize(), int)
    assert_type(q.empty(), bool)
    assert_type(q.full(), bool)
    interpreters.create_queue(unbounditems=q.unbounditems)

    # put(): any object; unbounditems is one of the three markers, or None for the default.
    assert_type(q.put(1), None)
    q.put("x", block=False)
    q.put(b"x", True, 2)
    q.put((1, 2), timeout=None, unbounditems=UNBOUND)
    q.put_nowait(None, unbounditems=UNBOUND_REMOVE)
    q.put(1, unbounditems=42)  # type: ignore[arg-type]
    q.put_nowait(1, unbounditems="UNBOUND")  # type: ignore[arg-type]

    # get(): the item's type is not known statically.
    assert_type(q.get(), object)
    assert_type(q.get(block=False), object)
    assert_type(q.get(True, 2), object)
    assert_type(q.get_nowait(), object)
    q.get(timeout="2")  # type: ignore[arg-type]

    # The documented difference: typeshed types 3.14's timeouts as SupportsIndex (3.14
    # truncates a float with int()); this package honours a float timeout.
    if sys.version_info >= (3, 14):
        q.get(timeout=0.5)  # type: ignore[arg-type]
        q.put(1, timeout=0.5)  # type: ignore[arg-type]
    else:
        q.get(timeout=0.5)
        q.put(1, timeout=0.5)

    try:
        q.get_nowait()
    except interpreters.QueueEmpty as exc:
        empty: queue.Empty = exc
        error: QueueError = exc
        del empty, error
    try:
        q.put_nowait(1)
    except interpreters.QueueFull as exc:
        full: queue.Full = exc
        del full
    except ItemInterpreterDestroyed as exc:
        destroyed: QueueError = exc
        del destroyed
    except QueueNotFoundError as exc:
        missing: QueueError = exc
        del missing
