"""Markers for queue items whose interpreter is gone: mirrors
``concurrent.interpreters._crossinterp``."""

from ._backend import STDLIB

# The two private tables are re-exported too: CPython 3.14's own queue tests read them.
if STDLIB:
    from concurrent.interpreters._crossinterp import (  # type: ignore[attr-defined]
        _UNBOUND_CONSTANT_TO_FLAG,
        _UNBOUND_FLAG_TO_CONSTANT,
        UNBOUND,
        UNBOUND_ERROR,
        UNBOUND_REMOVE,
        ItemInterpreterDestroyed,
        UnboundItem,
        classonly,
        resolve_unbound,
        serialize_unbound,
    )
else:
    from ._unbound import (
        _UNBOUND_CONSTANT_TO_FLAG,  # noqa: F401
        _UNBOUND_FLAG_TO_CONSTANT,  # noqa: F401
        UNBOUND,
        UNBOUND_ERROR,
        UNBOUND_REMOVE,
        ItemInterpreterDestroyed,
        UnboundItem,
        classonly,
        resolve_unbound,
        serialize_unbound,
    )

__all__ = [
    "UNBOUND",
    "UNBOUND_ERROR",
    "UNBOUND_REMOVE",
    "ItemInterpreterDestroyed",
    "UnboundItem",
    "classonly",
    "resolve_unbound",
    "serialize_unbound",
]
