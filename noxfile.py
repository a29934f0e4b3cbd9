"""Sessions beyond the test matrix (which tox runs): benchmarks and the long stress run."""

from __future__ import annotations

import configparser
import os
import re

import nox

nox.options.sessions = ["bench", "bench_chart"]


def _tox_base_python(env: str) -> str:
    """The interpreter tox.ini names for *env*: the matrix is written down once, there."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(os.path.join(os.path.dirname(__file__), "tox.ini"))
    value = config[f"testenv:{env}"]["base_python"]
    # Resolve tox's {env:NAME:default} (nested) and {env:NAME} substitutions.
    pattern = re.compile(r"\{env:([A-Za-z0-9_]+)(?::([^{}]*))?\}")
    while True:
        resolved = pattern.sub(lambda m: os.environ.get(m[1], m[2] or ""), value)
        if resolved == value:
            return resolved
        value = resolved


PYTHONS = {env: _tox_base_python(env) for env in ("3.12.1", "3.13.0", "3.13", "3.14")}


def _wheel(session: nox.Session) -> str:
    out = session.create_tmp()
    session.run("python", "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, ".", external=True)
    return next(os.path.join(out, f) for f in os.listdir(out) if f.endswith(".whl"))


RESULTS = os.path.join(".nox", "bench-results")


@nox.session(python=list(PYTHONS.values()))
def bench(session: nox.Session) -> None:
    """Benchmark table for each CPython of the matrix (ratios are within one run)."""
    session.install(_wheel(session))
    session.run("python", "tests/benchmarks/bench.py", env={"BENCH_RESULTS": RESULTS})


@nox.session(python=PYTHONS["3.12.1"])
def bench_chart(session: nox.Session) -> None:
    """The PNG chart of the executor benchmarks linked from the README (after `bench`)."""
    session.install("matplotlib")
    session.run("python", "tests/benchmarks/chart.py", RESULTS, "tests/benchmarks/executor.png")


@nox.session(python=list(PYTHONS.values()))
def stress(session: nox.Session) -> None:
    """The stress tests at full size; the README's test command runs a bounded form.

    STRESS_SCALE=5 gives 1,000 create/close cycles in the memory test; 200,000 queue items
    go through 4 producer and 4 consumer interpreters.
    """
    session.install(_wheel(session), "pytest", "pytest-timeout", "hypothesis")
    env = {"STRESS_SCALE": "5", "QUEUE_STRESS_ITEMS": "200000"}
    session.run(
        "python",
        "-m",
        "pytest",
        "tests/stress",
        "tests/test_queue_items.py",
        "-q",
        "-s",
        env=env,
    )
