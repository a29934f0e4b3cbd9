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

from typing import Protocol

# Values of ``whence``, the same numbers as CPython 3.13+'s ``_interpreters.WHENCE_*``.
WHENCE_UNKNOWN = 0
WHENCE_RUNTIME = 1
WHENCE_LEGACY_CAPI = 2
WHENCE_CAPI = 3
WHENCE_XI = 4
WHENCE_STDLIB = 5


class Backend(Protocol):
    name: str
    """Short name, e.g. ``"py312"``."""
    low_level: str
    """The C modules it drives."""
    emulates: str
    """What it builds in Python because the C modules lack it."""

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

    def run(self, interp_id: int, op: str, request: bytes) -> bytes:
        """Run the agent's *op* with *request* in the interpreter; return its response.

        Raises InterpreterNotFoundError for an unknown id and InterpreterError when the
        interpreter is already running.
        """

    # -- agent side: called inside the target interpreter --------------------------------
    def serve(self, op: str) -> None:
        """Entry point of a :meth:`run`: take the request, run *op*, send the response."""
