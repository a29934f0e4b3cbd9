"""``InterpreterPoolExecutor``: mirrors ``concurrent.futures.InterpreterPoolExecutor`` (3.14).

``BrokenInterpreterPool`` lives here too, as it does in ``concurrent.futures.interpreter``.
"""

import sys

from ._backend import STDLIB

TYPE_CHECKING = False

# At run time the branch is STDLIB's (whether the stdlib has PEP 734).  Type checkers cannot
# know STDLIB, so they choose by the target version instead: typeshed's stubs for 3.14+,
# this package's annotations before.
if (TYPE_CHECKING and sys.version_info >= (3, 14)) or (not TYPE_CHECKING and STDLIB):
    from concurrent.futures.interpreter import BrokenInterpreterPool, InterpreterPoolExecutor
else:
    from ._executor import BrokenInterpreterPool, InterpreterPoolExecutor

__all__ = ["BrokenInterpreterPool", "InterpreterPoolExecutor"]
