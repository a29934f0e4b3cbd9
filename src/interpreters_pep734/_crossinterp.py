"""Markers for queue items whose interpreter is gone: mirrors
``concurrent.interpreters._crossinterp``."""

import sys

from ._backend import STDLIB

TYPE_CHECKING = False

# At run time the branch is STDLIB's (whether the stdlib has PEP 734).  Type checkers cannot
# know STDLIB, so they choose by the target version instead: typeshed's stubs for 3.14+,
# this package's annotations before.  The two private tables are re-exported too: CPython
# 3.14's own queue tests read them.
if (TYPE_CHECKING and sys.version_info >= (3, 14)) or (not TYPE_CHECKING and STDLIB):
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
