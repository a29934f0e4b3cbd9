"""Test-only stand-in for CPython 3.14's ``annotationlib`` on 3.12/3.13 (conformance env only).

CPython 3.14's ``test.support`` imports it at the top and uses only ``ForwardRef`` (in a
helper none of the PEP 734 tests call); ``typing.ForwardRef`` is the older spelling.
"""

from typing import ForwardRef

__all__ = ["ForwardRef"]
