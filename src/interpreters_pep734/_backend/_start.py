"""Run first in every interpreter this package creates.

The creator runs a short bootstrap script there (``_common.BOOTSTRAP_SCRIPT``): it
appends the creator's ``sys.path`` entries (the new interpreter starts with the
process's *startup* path, so the package may not be importable otherwise; cpython
#126714), imports this module and calls :func:`start` with the script's globals, the new
interpreter's ``__main__``.  The creator binds its values there under the names below;
:func:`start` takes them all out again, so that ``dir()`` of ``__main__`` is as in 3.14.
"""

from __future__ import annotations

import builtins
import importlib

from . import _wakeups

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: The creator's ``sys.path`` entries, joined by NUL characters (read by the script).
PATH_NAME = "__interpreters_pep734_path__"
#: The sleepers' table of the creator (``_wakeups.fds_for_new_interpreter()``).
WAKEUPS_NAME = "__interpreters_pep734_wakeups__"
#: A backend's boot module, whose ``install(namespace)`` runs first; "" for none.
BOOT_NAME = "__interpreters_pep734_boot__"
#: The agent's entry point, put in the builtins: the script of every operation calls it
#: without an import, and binds no name in ``__main__``.
ENTRY_POINT = "__interpreters_pep734_serve__"


def start(namespace: dict[str, Any]) -> None:
    """Set up this interpreter for this package, then put the agent's entry point in place."""
    boot = namespace.pop(BOOT_NAME, "")
    if boot:
        importlib.import_module(boot).install(namespace)
    # Before anything uses a queue: the sleepers' table is the creator's.
    _wakeups.attach(namespace.pop(WAKEUPS_NAME))
    namespace.pop(PATH_NAME, None)
    from .. import _agent

    setattr(builtins, ENTRY_POINT, _agent.serve)
    # 3.13's exec() of text adds __annotations__; a fresh 3.14 __main__ has none.
    namespace.pop("__annotations__", None)
