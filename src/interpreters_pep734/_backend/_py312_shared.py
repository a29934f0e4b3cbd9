"""CPython 3.12: the state every interpreter of the process must agree on.

3.12's C modules keep no per-interpreter "whence", no reference counts that survive
across interpreters and no queue sizes.  The 3.12 backend keeps them in one shared memory
mapping, under a cross-interpreter lock (``_pipelock``); this module holds that mapping
(:class:`_Shared`) and its id -> slot tables (:class:`_Table`).  It knows nothing of
queues or interpreters beyond the fields it stores: the backend (``_py312``) and the queue
emulation (``_py312_queues``) give them meaning.
"""

from __future__ import annotations

import importlib
import mmap
import os

from .._errors import InterpreterError, QueueError
from ._interface import WHENCE_STDLIB
from ._pipelock import PipeLock, set_signal_thread

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

# Private modules without stubs.
_xxsubinterpreters: Any = importlib.import_module("_xxsubinterpreters")
_xxinterpchannels: Any = importlib.import_module("_xxinterpchannels")

#: How many queues, and how many interpreters, may be alive at once (ids themselves have no
#: bound).  The mapping is sparse: only the pages of slots in use take memory.
_QUEUE_SLOTS = 1 << 20
_INTERP_SLOTS = 1 << 16
# Each table's fields per slot: (name, item format, item size).
_QUEUE_FIELDS = (
    ("maxsize", "q", 8),
    ("count", "q", 8),
    ("unboundop", "b", 1),
    ("unheld", "i", 4),  # transit holds let go by receivers, not yet dropped
    ("big", "i", 4),  # big items in the channel: two channel items each (see queue_put)
)
_INTERP_FIELDS = (
    ("whence", "b", 1),  # WHENCE_STDLIB if this package made it
    ("refs", "i", 4),  # Interpreter objects alive, in all interpreters
)
# A table's header (int64s): slots ever handed out, free slots stacked, tombstones in the
# index, slots taken since the last sweep, slots in use after it.
_NEXT, _FREE_TOP, _TOMBS, _SINCE_SWEEP, _LIVE_AT_SWEEP = range(5)
_HEADER_ITEMS = 8


def _table_size(capacity: int, fields: tuple[tuple[str, str, int], ...]) -> int:
    per_slot = 8 + 4 + 2 * 4 + sum(size for _, _, size in fields)  # id, free, index, fields
    return 8 * _HEADER_ITEMS + per_slot * capacity


class _Table:
    """Per-object state for live ids of any size, in shared memory: id -> slot -> fields.

    A slot is taken when an object is first recorded and given back when a sweep finds
    the object gone (see `sweep`), so memory follows what is alive, not what ever
    existed.  A slot does not move while its object lives: an interpreter may cache it.
    The index is open addressing (linear probing) over twice the capacity; removal leaves
    a tombstone, and a sweep rebuilds the index when they pile up.  Call under the lock.
    """

    def __init__(
        self, view: memoryview, capacity: int, fields: tuple[tuple[str, str, int], ...]
    ) -> None:
        self.capacity = capacity
        self.mask = 2 * capacity - 1
        offset = 8 * _HEADER_ITEMS
        self.header: memoryview = view[:offset].cast("q")
        self.ids: memoryview = view[offset : offset + 8 * capacity].cast("q")  # id + 1, 0 free
        offset += 8 * capacity
        self.free: memoryview = view[offset : offset + 4 * capacity].cast("i")
        offset += 4 * capacity
        self._index_bytes = view[offset : offset + 8 * capacity]
        self.index: memoryview = self._index_bytes.cast("i")  # slot + 1; -1 a tombstone
        offset += 8 * capacity
        self.fields: dict[str, memoryview] = {}
        for name, fmt, size in fields:
            self.fields[name] = view[offset : offset + size * capacity].cast(fmt)  # type: ignore[call-overload]
            offset += size * capacity

    def find(self, key: int) -> int:
        """The slot of *key*, or -1."""
        ids, index, mask = self.ids, self.index, self.mask
        stored = key + 1
        i = key & mask
        while True:
            entry = index[i]
            if entry == 0:
                return -1
            if entry > 0 and ids[entry - 1] == stored:
                return entry - 1
            i = (i + 1) & mask

    def add(self, key: int, live: Callable[[], set[int]]) -> int:
        """A slot for *key* (not in the table), its fields zeroed.

        *live* lists the ids whose objects still exist, for a sweep when one is due.
        """
        header = self.header
        if header[_SINCE_SWEEP] >= max(1024, header[_LIVE_AT_SWEEP]) or (
            header[_FREE_TOP] == 0 and header[_NEXT] == self.capacity
        ):
            self.sweep(live())
        if header[_FREE_TOP]:
            header[_FREE_TOP] -= 1
            slot = self.free[header[_FREE_TOP]]
        elif header[_NEXT] < self.capacity:
            slot = header[_NEXT]
            header[_NEXT] += 1
        else:
            raise OverflowError(f"more than {self.capacity} alive at once")
        header[_SINCE_SWEEP] += 1
        self.ids[slot] = key + 1
        for field in self.fields.values():
            field[slot] = 0
        self._link(key, slot)
        return slot

    def _link(self, key: int, slot: int) -> None:
        index, mask = self.index, self.mask
        i = key & mask
        while index[i] > 0:
            i = (i + 1) & mask
        if index[i] < 0:
            self.header[_TOMBS] -= 1
        index[i] = slot + 1

    def remove(self, slot: int) -> None:
        key = self.ids[slot] - 1
        index, mask = self.index, self.mask
        i = key & mask
        while index[i] != slot + 1:
            i = (i + 1) & mask
        index[i] = -1
        header = self.header
        header[_TOMBS] += 1
        self.ids[slot] = 0
        self.free[header[_FREE_TOP]] = slot
        header[_FREE_TOP] += 1

    def keys(self) -> list[int]:
        ids = self.ids
        return [ids[slot] - 1 for slot in range(self.header[_NEXT]) if ids[slot]]

    def sweep(self, live: set[int]) -> None:
        """Give back the slots of objects that no longer exist."""
        ids, header = self.ids, self.header
        for slot in range(header[_NEXT]):
            stored = ids[slot]
            if stored and stored - 1 not in live:
                self.remove(slot)
        in_use = header[_NEXT] - header[_FREE_TOP]
        # Rebuild the index when tombstones lengthen the probe chains; past half the
        # capacity they could fill it (in use + tombstones must stay below its size).
        if header[_TOMBS] > min(self.capacity // 2, max(in_use, 1024)):
            self._index_bytes[:] = bytes(len(self._index_bytes))
            header[_TOMBS] = 0
            for slot in range(header[_NEXT]):
                if ids[slot]:
                    self._link(ids[slot] - 1, slot)
        header[_SINCE_SWEEP] = 0
        header[_LIVE_AT_SWEEP] = in_use


class _Shared(PipeLock):
    """State every interpreter of the process must agree on, in one shared mapping.

    * whence: which interpreter ids this package created (only the creator writes an id's
      byte, before anyone else learns the id);
    * reference counts of the interpreters this package created;
    * each queue's maxsize, item count and default unbound op.

    Counts change under the lock (the object is a :class:`PipeLock`: ``with shared:``, or
    the protocol written out in ``queue_put``/``queue_get``).
    """

    def __init__(self, fds: tuple[int, int, int] | None = None) -> None:
        if fds is None:
            if hasattr(os, "memfd_create"):
                fd = os.memfd_create("interpreters_pep734")
            else:
                import tempfile

                with tempfile.TemporaryFile() as backing:
                    fd = os.dup(backing.fileno())
            size = 16 + _table_size(_QUEUE_SLOTS, _QUEUE_FIELDS)
            size += _table_size(_INTERP_SLOTS, _INTERP_FIELDS)
            os.ftruncate(fd, size)
            # The capacities lead the mapping: other interpreters read them there.
            capacities = _QUEUE_SLOTS.to_bytes(8, "little") + _INTERP_SLOTS.to_bytes(8, "little")
            os.pwrite(fd, capacities, 0)
            read_end, write_end = os.pipe()
            os.write(write_end, b"x")
            fds = (fd, read_end, write_end)
        self.fds = fds
        self._map = mmap.mmap(fds[0], os.fstat(fds[0]).st_size)
        view = memoryview(self._map)
        queue_slots = int.from_bytes(view[:8], "little")
        interp_slots = int.from_bytes(view[8:16], "little")
        offset = 16
        size = _table_size(queue_slots, _QUEUE_FIELDS)
        self.queues = _Table(view[offset : offset + size], queue_slots, _QUEUE_FIELDS)
        offset += size
        size = _table_size(interp_slots, _INTERP_FIELDS)
        self.interps = _Table(view[offset : offset + size], interp_slots, _INTERP_FIELDS)
        self.maxsize = self.queues.fields["maxsize"]
        self.count = self.queues.fields["count"]
        self.unboundop = self.queues.fields["unboundop"]
        self.unheld = self.queues.fields["unheld"]
        self.big = self.queues.fields["big"]
        self.whence = self.interps.fields["whence"]
        self.refs = self.interps.fields["refs"]
        PipeLock.__init__(self, (fds[1], fds[2]))

    # -- whence and references (under the lock) --------------------------------------------
    def _interp_slot(self, interp_id: int) -> int:
        slot = self.interps.find(interp_id)
        if slot < 0:
            try:
                slot = self.interps.add(interp_id, _live_interpreters)
            except OverflowError:
                raise InterpreterError(
                    f"more than {self.interps.capacity} interpreters alive at once"
                ) from None
        return slot

    def mark_created(self, interp_id: int) -> None:
        self.whence[self._interp_slot(interp_id)] = WHENCE_STDLIB

    def created_here(self, interp_id: int) -> bool:
        slot = self.interps.find(interp_id)
        return slot >= 0 and self.whence[slot] == WHENCE_STDLIB

    def add_ref(self, interp_id: int, delta: int) -> int:
        """Change an interpreter's reference count; return the new one."""
        slot = self._interp_slot(interp_id)
        count: int = max(self.refs[slot] + delta, 0)
        self.refs[slot] = count
        return count

    # -- queues (under the lock) -------------------------------------------------------------
    def add_queue(self, qid: int, maxsize: int, unboundop: int) -> int:
        try:
            slot = self.queues.add(qid, _live_channels)
        except OverflowError:
            raise QueueError(f"more than {self.queues.capacity} queues alive at once") from None
        self.maxsize[slot] = maxsize
        self.unboundop[slot] = unboundop
        return slot


def _live_interpreters() -> set[int]:
    return {int(i) for i in _xxsubinterpreters.list_all()}


def _live_channels() -> set[int]:
    # 3.12.1's list_all() raises ChannelNotFoundError when a channel is destroyed
    # (by another interpreter) while it lists them: try again.
    for _ in range(100):
        try:
            return {int(c) for c in _xxinterpchannels.list_all()}
        except _xxinterpchannels.ChannelNotFoundError:
            continue
    return {int(c) for c in _xxinterpchannels.list_all()}


# Signal handlers run in the main interpreter's main thread only.
set_signal_thread(_xxsubinterpreters.get_current() == 0)
