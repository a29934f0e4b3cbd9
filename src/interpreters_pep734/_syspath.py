"""``sys.path`` carried from the calling interpreter to the target (cpython #126714).

The caller sends its path only when the target has not seen it as it is now
(``PathTracker``); the target adds the entries it lacks (``sync_path``).

This module is imported in every interpreter.
"""

from __future__ import annotations

import sys

_synced_path: list[str] = []


def sync_path(path: list[str]) -> None:
    """Make the sender's import path entries available here too (cpython #126714).

    Entries this interpreter lacks are appended, so nothing it already imports from is
    shadowed.
    """
    global _synced_path
    if path == _synced_path:
        return
    known = set(sys.path)
    sys.path.extend(p for p in path if p not in known)
    _synced_path = list(path)


class PathTracker:
    """Remembers which ``sys.path`` each target last got from this interpreter."""

    def __init__(self) -> None:
        self._sent: dict[int, list[str]] = {}

    def changes_for(self, interp_id: int) -> list[str] | None:
        """``sys.path`` if the target has not seen it as it is now, else None."""
        path = sys.path
        if self._sent.get(interp_id) == path:
            return None
        if len(self._sent) >= 256:  # ids are not reused: forget old ones, resend at worst
            self._sent.clear()
        self._sent[interp_id] = list(path)
        return [p for p in path if isinstance(p, str)]

    def forget(self, interp_id: int) -> None:
        """The interpreter is gone: nothing to remember for it."""
        self._sent.pop(interp_id, None)
