"""Everyday stdlib use inside interpreters, on every CPython of the matrix.

Each area of ``_usage_areas`` runs in a fresh interpreter of a child process, which closes
it and, after the last area of its group, exits: a crash at use, at close or at exit fails
the whole group.  Each area must work, or fail with the clean exception listed in
:func:`expected_failure` for a capability this CPython lacks in isolated interpreters.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import textwrap

import pytest

from _usage_areas import AREAS
from interpreters_pep734 import _backend

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))

#: Areas run together in one child (a child costs about 0.3 s to start and exit).
GROUPS = tuple(AREAS[i : i + 6] for i in range(0, len(AREAS), 6))

#: Capabilities of isolated interpreters, probed in a fresh interpreter of the child.
PROBES = {"pyexpat": "import pyexpat"}

_CHILD = textwrap.dedent(
    """
    import json, sys
    import interpreters_pep734 as interpreters

    def run(code):
        interp = interpreters.create()
        try:
            interp.exec(code)
            return None
        except interpreters.ExecutionFailed as exc:
            return [exc.excinfo.type.__name__, exc.excinfo.msg]
        finally:
            interp.close()

    probes, areas = json.loads(sys.argv[1]), sys.argv[2:]
    report = {"probes": {name: run(code) is None for name, code in probes.items()}}
    report["areas"] = {area: run(f"import _usage_areas\\n_usage_areas.{area}()") for area in areas}
    print(json.dumps(report))
    """
)


@functools.cache
def run_group(group: tuple[str, ...]) -> dict[str, dict[str, object]]:
    env = dict(os.environ)
    env.pop("PYTHONDEVMODE", None)
    # On the path at startup: 3.14's new interpreters do not see later sys.path changes.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [TESTS_DIR, env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(PROBES), *group],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert proc.returncode == 0, (
        f"child running {group} exited with {proc.returncode}\n"
        f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    )
    report: dict[str, dict[str, object]] = json.loads(proc.stdout.splitlines()[-1])
    return report


def group_of(area: str) -> tuple[str, ...]:
    return next(group for group in GROUPS if area in group)


def expected_failure(area: str, capable: dict[str, object]) -> list[str] | None:
    """The clean exception *area* raises where a capability is missing, else None."""
    if area == "xml_parse" and not capable["pyexpat"]:
        # CPython 3.12: pyexpat cannot load in an isolated interpreter, so ElementTree
        # builds and serialises trees but cannot parse (its own ImportError).
        return ["ImportError", "No module named expat; use SimpleXMLTreeBuilder instead"]
    return None


@pytest.mark.parametrize("area", AREAS)
def test_usage(area):
    report = run_group(group_of(area))
    assert report["areas"][area] == expected_failure(area, report["probes"])


def test_missing_capabilities_are_only_those_of_3_12():
    report = run_group(GROUPS[0])
    is_312 = getattr(_backend.BACKEND, "name", None) == "py312"
    # On 3.12 pyexpat does not load in isolated interpreters (it is not marked as
    # supporting them); from 3.13 on it does.
    assert report["probes"] == {"pyexpat": not is_312}


def test_check_modules_goes_beyond_the_import():
    capable = run_group(GROUPS[0])["probes"]
    env = dict(os.environ)
    env.pop("PYTHONDEVMODE", None)
    modules = "xml.etree.ElementTree,json,zoneinfo"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "interpreters_pep734",
            "--work",
            "10000",
            "--check-modules",
            modules,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("module:")]
    if capable["pyexpat"]:
        etree = "imports, and can parse a document"
    else:  # CPython 3.12
        etree = (
            "imports, but cannot parse a document: "
            "ImportError: No module named expat; use SimpleXMLTreeBuilder instead"
        )
    assert lines == [
        f"module:     xml.etree.ElementTree: {etree}",
        "module:     json: imports",
        "module:     zoneinfo: imports, and can make a time zone",
    ]
