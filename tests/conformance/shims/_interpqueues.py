"""Test-only stand-in for CPython's ``_interpqueues`` on CPython 3.12 (conformance env only).

CPython 3.14's ``test_queues`` imports the low-level module at the top and calls it only in
its low-level tests.  3.12 has none, so without this the whole file would be skipped.  Only
the exception classes are given (this package's); the low-level tests are expected failures
of kind "lowlevel".
"""

from interpreters_pep734._queues import QueueError, QueueNotFoundError

__all__ = ["QueueError", "QueueNotFoundError"]
