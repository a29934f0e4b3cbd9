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

The state shared by all interpreters lives in ``_py312_shared``; the queues, one channel
each, in ``_py312_queues`` (whose ``Py312Queues`` the backend inherits).
"""

from __future__ import annotations

import atexit
import importlib
import threading

from .._errors import ExecutionFailed, InterpreterError, InterpreterNotFoundError
from . import _common, _py312_boot, _py312_parsers
from ._interface import (
    BUFFER_NAME,
    REPLY_NAME,
    REQUEST_NAME,
    WHENCE_RUNTIME,
    WHENCE_STDLIB,
    WHENCE_UNKNOWN,
)
from ._py312_queues import Py312Queues, _create_channel
from ._py312_shared import _Shared

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._interface import Buffers

# Private modules without stubs.
_xxsubinterpreters: Any = importlib.import_module("_xxsubinterpreters")
_xxinterpchannels: Any = importlib.import_module("_xxinterpchannels")


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


class Py312Backend(Py312Queues):
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
        global _lifecycle_lock
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
        with _lifecycle_lock:
            # Under the lock: a thread that creates while another still prepares (imports
            # ssl in this interpreter) would start an interpreter beside that import; the
            # process segfaulted there (an executor's two workers starting together).
            self._before_first_create()
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
        self._exit_hook_registered = True  # last: cut short (Ctrl-C), it is all done again

    def _after_create(self, interp_id: int, shared_state: _Shared) -> None:
        # The boot module installs the 3.12.1 import hooks and the threading fix, and
        # takes the shared state's descriptors (see _py312_boot), before the agent starts.
        script = _common.BOOTSTRAP_SCRIPT
        shared = {
            **_common.bootstrap_values(boot="interpreters_pep734._backend._py312_boot"),
            _py312_boot.SHARED_NAME: " ".join(map(str, shared_state.fds)),
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
