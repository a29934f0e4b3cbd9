"""Pickling with the cross-interpreter rules of CPython 3.14.

A value that is not sent natively leaves an interpreter as a pickle, made in the order
3.14 tries for ``call()`` arguments, results and queue items:

1. a *stateless* function (see ``_scripts``) goes as its marshalled code and is rebuilt
   with the receiving interpreter's ``__main__`` as globals, so nested functions and
   lambdas work although pickle cannot take them;
2. everything else goes through pickle.  Natively shareable values (None, bool, int,
   float, str, bytes, tuples of them) pickle to equal copies; a ``Queue`` pickles as a
   reference to the same queue; a ``memoryview`` as a copy of its bytes.

Names that a pickle refers to in the sender's ``__main__`` are found by ``_fake_main``.

Big ``bytes``, ``bytearray`` and ``memoryview`` values (``BIG_BUFFER`` and up) can be
taken out of a pickle (``dumps_with_buffers``) to travel beside it as plain ``bytes``,
which each CPython shares natively with one copy: the pickle holds only a persistent
reference to them, so neither pickle nor marshal copies the payload.

This module is imported in every interpreter; it must not import the public layer at
import time.
"""

from __future__ import annotations

# The C pickler itself: ``pickle.py`` would also import ``re`` (and ``enum``, ``struct``)
# into every new interpreter, a third of its start-up time.
import _pickle as pickle
import functools
import io
import marshal
import sys
import types

from ._errors import NotShareableError
from ._fake_main import fake_main
from ._scripts import stateless_error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

PICKLE_PROTOCOL = 5  # pickle.HIGHEST_PROTOCOL on every supported CPython


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
#: The types `has_big` looks into: a value of none of them skips the scan (one C call).
SCANNED_TYPES = _BUFFER_TYPES | {tuple, list}
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


def has_big(values: object) -> bool:
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


def dumps_with_buffers(obj: object) -> tuple[bytes, str, tuple[bytes, ...]]:
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


def dumps(obj: object) -> bytes:
    try:
        return pickle.dumps(obj, PICKLE_PROTOCOL)  # the C fast path
    except TypeError:
        pass  # maybe a memoryview somewhere, which needs the reducer below
    buffer = io.BytesIO()
    _Pickler(buffer, PICKLE_PROTOCOL).dump(obj)
    return buffer.getvalue()


def stand_in(obj: object) -> object:
    """What goes into the pickle for one top-level item (callable, argument, result).

    3.14 converts a tuple item by item with the same fallbacks, so a stateless function
    inside a tuple crosses too; tuples are only rebuilt when they hold a function (checked
    after the plain pickle failed, with `deep_stand_in`: see `dumps_item`).
    """
    cls = type(obj)
    if cls is types.FunctionType and stateless_error(obj) is None:
        return _StatelessFunction(obj)  # type: ignore[arg-type]
    return obj


def deep_stand_in(obj: object) -> object:
    if type(obj) is tuple:
        return tuple([deep_stand_in(item) for item in obj])
    return stand_in(obj)


def dumps_item(obj: object) -> bytes:
    """Encode one value with the full fallback chain; NotShareableError if it cannot cross."""
    try:
        try:
            return dumps(stand_in(obj))
        except Exception:
            if type(obj) is not tuple:
                raise
            return dumps(deep_stand_in(obj))
    except Exception as exc:
        raise NotShareableError(f"{obj!r} does not support cross-interpreter data") from exc


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
            value: Any = fake_main(self._main_file, name)
            for part in name.split("."):
                value = getattr(value, part)
            return value


class _BufferUnpickler(_Unpickler):
    def __init__(self, data: bytes, main_file: str | None, objects: list[object]) -> None:
        super().__init__(data, main_file)
        self._objects = objects

    def persistent_load(self, pid: Any) -> object:
        return self._objects[pid]


def loads_with_buffers(
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
