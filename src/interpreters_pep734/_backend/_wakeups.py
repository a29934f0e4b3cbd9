"""Sleeping waiters for blocking queue operations, in any interpreter of the process.

A ``get()`` on an empty queue, or a ``put()`` on a full one, sleeps until the ``put()`` or
``get()`` of another thread, in any interpreter, lets it go on.  File descriptors and a
shared memory mapping are process-wide, so every interpreter can see who sleeps and wake
them.  One mapping (:class:`WaitTable`) holds:

* a counter of sleepers per direction and per hash of the queue id (:attr:`counts`): an
  operation reads one int there to learn that nobody waits, so a put or get nobody waits
  for makes no system call;
* a slot per sleeping thread: the queue and the direction it waits for, whether a
  wake-up is already on its way, and the pipe it sleeps on (``poll()``).  A slot's pipe
  is made once and never closed: a late wake-up can only reach a slot, never a
  descriptor that was closed and reused for something else.

A waker picks one sleeper that has no wake-up on its way yet.  A sleeper that leaves with
an unused wake-up (it timed out, or it got an item another waker announced) passes it on
to the next sleeper, so no put is ever left unannounced while someone sleeps.  As a
safety net against what these rules cannot see (an interpreter destroyed with the items
it put frees room; code that put without us), a sleeper also looks again every
:data:`SAFETY_POLL` seconds.

Interpreters this package creates get the mapping's descriptors at their start
(:func:`attach`, from the bootstrap); the main interpreter makes the mapping on first use.
"""

from __future__ import annotations

import atexit
import mmap
import os
import select
import threading
import time

from ._pipelock import PipeLock

#: The directions: a get() waits for an item, a put() for room.
ITEM = 0
ROOM = 1

#: Counters per direction, indexed by ``qid & MASK`` (a power of two).
BUCKETS = 1024
MASK = BUCKETS - 1
#: Threads that may sleep at once; beyond that (or without descriptors left) a waiter
#: polls with a back-off instead.
_SLOTS = 4096
#: The longest a sleeper sleeps before it looks at its queue again, woken or not.  A
#: timer wake-up costs a sleeping process ~0.15 ms of CPU on a virtual machine, so this
#: is the idle cost: about 0.02% of a core.
SAFETY_POLL = 1.0

# Header (int64s): slots ever used, free slots stacked, sleepers for an item, for room.
_NEXT, _FREE_TOP, _SLEEPING = 0, 1, 2
_HEADER = 8 * 8
_SIZE = (
    _HEADER
    + 4 * 2 * BUCKETS  # counts
    + _SLOTS * (8 + 1 + 1 + 4 + 4 + 4)  # queue id + 1, direction, notified, fds + 1, free
)


class WaitTable(PipeLock):
    """The process-wide table of sleepers (see the module docstring).

    Each thread that ever sleeps owns one slot (:meth:`slot_of_this_thread`) until it
    ends.  A sleep goes: :meth:`register` (the slot waits for a queue), try the operation
    again, :meth:`sleep`; a waker (:meth:`wake`) takes the slot out of waiting, marks it
    notified and writes to its pipe, so a woken sleeper whose try succeeds needs the lock
    no more; :meth:`leave` ends a sleep however it ended.
    """

    def __init__(self, fds: tuple[int, int, int] | None = None) -> None:
        if fds is None:
            if hasattr(os, "memfd_create"):
                fd = os.memfd_create("interpreters_pep734_wakeups", os.MFD_CLOEXEC)
            else:
                import tempfile

                with tempfile.TemporaryFile() as backing:
                    fd = os.dup(backing.fileno())
            os.ftruncate(fd, _SIZE)
            lock = PipeLock()
            fds = (fd, lock.read_fd, lock.write_fd)
        self.fds = fds
        self._map = mmap.mmap(fds[0], _SIZE)
        view = memoryview(self._map)
        self.header = view[:_HEADER].cast("q")
        offset = _HEADER
        #: Sleepers per direction and queue-id hash: ``counts[direction * BUCKETS + (qid &
        #: MASK)]``.  Read without the lock; changed under it.
        self.counts = view[offset : offset + 4 * 2 * BUCKETS].cast("i")
        offset += 4 * 2 * BUCKETS
        self.qids = view[offset : offset + 8 * _SLOTS].cast("q")  # queue id + 1
        offset += 8 * _SLOTS
        self.directions = view[offset : offset + _SLOTS].cast("b")
        offset += _SLOTS
        self.waiting = view[offset : offset + _SLOTS].cast("b")  # registered, not woken
        offset += _SLOTS
        self.notified = view[offset : offset + _SLOTS].cast("b")  # woken, not yet looked
        offset += _SLOTS
        self.read_fds = view[offset : offset + 4 * _SLOTS].cast("i")  # fd + 1
        offset += 4 * _SLOTS
        self.write_fds = view[offset : offset + 4 * _SLOTS].cast("i")  # fd + 1
        offset += 4 * _SLOTS
        self.free = view[offset : offset + 4 * _SLOTS].cast("i")
        PipeLock.__init__(self, (fds[1], fds[2]))

    # The lock (see _pipelock): `with table:` for the rare changes (a thread's slot taken
    # or given back, every put() woken for room); the protocol written out for every
    # sleep and wake-up, whose changes are plain stores and one last write.

    # -- a thread's slot ------------------------------------------------------------------
    def slot_of_this_thread(self) -> int:
        """This thread's slot, taken on its first sleep; -1 if none is left (poll then)."""
        try:
            owned: _OwnedSlot = _local.slot
        except AttributeError:
            owned = _local.slot = _OwnedSlot(self)
        return owned.slot

    def _take_slot(self) -> int:
        with self:
            header = self.header
            if header[_FREE_TOP]:
                header[_FREE_TOP] -= 1
                return int(self.free[header[_FREE_TOP]])
            slot = int(header[_NEXT])
            if slot == _SLOTS:
                return -1
            try:
                read_fd, write_fd = os.pipe()
            except OSError:  # out of descriptors
                return -1
            os.set_blocking(read_fd, False)
            os.set_blocking(write_fd, False)
            self.read_fds[slot] = read_fd + 1
            self.write_fds[slot] = write_fd + 1
            header[_NEXT] = slot + 1
            return slot

    def _give_back_slot(self, slot: int) -> None:
        with self:
            header = self.header
            self.free[header[_FREE_TOP]] = slot
            header[_FREE_TOP] += 1

    # -- sleeping -------------------------------------------------------------------------
    def register(self, slot: int, qid: int, direction: int) -> None:
        """The slot waits for *qid* in *direction*: a put or get from now on wakes it."""
        token, nested = self.token()
        try:
            if not nested:
                os.readv(self.read_fd, (token,))
            self.qids[slot] = qid + 1
            self.directions[slot] = direction
            self.notified[slot] = 0
            self.waiting[slot] = 1
            self.counts[direction * BUCKETS + (qid & MASK)] += 1
            self.header[_SLEEPING + direction] += 1
        finally:
            if token[0] and not nested:
                token[0] = 0
                os.write(self.write_fd, b"x")

    def sleep(self, slot: int, deadline: float | None) -> bool:
        """Sleep until woken, the deadline, or :data:`SAFETY_POLL`; False past the deadline.

        Without a slot (-1) it sleeps a millisecond: the waiter polls.
        """
        timeout = SAFETY_POLL
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if slot >= 0 and self.notified[slot]:
                    self.notified[slot] = 0
                    return True  # woken just now: look once more
                return False
            timeout = min(timeout, remaining)
        if slot < 0:
            time.sleep(min(timeout, 1e-3))
            return True
        read_fd = self.read_fds[slot] - 1
        poller = _pollers.get(slot)
        if poller is None:
            poller = _pollers[slot] = select.poll()
            poller.register(read_fd, select.POLLIN)
        # poll() counts whole milliseconds: the rest of a timeout is slept apart (without
        # waking for a put then), so that a deadline is kept to a fraction of a millisecond.
        milliseconds = int(timeout * 1000)
        woken = bool(milliseconds) and bool(poller.poll(milliseconds))
        if not woken and deadline is not None and (rest := deadline - time.monotonic()) < 1e-3:
            time.sleep(max(rest, 0))
        _drain(read_fd)
        # Looked at now: the caller tries again.  (Only a waker sets it, and only while
        # the slot waits; once woken it waits no more.)
        self.notified[slot] = 0
        return True

    def leave(self, slot: int) -> None:
        """The sleep is over: stop waiting, and pass on a wake-up that came unused."""
        if not (self.waiting[slot] or self.notified[slot]):
            return  # woken and looked: nothing to undo, no lock
        token, nested = self.token()
        try:
            if not nested:
                os.readv(self.read_fd, (token,))
            qid = self.qids[slot] - 1
            direction = self.directions[slot]
            if self.waiting[slot]:
                self.waiting[slot] = 0
                self.counts[direction * BUCKETS + (qid & MASK)] -= 1
                self.header[_SLEEPING + direction] -= 1
            elif self.notified[slot]:
                self.notified[slot] = 0
                self._wake_one(qid, direction)
        finally:
            if token[0] and not nested:
                token[0] = 0
                os.write(self.write_fd, b"x")

    # -- waking -----------------------------------------------------------------------------
    def wake(self, qid: int, direction: int) -> None:
        """Wake one sleeper waiting for *qid* in *direction*, if there is one."""
        token, nested = self.token()
        try:
            if not nested:
                os.readv(self.read_fd, (token,))
            self._wake_one(qid, direction)
        finally:
            if token[0] and not nested:
                token[0] = 0
                os.write(self.write_fd, b"x")

    def wake_all_for_room(self) -> None:
        """Wake every put() waiting for room: an interpreter is gone, and the items it put
        with UNBOUND_REMOVE left the queues with it."""
        if not self.header[_SLEEPING + ROOM]:
            return
        with self:
            waiting, directions = self.waiting, self.directions
            for slot in range(self.header[_NEXT]):
                if waiting[slot] and directions[slot] == ROOM:
                    self._notify(slot)

    def _wake_one(self, qid: int, direction: int) -> None:
        stored = qid + 1
        qids, directions, waiting = self.qids, self.directions, self.waiting
        for slot in range(self.header[_NEXT]):
            if waiting[slot] and qids[slot] == stored and directions[slot] == direction:
                self._notify(slot)
                return

    def _notify(self, slot: int) -> None:
        # The stores first, the write last: an exception raised as a call returns then
        # finds the slot either untouched or fully woken.
        direction = self.directions[slot]
        self.waiting[slot] = 0
        self.notified[slot] = 1
        self.counts[direction * BUCKETS + ((self.qids[slot] - 1) & MASK)] -= 1
        self.header[_SLEEPING + direction] -= 1
        try:
            os.write(self.write_fds[slot] - 1, b"w")
        except BlockingIOError:
            pass  # its pipe is full of earlier wake-ups: it wakes anyway

    def close(self) -> None:
        """Close the table's descriptors, the sleepers' pipes too, in this process.

        Only where nobody else uses them: in a forked child (the parent's table), or in a
        new interpreter before anyone learnt of the table its import made.
        """
        fds = [self.read_fds[s] - 1 for s in range(self.header[_NEXT])]
        fds += [self.write_fds[s] - 1 for s in range(self.header[_NEXT])]
        for fd in (*fds, *self.fds):
            try:
                os.close(fd)
            except OSError:
                pass


class _OwnedSlot:
    """A thread's slot, given back when the thread ends (its thread-local goes), or when
    its interpreter ends (CPython 3.12 tears down a closed interpreter's thread-locals
    too late to run this code)."""

    __slots__ = ("generation", "slot", "table")

    def __init__(self, table: WaitTable) -> None:
        global _exit_hook_registered
        if not _exit_hook_registered and _fds is not None:  # an interpreter we started
            atexit.register(_give_back_all_slots)
            _exit_hook_registered = True
        self.table = table
        self.generation = _generation
        self.slot = -1  # set last: cut short, nothing was taken
        self.slot = table._take_slot()
        if self.slot >= 0:
            _owned_here.add(self.slot)

    def __del__(self) -> None:
        # Not after a fork, attach() or the interpreter's end: the slot is not ours now.
        if self.slot >= 0 and self.generation == _generation:
            _owned_here.discard(self.slot)
            try:
                self.table._give_back_slot(self.slot)
            except Exception:
                pass


def _give_back_all_slots() -> None:
    """At this interpreter's end (atexit): its threads have ended, their slots are free."""
    global _generation
    _generation += 1
    if _table is not None:
        for slot in sorted(_owned_here):
            _table._give_back_slot(slot)
    _owned_here.clear()
    _pollers.clear()


def _drain(read_fd: int) -> None:
    try:
        os.read(read_fd, 512)
    except BlockingIOError:
        pass


_fds: tuple[int, int, int] | None = None
_table: WaitTable | None = None
_local = threading.local()
#: The slots of this interpreter's threads.
_owned_here: set[int] = set()
#: A poll object for each slot's pipe, made on its first sleep here (a slot keeps its pipe).
_pollers: dict[int, select.poll] = {}
_exit_hook_registered = False
#: Changes when the table's state is replaced (fork, attach): slots of before are void.
_generation = 0


def attach(fds: str) -> None:
    """In a new interpreter (its bootstrap): use its creator's table.

    Importing this package (before this runs) may have made a table of its own already:
    it is dropped, and the same object takes the creator's.
    """
    global _fds, _generation
    _fds = tuple(int(fd) for fd in fds.split())  # type: ignore[assignment]
    _generation += 1
    if _table is not None:
        _table.close()
        _table.__init__(_fds)  # type: ignore[misc]


def table() -> WaitTable:
    """This process's table, made on first use in the main interpreter."""
    global _table
    if _table is None:
        _table = WaitTable(_fds)
    return _table


def fds_for_new_interpreter() -> str:
    """What the bootstrap passes to :func:`attach`."""
    return " ".join(map(str, table().fds))


def after_fork_in_child() -> None:
    """The child (one interpreter, one thread) gets a table of its own.

    The table object stays the same, so that what holds it (the queue module) sees the
    new state: sharing the parent's, either process would wake the other's sleepers.
    """
    global _generation, _local
    _generation += 1
    _owned_here.clear()
    _pollers.clear()
    _local = threading.local()
    if _table is not None:
        _table.close()
        _table.__init__(None)  # type: ignore[misc]
