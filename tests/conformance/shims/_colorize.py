"""Test-only stand-in for CPython 3.13's ``_colorize`` on 3.12 (conformance env only).

CPython 3.14's ``test.support.force_not_colorized`` swaps ``_colorize.can_colorize`` for the
duration of a test.  CPython 3.12 never colours its tracebacks, so the answer is always no.
"""

from typing import IO, Any


def can_colorize(*, file: IO[Any] | None = None) -> bool:
    return False
