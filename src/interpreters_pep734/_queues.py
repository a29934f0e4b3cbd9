"""Cross-interpreter queues: mirrors ``concurrent.interpreters._queues``."""

from ._backend import STDLIB

if STDLIB:
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
