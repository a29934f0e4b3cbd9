"""Hypothesis settings, strategies and checks shared by the property tests of values that cross
interpreters.

A module of its own because hypothesis cannot be imported in a subinterpreter (its
``_native`` extension refuses to load there), and subinterpreters do import ``_xidefs`` (to
unpickle by reference) and ``conftest`` (through test modules such as ``test_executor``,
whose functions are pickled by reference).  Only test modules that import hypothesis
themselves import this one.
"""

import math

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Every example of a test reuses its one function-scoped interpreter (the calls leave no
#: state there), and each example crosses interpreters, which hypothesis finds slow.
PROPERTY_SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def nested_values(leaves, keys):
    """A strategy: *leaves* nested in lists, tuples and dicts (whose keys are drawn from *keys*)."""
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=4)
            | st.lists(children, max_size=4).map(tuple)
            | st.dictionaries(keys, children, max_size=4)
        ),
        max_leaves=12,
    )


def assert_same(result, expected):
    """Equal, with the same type at every level (and the same sign for floats)."""
    assert type(result) is type(expected)
    if isinstance(expected, (list, tuple)):
        assert len(result) == len(expected)
        for r, e in zip(result, expected, strict=True):
            assert_same(r, e)
    elif isinstance(expected, dict):
        assert list(result) == list(expected)  # same keys, same order
        for key in expected:
            assert_same(result[key], expected[key])
    elif isinstance(expected, float):
        assert result == expected
        assert math.copysign(1.0, result) == math.copysign(1.0, expected)
    else:
        assert result == expected
    if expected is None or isinstance(expected, bool):
        assert result is expected
