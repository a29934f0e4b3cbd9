"""How values cross between interpreters: one encoding, used by every operation.

A value leaves an interpreter as bytes and is rebuilt on the other side, in the order
CPython 3.14 tries for ``call()`` arguments, results and queue items:

1. a *stateless* function (no closure, no defaults, only builtins as globals) goes as its
   marshalled code and is rebuilt with the receiving interpreter's ``__main__`` as globals,
   so nested functions and lambdas work although pickle cannot take them;
2. everything else goes through pickle.  Natively shareable values (None, bool, int,
   float, str, bytes, tuples of them) pickle to equal copies; a ``Queue`` pickles as a
   reference to the same queue; a ``memoryview`` as a copy of its bytes.

Names that a pickle refers to in the sender's ``__main__`` are looked up in the receiver's
``__main__`` first and then, as 3.14 does, in a hidden module made by running the sender's
main script once under the name ``'<fake __main__>'``.

Requests and responses are framed with marshal (fast, and only holds bytes, str, ints
and tuples here).  Big ``bytes``, ``bytearray`` and ``memoryview`` values of a call
(arguments, result) travel *beside* the request or response as plain ``bytes``, which
each CPython shares natively with one copy: the pickle holds only a persistent reference
to them, so neither pickle nor marshal copies the payload.

This module is imported in every interpreter; it must not import the public layer at
import time.
"""

from __future__ import annotations

# The C pickler itself: ``pickle.py`` would also import ``re`` (and ``enum``, ``struct``)
# into every new interpreter, a third of its start-up time.
import _pickle as pickle
import _thread
import functools
import io
import marshal
import os
import sys
import types
from collections.abc import Callable, Mapping

from ._errors import ExecutionFailed, InterpreterError, NotShareableError, excinfo_from

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn

PICKLE_PROTOCOL = 5  # pickle.HIGHEST_PROTOCOL on every supported CPython

# Response kinds.
OK = 0
FAILED = 1  # an uncaught exception: (type names, msg, errdisplay)
NOT_SHAREABLE = 2  # (message, display of the cause)

#: ``Py_ssize_t`` bounds: 3.14 shares ints natively only inside them.
_SSIZE_MAX = sys.maxsize
_SSIZE_MIN = -sys.maxsize - 1

# -- scripts and stateless functions ---------------------------------------------------


@functools.lru_cache(maxsize=512)
def _global_names(code: types.CodeType) -> frozenset[str]:
    import dis

    return frozenset(
        str(ins.argval) for ins in dis.get_instructions(code) if ins.opname == "LOAD_GLOBAL"
    )


def stateless_error(func: object) -> str | None:
    """Why *func* is not a stateless function by 3.14's rule, or None if it is."""
    if type(func) is not types.FunctionType:
        return f"expected a function, got {func!r}"
    if func.__closure__ or func.__code__.co_freevars:
        return "closures not supported"
    if func.__defaults__:
        return "defaults not supported"
    if func.__kwdefaults__:
        return "keyword defaults not supported"
    globals_ns, builtins_ns = func.__globals__, getattr(func, "__builtins__", {})
    for name in _global_names(func.__code__):
        if name in globals_ns or name not in builtins_ns:
            return "globals not supported"
    return None


def _returns_only_none(code: types.CodeType) -> bool:
    if code.co_flags & (
        0x20 | 0x80 | 0x100 | 0x200  # generator, coroutine, iterable coroutine, async gen
    ):
        return False
    import dis

    previous = None
    for ins in dis.get_instructions(code):
        if ins.opname == "RETURN_CONST" and ins.argval is not None:
            return False
        if ins.opname == "RETURN_VALUE" and not (
            previous is not None and previous.opname == "LOAD_CONST" and previous.argval is None
        ):
            return False
        previous = ins
    return True


def script_code(script: object) -> types.CodeType:
    """The code object ``Interpreter.exec()`` runs for *script*, checked as 3.14 checks it.

    Text is compiled here, in the calling interpreter, so a SyntaxError is raised to the
    caller directly.
    """
    if isinstance(script, memoryview):
        script = script.tobytes()  # bytes-like source, as 3.14 accepts
    if isinstance(script, (str, bytes, bytearray)):
        return compile(script, "<script>", "exec", dont_inherit=True)
    if type(script) is types.FunctionType:
        if script.__closure__:
            raise ValueError("closures not supported")
        code = script.__code__
    elif type(script) is types.CodeType:
        code = script
    else:
        raise TypeError(f"unsupported script {script!r}")
    if code.co_freevars:
        raise ValueError("closures not supported")
    if (
        code.co_argcount
        or code.co_posonlyargcount
        or code.co_kwonlyargcount
        or code.co_flags & (0x04 | 0x08)  # *args, **kwargs
    ):
        raise ValueError("code with args not supported")
    if not _returns_only_none(code):
        raise ValueError("code that returns a value is not a script")
    return code


# -- shareability ----------------------------------------------------------------------

_NATIVE_SCALARS = frozenset({type(None), bool, int, float, str, bytes, memoryview})


def _queue_type() -> type | None:
    queue_module = sys.modules.get("interpreters_pep734._queue")
    return getattr(queue_module, "Queue", None)


def is_shareable(obj: object) -> bool:
    """3.14's ``is_shareable``: only the exact type counts, and tuples are taken on trust."""
    cls = type(obj)
    return cls in _NATIVE_SCALARS or cls is tuple or cls is _queue_type()


def check_natively_shareable(obj: object) -> None:
    """Raise NotShareableError as 3.14 does where *obj* cannot cross without pickle."""
    cls = type(obj)
    if cls is int:
        if not _SSIZE_MIN <= obj <= _SSIZE_MAX:  # type: ignore[operator]
            raise NotShareableError(
                f"{obj!r} does not support cross-interpreter data"
            ) from OverflowError("try sending as bytes")
        return
    if cls in _NATIVE_SCALARS or cls is _queue_type():
        return
    if cls is tuple:
        for item in obj:  # type: ignore[attr-defined]
            try:
                check_natively_shareable(item)
            except NotShareableError as exc:
                raise NotShareableError(f"{obj!r} does not support cross-interpreter data") from exc
        return
    raise NotShareableError(f"{obj!r} does not support cross-interpreter data")


# -- pickling with the cross-interpreter rules --------------------------------------------


_marshalled_code = functools.lru_cache(maxsize=256)(marshal.dumps)
_loaded_code: dict[bytes, types.CodeType] = {}


def _rebuild_stateless(code: bytes, name: str, qualname: str) -> types.FunctionType:
    main = sys.modules["__main__"]
    try:
        code_object = _loaded_code[code]
    except KeyError:
        if len(_loaded_code) >= 256:
            _loaded_code.clear()
        code_object = _loaded_code[code] = marshal.loads(code)
    func = types.FunctionType(code_object, main.__dict__, name)
    func.__qualname__ = qualname
    return func


class _StatelessFunction:
    """Stands in for a stateless function in a pickle."""

    __slots__ = ("func",)

    def __init__(self, func: types.FunctionType) -> None:
        self.func = func

    def __reduce__(self) -> tuple[Any, ...]:
        func = self.func
        code = _marshalled_code(func.__code__)
        return (_rebuild_stateless, (code, func.__name__, func.__qualname__))


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: object) -> Any:
        if type(obj) is memoryview:
            # 3.14 shares the buffer itself; here the bytes are copied.
            return (memoryview, (obj.tobytes(),))
        return NotImplemented


#: From this size on a bytes-like value of a call crosses beside the pickle (measured: below
#: it the second shared value costs more than the copies it saves).
BIG_BUFFER = 64 * 1024
_BUFFER_TYPES = frozenset({bytes, bytearray, memoryview})
#: The types `_has_big` looks into: a value of none of them skips the scan (one C call).
_SCANNED_TYPES = _BUFFER_TYPES | {tuple, list}
# How a buffer is rebuilt in the receiver (one letter per buffer, in order).
_AS_BYTES, _AS_BYTEARRAY, _AS_MEMORYVIEW = "b", "a", "m"
#: Containers searched (one level, when this short) for big buffers before pickling.
_SCANNED_LEN = 64


def _is_big(obj: object) -> bool:
    if isinstance(obj, bytes | bytearray) and type(obj) in _BUFFER_TYPES:
        return len(obj) >= BIG_BUFFER
    if type(obj) is memoryview:
        try:
            return obj.nbytes >= BIG_BUFFER
        except ValueError:  # released: the ordinary path reports it
            return False
    return False


def _has_big(values: object) -> bool:
    """Whether one of *values*, or of the short tuples and lists among them, is big."""
    for value in values:  # type: ignore[attr-defined]
        cls = type(value)
        if cls in _BUFFER_TYPES:
            if _is_big(value):
                return True
        elif (cls is tuple or cls is list) and len(value) <= _SCANNED_LEN:
            for item in value:
                if type(item) in _BUFFER_TYPES and _is_big(item):
                    return True
    return False


class _BufferPickler(pickle.Pickler):
    """Pickles with every big bytes-like object taken out as a separate ``bytes``.

    The pickle refers to each by a persistent id (its index); an object met twice is
    taken out once, so identity inside the value is kept as pickle keeps it.
    """

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, PICKLE_PROTOCOL)
        self.buffers: list[bytes] = []
        self.kinds: list[str] = []
        self._taken: dict[int, int] = {}

    def persistent_id(self, obj: object) -> int | None:
        cls = type(obj)
        if cls not in _BUFFER_TYPES or not _is_big(obj):
            return None
        index = self._taken.get(id(obj))
        if index is None:
            if isinstance(obj, bytes):
                data, kind = obj, _AS_BYTES
            elif isinstance(obj, bytearray):
                data, kind = bytes(obj), _AS_BYTEARRAY
            else:  # a memoryview crosses as a copy of its bytes, as in `_Pickler`
                data, kind = obj.tobytes(), _AS_MEMORYVIEW  # type: ignore[attr-defined]
            index = self._taken[id(obj)] = len(self.buffers)
            self.buffers.append(data)
            self.kinds.append(kind)
        return index

    def reducer_override(self, obj: object) -> Any:
        if type(obj) is memoryview:
            return (memoryview, (obj.tobytes(),))
        return NotImplemented


def _dumps_with_buffers(obj: object) -> tuple[bytes, str, tuple[bytes, ...]]:
    """``(pickle, kinds, buffers)`` of *obj*, its big buffers taken out."""
    buffer = io.BytesIO()
    pickler = _BufferPickler(buffer)
    pickler.dump(obj)
    return buffer.getvalue(), "".join(pickler.kinds), tuple(pickler.buffers)


def _rebuild_buffers(kinds: str, buffers: tuple[bytes, ...]) -> list[object]:
    if len(kinds) != len(buffers):
        raise ValueError(f"expected {len(kinds)} buffers, got {len(buffers)}")
    rebuilt: list[object] = []
    for kind, data in zip(kinds, buffers, strict=True):
        if kind == _AS_BYTEARRAY:
            rebuilt.append(bytearray(data))
        elif kind == _AS_MEMORYVIEW:
            rebuilt.append(memoryview(data))
        else:
            rebuilt.append(data)
    return rebuilt


def _dumps(obj: object) -> bytes:
    try:
        return pickle.dumps(obj, PICKLE_PROTOCOL)  # the C fast path
    except TypeError:
        pass  # maybe a memoryview somewhere, which needs the reducer below
    buffer = io.BytesIO()
    _Pickler(buffer, PICKLE_PROTOCOL).dump(obj)
    return buffer.getvalue()


def _stand_in(obj: object) -> object:
    """What goes into the pickle for one top-level item (callable, argument, result).

    3.14 converts a tuple item by item with the same fallbacks, so a stateless function
    inside a tuple crosses too; tuples are only rebuilt when they hold a function (checked
    after the plain pickle failed, see `_dumps_with_stand_ins`).
    """
    cls = type(obj)
    if cls is types.FunctionType and stateless_error(obj) is None:
        return _StatelessFunction(obj)  # type: ignore[arg-type]
    return obj


def _deep_stand_in(obj: object) -> object:
    if type(obj) is tuple:
        return tuple([_deep_stand_in(item) for item in obj])
    return _stand_in(obj)


def dumps_item(obj: object) -> bytes:
    """Encode one value with the full fallback chain; NotShareableError if it cannot cross."""
    try:
        try:
            return _dumps(_stand_in(obj))
        except Exception:
            if type(obj) is not tuple:
                raise
            return _dumps(_deep_stand_in(obj))
    except Exception as exc:
        raise NotShareableError(f"{obj!r} does not support cross-interpreter data") from exc


def dumps_queue_item(obj: object, hold: Callable[[int], None] | None = None) -> bytes:
    """A queue item that must be pickled; it carries the sender's main script path.

    With *hold*, every queue the item refers to is held (``hold(id)``) while the item is
    in transit, as 3.14 does; ``loads_queue_item`` lets go of them (or ``release_holds``
    if the item never made it into the queue).
    """
    with collecting_in_transit() as queues:
        data = dumps_item(obj)
    held = tuple({q.id for q in queues}) if hold is not None else ()  # type: ignore[attr-defined]
    for qid in held:
        hold(qid)  # type: ignore[misc]
    return marshal.dumps((data, _main_file(), held))


def release_holds(data: bytes, unhold: Callable[[int], None]) -> None:
    """Let go of the holds of an item that was encoded but never put (the put failed)."""
    for qid in marshal.loads(data)[2]:
        unhold(qid)


def loads_queue_item(data: bytes, unhold: Callable[[int], None] | None = None) -> Any:
    pickled, main_file, held = marshal.loads(data)
    try:
        return loads_item(pickled, main_file)
    except Exception as exc:
        unguarded = _main_not_guarded(exc)
        message = "object could not be unpickled"
        if unguarded is not None:
            message = f"{message}: {unguarded}"
        raise NotShareableError(message) from exc
    finally:
        if unhold is not None:
            for qid in held:
                unhold(qid)


def _main_file() -> str | None:
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return path if isinstance(path, str) else None


_fake_mains: dict[str, types.ModuleType] = {}


def _fake_main(path: str, wanted: str) -> types.ModuleType:
    """The sender's main script, run once per interpreter as ``'<fake __main__>'``.

    Its ``if __name__ == "__main__":`` block does not run, and the real ``__main__`` of
    this interpreter is not touched.  While it runs, starting interpreters is refused (see
    `check_not_rerunning_main`).
    """
    try:
        return _fake_mains[path]
    except KeyError:
        pass
    module = types.ModuleType("<fake __main__>")
    module.__file__ = path
    import zipfile

    outer = getattr(_collector, "rerunning_main", None)
    _collector.rerunning_main = (path, wanted)
    try:
        if os.path.isfile(path) and not zipfile.is_zipfile(path):
            with open(path, "rb") as source:
                code = compile(source.read(), path, "exec", dont_inherit=True)
            exec(code, module.__dict__)
        else:  # a directory or zip file with a __main__.py
            import runpy

            module.__dict__.update(runpy.run_path(path, run_name="<fake __main__>"))
    finally:
        _collector.rerunning_main = outer
    _fake_mains[path] = module
    return module


class MainNotGuarded(InterpreterError):
    """An interpreter was started from a main script re-run to find one of its names."""


def _main_not_guarded(exc: BaseException) -> MainNotGuarded | None:
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, MainNotGuarded):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def check_not_rerunning_main() -> None:
    """Refuse to start interpreters from a main script re-run by `_fake_main`.

    Such a script lacks the ``if __name__ == "__main__":`` guard: unchecked, each worker
    would start its own pool or interpreters from it, again and again (CPython 3.12.1
    aborts the process on the way).
    """
    rerunning = getattr(_collector, "rerunning_main", None)
    if rerunning is None:
        return
    path, wanted = rerunning
    raise MainNotGuarded(
        f"cannot start an interpreter while {path!r} runs again in interpreter "
        f"{_current_interpreter_id()} to find __main__.{wanted}: the main script must "
        'guard its own code with `if __name__ == "__main__":` (as with multiprocessing), '
        "so that only its definitions run when it is imported"
    )


def _current_interpreter_id() -> int:
    from . import _backend

    return int(_backend.BACKEND.get_current()[0])  # type: ignore[union-attr]


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, main_file: str | None) -> None:
        super().__init__(io.BytesIO(data))
        self._main_file = main_file

    def find_class(self, module: str, name: str) -> Any:
        if module != "__main__" or self._main_file is None:
            return super().find_class(module, name)
        try:
            return super().find_class(module, name)
        except AttributeError:
            value: Any = _fake_main(self._main_file, name)
            for part in name.split("."):
                value = getattr(value, part)
            return value


class _BufferUnpickler(_Unpickler):
    def __init__(self, data: bytes, main_file: str | None, objects: list[object]) -> None:
        super().__init__(data, main_file)
        self._objects = objects

    def persistent_load(self, pid: Any) -> object:
        return self._objects[pid]


def _loads_with_buffers(
    data: bytes, main_file: str | None, kinds: str, buffers: tuple[bytes, ...]
) -> Any:
    return _BufferUnpickler(data, main_file, _rebuild_buffers(kinds, buffers)).load()


def loads_item(data: bytes, main_file: str | None = None) -> Any:
    try:
        return pickle.loads(data)
    except (AttributeError, ModuleNotFoundError, ImportError):
        if main_file is None:
            raise
    return _Unpickler(data, main_file).load()


# -- error snapshots -------------------------------------------------------------------


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except BaseException:
        return "<exception str() failed>"


def snapshot(exc: BaseException, skip_file: str | None = None) -> tuple[Any, ...]:
    """``(type names, msg, errdisplay)`` of *exc*, made where it was raised.

    Frames of *skip_file* (the agent's own) are left out of the traceback.
    """
    cls = type(exc)
    names = (str(cls.__name__), str(cls.__qualname__), str(cls.__module__))
    import traceback

    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == skip_file:
        tb = tb.tb_next
    try:
        exc.__traceback__ = tb
        display: str | None = "".join(traceback.format_exception(exc)).rstrip("\n")
    except BaseException:
        display = None
    return (names, _safe_str(exc), display)


def raise_failure(failure: tuple[Any, ...]) -> NoReturn:
    names, msg, display = failure
    raise ExecutionFailed(excinfo_from(names, msg, display))


def describe_error(exc: BaseException) -> str:
    """One exception as text, for a NotShareableError's cause."""
    import traceback

    try:
        return "".join(traceback.format_exception(exc)).rstrip("\n")
    except BaseException:
        return f"{type(exc).__qualname__}: {_safe_str(exc)}"


def raise_not_shareable(message: str, display: str) -> NoReturn:
    raise NotShareableError(message) from Exception(display)


# -- requests and responses -------------------------------------------------------------

RETRY_IN_PARTS = 3  # response kind: send the call's parts separately
OK_WITH_BUFFERS = 4  # (pickle, kinds): the result's big buffers travel beside it


class RetryInParts(Exception):
    """The target could not unpickle a one-pickle call request."""


_NONE_RESULT = marshal.dumps((OK, None))
_RETRY_RESPONSE = marshal.dumps((RETRY_IN_PARTS,))


def encode_call(
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    path: Any,
    *,
    in_parts: bool = False,
) -> tuple[bytes, tuple[bytes, ...]]:
    """The request for ``Interpreter.call()`` and the buffers that go beside it.

    Raises NotShareableError as 3.14 does.  Usually one pickle of ``(func, args,
    kwargs)``, big buffers taken out (see `_BufferPickler`).  If that fails, or the target
    cannot unpickle it (it answers RETRY_IN_PARTS), the parts go separately, which says
    which part is at fault, with 3.14's messages.
    """
    if not in_parts:
        big = False
        for arg in args:  # written out: the scan must cost small calls next to nothing
            if type(arg) in _SCANNED_TYPES:
                big = _has_big(args)
                break
        if big or (kwargs and _has_big(kwargs.values())):
            try:
                blob, kinds, buffers = _dumps_with_buffers(
                    (_stand_in(func), tuple([_stand_in(arg) for arg in args]), kwargs or None)
                )
            except Exception:
                pass  # the ordinary path below says what is wrong, as it always did
            else:
                return marshal.dumps((blob, _main_file(), path, kinds)), buffers
        try:
            blob = _dumps(
                (_stand_in(func), tuple([_stand_in(arg) for arg in args]), kwargs or None)
            )
        except Exception:
            pass
        else:
            return marshal.dumps((blob, _main_file(), path)), ()
    try:
        func_data = _dumps(_stand_in(func))
    except Exception as exc:
        reason = stateless_error(func)
        if type(func) is types.FunctionType and reason is not None:
            raise NotShareableError("only stateless functions are shareable") from ValueError(
                reason
            )
        raise NotShareableError(f"expected a function, got {func!r}") from exc
    args_data = b""
    if args:
        try:
            args_data = _dumps(tuple([_deep_stand_in(arg) for arg in args]))
        except Exception:
            for arg in args:
                try:
                    dumps_item(arg)
                except NotShareableError as item_error:
                    raise NotShareableError(
                        f"{args!r} does not support cross-interpreter data"
                    ) from item_error
            raise
    kwargs_data = b""
    if kwargs:
        try:
            kwargs_data = _dumps(dict(kwargs))
        except Exception as exc:
            raise NotShareableError(
                f"{dict(kwargs)!r} does not support cross-interpreter data"
            ) from exc
    return marshal.dumps((func_data, args_data, kwargs_data, _main_file(), path)), ()


def decode_call(request: bytes, buffers: tuple[bytes, ...] = ()) -> tuple[Any, ...]:
    """Inside the target: ``(func, args, kwargs)``.

    Raises NotShareableError if a part cannot be unpickled, or _RetryInParts if the
    one-pickle form failed (then the caller sends the parts separately).
    """
    fields = marshal.loads(request)
    if len(fields) == 3 or len(fields) == 4:  # one pickle, maybe with buffers beside
        blob, main_file, path = fields[:3]
        if path is not None:
            sync_path(path)
        try:
            if len(fields) == 4:
                func, args, kwargs = _loads_with_buffers(blob, main_file, fields[3], buffers)
            else:
                func, args, kwargs = loads_item(blob, main_file)
        except Exception:
            raise RetryInParts from None
        return func, args, kwargs or {}
    func_data, args_data, kwargs_data, main_file, path = fields
    if path is not None:
        sync_path(path)
    parts: list[Any] = []
    for data, what, empty in (
        (func_data, "func", None),
        (args_data, "args", ()),
        (kwargs_data, "kwargs", {}),
    ):
        if not data:
            parts.append(empty)
            continue
        try:
            parts.append(loads_item(data, main_file))
        except Exception as exc:
            display = describe_error(exc)
            message = f"{what} not shareable"
            unguarded = _main_not_guarded(exc)
            if unguarded is not None:  # 3.14 says no more than the message: say why
                message = f"{message}: {unguarded}"
            raise NotShareableError(message) from Exception(
                f"interpreters_pep734.NotShareableError: object could not be unpickled\n{display}"
            )
    return tuple(parts)


# While a queue item or a call's result is pickled, the queues it refers to are collected
# (see ``Queue.__reduce__``) so they can be kept alive while the value is in transit, as
# 3.14 keeps a queue alive then.  Per thread: threads of one interpreter pickle at once.
_collector = _thread._local()


class collecting_in_transit:
    """``with collecting_in_transit() as queues:`` collects the queues pickled inside."""

    __slots__ = ("outer", "queues")

    def __enter__(self) -> list[object]:
        self.outer = getattr(_collector, "queues", None)
        self.queues: list[object] = []
        _collector.queues = self.queues
        return self.queues

    def __exit__(self, *exc: object) -> None:
        _collector.queues = self.outer


def note_in_transit(obj: object) -> None:
    queues = getattr(_collector, "queues", None)
    if queues is not None:
        queues.append(obj)


def encode_result(value: object) -> bytes | tuple[bytes, tuple[bytes, ...]]:
    """The response for a call's result, and the buffers that go beside it, if any."""
    if value is None:
        return _NONE_RESULT
    if type(value) in _SCANNED_TYPES and _has_big((value,)):
        try:
            data, kinds, buffers = _dumps_with_buffers(_stand_in(value))
        except Exception:
            pass  # the ordinary path below says what is wrong, as it always did
        else:
            return marshal.dumps((OK_WITH_BUFFERS, data, kinds)), buffers
    try:
        try:
            data = _dumps(_stand_in(value))
        except Exception:
            if type(value) is not tuple:
                raise
            data = _dumps(_deep_stand_in(value))
    except Exception as exc:
        cause = (
            "interpreters_pep734.NotShareableError: "
            f"{value!r} does not support cross-interpreter data"
        )
        if not isinstance(exc, pickle.PicklingError | TypeError | AttributeError):
            cause = f"{cause}\n{describe_error(exc)}"
        return marshal.dumps(
            (NOT_SHAREABLE, "object does not support cross-interpreter data", cause)
        )
    return marshal.dumps((OK, data))


def encode_failure(exc: BaseException, skip_file: str | None) -> bytes:
    return marshal.dumps((FAILED, snapshot(exc, skip_file)))


def encode_not_shareable(exc: NotShareableError) -> bytes:
    cause = exc.__cause__
    display = str(cause) if cause is not None else describe_error(exc)
    return marshal.dumps((NOT_SHAREABLE, _safe_str(exc), display))


def retry_response() -> bytes:
    return _RETRY_RESPONSE


def wants_parts(response: bytes) -> bool:
    return response == _RETRY_RESPONSE


def decode_response(response: bytes, buffers: tuple[bytes, ...] = ()) -> Any:
    """The caller's side: the result, or raise what happened in the target."""
    if not response:
        return None
    if response == _NONE_RESULT:
        return None
    kind, *rest = marshal.loads(response)
    if kind in (OK, OK_WITH_BUFFERS):
        data = rest[0]
        if data is None:
            return None
        try:
            if kind == OK_WITH_BUFFERS:
                return _loads_with_buffers(data, _main_file(), rest[1], buffers)
            return loads_item(data, _main_file())
        except Exception as exc:
            raise NotShareableError("object could not be unpickled") from exc
    if kind == FAILED:
        raise_failure(rest[0])
    raise_not_shareable(rest[0], rest[1])


def encode_exec(code: types.CodeType, path: Any) -> bytes:
    return marshal.dumps((code, path))


def encode_namespace(ns: dict[str, Any]) -> bytes:
    return _dumps(ns)


def decode_namespace(request: bytes) -> dict[str, Any]:
    ns: dict[str, Any] = pickle.loads(request)
    return ns


# -- sys.path ----------------------------------------------------------------------------

_synced_path: list[str] = []


def sync_path(path: list[str]) -> None:
    """Make the sender's import path entries available here too (cpython #126714).

    Entries this interpreter lacks are appended, so nothing it already imports from is
    shadowed.
    """
    global _synced_path
    if path == _synced_path:
        return
    known = set(sys.path)
    sys.path.extend(p for p in path if p not in known)
    _synced_path = list(path)


class PathTracker:
    """Remembers which ``sys.path`` each target last got from this interpreter."""

    def __init__(self) -> None:
        self._sent: dict[int, list[str]] = {}

    def changes_for(self, interp_id: int) -> list[str] | None:
        """``sys.path`` if the target has not seen it as it is now, else None."""
        path = sys.path
        if self._sent.get(interp_id) == path:
            return None
        if len(self._sent) >= 256:  # ids are not reused: forget old ones, resend at worst
            self._sent.clear()
        self._sent[interp_id] = list(path)
        return [p for p in path if isinstance(p, str)]

    def forget(self, interp_id: int) -> None:
        """The interpreter is gone: nothing to remember for it."""
        self._sent.pop(interp_id, None)
