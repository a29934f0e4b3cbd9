"""``Interpreter.prepare_main()``: binding names in another interpreter's ``__main__``."""

import types

import pytest

import interpreters_pep734 as interpreters
from conftest import NO_BUFFER_SHARING, SHARES_BUFFERS, read_back, running


def is_bound(interp, name):
    return read_back(interp, f"{name!r} in globals()")


SHAREABLE_VALUES = [
    None, True, False, 0, 10, -10, 2.5, "", "spam", b"", b"spam", (),
    (1, ("spam", b"eggs"), True),
]  # fmt: skip


class StrSubclass(str):
    pass


@pytest.mark.parametrize(
    "call",
    [
        lambda interp: interp.prepare_main(),
        lambda interp: interp.prepare_main(None),
        lambda interp: interp.prepare_main({}),
        lambda interp: interp.prepare_main(()),
    ],
    ids=["nothing", "None", "empty-dict", "empty-tuple"],
)
def test_nothing_to_bind_raises_value_error(interp, call):
    with pytest.raises(ValueError, match="non-empty"):
        call(interp)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (({"spam": 42, "eggs": "ham"},), {}),
        ((types.MappingProxyType({"spam": 42, "eggs": "ham"}),), {}),
        ((), {"spam": 42, "eggs": "ham"}),
        (({"spam": 42},), {"eggs": "ham"}),
        ((iter([("spam", 42)]),), {"eggs": "ham"}),
    ],
    ids=["dict", "mapping", "kwargs", "dict-and-kwargs", "iterator-and-kwargs"],
)
def test_binds_names_from_a_mapping_and_keywords(interp, args, kwargs):
    assert interp.prepare_main(*args, **kwargs) is None
    assert read_back(interp, "(spam, eggs)") == (42, "ham")


@pytest.mark.parametrize("pairs_type", [tuple, list])
def test_binds_names_from_key_value_pairs(interp, pairs_type):
    interp.prepare_main(pairs_type([("spam", 42), ("eggs", "ham")]))
    assert read_back(interp, "(spam, eggs)") == (42, "ham")


def test_keywords_win_over_the_mapping_and_the_mapping_is_not_changed(interp):
    ns = {"spam": 1, "eggs": "ham"}
    interp.prepare_main(ns, spam=2)
    assert read_back(interp, "(spam, eggs)") == (2, "ham")
    assert ns == {"spam": 1, "eggs": "ham"}


def test_ns_is_positional_only_so_ns_keyword_is_just_a_name(interp):
    interp.prepare_main(ns=7)
    assert read_back(interp, "ns") == 7


@pytest.mark.parametrize("value", SHAREABLE_VALUES)
def test_shareable_values_arrive_equal_and_of_the_same_type(interp, value):
    interp.prepare_main(value=value)
    assert read_back(interp, "(type(value).__name__, value)") == (type(value).__name__, value)


def test_singletons_stay_singletons(interp):
    interp.prepare_main(none=None, yes=True, no=False)
    assert read_back(interp, "(none is None, yes is True, no is False)") == (True, True, True)


def test_names_persist_across_exec_and_can_be_rebound(interp):
    interp.prepare_main(spam=1)
    interp.exec("spam += 1")
    assert read_back(interp, "spam") == 2
    interp.prepare_main(spam="again")
    assert read_back(interp, "spam") == "again"


def test_bound_names_are_seen_by_call(interp):
    interp.prepare_main(spam=42)
    assert interp.call(eval, "spam") == 42


@pytest.mark.parametrize(
    "value",
    [
        {"spam": "eggs"},
        [1, 2],
        (1, [2]),
        StrSubclass("spam"),
        object(),
        interpreters.get_main(),
    ],
    ids=["dict", "list", "tuple-holding-list", "str-subclass", "object", "interpreter"],
)
def test_non_shareable_value_raises_and_binds_nothing(interp, value):
    # No pickle fallback here, unlike call() and queues; and it is all or nothing.
    with pytest.raises(interpreters.NotShareableError, match="does not support cross-interpreter"):
        interp.prepare_main({"good": 1}, spam=value)
    assert not is_bound(interp, "good")
    assert not is_bound(interp, "spam")
    with pytest.raises(interpreters.ExecutionFailed) as excinfo:
        interp.exec("print(spam)")
    assert excinfo.value.excinfo.type.__name__ == "NameError"


def test_non_shareable_error_is_a_type_error(interp):
    with pytest.raises(TypeError):
        interp.prepare_main(spam={})


def test_key_with_nul_raises_value_error_and_binds_nothing(interp):
    with pytest.raises(ValueError, match=r"(?i)embedded null"):
        interp.prepare_main({"good": 1, "bad\x00key": 2})
    assert not is_bound(interp, "good")


def test_non_str_key_raises_type_error_and_binds_nothing(interp):
    with pytest.raises(TypeError):
        interp.prepare_main({"good": 1, 3: 2})
    assert not is_bound(interp, "good")


def test_memoryview_is_accepted(interp):
    interp.prepare_main(view=memoryview(bytearray(b"abc")))
    assert read_back(interp, "(type(view).__name__, bytes(view))") == ("memoryview", b"abc")


@pytest.mark.skipif(not SHARES_BUFFERS, reason=NO_BUFFER_SHARING)
def test_memoryview_shares_the_buffer(interp):
    buffer = bytearray(b"abc")
    interp.prepare_main(view=memoryview(buffer))
    interp.exec("view[0] = ord('x')")
    assert buffer == bytearray(b"xbc")


def test_queue_is_shared_not_copied(interp):
    queue = interpreters.create_queue()
    interp.prepare_main(queue=queue)
    assert read_back(interp, "queue.id") == queue.id
    interp.exec("queue.put('from the subinterpreter')")
    assert queue.get(timeout=5) == "from the subinterpreter"


def test_running_interpreter_is_refused_and_keeps_old_value(interp):
    interp.prepare_main(spam=True)
    with running(interp):
        with pytest.raises(interpreters.InterpreterError, match=r"^interpreter already running$"):
            interp.prepare_main(spam=False)
    assert read_back(interp, "spam") is True


def test_main_interpreter_is_refused():
    main = interpreters.get_main()
    message = r"^cannot update __main__ for unrecognized interpreter 0$"
    with pytest.raises(interpreters.InterpreterError, match=message):
        main.prepare_main(spam_from_prepare_main=1)
    import __main__

    assert not hasattr(__main__, "spam_from_prepare_main")


def test_closed_interpreter_raises_not_found():
    interp = interpreters.create()
    interp.close()
    with pytest.raises(interpreters.InterpreterNotFoundError):
        interp.prepare_main(spam=1)
