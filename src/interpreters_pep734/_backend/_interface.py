"""The one internal interface every backend implements.

The public layer (``_interpreter``, ``_queue``, ``_executor``) talks only to this.  A
backend owns the low-level C modules: it translates their errors into this package's
exception types and keeps the interpreters' and queues' reference counts.

Running code in another interpreter always goes through the *agent*
(``interpreters_pep734._agent``): the caller sends one request (bytes) for one operation,
the agent runs it inside the target and sends back one response (bytes).  The backend
only moves those bytes; what they mean is ``_transfer``'s business.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Protocol
else:
    Protocol = object  # the interface is documentation and a type: nothing to run

# Values of ``whence``, the same numbers as CPython 3.13+'s ``_interpreters.WHENCE_*``.
WHENCE_UNKNOWN = 0
WHENCE_RUNTIME = 1
WHENCE_LEGACY_CAPI = 2
WHENCE_CAPI = 3
WHENCE_XI = 4
WHENCE_STDLIB = 5

# The names under which a backend binds a request and its reply address in the target's
# __main__ for the agent; the agent removes both before any user code runs.
REQUEST_NAME = "__interpreters_pep734_request__"
REPLY_NAME = "__interpreters_pep734_reply__"
# Big buffers of a request travel beside it, each bound under its own name (numbered from
# 0), so that each crosses as natively shared bytes: one copy, no pickle or marshal pass.
BUFFER_NAME = "__interpreters_pep734_buffer{}__"
FIRST_BUFFER_NAME = BUFFER_NAME.format(0)

#: A request's or a response's big buffers (see ``_transfer``); usually empty.
type Buffers = tuple[bytes, ...]


class Backend(Protocol):
    name: str
    """Short name, e.g. ``"py312"``."""
    low_level: str
    """The C modules it drives."""
    emulates: str
    """What it builds in Python because the C modules lack it."""
    shares_buffers: bool
    """True if a memoryview crosses zero-copy (3.14 shares the buffer)."""

    # -- interpreters --------------------------------------------------------------------
    def create(self) -> int:
        """Create an isolated interpreter (own GIL) and start the agent in it.

        The new interpreter is owned by references (:meth:`incref`); the caller must take
        one at once.
        """

    def destroy(self, interp_id: int) -> None: ...
    def list_all(self) -> list[tuple[int, int]]:
        """``(id, whence)`` for every ready interpreter, in ascending id order."""

    def get_current(self) -> tuple[int, int]: ...
    def get_main(self) -> tuple[int, int]: ...
    def whence(self, interp_id: int) -> int: ...
    def is_running(self, interp_id: int) -> bool: ...
    def incref(self, interp_id: int) -> None: ...
    def decref(self, interp_id: int) -> None: ...

    def run(
        self, interp_id: int, op: str, request: bytes, buffers: Buffers = ()
    ) -> tuple[bytes, Buffers]:
        """Run the agent's *op* with *request* in the interpreter; return its response.

        *buffers* travel beside the request, and the response's own beside it (each
        ``bytes`` crosses natively, with one copy).

        Raises InterpreterNotFoundError for an unknown id and InterpreterError when the
        interpreter is already running.
        """

    # -- queues ------------------------------------------------------------------------------
    # Items are ``(obj, pickled)`` on the way in; ``get`` returns ``(obj, pickled,
    # unboundop)``, where ``unboundop`` is None for a live item, else the flag (2 ERROR,
    # 3 UNBOUND) of an item whose interpreter was destroyed.  Errors are this package's
    # QueueNotFoundError, QueueEmpty, QueueFull; only the two hot calls may raise the
    # low-level module's own errors instead, see :attr:`queue_native_errors`.
    def queue_register(self, queue_type: type, empty: type, full: type) -> None: ...
    def queue_create(self, maxsize: int, unboundop: int) -> int:
        """A new queue, bound once; see :meth:`queue_release_creation`."""

    def queue_release_creation(self, qid: int) -> None:
        """Drop the creation's own binding once a Queue object holds one."""

    def queue_bind(self, qid: int) -> None: ...
    def queue_hold(self, qid: int) -> None:
        """Keep a queue alive for an item in transit (in any interpreter)."""

    def queue_unhold(self, qid: int) -> None:
        """The receiver of such an item has its own Queue object now: let go."""

    def queue_release(self, qid: int) -> None: ...

    # put and get are read as attributes, not called as methods, so that a backend can hand
    # out the C function itself when its signature already matches (3.13): the hot path
    # then costs no Python frame.
    @property
    def queue_put(self) -> Callable[[int, object, bool, int], None]:
        """``queue_put(qid, obj, pickled, unboundop)``, *unboundop* a flag (1, 2 or 3)."""

    @property
    def queue_get(self) -> Callable[[int], tuple[object, bool, int | None]]:
        """``queue_get(qid)`` -> ``(obj, pickled, unboundop)``."""

    queue_native_errors: tuple[type[Exception], ...]
    """Errors ``queue_put``/``queue_get`` may raise untranslated (empty if none)."""

    def translate_queue_error(self, exc: Exception) -> Exception:
        """This package's exception for one of :attr:`queue_native_errors`."""

    def queue_count(self, qid: int) -> int: ...
    def queue_maxsize(self, qid: int) -> int: ...
    def queue_default_unboundop(self, qid: int) -> int: ...
    def queue_list_all(self) -> list[int]:
        """The ids of every live queue, the backend's own reply queues left out."""

    # -- fork ------------------------------------------------------------------------------
    def after_fork_in_child(self) -> None:
        """In a forked child (main interpreter): start afresh, parent's queues gone."""

    # -- agent side: called inside the target interpreter --------------------------------
    def reply(self, reply_to: object, response: bytes, buffers: Buffers = ()) -> None:
        """Send the agent's *response* to the address :meth:`run` bound as REPLY_NAME."""
