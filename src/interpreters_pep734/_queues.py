"""Cross-interpreter queues: mirrors ``concurrent.interpreters._queues``."""

import sys

from ._backend import STDLIB

TYPE_CHECKING = False

# At run time the branch is STDLIB's (whether the stdlib has PEP 734).  Type checkers cannot
# know STDLIB, so they choose by the target version instead: typeshed's stubs for 3.14+,
# this package's annotations before.
if (TYPE_CHECKING and sys.version_info >= (3, 14)) or (not TYPE_CHECKING and STDLIB):
    from concurrent.interpreters._queues import (
        UNBOUND,
        UNBOUND_ERROR,
        UNBOUND_REMOVE,
        ItemInterpreterDestroyed,
        Queue,
        QueueEmpty,
        QueueError,
        QueueFull,
        QueueNotFoundError,
        create,
        list_all,
    )
else:
    # This name and _queue are one module object: 3.14's implementation lives in _queues
    # itself, and its own tests patch module globals there (``time``, to check that the
    # deadlines of blocking calls use the monotonic clock); that must reach the code.
    import sys as _sys

    from . import _queue as _implementation
    from ._crossinterp import UNBOUND_ERROR, UNBOUND_REMOVE
    from ._queue import (
        UNBOUND,
        ItemInterpreterDestroyed,
        Queue,
        QueueEmpty,
        QueueError,
        QueueFull,
        QueueNotFoundError,
        create,
        list_all,
    )

    _sys.modules[__name__] = _implementation

__all__ = [
    "UNBOUND",
    "UNBOUND_ERROR",
    "UNBOUND_REMOVE",
    "ItemInterpreterDestroyed",
    "Queue",
    "QueueEmpty",
    "QueueError",
    "QueueFull",
    "QueueNotFoundError",
    "create",
    "list_all",
]
