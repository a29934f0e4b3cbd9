"""Sessions beyond the test matrix (which tox runs): benchmarks and the long stress run."""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["bench", "bench_chart"]

PYTHONS = {
    "3.12.1": os.environ.get(
        "PYTHON_3_12_1", os.path.expanduser("~/.pyenv/versions/3.12.1/bin/python")
    ),
    "3.13.0": os.environ.get(
        "PYTHON_3_13_0", os.path.expanduser("~/.pyenv/versions/3.13.0/bin/python")
    ),
    "3.13": os.environ.get("PYTHON_3_13", "python3.13"),
    "3.14": os.environ.get("PYTHON_3_14", "python3.14"),
}


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
        "tests/test_queues_extra.py",
        "-q",
        "-s",
        env=env,
    )
