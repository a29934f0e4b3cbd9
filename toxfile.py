"""tox plugin, loaded by tox from this file: in CI a missing CPython is an error.

On a developer's machine ``tox`` runs lint, typing and every CPython of the matrix that it
finds, and reports the others as skipped.  Where ``CI`` is set (``.ci/run``, GitHub
Actions), every interpreter of the matrix must be there.
"""

from __future__ import annotations

import os
from typing import Any

from tox.plugin import impl


@impl
def tox_add_core_config(core_conf: Any, state: Any) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        state.conf.options.skip_missing_interpreters = "false"
