"""Stress: create/close cycles with the process's memory measured before and after.

Each run happens in a fresh process (children/memory.py), so the figure is the scenario's own.  The number of
cycles is ``200 * STRESS_SCALE`` (1,000 at ``STRESS_SCALE=5``).

CPython 3.12 and 3.13 themselves keep 1.7-3 MB per isolated interpreter created and
destroyed (its allocator arenas; fixed in 3.14), so there the test measures CPython's own
cost in the same process, with a bare low-level interpreter that loads the same modules,
and bounds what this package's operations add on top.  On 3.14+ the bound is absolute.
"""

import pytest

from children.memory import create_close_cycles
from conftest import CHILD_TIMEOUT, DEBUG_BUILD, SCALE, STDLIB, run_child_json

CYCLES = 200 * SCALE
BOUND_MB = 50  # 3.14 grows by well under 1 MB over 1,000 cycles
# What this package adds per cycle is 0-60 KB, but CPython's own retention (~3 MB a cycle)
# moves by ~4% between runs that differ only in allocation pattern (on 3.12.1 the same code
# measured +23 and +76 KB/cycle "added" from two checkouts, and +133 with a change that
# does nothing in this single-threaded test).
# The bound sits well above that noise and far below a leaked interpreter (~3 MB a cycle,
# which the id check below also catches).
ADDED_BOUND_KB_PER_CYCLE = 512
# Three times the other scenarios' bound: the child runs CYCLES create/close cycles twice,
# the package's and the bare low-level baseline.
MEMORY_CHILD_TIMEOUT = 3 * CHILD_TIMEOUT

pytestmark = pytest.mark.timeout(2 * MEMORY_CHILD_TIMEOUT + 30)


@pytest.mark.skipif(
    DEBUG_BUILD,
    reason="CPython's debug build: its debug allocator pads and tracks every block, so RSS "
    "per cycle measures that bookkeeping (and the 200 cycles take minutes); "
    "tests/test_refleaks.py checks leaks there by reference counts instead",
)
@pytest.mark.parametrize("use", ["bare", "exec and call"])
def test_create_close_cycles_do_not_grow_memory(use):
    result, proc = run_child_json(
        create_close_cycles, use, CYCLES, not STDLIB, timeout=2 * MEMORY_CHILD_TIMEOUT
    )
    ours = result["ours"]
    figure = (
        f"{use}: {CYCLES} create/close cycles: RSS growth {ours['growth']:+.1f} MB "
        f"({ours['growth'] * 1024 / CYCLES:+.0f} KB/cycle, "
        f"{ours['seconds'] / CYCLES * 1000:.1f} ms/cycle)"
    )
    if STDLIB:
        print(figure)
        assert ours["growth"] < BOUND_MB, figure
    else:
        own = result["cpython"]
        added_kb = (ours["growth"] - own["growth"]) * 1024 / CYCLES
        figure += (
            f"; CPython's own: {own['growth']:+.1f} MB "
            f"({own['growth'] * 1024 / CYCLES:+.0f} KB/cycle); added {added_kb:+.0f} KB/cycle"
        )
        print(figure)
        assert added_kb < ADDED_BOUND_KB_PER_CYCLE, figure
    assert result["end"] == result["start"]
    assert proc.stderr == ""
