"""Backend over CPython 3.13's ``_interpreters`` and ``_interpqueues``.

Native: create with reference counting (``reqrefs``), destroy, list, whence, is_running,
incref/decref.  Emulated: ``call()`` with arguments and a result (3.13's ``call`` takes
neither), and every exec/call/prepare_main runs through the agent so that an exception is
snapshotted in Python (3.13.0's C snapshot crashes on an exception whose ``__str__``
raises, and its ``exec`` crashes on some bad ``shared`` values: gh-126654, gh-127196).
Replies travel through one ``_interpqueues`` queue per calling thread.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import operator
import threading

from .._errors import (
    InterpreterError,
    InterpreterNotFoundError,
    QueueError,
    QueueNotFoundError,
)
from . import _common, _pipelock
from ._interface import BUFFER_NAME, REPLY_NAME, REQUEST_NAME, WHENCE_STDLIB

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._interface import Buffers

# Typed as Any on purpose: these private modules' signatures changed between 3.13 patch
# releases and 3.14, and typeshed describes only one generation.
_interpreters: Any = importlib.import_module("_interpreters")
_interpqueues: Any = importlib.import_module("_interpqueues")
_create_isolated = functools.partial(_interpreters.create, "isolated", reqrefs=True)
# Signal handlers run in the main interpreter's main thread only.
_pipelock.set_signal_thread(_interpreters.get_current()[0] == 0)

#: The unbound op of the reply queues (and of the protocol probe): an item whose
#: interpreter is gone keeps its slot and is got as unbound, never silently removed.
_REPLACE = 3


def _queue_protocol() -> tuple[int, ...]:
    """The extra arguments ``_interpqueues.create`` and ``put`` take on this build.

    3.13.0 through at least 3.13.18 take ``(maxsize, fmt, unboundop)`` and
    ``(qid, obj, fmt, unboundop)``; the 3.14 generation takes ``(maxsize, unboundop,
    fallback)``.  Probed, not read from the version.
    """
    try:
        qid = _interpqueues.create(0, 0, _REPLACE)
    except (TypeError, ValueError):
        qid = _interpqueues.create(0, _REPLACE, -1)
        _interpqueues.destroy(qid)
        return (_REPLACE, -1)
    _interpqueues.destroy(qid)
    return (0, _REPLACE)


#: ``fmt`` of the agent's reply queues (3.13 stores the value as given): they are hidden
#: from ``list_all()`` and refused by ``Queue(id)``.
_REPLY_FMT = 0x7E7


#: Every reply queue of this interpreter that is still alive, so that the exit hook can drop
#: them all, also those of threads that are still running (the debug build reports each
#: queue left at exit as "queue N still exists").
_live_reply_queues: set[int] = set()


class _ReplyQueue:
    """A queue id owned by one thread; released when the thread ends."""

    __slots__ = ("qid",)

    def __init__(self, extra: tuple[int, ...]) -> None:
        if extra[0] == 0:
            self.qid: int = _interpqueues.create(0, _REPLY_FMT, _REPLACE)
        else:
            self.qid = _interpqueues.create(0, *extra)
        _live_reply_queues.add(self.qid)

    def __del__(self) -> None:
        _live_reply_queues.discard(self.qid)
        try:
            _interpqueues.destroy(self.qid)
        except Exception:
            pass


def _destroy_ours_at_exit() -> None:
    listed = _interpreters.list_all()
    try:
        if any(interp_id != 0 for interp_id, _ in listed):
            _common.warn_remaining_at_exit()  # may raise, under -W error
    finally:
        ours = [i for i, whence in listed if i and whence == WHENCE_STDLIB]
        for interp_id in sorted(ours, reverse=True):  # children before parents
            _common.wait_until_idle(_interpreters.is_running, interp_id)
            try:
                _interpreters.destroy(interp_id)
            except Exception:
                pass


class Py313Backend:
    name = "py313"
    shares_buffers = False  # memoryview crosses as a copy of its bytes
    low_level = "_interpreters + _interpqueues (CPython 3.13)"
    emulates = (
        "call() with arguments and a result, exception snapshots for exec/call, "
        "prepare_main for every 3.14-shareable value, blocking queues with timeouts"
    )

    def after_fork_in_child(self) -> None:
        # The child has a copy of every queue of the parent's process: destroy them, so
        # the parent's Queue objects find them gone (as 3.14 would have it) and nothing
        # put here looks like the parent's.  Reply queues are made afresh.
        self._reply_pool = _common.ReplyPool()
        self._replies = _common.ThreadLocalReplies()
        self._guard = _common.RunGuard()
        self._first_create_lock = threading.Lock()
        for entry in _interpqueues.list_all():
            try:
                _interpqueues.destroy(entry[0])
            except _interpqueues.QueueError:
                pass

    def __init__(self) -> None:
        self._queue_extra = _queue_protocol()
        self._fmt_protocol = self._queue_extra[0] == 0
        self.queue_native_errors: tuple[type[Exception], ...] = (_interpqueues.QueueError,)
        if self._fmt_protocol:
            # put(qid, obj, fmt, unboundop) and get(qid) -> (obj, fmt, unboundop or None)
            # are ours exactly (fmt 1 marks a pickled item): the C functions themselves.
            self.queue_put = _interpqueues.put
            self.queue_get = _interpqueues.get
        else:
            self.queue_put = self._put_with_fallback
            self.queue_get = self._get_with_fallback
        self._reply_pool = _common.ReplyPool()
        self._replies = _common.ThreadLocalReplies()
        self._exit_hook_registered = False
        self._first_create_lock = threading.Lock()
        self._guard = _common.RunGuard()
        self._entries = {
            op: compile(_common.ENTRY_SCRIPT.format(op=op), "<interpreters_pep734>", "exec")
            for op in _common.OPERATIONS
        }

    # -- errors ---------------------------------------------------------------------------
    @staticmethod
    def _translate(exc: Exception) -> Exception:
        if isinstance(exc, InterpreterError):
            return exc  # ours already (ours derive from the module's classes)
        if isinstance(exc, _interpreters.InterpreterNotFoundError):
            return InterpreterNotFoundError(*exc.args)
        if isinstance(exc, _interpreters.InterpreterError):
            return InterpreterError(*exc.args)
        return exc

    # -- interpreters -----------------------------------------------------------------------
    def _register_exit_hook(self) -> None:
        if self._exit_hook_registered:
            return
        # Under a lock, and marked done only at the end: a thread that created while
        # another still imported datetime here would let a subinterpreter import it first
        # (see import_fragile_extensions_in_main), and two threads starting an executor's
        # workers do exactly that.
        with self._first_create_lock:
            if not self._exit_hook_registered:
                self._prepare_first_create()
                self._exit_hook_registered = True

    def _prepare_first_create(self) -> None:
        if _interpreters.get_current()[0] == 0:
            _common.import_fragile_extensions_in_main()
            # CPython 3.13.0 and 3.13.18 hang at exit when a subinterpreter still runs a
            # non-daemon thread.  Destroying our interpreters first, from an atexit hook
            # (after the main interpreter's own threads are joined), waits for those
            # threads as 3.14 does, and the process exits.
            # Our reply queues end with us: left to CPython's own clean-up, the debug
            # build reports each on stderr ("queue N still exists").  Registered first, so
            # run last (atexit runs hooks in reverse): after the calls still running have
            # had their replies.
            atexit.register(self._drop_reply_queues)
            atexit.register(_destroy_ours_at_exit)

    def _drop_reply_queues(self) -> None:
        self._replies = _common.ThreadLocalReplies()
        self._reply_pool = _common.ReplyPool()
        for qid in list(_live_reply_queues):  # those of threads still running too
            _live_reply_queues.discard(qid)
            try:
                _interpqueues.destroy(qid)
            except Exception:
                pass

    def create(self) -> int:
        self._register_exit_hook()
        # The id is appended by C code (list.extend over map): a signal handler's exception
        # (Ctrl-C), raised as a call returns, then cannot lose it and leak the interpreter.
        created: list[int] = []
        try:
            created.extend(map(operator.call, (_create_isolated,)))
            interp_id = created[0]
            excinfo = _interpreters.exec(
                interp_id,
                _common.BOOTSTRAP_SCRIPT,
                _common.bootstrap_values(),
            )
        except BaseException as exc:
            if created:
                _interpreters.destroy(created[0])
            if isinstance(exc, _interpreters.InterpreterError):
                raise self._translate(exc) from None
            raise
        if excinfo is not None:
            _interpreters.destroy(interp_id)
            raise InterpreterError(
                f"could not start interpreters_pep734 in the new interpreter: {excinfo.formatted}"
            )
        return interp_id

    def destroy(self, interp_id: int) -> None:
        interp_id = _common.check_id(interp_id)
        entry = (interp_id, threading.get_ident())
        try:
            self._guard.enter_destroy(*entry)
            _interpreters.destroy(interp_id)
        except _interpreters.InterpreterError as exc:
            raise self._translate(exc) from None
        finally:
            self._guard.closes.discard(entry)

    def list_all(self) -> list[tuple[int, int]]:
        return sorted(_interpreters.list_all(require_ready=True))

    def get_current(self) -> tuple[int, int]:
        current: tuple[int, int] = _interpreters.get_current()
        return current

    def get_main(self) -> tuple[int, int]:
        main: tuple[int, int] = _interpreters.get_main()
        return main

    def whence(self, interp_id: int) -> int:
        try:
            value: int = _interpreters.whence(_common.check_id(interp_id))
        except _interpreters.InterpreterError as exc:
            raise self._translate(exc) from None
        return value

    def is_running(self, interp_id: int) -> bool:
        try:
            return bool(_interpreters.is_running(_common.check_id(interp_id)))
        except _interpreters.InterpreterError as exc:
            raise self._translate(exc) from None

    def incref(self, interp_id: int) -> None:
        try:
            _interpreters.incref(interp_id)
        except _interpreters.InterpreterError as exc:
            raise self._translate(exc) from None

    def decref(self, interp_id: int) -> None:
        try:
            _interpreters.decref(interp_id)
        except _interpreters.InterpreterError as exc:
            raise self._translate(exc) from None

    # -- running the agent ---------------------------------------------------------------------
    def _reply_queue(self) -> int:
        held = self._replies.held
        if held is None:
            held = self._replies.held = _common.ReplyAddress(
                self._reply_pool, lambda: _ReplyQueue(self._queue_extra)
            )
        qid: int = held.address.qid
        try:
            stale = _interpqueues.get_count(qid)
        except _interpqueues.QueueError:
            # Destroyed behind this package's back: code that destroys every queue
            # _interpqueues.list_all() shows (CPython's own queue tests do, in tearDown)
            # takes the reply queues too.  Use a new one.
            held.address = _ReplyQueue(self._queue_extra)
            qid = held.address.qid
            stale = 0
        if stale and self._replies.pending:
            # The last run of this thread was interrupted (Ctrl-C) after the agent replied:
            # drop that stale reply so it is not taken for the next one.
            for _ in range(stale):
                _interpqueues.get(qid)
        return qid

    def run(
        self, interp_id: int, op: str, request: bytes, buffers: Buffers = ()
    ) -> tuple[bytes, Buffers]:
        qid = self._reply_queue()
        entry = (interp_id, threading.get_ident())
        shared = {REQUEST_NAME: request, REPLY_NAME: qid}
        if buffers:
            for index, buffer in enumerate(buffers):
                shared[BUFFER_NAME.format(index)] = buffer  # exec() copies bytes once
        try:
            self._guard.enter_run(*entry)
            self._replies.pending = True
            excinfo = _interpreters.exec(interp_id, self._entries[op], shared)
        except _interpreters.InterpreterError as exc:
            raise self._translate(exc) from None
        finally:
            self._guard.runs.discard(entry)
        if excinfo is not None:
            # The agent itself failed before it could answer (it answers every error of
            # the user's code).  Clean up what it could not take.
            self._forget_request(interp_id)
            from .._errors import ExecutionFailed

            raise ExecutionFailed(excinfo)
        got: Buffers = ()
        try:
            response = _interpqueues.get(qid)[0]
            if type(response) is int:  # that many buffers, then the response
                got = tuple([_interpqueues.get(qid)[0] for _ in range(response)])
                response = _interpqueues.get(qid)[0]
        except _interpqueues.QueueError:  # QueueEmpty included: it derives from it
            raise _common.no_reply(interp_id) from None
        except Exception as exc:  # e.g. a QueueEmpty 3.13.0 looked up elsewhere
            raise _common.no_reply(interp_id) from exc
        else:
            # Only once the whole reply is taken: an interrupted run leaves the rest to
            # be dropped by the next one (see _reply_queue).
            self._replies.pending = False
        return response, got

    def _forget_request(self, interp_id: int) -> None:
        cleanup = (
            f"[globals().pop(n) for n in [n for n in globals() if n.startswith("
            f"{BUFFER_NAME.split('{')[0]!r})]]; "
            f"globals().pop({REQUEST_NAME!r}, None); globals().pop({REPLY_NAME!r}, None)"
        )
        try:
            _interpreters.exec(interp_id, cleanup)
        except Exception:
            pass

    def reply(self, reply_to: Any, response: bytes, buffers: Buffers = ()) -> None:
        put, extra = _interpqueues.put, self._queue_extra
        if buffers:
            put(reply_to, len(buffers), *extra)
            for buffer in buffers:
                put(reply_to, buffer, *extra)
        put(reply_to, response, *extra)

    # -- queues: native, with the pickle fallback and id checks done here ---------------------
    @staticmethod
    def translate_queue_error(exc: Exception) -> Exception:
        if isinstance(exc, QueueError):
            return exc  # ours already, QueueEmpty and QueueFull included
        if isinstance(exc, _interpqueues.QueueNotFoundError):
            return QueueNotFoundError(*exc.args)
        if isinstance(exc, _interpqueues.QueueError):
            return QueueError(*exc.args)
        return exc

    def queue_register(self, queue_type: type, empty: type, full: type) -> None:
        # 3.13.0 looks QueueEmpty/QueueFull up in test.support.interpreters unless they are
        # registered in *this* interpreter; registering Queue makes it natively shareable
        # (the receiver calls Queue(qid), which binds).
        _interpqueues._register_heap_types(queue_type, empty, full)

    def queue_create(self, maxsize: int, unboundop: int) -> int:
        if not -(2**63) <= maxsize < 2**63:
            raise OverflowError("Python int too large to convert to C ssize_t")
        if self._fmt_protocol:  # (maxsize, fmt, unboundop)
            qid: int = _interpqueues.create(maxsize, 0, unboundop)
        else:  # (maxsize, unboundop, fallback)
            qid = _interpqueues.create(maxsize, unboundop, -1)
        return qid

    def queue_release_creation(self, qid: int) -> None:
        pass  # a new queue starts with no binding; the Queue object takes the first

    def queue_bind(self, qid: int) -> None:
        qid = _common.check_qid(qid)
        if self._fmt_protocol and self._is_reply_queue(qid):
            raise QueueNotFoundError(f"queue {qid} not found")
        try:
            _interpqueues.bind(qid)
        except _interpqueues.QueueError as exc:
            raise self.translate_queue_error(exc) from None

    def queue_hold(self, qid: int) -> None:
        self.queue_bind(qid)  # 3.13's bindings are process-wide counts

    def queue_unhold(self, qid: int) -> None:
        try:
            self.queue_release(qid)
        except QueueNotFoundError:
            pass

    @staticmethod
    def _is_reply_queue(qid: int) -> bool:
        try:
            return bool(_interpqueues.get_queue_defaults(qid)[0] == _REPLY_FMT)
        except _interpqueues.QueueError:
            return False

    def queue_release(self, qid: int) -> None:
        try:
            _interpqueues.release(_common.check_qid(qid))
        except _interpqueues.QueueError as exc:
            raise self.translate_queue_error(exc) from None

    # The 3.14 generation's protocol: the item travels as a (obj, pickled) tuple.
    @staticmethod
    def _put_with_fallback(qid: int, obj: object, pickled: bool, unboundop: int) -> None:
        _interpqueues.put(qid, (obj, pickled), unboundop, -1)

    @staticmethod
    def _get_with_fallback(qid: int) -> tuple[object, bool, int | None]:
        pair, unboundop = _interpqueues.get(qid)
        if unboundop is not None:
            return None, False, unboundop
        obj, pickled = pair
        return obj, pickled, None

    def queue_count(self, qid: int) -> int:
        try:
            count: int = _interpqueues.get_count(_common.check_qid(qid))
        except _interpqueues.QueueError as exc:
            raise self.translate_queue_error(exc) from None
        return count

    def queue_maxsize(self, qid: int) -> int:
        try:
            maxsize: int = _interpqueues.get_maxsize(_common.check_qid(qid))
        except _interpqueues.QueueError as exc:
            raise self.translate_queue_error(exc) from None
        return maxsize

    def queue_default_unboundop(self, qid: int) -> int:
        try:
            defaults = _interpqueues.get_queue_defaults(_common.check_qid(qid))
        except _interpqueues.QueueError as exc:
            raise self.translate_queue_error(exc) from None
        op: int = defaults[-1] if self._fmt_protocol else defaults[0]
        return op

    def queue_list_all(self) -> list[int]:
        return [
            entry[0]
            for entry in _interpqueues.list_all()
            if not (self._fmt_protocol and entry[1] == _REPLY_FMT)
        ]
