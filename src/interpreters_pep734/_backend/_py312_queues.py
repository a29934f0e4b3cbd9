"""CPython 3.12: ``concurrent.interpreters._queues`` emulated over channels.

3.12 has channels (``_xxinterpchannels``), not queues: a queue here is one channel, whose
item count, maxsize and default unbound op live in the process-wide shared mapping
(``_py312_shared``), and whose lifetime is that of its ChannelIDs.  3.12's channels drop
a destroyed interpreter's items silently; :meth:`Py312Queues._unbind_items` applies the
unbound ops first.

:class:`Py312Queues` is the queue half of ``Py312Backend`` (which inherits it): the
backend's ``__init__`` and ``after_fork_in_child`` set up the state declared below, and
its interpreter lifecycle calls ``_unbind_items`` before an interpreter goes.
"""

from __future__ import annotations

import importlib
import marshal
import os

from .. import _pickling, _transfer
from .._errors import QueueEmpty, QueueError, QueueFull, QueueNotFoundError
from . import _common
from ._py312_shared import _live_channels

TYPE_CHECKING = False
if TYPE_CHECKING:
    import threading
    from typing import Any

    from ._py312_shared import _Shared

# Private module without stubs.
_xxinterpchannels: Any = importlib.import_module("_xxinterpchannels")


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


class Py312Queues:
    """The queue operations of the 3.12 backend (see the module docstring)."""

    # Set by Py312Backend.__init__ and after_fork_in_child (see there).
    _shared_state: _Shared | None
    _refs_lock: threading.Lock
    _current_id: int
    _channel_refs: dict[int, list[Any]]
    _newborn_channels: dict[int, Any]
    _queue_slots: dict[int, int]
    _held: dict[int, list[Any]]
    _gone_at_fork: set[int]

    if TYPE_CHECKING:

        @property
        def _shared(self) -> _Shared: ...

    # A queue is a channel; its counts are in shared memory.
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

    # put and get are the hot paths: they take the lock without blocking signals (two
    # system calls saved), by the protocol written out in _pipelock's docstring.  The one
    # call that changes the channel comes last, after the count is already right, so a
    # signal handler's exception raised as it returns leaves both consistent (a get
    # interrupted that way loses its item, as any Python queue does), and a handler that
    # uses a queue itself finds them consistent too.
    def queue_put(self, qid: int, obj: object, pickled: bool, unboundop: int) -> None:
        if self._held:
            self._drop_unheld()
        shared = self._shared_state or self._shared
        if type(obj) is bytes and len(obj) >= _pickling.BIG_BUFFER:
            return self._put_big(qid, obj, pickled, unboundop)
        try:
            item = marshal.dumps((self._current_id, unboundop, pickled, obj))  # type: ignore[arg-type]
        except ValueError:  # a Queue or memoryview: natively shareable in 3.14, pickled here
            data = _transfer.dumps_queue_item(obj, self.queue_hold)
            if len(data) >= _pickling.BIG_BUFFER:
                return self._put_big(qid, data, True, unboundop)
            item = marshal.dumps((self._current_id, unboundop, True, data))
        channel = self._channel(qid)
        slot = self._queue_slots.get(qid, -1)
        counts = shared.count
        token, nested = shared.token()
        try:
            if not nested:
                os.readv(shared.read_fd, (token,))
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
            if token[0] and not nested:
                token[0] = 0
                os.write(shared.write_fd, b"x")

    def queue_get(self, qid: int) -> tuple[object, bool, int | None]:
        shared = self._shared_state or self._shared
        channel = self._channel(qid)
        slot = self._queue_slots.get(qid, -1)
        counts = shared.count
        token, nested = shared.token()
        try:
            if not nested:
                os.readv(shared.read_fd, (token,))
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
            if token[0] and not nested:
                token[0] = 0
                os.write(shared.write_fd, b"x")
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
