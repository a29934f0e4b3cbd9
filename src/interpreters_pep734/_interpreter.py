"""``Interpreter`` and the module functions of ``concurrent.interpreters``, for 3.12/3.13.

Written once against the backend interface; it never asks which CPython it runs on.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable

from . import _fake_main, _scripts, _shareable, _syspath, _transfer
from ._backend import BACKEND, _wakeups
from ._backend._interface import (
    WHENCE_CAPI,
    WHENCE_LEGACY_CAPI,
    WHENCE_RUNTIME,
    WHENCE_STDLIB,
    WHENCE_UNKNOWN,
    WHENCE_XI,
    Backend,
)
from ._errors import InterpreterError, InterpreterNotFoundError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import types
    from typing import Any, ClassVar, Literal, ParamSpec, Self, TypeVar

    _P = ParamSpec("_P")
    _R = TypeVar("_R")
    #: The values of ``Interpreter.whence``, as typeshed spells them.
    type _WhenceName = Literal[
        "unknown",
        "runtime init",
        "legacy C-API",
        "C-API",
        "cross-interpreter C-API",
        "_interpreters module",
    ]

__all__ = ["Interpreter", "create", "get_current", "get_main", "is_shareable", "list_all"]

assert BACKEND is not None
_backend: Backend = BACKEND
_waits = _wakeups.table()  # sleeping queue waiters (see close())

is_shareable = _shareable.is_shareable

_paths = _syspath.PathTracker()


def create() -> Interpreter:
    """Create an interpreter, with nothing running in it yet, and return it."""
    _fake_main.check_not_rerunning_main()
    interp_id = _backend.create()
    return Interpreter(interp_id, _ownsref=True)


def list_all() -> list[Interpreter]:
    """Return an Interpreter object for each interpreter that exists now."""
    found = []
    for interp_id, whence in _backend.list_all():
        try:
            found.append(Interpreter(interp_id, _whence=whence))
        except InterpreterNotFoundError:
            # Destroyed since it was listed: by another thread, or by the garbage
            # collector freeing its last Interpreter object while this list was built.
            pass
    return found


def get_current() -> Interpreter:
    """Return the interpreter this code is running in."""
    interp_id, whence = _backend.get_current()
    return Interpreter(interp_id, _whence=whence)


def get_main() -> Interpreter:
    """Return the interpreter the process started with."""
    interp_id, whence = _backend.get_main()
    return Interpreter(interp_id, _whence=whence)


# One object per interpreter id, per interpreter (each interpreter has its own module).
_known: weakref.WeakValueDictionary[int, Interpreter] = weakref.WeakValueDictionary()


class Interpreter:
    """One interpreter of this process, known by its ID.

    ``id`` is the interpreter's ID, unique across the process; ``whence`` names what
    created it (e.g. "_interpreters module" for create(), "runtime init" for the main
    one).

    Only interpreters made by create() can be acted on: for any other, close(),
    prepare_main(), exec() and call() raise InterpreterError.
    """

    _WHENCE_TO_STR: ClassVar[dict[int, _WhenceName]] = {
        WHENCE_UNKNOWN: "unknown",
        WHENCE_RUNTIME: "runtime init",
        WHENCE_LEGACY_CAPI: "legacy C-API",
        WHENCE_CAPI: "C-API",
        WHENCE_XI: "cross-interpreter C-API",
        WHENCE_STDLIB: "_interpreters module",
    }

    _id: int
    _whence: int
    _ownsref: bool

    def __new__(cls, id: int, /, _whence: int | None = None, _ownsref: bool | None = None) -> Self:
        if not isinstance(id, int):
            raise TypeError(f"id must be an int, got {id!r}")
        id = int(id)
        if _whence is None:
            _whence = WHENCE_STDLIB if _ownsref else _backend.whence(id)
        if _ownsref is None:
            _ownsref = _whence == WHENCE_STDLIB
        try:
            # Self as typeshed has it; a subclass may get the base-class object made first.
            self: Self = _known[id]  # type: ignore[assignment]
        except KeyError:
            self = super().__new__(cls)
            self._id = id
            self._whence = _whence
            self._ownsref = False
            if _ownsref:
                _backend.incref(id)  # may raise InterpreterNotFoundError
                self._ownsref = True
            _known[id] = self
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id})"

    def __hash__(self) -> int:
        return hash(self._id)

    def __del__(self) -> None:
        self._decref()

    def __reduce__(self) -> tuple[type[Self], tuple[int]]:
        return (type(self), (self._id,))

    def _decref(self) -> None:
        if not getattr(self, "_ownsref", False):
            return
        self._ownsref = False
        try:
            _backend.decref(self._id)
        except InterpreterNotFoundError:
            pass

    @property
    def id(self) -> int:
        return self._id

    @property
    def whence(self) -> _WhenceName:
        return self._WHENCE_TO_STR[self._whence]

    def is_running(self) -> bool:
        """Tell whether some thread is running code in this interpreter right now."""
        return _backend.is_running(self._id)

    # The methods below act on the interpreter, so they refuse one that create() did
    # not make.

    def _require_own(self, what: str) -> None:
        if self._whence != WHENCE_STDLIB:
            raise InterpreterError(f"cannot {what} unrecognized interpreter {self._id}")

    def close(self) -> None:
        """Shut the interpreter down and free it.

        An interpreter cannot close itself: calling this on the current one raises
        InterpreterError.
        """
        self._require_own("destroy")
        _backend.destroy(self._id)
        _paths.forget(self._id)
        # The items it put with UNBOUND_REMOVE went with it: puts waiting for room may
        # go on.  Not when a last reference goes (__del__): the garbage collector may run
        # that inside a section that holds the sleepers' lock in this very thread, and
        # those sleepers look again within _wakeups.SAFETY_POLL anyway.
        _waits.wake_all_for_room()

    def prepare_main(self, ns: dict[str, Any] | None = None, /, **kwargs: Any) -> None:
        """Set names in the interpreter's ``__main__`` module to the given values.

        Each value must be shareable (see is_shareable()); if one is not, no name is set.
        """
        updates = dict(ns, **kwargs) if ns is not None else kwargs
        self._require_own("update __main__ for")
        if not updates:
            raise ValueError("arg 2 must be a non-empty dict")
        for name, value in updates.items():
            if not isinstance(name, str):
                raise TypeError("bad argument type for built-in operation")
            if "\0" in name:
                raise ValueError("found embedded NULL character")
            _shareable.check_natively_shareable(value)
        # Converted in full before anything is sent: on failure nothing is bound.
        response, _ = _backend.run(self._id, "set_main", _transfer.encode_namespace(updates))
        _transfer.decode_response(response)

    def exec(self, code: str | types.CodeType | Callable[[], object], /) -> None:
        """Execute a script in the interpreter; returns None.

        ``code`` is source text (str or bytes-like), a code object, or a function taking
        no arguments and using no closure.  It runs as if passed to the builtin exec()
        there, with ``__main__.__dict__`` serving as both its globals and its locals.

        An exception the script leaves uncaught does not cross back; ExecutionFailed is
        raised here instead, carrying a description of it.

        The calling thread waits for the script to finish; other threads keep running
        meanwhile.
        """
        self._require_own("exec code for")
        script = _scripts.script_code(code)
        request = _transfer.encode_exec(script, _paths.changes_for(self._id))
        _transfer.decode_response(_backend.run(self._id, "exec", request)[0])

    def _call(
        self, callable: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        self._require_own("make a call in")
        if not callable_(callable):
            raise TypeError(f"expected a callable, got {callable!r}")
        path = _paths.changes_for(self._id)
        request, buffers = _transfer.encode_call(callable, args, kwargs, path)
        response, buffers = _backend.run(self._id, "call", request, buffers)
        if _transfer.wants_parts(response):
            request, buffers = _transfer.encode_call(callable, args, kwargs, path, in_parts=True)
            response, buffers = _backend.run(self._id, "call", request, buffers)
        return _transfer.decode_response(response, buffers)

    def call(self, callable: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """Run ``callable(*args, **kwargs)`` in the interpreter and return its result.

        The callable, the arguments and the result cross by pickle, so almost anything
        works.  A function pickle cannot take (a lambda, a nested function) still can be
        sent if it has no closure and no defaults and uses only builtins as globals.

        If the call raises, ExecutionFailed is raised here, as for exec(); its text ends
        with the traceback as formatted in the other interpreter.
        """
        result: _R = self._call(callable, args, kwargs)
        return result

    def call_in_thread(
        self, callable: Callable[_P, object], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> threading.Thread:
        """Start a thread that makes this call() and return the thread.

        Whatever the call returns or raises is thrown away.
        """
        thread = threading.Thread(target=self._call, args=(callable, args, kwargs))
        thread.start()
        return thread


callable_ = callable
