"""Multiple interpreters in one process: CPython 3.14's ``concurrent.interpreters`` (PEP 734).

On CPython 3.14 and newer every name here is the stdlib's own object; on 3.12 and 3.13 it
is this package's implementation of the same API.  Use it as::

    import interpreters_pep734 as interpreters
"""

from ._backend import STDLIB
from ._version import __version__ as __version__

if STDLIB:
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

from . import _fork

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
