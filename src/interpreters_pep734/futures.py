"""``InterpreterPoolExecutor``: mirrors ``concurrent.futures.InterpreterPoolExecutor`` (3.14).

``BrokenInterpreterPool`` lives here too, as it does in ``concurrent.futures.interpreter``.
"""

from ._backend import STDLIB

if STDLIB:
    from concurrent.futures.interpreter import BrokenInterpreterPool, InterpreterPoolExecutor
else:
    from ._executor import BrokenInterpreterPool, InterpreterPoolExecutor

__all__ = ["BrokenInterpreterPool", "InterpreterPoolExecutor"]
