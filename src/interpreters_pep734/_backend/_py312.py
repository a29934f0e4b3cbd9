"""Backend over CPython 3.12's ``_xxsubinterpreters`` and ``_xxinterpchannels``.

Native: create (isolated, own GIL), destroy, list, is_running, run_string with a
``shared`` dict of str/bytes/int/None and channel ids.  Emulated in Python:

* reference-counted lifetime: 3.12's ``InterpreterID`` objects *are* references (the
  interpreter is destroyed when the last one, in any interpreter, is freed), so an
  ``incref`` holds one ``InterpreterID`` and a ``decref`` drops it;
* ``whence``: a process-wide byte per interpreter id in shared memory, written by the
  creator, so every interpreter can tell which ones this package made;
* exec/call/prepare_main through the agent, replies through one channel per thread;
* the 3.12.1 crash and deadlock work-arounds listed at :func:`_after_create`.
"""

from __future__ import annotations

import _signal
import atexit
import importlib
import marshal
import mmap
import os
import signal
import threading

from .. import _transfer
from .._errors import (
    ExecutionFailed,
    InterpreterError,
    InterpreterNotFoundError,
    QueueEmpty,
    QueueError,
    QueueFull,
    QueueNotFoundError,
)
from . import _common, _py312_parsers
from ._interface import (
    BUFFER_NAME,
    REPLY_NAME,
    REQUEST_NAME,
    WHENCE_RUNTIME,
    WHENCE_STDLIB,
    WHENCE_UNKNOWN,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from ._interface import Buffers

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


class _Shared:
    """State every interpreter of the process must agree on, in one shared mapping.

    * whence: which interpreter ids this package created (only the creator writes an id's
      byte, before anyone else learns the id);
    * reference counts of the interpreters this package created;
    * each queue's maxsize, item count and default unbound op.

    Counts change under the lock, a pipe holding one token byte (``with shared:``, or the
    signal-safe protocol written out in ``queue_put``/``queue_get``): file descriptors are
    process-wide, so it works across interpreters that each have their own GIL.
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
        self.lock_read, self.lock_write = fds[1], fds[2]
        self._saved_mask: set[Any] = set()

    # -- the cross-interpreter lock ---------------------------------------------------------
    # The main thread runs signal handlers, and Python raises their exceptions (Ctrl-C's
    # KeyboardInterrupt) when a call returns: between taking the token and the code that
    # would give it back.  A lost token blocks every later operation, the exit too.  So
    # the main thread keeps signals pending at the OS level while it holds the lock (a few
    # microseconds); they are delivered, and raised, once the token is back.
    def __enter__(self) -> None:
        if threading.get_ident() == _MAIN_THREAD:
            try:
                self._saved_mask = _signal.pthread_sigmask(_signal.SIG_BLOCK, _SIGNALS)
            except BaseException:  # a signal that came before: nothing is taken yet
                _signal.pthread_sigmask(_signal.SIG_UNBLOCK, _SIGNALS)
                raise
        os.read(self.lock_read, 1)

    def __exit__(self, *exc: object) -> None:
        os.write(self.lock_write, b"x")
        if threading.get_ident() == _MAIN_THREAD:
            _signal.pthread_sigmask(_signal.SIG_SETMASK, self._saved_mask)

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


#: The thread that runs signal handlers: the main interpreter's main thread (None in
#: other interpreters, which never run them).
_MAIN_THREAD = (
    threading.main_thread().ident
    if _xxsubinterpreters.get_current() == 0 and hasattr(_signal, "pthread_sigmask")
    else None
)
# Plain ints and the C function: signal.pthread_sigmask() turns every signal into an
# enum member, which costs tens of microseconds a call.
_SIGNALS = {int(s) for s in signal.valid_signals()}

#: Set by the bootstrap in interpreters this package creates; None in the main one.
SHARED_FDS: tuple[int, int, int] | None = None

# CPython 3.12.1: one interpreter starting (Py_NewInterpreter, up to the end of our
# bootstrap) while another one is destroyed (Py_EndInterpreter) in another thread corrupts
# memory: with Python's debug memory hooks (`python -X dev`, PYTHONMALLOC=debug) an
# executor's two workers, one still starting while the other's interpreter is closed, made
# the process abort ("munmap_chunk(): invalid pointer") in nearly every run of 30 pools.
# Starting several at once could crash too.  Creations and destructions by this
# interpreter are therefore serialised; both are rare and slow anyway.  Reentrant: the
# garbage collector can drop an interpreter's last handle (a destruction) in the middle of
# a creation, in the same thread.
_lifecycle_lock = threading.RLock()


def _create_channel() -> Any:
    """A new channel and its first ChannelID.

    CPython 3.12.1 destroys a channel when its last ChannelID is freed, and a channel has
    none between its creation and the ChannelID ``create()`` then makes: if another
    interpreter lists the channels in that window (``list_all()`` makes a ChannelID for
    each and frees it), the new channel is destroyed and ``create()`` raises
    ChannelNotFoundError.  Nobody knew that id yet: make another channel.
    """
    for _ in range(100):
        try:
            return _xxinterpchannels.create()
        except _xxinterpchannels.ChannelNotFoundError:
            continue
    return _xxinterpchannels.create()


def _translate(exc: Exception) -> Exception:
    text = str(exc)
    if isinstance(exc, RuntimeError):
        if text.startswith("unrecognized interpreter ID"):
            return InterpreterNotFoundError(text)
        if text in ("interpreter already running", "interpreter running"):
            return InterpreterError(text)
        if text == "cannot destroy the current interpreter":
            return InterpreterError(text)
    return exc


def _parse_run_failed(exc: Exception) -> ExecutionFailed:
    """3.12's RunFailedError carries only ``"<class 'X'>: msg"``; keep what is there."""
    from .._errors import excinfo_from

    text = str(exc)
    names = None
    msg: str | None = text
    if text.startswith("<class '") and "'>: " in text:
        qualified, _, msg = text[len("<class '") :].partition("'>: ")
        module, _, qualname = qualified.rpartition(".")
        names = (qualname.rpartition(".")[2], qualname, module or "builtins")
    return ExecutionFailed(excinfo_from(names, msg, None))


class Py312Backend:
    name = "py312"
    shares_buffers = False  # memoryview crosses as a copy of its bytes
    low_level = "_xxsubinterpreters + _xxinterpchannels (CPython 3.12)"
    emulates = (
        "whence, reference-counted lifetime, exec/call with exception snapshots, "
        "call() with arguments and a result, prepare_main for every 3.14-shareable value, "
        "queues with unbound-item handling (on channels)"
    )

    def __init__(self) -> None:
        self._reply_pool = _common.ReplyPool()
        self._replies = _common.ThreadLocalReplies()
        self._shared_state: _Shared | None = None
        # Each Queue object holds one ChannelID: 3.12 destroys a channel, items and all,
        # when its last ChannelID in the process is freed, which is the lifetime 3.14 gives
        # a queue.
        self._channel_refs: dict[int, list[Any]] = {}
        self._newborn_channels: dict[int, Any] = {}
        # The shared-memory slot of each queue this interpreter binds (stable while bound).
        self._queue_slots: dict[int, int] = {}
        # ChannelIDs this interpreter holds for queue items in transit (see queue_hold).
        self._held: dict[int, list[Any]] = {}
        # Each incref holds one InterpreterID object: 3.12's own process-wide refcount.
        self._refs: dict[int, list[Any]] = {}
        # The InterpreterID from create(), handed over to the first incref.
        self._newborn: dict[int, Any] = {}
        self._refs_lock = threading.Lock()
        # Queues the parent of a fork had bound here: gone in this (child) process.
        self._gone_at_fork: set[int] = set()
        self._entries = {op: _common.ENTRY_SCRIPT.format(op=op) for op in _common.OPERATIONS}
        self._current_id = int(_xxsubinterpreters.get_current())
        self._in_main = self._current_id == 0
        self._exit_hook_registered = False
        self._guard = _common.RunGuard()

    def after_fork_in_child(self) -> None:
        # The child inherits the parent's mapping and pipe: sharing them, each would
        # change the other's counts.  It gets its own.  The parent's queues live on in the
        # child's copy of the channels module: dropping this copy's ChannelIDs destroys
        # them there, so the parent's Queue objects find them gone, as 3.14 would have it.
        global _MAIN_THREAD, _lifecycle_lock
        _MAIN_THREAD = threading.get_ident() if _MAIN_THREAD is not None else None
        _lifecycle_lock = threading.RLock()
        self._refs_lock = threading.Lock()
        self._gone_at_fork.update(self._channel_refs)
        dropped = (
            self._channel_refs,
            self._newborn_channels,
            self._held,
            self._refs,
            self._newborn,
            self._replies.held,
        )
        self._channel_refs, self._newborn_channels, self._held = {}, {}, {}
        self._refs, self._newborn, self._queue_slots = {}, {}, {}
        self._reply_pool = _common.ReplyPool()
        self._replies = _common.ThreadLocalReplies()
        self._guard = _common.RunGuard()
        self._shared_state = None
        del dropped

    @property
    def _shared(self) -> _Shared:
        if self._shared_state is None:
            self._shared_state = _Shared(SHARED_FDS)
        return self._shared_state

    # -- interpreters -----------------------------------------------------------------------
    def create(self) -> int:
        shared = self._shared
        self._before_first_create()
        with _lifecycle_lock:
            handle = _xxsubinterpreters.create(isolated=True)
            interp_id = int(handle)
            with shared:
                shared.mark_created(interp_id)
            try:
                self._after_create(interp_id, shared)
            except BaseException:
                del handle  # the last reference: 3.12 destroys the interpreter
                raise
        with self._refs_lock:
            self._newborn[interp_id] = handle
        return interp_id

    def _before_first_create(self) -> None:
        if self._exit_hook_registered:
            return
        self._exit_hook_registered = True
        # CPython 3.12.1: an isolated interpreter that imports `ssl` (asyncio does) before
        # the main interpreter has makes the process abort when it is destroyed
        # ("free(): invalid pointer").  Importing it here first (about 25 ms) avoids that.
        _common.import_fragile_extensions_in_main(extra=("ssl",))
        if self._in_main:
            # CPython 3.12.0-3.12.3: a keyword call of an extension module's function made
            # first in an isolated interpreter (SimpleQueue.get(block=...) in thread pools,
            # asyncio's Task(..., loop=...)) makes the process abort at exit.  Made here
            # first, it is safe everywhere (see _py312_parsers).
            _py312_parsers.prime()
            # 3.12.1: exiting while an interpreter still has a live (non-daemon) thread
            # aborts with "Py_EndInterpreter: thread still has a frame".  Destroying our
            # interpreters first, from the main interpreter, waits for those threads.
            atexit.register(self._destroy_all_at_exit)

    def _after_create(self, interp_id: int, shared_state: _Shared) -> None:
        # The boot module installs the 3.12.1 import hooks and the threading fix (see
        # _py312_boot) before the agent starts.
        script = (
            _common.bootstrap_script(boot="interpreters_pep734._backend._py312_boot")
            + "import interpreters_pep734._backend._py312 as _b\n"
            "_b.SHARED_FDS = tuple(int(x) for x in __interpreters_pep734_shared__.split())\n"
            "del _b, __interpreters_pep734_shared__\n"
        )
        shared = {
            "__interpreters_pep734_path__": _common.path_value(),
            "__interpreters_pep734_shared__": " ".join(map(str, shared_state.fds)),
        }
        try:
            _xxsubinterpreters.run_string(interp_id, script, shared)
        except _xxsubinterpreters.RunFailedError as exc:
            raise InterpreterError(
                f"could not start interpreters_pep734 in the new interpreter: {exc}"
            ) from None

    def _destroy_all_at_exit(self) -> None:
        try:
            if any(int(i) != 0 for i in _xxsubinterpreters.list_all()):
                _common.warn_remaining_at_exit()  # may raise, under -W error
        finally:
            self._destroy_owned()

    def _destroy_owned(self) -> None:
        with self._refs_lock:
            owned = list(self._refs) + list(self._newborn)
        for interp_id in owned:
            _common.wait_until_idle(_xxsubinterpreters.is_running, interp_id)
            try:
                with _lifecycle_lock:
                    _xxsubinterpreters.destroy(interp_id)
            except Exception:
                pass

    def destroy(self, interp_id: int) -> None:
        interp_id = _common.check_id(interp_id)
        entry = (interp_id, threading.get_ident())
        try:
            self._guard.enter_destroy(*entry)
            if not self.is_running(interp_id) and interp_id != self._current_id:
                self._unbind_items(interp_id)  # else 3.12 refuses below, as 3.14 does
            with _lifecycle_lock:
                _xxsubinterpreters.destroy(interp_id)
        except RuntimeError as exc:
            raise _translate(exc) from None
        finally:
            self._guard.closes.discard(entry)
        with self._refs_lock:
            self._refs.pop(interp_id, None)
            self._newborn.pop(interp_id, None)

    def list_all(self) -> list[tuple[int, int]]:
        ids = sorted(int(i) for i in _xxsubinterpreters.list_all())
        return [(i, self._whence_of_existing(i)) for i in ids]

    def get_current(self) -> tuple[int, int]:
        interp_id = int(_xxsubinterpreters.get_current())
        return (interp_id, self._whence_of_existing(interp_id))

    def get_main(self) -> tuple[int, int]:
        return (int(_xxsubinterpreters.get_main()), WHENCE_RUNTIME)

    def _whence_of_existing(self, interp_id: int) -> int:
        if interp_id == 0:
            return WHENCE_RUNTIME
        shared = self._shared
        with shared:
            created = shared.created_here(interp_id)
        return WHENCE_STDLIB if created else WHENCE_UNKNOWN

    def whence(self, interp_id: int) -> int:
        self.is_running(interp_id)  # raises for an unknown id
        return self._whence_of_existing(interp_id)

    def is_running(self, interp_id: int) -> bool:
        interp_id = _common.check_id(interp_id)
        try:
            return bool(_xxsubinterpreters.is_running(interp_id))
        except RuntimeError as exc:
            raise _translate(exc) from None

    def incref(self, interp_id: int) -> None:
        with self._refs_lock:
            handle = self._newborn.pop(interp_id, None)
        if handle is None:
            try:
                handle = _xxsubinterpreters.InterpreterID(interp_id)
            except RuntimeError as exc:
                raise _translate(exc) from None
        with self._refs_lock:
            self._refs.setdefault(interp_id, []).append(handle)
        with self._shared:
            self._shared.add_ref(interp_id, +1)

    def decref(self, interp_id: int) -> None:
        with self._refs_lock:
            handles = self._refs.get(interp_id)
            if not handles:
                return
            handle = handles.pop()
            if not handles:
                del self._refs[interp_id]
        with self._shared:
            remaining = self._shared.add_ref(interp_id, -1)
        if remaining == 0:
            # The last reference anywhere: 3.12 destroys the interpreter when `handle`
            # goes, and its channels drop the items it sent.  Apply the unbound ops first.
            try:
                self._unbind_items(interp_id)
            except Exception:
                pass
            with _lifecycle_lock:
                del handle

    # -- running the agent ---------------------------------------------------------------------
    def _reply_channel(self) -> Any:
        held = self._replies.held
        if held is None:
            held = self._replies.held = _common.ReplyAddress(self._reply_pool, _create_channel)
        channel = held.address
        try:
            # Normally empty.  After a run interrupted (Ctrl-C) once the agent had replied,
            # drop that stale reply so it is not taken for the next one.
            while _xxinterpchannels.recv(channel, None) is not None:
                pass
        except _xxinterpchannels.ChannelNotFoundError:
            # Destroyed behind this package's back (code destroying every channel that
            # _xxinterpchannels.list_all() shows): use a new one.
            channel = held.address = _xxinterpchannels.create()
        return channel

    def run(
        self, interp_id: int, op: str, request: bytes, buffers: Buffers = ()
    ) -> tuple[bytes, Buffers]:
        channel = self._reply_channel()
        entry = (interp_id, threading.get_ident())
        shared = {REQUEST_NAME: request, REPLY_NAME: channel}
        if buffers:
            for index, buffer in enumerate(buffers):
                shared[BUFFER_NAME.format(index)] = buffer  # run_string copies bytes once
        try:
            self._guard.enter_run(*entry)
            self._replies.pending = True
            _xxsubinterpreters.run_string(interp_id, self._entries[op], shared)
        except _xxsubinterpreters.RunFailedError as exc:
            raise _parse_run_failed(exc) from None
        except RuntimeError as exc:
            raise _translate(exc) from None
        except MemoryError:
            # 3.12.1 sometimes reports a run racing another one (from another interpreter)
            # as a MemoryError with no message.
            if _xxsubinterpreters.is_running(interp_id):
                raise InterpreterError("interpreter already running") from None
            raise
        finally:
            self._guard.runs.discard(entry)
        try:
            response = _xxinterpchannels.recv(channel)
            if type(response) is int:  # that many buffers, then the response
                got = tuple([_xxinterpchannels.recv(channel) for _ in range(response)])
                return _xxinterpchannels.recv(channel), got
        except _xxinterpchannels.ChannelError:
            raise _common.no_reply(interp_id) from None
        finally:
            self._replies.pending = False
        return response, ()

    def reply(self, reply_to: Any, response: bytes, buffers: Buffers = ()) -> None:
        if buffers:
            # A run interrupted part-way leaves some of these behind: the next run on the
            # channel drops everything left there (see _reply_channel).
            _xxinterpchannels.send(reply_to, len(buffers))
            for buffer in buffers:
                _xxinterpchannels.send(reply_to, buffer)
        _xxinterpchannels.send(reply_to, response)

    # -- queues: a channel per queue, counts in shared memory ---------------------------------
    # A channel item is marshal((sender id, unbound op, pickled, value)); a marker left for
    # an item whose interpreter was destroyed has sender -1 and value None.  A big item is
    # two channel items, see _put_big.

    queue_native_errors: tuple[type[Exception], ...] = ()  # put/get raise ours only

    @staticmethod
    def translate_queue_error(exc: Exception) -> Exception:
        return exc

    def queue_register(self, queue_type: type, empty: type, full: type) -> None:
        pass  # Queue crosses by pickle (a reference to the same queue) on 3.12

    def _check_queue(self, qid: int) -> int:
        """The slot of a live queue; QueueNotFoundError if there is none."""
        qid = _common.check_qid(qid)
        slot = self._queue_slots.get(qid)
        if slot is not None:
            return slot  # a Queue object here holds it: alive
        shared = self._shared
        with shared:
            slot = shared.queues.find(qid)
        if slot < 0:
            raise QueueNotFoundError(f"queue {qid} not found")
        try:
            # Alive?  Only sweeps drop a destroyed channel's slot.  (Safe to make and drop:
            # a queue in the table always has a ChannelID somewhere until it is destroyed.)
            _xxinterpchannels._channel_id(qid)
        except _xxinterpchannels.ChannelError:
            raise QueueNotFoundError(f"queue {qid} not found") from None
        return slot

    def queue_create(self, maxsize: int, unboundop: int) -> int:
        if not -(2**63) <= maxsize < 2**63:
            raise OverflowError("Python int too large to convert to C ssize_t")
        channel = _create_channel()
        qid = int(channel)
        shared = self._shared
        with shared:
            shared.add_queue(qid, maxsize, unboundop)
        with self._refs_lock:
            self._newborn_channels[qid] = channel
        return qid

    def queue_release_creation(self, qid: int) -> None:
        with self._refs_lock:
            self._newborn_channels.pop(qid, None)

    def queue_bind(self, qid: int) -> None:
        # Queue(id) validates here, once; the other operations take the id as valid.
        slot = self._check_queue(qid)
        try:
            channel = _xxinterpchannels._channel_id(qid)
        except _xxinterpchannels.ChannelError:
            raise QueueNotFoundError(f"queue {qid} not found") from None
        with self._refs_lock:
            self._channel_refs.setdefault(qid, []).append(channel)
            self._queue_slots[qid] = slot

    def queue_hold(self, qid: int) -> None:
        try:
            channel = _xxinterpchannels._channel_id(qid)
        except _xxinterpchannels.ChannelError:
            raise QueueNotFoundError(f"queue {qid} not found") from None
        with self._refs_lock:
            self._held.setdefault(qid, []).append(channel)

    def queue_unhold(self, qid: int) -> None:
        # The hold is a ChannelID in the putter's interpreter, which only it can drop:
        # count the release in shared memory; the holder drops it at its next queue use.
        shared = self._shared
        with shared:
            slot = shared.queues.find(qid)  # the hold keeps the queue, and its slot, alive
            if slot >= 0:
                shared.unheld[slot] += 1
        if self._held:
            self._drop_unheld()

    def _drop_unheld(self) -> None:
        shared = self._shared
        dropped = []
        with self._refs_lock:
            for qid, channels in list(self._held.items()):
                with shared:
                    slot = shared.queues.find(qid)
                    count = min(shared.unheld[slot], len(channels)) if slot >= 0 else 0
                    if count:
                        shared.unheld[slot] -= count
                for _ in range(count):
                    dropped.append(channels.pop())
                if not channels:
                    del self._held[qid]
        del dropped  # outside the locks: the last ChannelID destroys its channel

    def queue_release(self, qid: int) -> None:
        if self._held:
            self._drop_unheld()
        with self._refs_lock:
            channels = self._channel_refs.get(qid)
            if not channels:
                if qid in self._gone_at_fork:
                    raise QueueNotFoundError(f"queue {qid} not found")
                raise QueueError(f"queue {qid} never bound")
            channel = channels.pop()
            if not channels:
                del self._channel_refs[qid]
                self._queue_slots.pop(qid, None)
        del channel  # the last ChannelID in the process destroys the channel

    def _channel(self, qid: int) -> Any:
        channels = self._channel_refs.get(qid)
        if channels:
            return channels[0]
        try:
            return _xxinterpchannels._channel_id(qid)
        except _xxinterpchannels.ChannelError:
            raise QueueNotFoundError(f"queue {qid} not found") from None

    # put and get are the hot paths: they take the lock's token without blocking signals
    # (two system calls saved).  A signal handler's exception (Ctrl-C) is raised when a
    # call returns, so: the token is read *into* a buffer, which tells the `finally`
    # whether it was taken; and the one call that changes the channel comes last, after
    # the count is already right, so an exception raised as it returns leaves both
    # consistent (a get interrupted that way loses its item, as any Python queue does).
    # The protocol is written out in both methods on purpose: as a context manager its
    # Python-level __exit__ could be cut short at its first line, and a helper would cost
    # a call on the hot path.
    def queue_put(self, qid: int, obj: object, pickled: bool, unboundop: int) -> None:
        if self._held:
            self._drop_unheld()
        shared = self._shared_state or self._shared
        if type(obj) is bytes and len(obj) >= _transfer.BIG_BUFFER:
            return self._put_big(qid, obj, pickled, unboundop)
        try:
            item = marshal.dumps((self._current_id, unboundop, pickled, obj))  # type: ignore[arg-type]
        except ValueError:  # a Queue or memoryview: natively shareable in 3.14, pickled here
            data = _transfer.dumps_queue_item(obj, self.queue_hold)
            if len(data) >= _transfer.BIG_BUFFER:
                return self._put_big(qid, data, True, unboundop)
            item = marshal.dumps((self._current_id, unboundop, True, data))
        channel = self._channel(qid)
        slot = self._queue_slots.get(qid, -1)
        counts = shared.count
        token = bytearray(1)
        try:
            os.readv(shared.lock_read, (token,))
            if slot < 0:  # not bound here: look it up
                slot = shared.queues.find(qid)
                if slot < 0:
                    raise QueueNotFoundError(f"queue {qid} not found")
            count = counts[slot]
            maxsize = shared.maxsize[slot]
            if 0 < maxsize <= count:
                raise QueueFull(f"queue {qid} is full")
            counts[slot] = count + 1
            try:
                _xxinterpchannels.send(channel, item)
            except _xxinterpchannels.ChannelError:
                counts[slot] = count
                raise QueueNotFoundError(f"queue {qid} not found") from None
        finally:
            if token[0]:
                os.write(shared.lock_write, b"x")

    def queue_get(self, qid: int) -> tuple[object, bool, int | None]:
        shared = self._shared_state or self._shared
        channel = self._channel(qid)
        slot = self._queue_slots.get(qid, -1)
        counts = shared.count
        token = bytearray(1)
        try:
            os.readv(shared.lock_read, (token,))
            if slot < 0:  # not bound here: look it up
                slot = shared.queues.find(qid)
                if slot < 0:
                    raise QueueNotFoundError(f"queue {qid} not found")
            if shared.big[slot]:
                item = None  # maybe two channel items: taken below, signals blocked
            else:
                count = counts[slot]
                counts[slot] = count - 1 if count > 0 else 0
                try:
                    item = _xxinterpchannels.recv(channel)
                except _xxinterpchannels.ChannelEmptyError:
                    counts[slot] = 0
                    raise QueueEmpty(f"queue {qid} is empty") from None
                except _xxinterpchannels.ChannelError:
                    counts[slot] = count
                    raise QueueNotFoundError(f"queue {qid} not found") from None
        finally:
            if token[0]:
                os.write(shared.lock_write, b"x")
        if item is None:
            return self._get_big(qid, channel, slot)
        sender, unboundop, pickled, value = marshal.loads(item)
        if sender == -1:
            return None, False, unboundop
        return value, pickled, None

    @staticmethod
    def _get_one(qid: int, channel: Any, slot: int, counts: memoryview) -> Any:
        """Take one channel item (under the lock) as one item of the queue."""
        count = counts[slot]
        counts[slot] = count - 1 if count > 0 else 0
        try:
            item = _xxinterpchannels.recv(channel)
        except _xxinterpchannels.ChannelEmptyError:
            counts[slot] = 0
            raise QueueEmpty(f"queue {qid} is empty") from None
        except _xxinterpchannels.ChannelError:
            counts[slot] = count
            raise QueueNotFoundError(f"queue {qid} not found") from None
        return item

    # Big items (bytes of BIG_BUFFER or more: a plain bytes value or a pickle) go as two
    # channel items, a header (a str, which no ordinary item is) and the bytes themselves,
    # which the channel shares with one copy: marshal would copy them twice more.  Both
    # are sent and taken under the lock with signals blocked, so neither half is ever
    # left behind by a Ctrl-C; the queue's `big` count sends getters that way.
    def _put_big(self, qid: int, data: bytes, pickled: bool, unboundop: int) -> None:
        shared = self._shared
        channel = self._channel(qid)
        header = f"{self._current_id} {unboundop} {int(pickled)}"
        with shared:
            slot = self._queue_slots.get(qid, -1)
            if slot < 0:
                slot = shared.queues.find(qid)
                if slot < 0:
                    raise QueueNotFoundError(f"queue {qid} not found")
            count = shared.count[slot]
            maxsize = shared.maxsize[slot]
            if 0 < maxsize <= count:
                raise QueueFull(f"queue {qid} is full")
            try:
                _xxinterpchannels.send(channel, header)
                _xxinterpchannels.send(channel, data)
            except _xxinterpchannels.ChannelError:
                raise QueueNotFoundError(f"queue {qid} not found") from None
            shared.count[slot] = count + 1
            shared.big[slot] += 1

    def _get_big(self, qid: int, channel: Any, slot: int) -> tuple[object, bool, int | None]:
        shared = self._shared
        with shared:
            head = self._get_one(qid, channel, slot, shared.count)
            if type(head) is not str:
                item = head  # an ordinary item before the big ones
            else:
                try:
                    data = _xxinterpchannels.recv(channel)
                except _xxinterpchannels.ChannelError:
                    raise QueueNotFoundError(f"queue {qid} not found") from None
                finally:
                    shared.big[slot] -= 1
                sender, unboundop, pickled = map(int, head.split())
                return data, bool(pickled), None
        sender, unboundop, pickled, value = marshal.loads(item)
        if sender == -1:
            return None, False, unboundop
        return value, pickled, None

    def queue_count(self, qid: int) -> int:
        count: int = self._shared.count[self._check_queue(qid)]
        return count

    def queue_maxsize(self, qid: int) -> int:
        maxsize: int = self._shared.maxsize[self._check_queue(qid)]
        return maxsize

    def queue_default_unboundop(self, qid: int) -> int:
        op: int = self._shared.unboundop[self._check_queue(qid)]
        return op

    def queue_list_all(self) -> list[int]:
        if self._held:
            self._drop_unheld()  # so the queues only in transit until now are gone
        live = sorted(_live_channels())
        shared = self._shared
        with shared:
            return [qid for qid in live if shared.queues.find(qid) >= 0]

    def _unbind_items(self, interp_id: int) -> None:
        """Apply the unbound ops to the items *interp_id* put, before it is destroyed.

        3.12's channels silently drop a destroyed interpreter's items.  Every queue is
        drained and refilled from this interpreter, in order: the dying interpreter's items
        are removed (UNBOUND_REMOVE) or replaced by markers (UNBOUND, UNBOUND_ERROR).
        """
        for qid in self.queue_list_all():
            try:
                channel = _xxinterpchannels._channel_id(qid)
            except _xxinterpchannels.ChannelError:
                continue
            shared = self._shared
            with shared:
                items = []
                while True:
                    try:
                        items.append(_xxinterpchannels.recv(channel))
                    except _xxinterpchannels.ChannelError:
                        break
                kept: list[tuple[Any, ...]] = []  # the channel items of each queue item
                big = 0
                position = 0
                while position < len(items):
                    item = items[position]
                    if type(item) is str:  # a big item's header; its bytes follow
                        entry: tuple[Any, ...] = (item, items[position + 1])
                        sender, unboundop, _ = map(int, item.split())
                        position += 2
                    else:
                        entry = (item,)
                        sender, unboundop, _pickled, _value = marshal.loads(item)
                        position += 1
                    if sender != interp_id:
                        kept.append(entry)
                        big += len(entry) - 1
                    elif unboundop != 1:  # UNBOUND or UNBOUND_ERROR: leave a marker
                        kept.append((marshal.dumps((-1, unboundop, False, None)),))
                for entry in kept:
                    for item in entry:
                        _xxinterpchannels.send(channel, item)
                slot = shared.queues.find(qid)
                if slot >= 0:
                    shared.count[slot] = len(kept)
                    shared.big[slot] = big
