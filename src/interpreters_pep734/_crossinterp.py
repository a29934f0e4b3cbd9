"""Markers for queue items whose interpreter is gone: mirrors
``concurrent.interpreters._crossinterp``."""

from ._backend import STDLIB

if STDLIB:
    from concurrent.interpreters._crossinterp import (
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
