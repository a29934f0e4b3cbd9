"""``is_shareable`` and round trips of values through ``call()``.

What ``is_shareable`` says is "can this go over natively"; ``call()`` arguments and results
also fall back to stateless-function marshalling and then to pickle.
"""

import math
import re
import sys
import types

import pytest
from hypothesis import given
from hypothesis import strategies as st

import interpreters_pep734 as interpreters
from _property_values import PROPERTY_SETTINGS, assert_same, nested_values
from _xidefs import (
    SubBytes,
    SubInt,
    SubStr,
    SubTuple,
    Tally,
    closure_factory,
    ident,
    make_importable,
    module_name,
    noop,
)
from conftest import NO_BUFFER_SHARING, SHARES_BUFFERS

NOT_XI_DATA = "does not support cross-interpreter data"


def echo(value):
    """Stateless, so it is rebuilt in the target from its code: nothing is imported there."""
    return value


@pytest.fixture
def target(interp):
    """A fresh interpreter that can import ``_xidefs`` (for values pickled by reference)."""
    return make_importable(interp)


class Cheese:
    pass


def value_id(value):
    """A test id without memory addresses, so ids are the same on every run."""
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))


# -- is_shareable -----------------------------------------------------------------------------

SHAREABLE = [
    None,
    b"spam",
    b"",
    "spam",
    "",
    10,
    -10,
    0,
    True,
    False,
    100.0,
    -0.0,
    math.inf,
    (),
    (1, ("spam", "eggs"), True),
    (None, 1.5, b"x", "y"),
]


@pytest.mark.parametrize("obj", SHAREABLE, ids=value_id)
def test_builtin_values_are_shareable(obj):
    assert interpreters.is_shareable(obj) is True


def test_memoryview_and_queue_are_shareable():
    assert interpreters.is_shareable(memoryview(b"spam!")) is True
    assert interpreters.is_shareable(interpreters.create_queue()) is True


NOT_SHAREABLE = [
    NotImplemented,
    ...,
    type,
    object,
    object(),
    Exception(),
    Exception("uh-oh"),
    Cheese,
    Cheese(),
    [],
    [1, 2],
    {},
    {"a": 1},
    set(),
    frozenset(),
    bytearray(b"spam"),
    1j,
    range(3),
    len,
    noop,
    types.SimpleNamespace(),
]


@pytest.mark.parametrize("obj", NOT_SHAREABLE, ids=value_id)
def test_other_values_are_not_shareable(obj):
    assert interpreters.is_shareable(obj) is False


@pytest.mark.parametrize(
    "obj",
    [SubBytes(b"spam"), SubInt(1), SubStr("spam"), SubTuple((1, 2))],
    ids=lambda obj: type(obj).__name__,
)
def test_subclass_instances_are_not_shareable(obj):
    assert interpreters.is_shareable(obj) is False


def test_interpreter_object_is_not_shareable(interp):
    assert interpreters.is_shareable(interp) is False


def test_only_the_type_is_checked():
    # A tuple holding a list, and an int too big for a C ssize_t, have shareable types.
    assert interpreters.is_shareable((1, [2])) is True
    assert interpreters.is_shareable(2**100) is True


# -- round trips through call(): natively shareable values ------------------------------------


NATIVE = [
    *(None, 10, -10, 0, True, False, 100.0, -0.0, math.inf, "spam!", "", b"spam!", b""),
    *((), (1, 2, "spam!"), (1, ("spam", "eggs"), True), ((), ((),))),
]


@pytest.mark.parametrize("value", NATIVE, ids=value_id)
def test_shareable_values_round_trip_with_their_type(interp, value):
    result = interp.call(echo, value)
    assert type(result) is type(value)
    assert result == value
    if isinstance(value, float):
        assert math.copysign(1.0, result) == math.copysign(1.0, value)
    if value is None or isinstance(value, bool):
        assert result is value


def test_memoryview_round_trip(interp):
    result = interp.call(echo, memoryview(b"spam!"))
    assert type(result) is memoryview
    assert result == memoryview(b"spam!")
    assert bytes(result) == b"spam!"


@pytest.mark.skipif(not SHARES_BUFFERS, reason=NO_BUFFER_SHARING)
def test_memoryview_shares_its_buffer(interp):
    buffer = bytearray(b"spam")

    def upper_first(view):
        view[0] = ord("S")

    interp.call(upper_first, memoryview(buffer))
    assert buffer == bytearray(b"Spam")


def test_queue_round_trip_is_the_same_queue(interp):
    queue = interpreters.create_queue()

    def put_and_return(q):
        q.put("from the target")
        return q

    result = interp.call(put_and_return, queue)
    assert result is queue
    assert queue.get_nowait() == "from the target"


def test_shareable_results(interp):
    assert interp.call(lambda: (1, None)) == (1, None)
    assert interp.call(lambda: "x" * 3) == "xxx"
    assert interp.call(lambda: 2.5) == 2.5
    assert interp.call(lambda: b"\x00\xff") == b"\x00\xff"


# -- round trips through call(): functions ----------------------------------------------------


@pytest.mark.parametrize("func", [noop, ident, echo], ids=lambda f: f.__name__)
def test_stateless_function_round_trip(interp, func):
    result = interp.call(echo, func)
    assert type(result) is types.FunctionType
    assert result.__name__ == func.__name__
    assert result.__qualname__ == func.__qualname__
    assert result.__code__.co_code == func.__code__.co_code
    # Rebuilt from its code in this interpreter, with __main__ as its globals.
    assert result.__globals__ is vars(sys.modules["__main__"])
    if func is noop:
        assert result() is None
    else:
        assert result("spam") == "spam"


def test_stateless_lambda_round_trip(interp):
    result = interp.call(echo, lambda x, *, y: (x, y))
    assert result.__name__ == "<lambda>"
    assert result(1, y=2) == (1, 2)


def test_stateful_module_function_round_trips_by_reference(target):
    assert target.call(echo, module_name) is module_name
    assert target.call(echo, Tally.unlabelled) == Tally.unlabelled


# -- round trips through call(): pickled values -----------------------------------------------

BY_REFERENCE = [
    ...,
    NotImplemented,
    object,
    type,
    Exception,
    ModuleNotFoundError,
    len,
    sys.exit,
    Tally,
    SubBytes,
]


@pytest.mark.parametrize("value", BY_REFERENCE, ids=value_id)
def test_pickled_by_reference_comes_back_identical(target, value):
    assert target.call(echo, value) is value


PICKLED_BY_VALUE = [
    2**1000,
    -(2**100),
    [1, 2, 3],
    [],
    {"a": 1, "b": 2},
    {},
    {1, 2},
    frozenset({"x"}),
    bytearray(b"spam"),
    1 + 2j,
    range(1, 10, 3),
    types.SimpleNamespace(x=42),
    (1, [2], {"a": 3}),
    [(1, 2), ((3,),)],
    Tally("by value"),
    Tally("nested", [4, {"b": (5,)}], {6}),
    SubBytes(b"spam"),
    SubInt(7),
    SubStr("spam"),
    SubTuple((1, 2)),
]


@pytest.mark.parametrize("value", PICKLED_BY_VALUE, ids=value_id)
def test_pickled_values_come_back_equal_with_their_type(target, value):
    result = target.call(echo, value)
    assert type(result) is type(value)
    assert result == value
    assert result is not value


def test_plain_object_comes_back_as_an_object(interp):
    result = interp.call(echo, object())
    assert type(result) is object


@pytest.mark.parametrize(
    "exc",
    [Exception("uh-oh!"), ModuleNotFoundError("mymodule"), ValueError(1, "two")],
    ids=value_id,
)
def test_exception_instances_round_trip(interp, exc):
    result = interp.call(echo, exc)
    assert type(result) is type(exc)
    assert result.args == exc.args
    assert result is not exc


def test_interpreter_object_round_trips_to_the_same_object(interp):
    assert interp.call(echo, interp) is interp
    main = interpreters.get_main()
    assert interp.call(echo, main) is main


def test_pickled_results(target):
    assert target.call(lambda: [1, 2, 3]) == [1, 2, 3]
    assert target.call(lambda: {"a": [1]}) == {"a": [1]}
    assert target.call(lambda: 2**200) == 2**200
    assert target.call(lambda: {1, 2}) == {1, 2}
    result = target.call(Tally, "built over there", 5)
    assert type(result) is Tally
    assert result == Tally("built over there", 5)


def test_kwargs_round_trip(interp):
    def collect(*args, **kwargs):
        return args, kwargs

    args = (1, [2], "three")
    kwargs = {"a": [1], "b": {"x": (2, None)}, "c": 2**100}
    assert interp.call(collect, *args, **kwargs) == (args, kwargs)


def test_mutable_results_are_new_objects(interp):
    items = [1, 2, 3]
    result = interp.call(echo, items)
    assert result == items
    assert result is not items


# -- values that cannot go over ---------------------------------------------------------------


def test_unpicklable_args_are_not_shareable(interp):
    value = 42

    def closure():
        return value

    class Local:
        pass

    for arg in (types.MappingProxyType({}), closure, closure_factory(1), Local(), (1, closure)):
        with pytest.raises(interpreters.NotShareableError, match=NOT_XI_DATA):
            interp.call(echo, arg)


def test_not_shareable_error_is_a_type_error():
    assert issubclass(interpreters.NotShareableError, TypeError)


# -- property: any picklable value of plain builtins round-trips ------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.binary(max_size=20)
)
keys = st.none() | st.booleans() | st.integers() | st.text(max_size=10) | st.binary(max_size=10)
values = nested_values(scalars, keys)


@PROPERTY_SETTINGS
@given(value=values)
def test_values_round_trip_through_call(interp, value):
    # One interpreter for all examples: echo keeps no state.
    assert_same(interp.call(echo, value), value)
