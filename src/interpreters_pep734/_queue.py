"""Cross-interpreter queues (``concurrent.interpreters._queues``) for CPython 3.12/3.13.

Written once against the backend's queue primitives.  Differences from 3.14, on purpose:
a blocked ``get()``/``put()`` sleeps until a put or get in any interpreter lets it go on
(``_backend._wakeups``; 3.14 polls every 10 ms), and float timeouts are honoured (3.14
truncates them with ``int()``).
"""

from __future__ import annotations

import operator
import time
import weakref

from . import _transfer, _unbound
from ._backend import BACKEND, _wakeups
from ._backend._interface import Backend
from ._errors import (
    ItemInterpreterDestroyed,
    QueueEmpty,
    QueueError,
    QueueFull,
    QueueNotFoundError,
)
from ._unbound import UNBOUND_ERROR, UNBOUND_REMOVE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Final, Self, SupportsIndex

    from ._unbound import AnyUnbound

__all__ = [
    "UNBOUND",
    "UNBOUND_ERROR",
    "UNBOUND_REMOVE",
    "ItemInterpreterDestroyed",
    "Queue",
    "QueueEmpty",
    "QueueError",
    "QueueFull",
    "QueueNotFoundError",
    "create",
    "list_all",
]

assert BACKEND is not None
_backend: Backend = BACKEND

UNBOUND: Final[_unbound.UnboundItem] = _unbound.UnboundItem.singleton(
    "queue", "interpreters_pep734._queues"
)


def _serialize_unbound(unbound: AnyUnbound) -> int:
    if unbound is UNBOUND:
        unbound = _unbound.UNBOUND
    return _unbound.serialize_unbound(unbound)[0]


def _resolve_unbound(flag: int) -> object:
    resolved = _unbound.resolve_unbound(flag, ItemInterpreterDestroyed)
    return UNBOUND if resolved is _unbound.UNBOUND else resolved


#: The unbounditems constant for each unbound op.
_DEFAULT_OP_ITEMS: dict[int, AnyUnbound] = {1: UNBOUND_REMOVE, 2: UNBOUND_ERROR, 3: UNBOUND}


def create(maxsize: int = 0, *, unbounditems: AnyUnbound = UNBOUND) -> Queue:
    """Make a queue that any interpreter can put items into and get items from.

    ``maxsize`` limits how many items it holds (0 or less: no limit).  ``unbounditems``
    is what put() uses when not given one of its own (see Queue.put() for the choices);
    by default, UNBOUND takes the place of an item whose interpreter is destroyed.
    """
    unboundop = _serialize_unbound(unbounditems)
    maxsize = operator.index(maxsize)
    qid = _backend.queue_create(maxsize, unboundop)
    self = Queue(qid)
    _backend.queue_release_creation(qid)
    self._set_unbound(unboundop, unbounditems)
    return self


def list_all() -> list[Queue]:
    """Return a Queue object for every queue that currently exists."""
    return [Queue(qid) for qid in _backend.queue_list_all()]


def _deadline(timeout: SupportsIndex | float | None) -> float | None:
    if timeout is None:
        return None
    if not isinstance(timeout, (int, float)):
        timeout = int(timeout)  # as 3.14 converts every timeout (it truncates floats too)
    seconds: float = timeout
    if seconds < 0:
        raise ValueError("timeout value must be non-negative")
    return time.monotonic() + seconds


_known_queues: weakref.WeakValueDictionary[int, Queue] = weakref.WeakValueDictionary()


class Queue:
    """A FIFO queue shared by interpreters, identified by its ID."""

    _id: int
    _default_op: int
    _unbound: tuple[int, AnyUnbound]
    _maxsize: int
    _item_bucket: int
    _room_bucket: int

    def __new__(cls, id: int, /) -> Self:
        # Queue(id) returns the existing object for that ID when there is one.
        if isinstance(id, int):
            id = int(id)
        else:
            raise TypeError(f"id must be an int, got {id!r}")
        try:
            # Self as typeshed has it; a subclass may get the base-class object made first.
            self: Self = _known_queues[id]  # type: ignore[assignment]
        except KeyError:
            self = super().__new__(cls)
            self._id = id
            _backend.queue_bind(id)  # raises QueueNotFoundError for an unknown id
            self._bound = True
            # put() needs the queue's default unbound op every time: read it once here,
            # before another thread can find this object.
            self._default_op = _backend.queue_default_unboundop(id)
            # Where put() and get() look whether a sleeper waits for this queue (only a
            # bounded queue has puts waiting for room; -1: none to look for).
            self._item_bucket = id & _MASK
            bounded = _backend.queue_maxsize(id) > 0
            self._room_bucket = _ROOM_BASE + (id & _MASK) if bounded else -1
            _known_queues[id] = self
        return self

    def __del__(self) -> None:
        if not getattr(self, "_bound", False):
            return  # binding failed: there is nothing to release
        self._bound = False
        try:
            _backend.queue_release(self._id)
        except QueueNotFoundError:
            pass
        try:
            del _known_queues[self._id]
        except (KeyError, AttributeError):
            pass

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id})"

    def __hash__(self) -> int:
        return hash(self._id)

    # Pickling (and so sending to another interpreter) refers to the queue by ID.
    def __reduce__(self) -> tuple[type[Self], tuple[int]]:
        _transfer.note_in_transit(self)
        return (type(self), (self._id,))

    def _set_unbound(self, op: int, items: AnyUnbound) -> None:
        self._unbound = (op, items)

    @property
    def id(self) -> int:
        return self._id

    @property
    def unbounditems(self) -> AnyUnbound:
        try:
            _, items = self._unbound
        except AttributeError:
            # Not made by create() here: the constant for the queue's default.  (3.14
            # resolves the flag as for an item, so UNBOUND_ERROR raises there.)
            return _DEFAULT_OP_ITEMS[self._default_op]
        return items

    @property
    def maxsize(self) -> int:
        try:
            return self._maxsize
        except AttributeError:
            self._maxsize = _backend.queue_maxsize(self._id)
            return self._maxsize

    def empty(self) -> bool:
        return self.qsize() == 0

    def full(self) -> bool:
        maxsize = self.maxsize
        return maxsize > 0 and self.qsize() >= maxsize

    def qsize(self) -> int:
        return _backend.queue_count(self._id)

    def put(
        self,
        obj: object,
        block: bool = True,
        timeout: SupportsIndex | float | None = None,
        *,
        unbounditems: AnyUnbound | None = None,
        _delay: float = 10 / 1000,
    ) -> None:
        """Append ``obj`` to the queue.

        If "block" is true, this blocks while the queue is full; "timeout" (seconds, a
        float is honoured) bounds the wait, after which QueueFull is raised.

        What get() returns is normally a copy: equal to ``obj`` but sharing no data
        with it.  A Queue is the exception and arrives as the very same queue.
        Natively shareable values (see interpreters.is_shareable()) cross without pickle;
        everything else is pickled.

        ``unbounditems`` decides what happens to this item if the interpreter calling
        put() is destroyed before the item is taken out.  None (the default) defers to
        the queue's own setting, chosen in create_queue() and usually UNBOUND.  UNBOUND:
        get() returns UNBOUND instead of the item.  UNBOUND_ERROR: get() raises
        ItemInterpreterDestroyed.  UNBOUND_REMOVE: the item is dropped from the queue
        when the interpreter goes away.
        """
        unboundop = self._default_op if unbounditems is None else _serialize_unbound(unbounditems)
        deadline = None if timeout is None or not block else _deadline(timeout)
        cls = type(obj)
        if cls in _NATIVE_NOT_INT or (cls is int and _INT64_MIN <= obj < _INT64_END):  # type: ignore[operator]
            item, pickled = obj, False  # the common case, without a call
        else:
            item, pickled = _encode(obj)
        try:
            _queue_put(self._id, item, pickled, unboundop)
        except QueueFull:
            if not block:
                _release_holds(item, pickled)
                raise
        except _NATIVE_ERRORS as exc:
            _release_holds(item, pickled)
            raise _translate(exc) from None
        except Exception:  # not a signal's: the item may have gone in as it came
            _release_holds(item, pickled)
            raise
        else:
            if _waits.counts[self._item_bucket]:
                _waits.wake(self._id, _ITEM)
            return None
        try:
            self._put_when_room(item, pickled, unboundop, deadline)
        except Exception:  # not a signal's: the item may have gone in as it came
            _release_holds(item, pickled)
            raise
        if _waits.counts[self._item_bucket]:
            _waits.wake(self._id, _ITEM)

    def _put_when_room(
        self, item: object, pickled: bool, unboundop: int, deadline: float | None
    ) -> None:
        _sleep_until_done(
            self._id, _ROOM, lambda: _queue_put(self._id, item, pickled, unboundop), deadline
        )

    def put_nowait(self, obj: object, *, unbounditems: AnyUnbound | None = None) -> None:
        unboundop = self._default_op if unbounditems is None else _serialize_unbound(unbounditems)
        item, pickled = _encode(obj)
        try:
            _queue_put(self._id, item, pickled, unboundop)
        except _NATIVE_ERRORS as exc:
            _release_holds(item, pickled)
            raise _translate(exc) from None
        except Exception:  # not a signal's: the item may have gone in as it came
            _release_holds(item, pickled)
            raise
        if _waits.counts[self._item_bucket]:
            _waits.wake(self._id, _ITEM)

    def get(
        self,
        block: bool = True,
        timeout: SupportsIndex | float | None = None,
        *,
        _delay: float = 10 / 1000,
    ) -> object:
        """Remove the oldest item from the queue and return it.

        If "block" is true, this blocks while the queue is empty; "timeout" (seconds, a
        float is honoured) bounds the wait, after which QueueEmpty is raised.

        For an item whose interpreter has since been destroyed, the result depends on the
        ``unbounditems`` it was put with: UNBOUND is returned, or ItemInterpreterDestroyed
        raised.
        """
        deadline = None if timeout is None or not block else _deadline(timeout)
        try:
            obj, pickled, unboundop = _queue_get(self._id)
        except QueueEmpty:
            if not block:
                raise
            obj, pickled, unboundop = self._wait_for_item(deadline)
        except _NATIVE_ERRORS as exc:
            raise _translate(exc) from None
        if self._room_bucket >= 0 and _waits.counts[self._room_bucket]:
            _waits.wake(self._id, _ROOM)
        if pickled or unboundop is not None:
            return _decode(obj, pickled, unboundop)
        return obj

    def _wait_for_item(self, deadline: float | None) -> tuple[object, bool, int | None]:
        return _sleep_until_done(self._id, _ITEM, lambda: _queue_get(self._id), deadline)

    def get_nowait(self) -> object:
        """Like get(), but never waits: QueueEmpty is raised at once if there is no item."""
        try:
            obj, pickled, unboundop = _queue_get(self._id)
        except _NATIVE_ERRORS as exc:
            raise _translate(exc) from None
        if self._room_bucket >= 0 and _waits.counts[self._room_bucket]:
            _waits.wake(self._id, _ROOM)
        if pickled or unboundop is not None:
            return _decode(obj, pickled, unboundop)
        return obj


def _sleep_until_done[T](
    qid: int, direction: int, attempt: Callable[[], T], deadline: float | None
) -> T:
    """Try *attempt* (a put or get) until it succeeds, sleeping between tries until a get
    or put in any interpreter (``direction``: room or an item) or the deadline."""
    not_yet = QueueFull if direction == _ROOM else QueueEmpty
    slot = _waits.slot_of_this_thread()
    try:
        while True:
            try:
                return attempt()
            except not_yet:
                pass
            except _NATIVE_ERRORS as exc:
                raise _translate(exc) from None
            if slot >= 0 and not _waits.waiting[slot]:
                # Enter (again) and try once more before sleeping: a put() or get() from
                # now on wakes this thread.
                _waits.register(slot, qid, direction)
                continue
            if not _waits.sleep(slot, deadline):
                raise not_yet(f"queue {qid} is {'full' if direction == _ROOM else 'empty'}")
    finally:
        if slot >= 0:
            _waits.leave(slot)


# Types whose values always cross natively: no further check needed (ints only within
# 64 bits: 3.14 pickles bigger ones).
_PLAIN_TYPES = frozenset({type(None), bool, int, float, str, bytes})
_NATIVE_NOT_INT = _PLAIN_TYPES - {int}
_INT64_MIN, _INT64_END = -(2**63), 2**63


def _encode(obj: object) -> tuple[object, bool]:
    """``(item, pickled)``: natively shareable values go as they are, the rest pickled."""
    if _is_plain(obj):
        return obj, False
    # Everything else is pickled (3.14 pickles ints beyond 64 bits too), Queue and
    # memoryview included: CPython 3.13 hangs when it destroys an interpreter that put a
    # natively shared Queue into a queue, and a memoryview crosses as a copy on 3.12/3.13
    # anyway.
    return _transfer.dumps_queue_item(obj, _backend.queue_hold), True


def _is_plain(obj: object) -> bool:
    cls = type(obj)
    if cls in _PLAIN_TYPES:
        return cls is not int or _INT64_MIN <= obj < _INT64_END  # type: ignore[operator]
    return cls is tuple and all(_is_plain(item) for item in obj)  # type: ignore[attr-defined]


def _release_holds(item: object, pickled: bool) -> None:
    """The put failed: the queues the item refers to are no longer in transit."""
    if pickled:
        _transfer.release_holds(item, _backend.queue_unhold)  # type: ignore[arg-type]


def _decode(obj: object, pickled: bool, unboundop: int | None) -> Any:
    """The value of an item that is not plain: an unbound marker's, or unpickled."""
    if unboundop is not None:
        return _resolve_unbound(unboundop)
    if pickled:
        return _transfer.loads_queue_item(obj, _backend.queue_unhold)  # type: ignore[arg-type]
    return obj


# The hot calls, looked up once; they may raise the low-level module's errors, which
# are translated only on that (rare) path.
_queue_put = _backend.queue_put
_queue_get = _backend.queue_get
_NATIVE_ERRORS = _backend.queue_native_errors
_translate = _backend.translate_queue_error
_backend.queue_register(Queue, QueueEmpty, QueueFull)
# Sleepers, and the test a put or get makes to learn whether it must wake one (reading
# one counter: no system call unless somebody sleeps on a queue with the same hash).
_waits = _wakeups.table()
_ITEM, _ROOM, _MASK = _wakeups.ITEM, _wakeups.ROOM, _wakeups.MASK
_ROOM_BASE = _wakeups.BUCKETS * _ROOM
