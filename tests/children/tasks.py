"""Functions that the child programs send into other interpreters with ``call()`` and
``call_in_thread()``.

They cross by reference, so every interpreter of a child process imports this module:
``run_child`` puts the tests directory on the child's ``PYTHONPATH``, which every
interpreter it starts sees (on 3.14 too, where a new interpreter does not see later
``sys.path`` changes).  Nothing is imported at the top, so that importing it in an
interpreter loads no module the scenario does not (``threading`` least of all).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from interpreters_pep734 import Queue


def whoami() -> int:
    """The id of the interpreter it runs in."""
    import interpreters_pep734 as interpreters

    return interpreters.get_current().id


def main_value(name: str) -> object:
    """*name* in the ``__main__`` of the interpreter it runs in."""
    import __main__

    return getattr(__main__, name)


def report(queue: Queue, tag: int) -> None:
    """Put *tag* and the id of the interpreter it runs in on *queue*."""
    import interpreters_pep734 as interpreters

    queue.put((tag, interpreters.get_current().id))


def report_slowly(queue: Queue, tag: int) -> None:
    """`report`, 2 ms later: calls into the same interpreter overlap."""
    import time

    import interpreters_pep734 as interpreters

    time.sleep(0.002)
    queue.put((tag, interpreters.get_current().id))


def slow(x: object) -> object:
    """*x*, 2 ms later."""
    import time

    time.sleep(0.002)
    return x


def burn(stop: Queue) -> None:
    """Keep a core busy until *stop* has an item."""
    while stop.empty():
        sum(range(10_000))


def late(tag: int) -> None:
    """Print ``finished <tag>`` 0.3 s later, in one write (no interleaving)."""
    import os
    import time

    time.sleep(0.3)
    os.write(1, f"finished {tag}\n".encode())
