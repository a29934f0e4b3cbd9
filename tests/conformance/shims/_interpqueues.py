"""Test-only stand-in for CPython's ``_interpqueues`` on CPython 3.12 (conformance env only).

CPython 3.14's ``test_queues`` imports the low-level module at the top, counts queues with
its ``list_all()`` and, after every test, destroys whatever queues are left (ignoring
errors).  3.12 has no such module, so without this the whole file would be skipped.  Given
here, on this package's public API: the exception classes and ``list_all()`` (the queue ids;
the other two fields of each entry are not modelled).  No ``destroy()``: this package's
queues live as long as their ``Queue`` objects.  The low-level tests are expected failures of
kind "lowlevel".
"""

from __future__ import annotations

from interpreters_pep734 import _queues
from interpreters_pep734._queues import QueueError, QueueNotFoundError

__all__ = ["QueueError", "QueueNotFoundError", "list_all"]


def list_all() -> list[tuple[int, None, None]]:
    return [(queue.id, None, None) for queue in _queues.list_all()]
