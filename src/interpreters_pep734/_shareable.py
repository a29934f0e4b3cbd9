"""Which objects 3.14 shares natively between interpreters, without pickle.

``is_shareable()`` is the public answer; ``check_natively_shareable()`` raises
NotShareableError as 3.14 does for ``prepare_main()``, which takes only such values.
(CPython keeps these rules in its cross-interpreter data lookup, ``crossinterp_data_lookup.h``.)
"""

from __future__ import annotations

import sys

from ._errors import NotShareableError

#: ``Py_ssize_t`` bounds: 3.14 shares ints natively only inside them.
_SSIZE_MAX = sys.maxsize
_SSIZE_MIN = -sys.maxsize - 1

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
