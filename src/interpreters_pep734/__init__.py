"""Multiple interpreters in one process: CPython 3.14's ``concurrent.interpreters`` (PEP 734).

On CPython 3.14 and newer every name here is the stdlib's own object; on 3.12 and 3.13 it
is this package's implementation of the same API.  Use it as::

    import interpreters_pep734 as interpreters
"""

import sys

from . import _fork
from ._backend import STDLIB
from ._version import __version__ as __version__

TYPE_CHECKING = False

# At run time the branch is STDLIB's (whether the stdlib has PEP 734).  Type checkers cannot
# know STDLIB, so they choose by the target version instead: typeshed's stubs for 3.14+,
# this package's annotations before.
if (TYPE_CHECKING and sys.version_info >= (3, 14)) or (not TYPE_CHECKING and STDLIB):
    from concurrent.interpreters import (
        ExecutionFailed,
        Interpreter,
        InterpreterError,
        InterpreterNotFoundError,
        NotShareableError,
        Queue,
        QueueEmpty,
        QueueFull,
        create,
        create_queue,
        get_current,
        get_main,
        is_shareable,
        list_all,
    )
else:
    from ._errors import (
        ExecutionFailed,
        InterpreterError,
        InterpreterNotFoundError,
        NotShareableError,
    )
    from ._interpreter import (
        Interpreter,
        create,
        get_current,
        get_main,
        is_shareable,
        list_all,
    )
    from ._queues import Queue, QueueEmpty, QueueFull
    from ._queues import create as create_queue

_fork.register()

__all__ = [
    "ExecutionFailed",
    "Interpreter",
    "InterpreterError",
    "InterpreterNotFoundError",
    "NotShareableError",
    "Queue",
    "QueueEmpty",
    "QueueFull",
    "create",
    "create_queue",
    "get_current",
    "get_main",
    "is_shareable",
    "list_all",
]
