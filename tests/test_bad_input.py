"""Bad input to every public function and method.

Each case expects the exception CPython 3.14 raises (these tests run against the stdlib on
3.14+) and then checks that the interpreter, queue or pool is still usable.  The property
tests at the end cover the value-crossing paths: ``call()`` arguments and results and queue
items round-trip equal, and natively shareable values keep their exact type.
"""

import gc

import pytest
from hypothesis import given
from hypothesis import strategies as st

import interpreters_pep734 as interpreters
from _property_values import PROPERTY_SETTINGS, assert_same, nested_values
from interpreters_pep734 import _queues
from interpreters_pep734.futures import BrokenInterpreterPool, InterpreterPoolExecutor

#: A C ``Py_ssize_t`` holds up to 2**63 - 1 here.
SSIZE_MAX = 2**63 - 1
NOT_XI_DATA = "does not support cross-interpreter data"
UNRAISABLE_FROM_STDLIB = pytest.mark.filterwarnings(
    # 3.14's Queue.__del__ runs on the half-built object and reports the same error again.
    "ignore::pytest.PytestUnraisableExceptionWarning"
)


# -- helpers: stateless functions (rebuilt from their code in the target) ---------------------


def echo(value):
    return value


def echo_kwargs(**kwargs):
    return kwargs


def relay(src, dst):
    dst.put(src.get_nowait())


def remote_get(queue):
    return queue.get_nowait()


def is_self_containing(value):
    return value[0] is value


def script_func():
    import sys

    sys.stdout.flush()


def make_self_containing_list():
    items = []
    items.append(items)
    return items


def make_queue_with_an_item():
    from interpreters_pep734 import create_queue

    queue = create_queue()
    queue.put("made remotely")
    return queue


def send_new_queue(carrier):
    from interpreters_pep734 import create_queue

    queue = create_queue()
    queue.put("made remotely")
    carrier.put(queue)


def assert_healthy(interp):
    assert interp.call(pow, 2, 5) == 32
    interp.exec("assert 1 + 1 == 2")


def assert_queue_usable(queue, expected_size=0):
    assert queue.qsize() == expected_size
    queue.put(("still", "works"))
    assert queue.qsize() == expected_size + 1
    for _ in range(expected_size):
        queue.get_nowait()
    assert queue.get_nowait() == ("still", "works")
    assert queue.empty()


class BadPickle:
    """Pickling it raises in the sending interpreter."""

    def __reduce__(self):
        raise RuntimeError("no pickling")


class BadUnpickle:
    """Pickles fine; unpickling (``int('not a number')``) raises in the receiving one."""

    def __reduce__(self):
        return (int, ("not a number",))


@pytest.fixture
def closed():
    interp = interpreters.create()
    interp.close()
    return interp


# -- module functions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: interpreters.create(1),
        lambda: interpreters.create(isolated=True),
        lambda: interpreters.list_all(1),
        lambda: interpreters.get_current(1),
        lambda: interpreters.get_main(1),
        lambda: interpreters.is_shareable(),
        lambda: interpreters.is_shareable(1, 2),
        lambda: interpreters.create_queue(0, 1),
        lambda: _queues.list_all(1),
    ],
    ids=[
        "create(1)",
        "create(isolated=)",
        "list_all(1)",
        "get_current(1)",
        "get_main(1)",
        "is_shareable()",
        "is_shareable(1, 2)",
        "create_queue(0, 1)",
        "_queues.list_all(1)",
    ],
)
def test_module_functions_reject_wrong_arguments(call):
    before = {i.id for i in interpreters.list_all()}
    with pytest.raises(TypeError):
        call()
    assert {i.id for i in interpreters.list_all()} == before


def test_is_shareable_never_raises_for_odd_values():
    for value in (2**1000, (1, [2]), (BadPickle(),), BadUnpickle(), float("nan")):
        assert interpreters.is_shareable(value) in (True, False)


# -- Interpreter(id) --------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["1", 1.0, None, object(), b"1", [1], 1j], ids=repr)
def test_interpreter_id_of_the_wrong_type(bad_id):
    with pytest.raises(TypeError, match=r"^id must be an int, got "):
        interpreters.Interpreter(bad_id)


def test_interpreter_id_missing():
    with pytest.raises(TypeError):
        interpreters.Interpreter()


@pytest.mark.parametrize(
    ("bad_id", "exc_type"),
    [
        (-1, ValueError),
        (2**63, OverflowError),
        (2**64, OverflowError),
        (2**1000, OverflowError),
        (-(2**70), OverflowError),
        (SSIZE_MAX, interpreters.InterpreterNotFoundError),
        (2**31, interpreters.InterpreterNotFoundError),
        (1_000_000, interpreters.InterpreterNotFoundError),
    ],
    ids=["-1", "2**63", "2**64", "2**1000", "-2**70", "ssize_max", "2**31", "1_000_000"],
)
def test_interpreter_id_out_of_range_or_unknown(bad_id, exc_type):
    with pytest.raises(exc_type) as excinfo:
        interpreters.Interpreter(bad_id)
    if exc_type is interpreters.InterpreterNotFoundError:
        assert str(excinfo.value) == f"unrecognized interpreter ID {bad_id}"
    if exc_type is ValueError:
        assert str(excinfo.value) == f"interpreter ID must be a non-negative int, got {bad_id}"
    interp = interpreters.create()
    try:
        assert_healthy(interp)
    finally:
        interp.close()


def test_interpreter_id_of_a_closed_interpreter(closed):
    with pytest.raises(interpreters.InterpreterNotFoundError):
        interpreters.Interpreter(closed.id)


# -- closed interpreters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation",
    [
        lambda it: it.is_running(),
        lambda it: it.close(),
        lambda it: it.exec("pass"),
        lambda it: it.exec(script_func),
        lambda it: it.call(pow, 2, 5),
        lambda it: it.call(echo, [1, 2]),
        lambda it: it.prepare_main(spam=1),
        lambda it: it.prepare_main({"spam": (1, 2)}),
    ],
    ids=[
        "is_running",
        "close",
        "exec-str",
        "exec-func",
        "call",
        "call-pickled",
        "prepare_main-kw",
        "prepare_main-ns",
    ],
)
def test_closed_interpreter_raises_not_found(closed, operation):
    with pytest.raises(
        interpreters.InterpreterNotFoundError, match=f"^unrecognized interpreter ID {closed.id}$"
    ):
        operation(closed)
    # The object stays readable, and everything else keeps working.
    assert closed.id >= 1
    assert closed.whence == "_interpreters module"
    assert closed not in interpreters.list_all()
    fresh = interpreters.create()
    try:
        assert_healthy(fresh)
    finally:
        fresh.close()


def test_call_in_thread_on_a_closed_interpreter_reports_to_excepthook(closed, thread_exceptions):
    thread = closed.call_in_thread(pow, 2, 5)
    thread.join()
    [hook_args] = thread_exceptions
    assert hook_args.exc_type is interpreters.InterpreterNotFoundError
    assert hook_args.thread is thread


def test_closed_interpreter_cannot_be_sent_as_a_value(interp, closed):
    # It goes by pickle (its id only), and the receiving side cannot rebuild it.
    with pytest.raises(interpreters.NotShareableError):
        interp.call(echo, closed)
    assert_healthy(interp)


# -- method arity -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation",
    [
        lambda it: it.is_running(1),
        lambda it: it.close(1),
        lambda it: it.exec(),
        lambda it: it.exec("pass", "extra"),
        lambda it: it.exec(code="pass"),
        lambda it: it.call(),
        lambda it: it.call(callable=len),
        lambda it: it.call_in_thread(),
        lambda it: it.prepare_main({"a": 1}, {"b": 2}),
    ],
    ids=[
        "is_running(1)",
        "close(1)",
        "exec()",
        "exec(2 args)",
        "exec(code=)",
        "call()",
        "call(callable=)",
        "call_in_thread()",
        "prepare_main(2 ns)",
    ],
)
def test_methods_reject_wrong_arity(interp, operation):
    with pytest.raises(TypeError):
        operation(interp)
    assert not interp.is_running()
    assert_healthy(interp)


# -- exec -------------------------------------------------------------------------------------


def _closure():
    value = 1

    def inner():
        print(value)

    return inner


def _generator():
    yield 1


async def _coroutine():
    pass


def _with_default(a=1):
    pass


@pytest.mark.parametrize(
    ("code", "exc_type", "message"),
    [
        (None, TypeError, "unsupported script None"),
        (10, TypeError, "unsupported script 10"),
        (2**64, TypeError, None),
        (["pass"], TypeError, None),
        (object(), TypeError, None),
        (lambda x: None, ValueError, "code with args not supported"),
        (_with_default, ValueError, "code with args not supported"),
        (lambda: 1, ValueError, "code that returns a value is not a script"),
        (_generator, ValueError, "code that returns a value is not a script"),
        (_coroutine, ValueError, "code that returns a value is not a script"),
        (compile("1", "<s>", "eval"), ValueError, "code that returns a value is not a script"),
        (_closure(), ValueError, "closures not supported"),
        ("\x00", SyntaxError, None),
        ("def", SyntaxError, None),
        ("  x = 1", SyntaxError, None),  # IndentationError
    ],
    ids=[
        "None",
        "int",
        "huge-int",
        "list",
        "object",
        "lambda-with-args",
        "func-with-default",
        "lambda-returning",
        "generator",
        "coroutine",
        "eval-code",
        "closure",
        "nul",
        "syntax",
        "indent",
    ],
)
def test_exec_rejects_bad_code_in_the_caller(interp, code, exc_type, message):
    with pytest.raises(exc_type) as excinfo:
        interp.exec(code)
    # Raised directly in the caller, never as ExecutionFailed.
    assert not isinstance(excinfo.value, interpreters.ExecutionFailed)
    if message is not None:
        assert str(excinfo.value) == message
    assert_healthy(interp)


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview], ids=lambda t: t.__name__)
def test_exec_accepts_bytes_like_source(interp, wrap):
    interp.exec(wrap(b"spam = 6 * 7"))
    assert interp.call(eval, "spam") == 42


# -- call -------------------------------------------------------------------------------------


@pytest.mark.parametrize("func", [None, 1, "len", object(), [], 2**64], ids=repr)
def test_call_rejects_non_callables(interp, func):
    with pytest.raises(TypeError, match=r"^expected a callable, got "):
        interp.call(func)
    assert_healthy(interp)


def test_call_in_thread_with_a_non_callable_reports_to_excepthook(interp, thread_exceptions):
    thread = interp.call_in_thread(None)
    thread.join()
    [hook_args] = thread_exceptions
    assert hook_args.exc_type is TypeError
    assert_healthy(interp)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((), {}), ((1, 2), {}), ((), {"obj": "x"}), (("x",), {"extra": 1})],
    ids=["no-args", "two-args", "bad-kw", "extra-kw"],
)
def test_call_with_the_wrong_arguments_fails_in_the_target(interp, args, kwargs):
    with pytest.raises(interpreters.ExecutionFailed) as excinfo:
        interp.call(len, *args, **kwargs)
    assert excinfo.value.excinfo.type.__name__ == "TypeError"
    assert not interp.is_running()
    assert_healthy(interp)


# -- prepare_main -----------------------------------------------------------------------------


@pytest.mark.parametrize("ns", [None, {}, ()], ids=repr)
def test_prepare_main_with_nothing_to_bind(interp, ns):
    with pytest.raises(ValueError, match="non-empty"):
        interp.prepare_main(ns)
    with pytest.raises(ValueError, match="non-empty"):
        interp.prepare_main()
    assert_healthy(interp)


@pytest.mark.parametrize(
    ("ns", "exc_type"),
    [
        (1, TypeError),
        (2**64, TypeError),
        ("ab", ValueError),
        ([1], TypeError),
        ([("a", 1, 2)], ValueError),
        ({1: 2}, TypeError),
        ([(1, 2)], TypeError),
        ({b"a": 1}, TypeError),
        ({"a\x00": 1}, ValueError),
    ],
    ids=[
        "int",
        "huge-int",
        "str",
        "list-of-int",
        "triple",
        "int-key",
        "int-key-pair",
        "bytes-key",
        "nul-key",
    ],
)
def test_prepare_main_with_a_bad_namespace(interp, ns, exc_type):
    with pytest.raises(exc_type):
        interp.prepare_main(ns)
    assert_healthy(interp)


UNSHAREABLE_VALUES = [
    [],
    {"a": 1},
    (1, []),
    (1, (2, object())),
    ((((),),), ([],)),
    2**63,
    -(2**63) - 1,
    2**1000,
    (2**64,),
    (1, (2, (3, 2**64))),
    len,
    echo,
    lambda: 1,
    BadPickle(),
    (BadPickle(),),
    BadUnpickle(),
]
UNSHAREABLE_IDS = [
    "list",
    "dict",
    "tuple-with-list",
    "nested-tuple-with-object",
    "deep-tuple-with-list",
    "2**63",
    "-2**63-1",
    "2**1000",
    "tuple-with-huge-int",
    "nested-tuple-with-huge-int",
    "builtin",
    "stateless-func",
    "lambda",
    "bad-pickle",
    "tuple-with-bad-pickle",
    "bad-unpickle",
]


@pytest.mark.parametrize("value", UNSHAREABLE_VALUES, ids=UNSHAREABLE_IDS)
def test_prepare_main_only_takes_natively_shareable_values(interp, value):
    with pytest.raises(interpreters.NotShareableError, match=NOT_XI_DATA):
        interp.prepare_main(ok=1, bad=value)
    # All or nothing: the good name was not bound either.
    assert "ok" not in interp.call(dir)
    assert "bad" not in interp.call(dir)
    interp.prepare_main(ok=(1, ("nested", b"tuple")))
    assert interp.call(eval, "ok") == (1, ("nested", b"tuple"))
    assert_healthy(interp)


def test_prepare_main_rejects_interpreters_but_takes_queues(interp):
    with pytest.raises(interpreters.NotShareableError, match=NOT_XI_DATA):
        interp.prepare_main(other=interp)
    queue = interpreters.create_queue()
    interp.prepare_main(q=queue)
    interp.exec("q.put('via prepare_main')")
    assert queue.get_nowait() == "via prepare_main"


def test_prepare_main_ns_is_positional_only(interp):
    # ``ns=`` is just another keyword: its dict value is not shareable.
    with pytest.raises(interpreters.NotShareableError):
        interp.prepare_main(ns={"a": 1})
    assert_healthy(interp)


# -- huge ints and nested tuples as values ----------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [2**63, -(2**63) - 1, 2**64, 2**1000, -(2**1000), (1, 2**100), (SSIZE_MAX, -SSIZE_MAX - 1)],
    ids=["2**63", "-2**63-1", "2**64", "2**1000", "-2**1000", "tuple", "ssize-bounds"],
)
def test_huge_ints_cross_call_and_queues(interp, value):
    assert interp.call(echo, value) == value
    assert interp.call(echo_kwargs, x=value) == {"x": value}
    if isinstance(value, int):
        assert interp.call(pow, value, 1) == value
    src, dst = interpreters.create_queue(), interpreters.create_queue()
    src.put(value)
    interp.call(relay, src, dst)
    assert dst.get_nowait() == value
    assert_healthy(interp)


@pytest.mark.parametrize(
    "value",
    [(1, [2]), (1, (2, {3: 4})), ((), ([], {}), 2**70), (None, (b"x", ("y", [set()])))],
    ids=["list", "nested-dict", "mixed", "deep"],
)
def test_tuples_with_unshareable_items_go_by_pickle(interp, value):
    result = interp.call(echo, value)
    assert result == value
    assert type(result) is tuple
    queue = interpreters.create_queue()
    queue.put(value)
    assert queue.get_nowait() == value


def test_tuple_holding_a_stateless_function_crosses(interp):
    result = interp.call(echo, (1, lambda: 7))
    assert result[0] == 1
    assert result[1]() == 7
    src, dst = interpreters.create_queue(), interpreters.create_queue()
    src.put(("f", lambda: 8))
    interp.call(relay, src, dst)
    name, func = dst.get_nowait()
    assert (name, func()) == ("f", 8)


# -- objects whose pickling raises ------------------------------------------------------------


@pytest.mark.parametrize(
    "send",
    [
        lambda it: it.call(echo, BadPickle()),
        lambda it: it.call(echo, (1, BadPickle())),
        lambda it: it.call(echo, [1, BadPickle()]),
        lambda it: it.call(echo, value=BadPickle()),
        lambda it: it.call(BadPickle()),
    ],
    ids=["arg", "in-tuple", "in-list", "kwarg", "as-callable"],
)
def test_call_with_an_object_whose_pickling_raises(interp, send):
    with pytest.raises(TypeError) as excinfo:  # NotShareableError, or "expected a callable"
        send(interp)
    assert not isinstance(excinfo.value, interpreters.ExecutionFailed)
    assert not interp.is_running()
    assert_healthy(interp)


def test_call_with_an_object_whose_pickling_raises_is_not_shareable(interp):
    with pytest.raises(interpreters.NotShareableError, match=NOT_XI_DATA):
        interp.call(echo, BadPickle())
    with pytest.raises(interpreters.NotShareableError, match=NOT_XI_DATA):
        interp.call(echo, value=BadPickle())


def test_call_result_whose_pickling_raises(interp):
    with pytest.raises(interpreters.NotShareableError):
        interp.call(eval, "type('X', (), {'__reduce__': lambda self: 1 / 0})()")
    assert_healthy(interp)


@pytest.mark.parametrize("put", ["put", "put_nowait"])
def test_queue_put_of_an_object_whose_pickling_raises(put):
    queue = interpreters.create_queue(2)
    queue.put("before")
    for value in (BadPickle(), (1, BadPickle()), [BadPickle()]):
        with pytest.raises(interpreters.NotShareableError):
            getattr(queue, put)(value)
    assert_queue_usable(queue, expected_size=1)


# -- objects whose unpickling raises in the target --------------------------------------------


@pytest.mark.parametrize(
    ("send", "message"),
    [
        (lambda it: it.call(echo, BadUnpickle()), "args not shareable"),
        (lambda it: it.call(echo, (1, BadUnpickle())), "args not shareable"),
        (lambda it: it.call(echo, [BadUnpickle()]), "args not shareable"),
        (lambda it: it.call(echo, value=BadUnpickle()), "kwargs not shareable"),
    ],
    ids=["arg", "in-tuple", "in-list", "kwarg"],
)
def test_call_with_an_object_whose_unpickling_raises_in_the_target(interp, send, message):
    with pytest.raises(interpreters.NotShareableError) as excinfo:
        send(interp)
    assert str(excinfo.value) == message
    assert "could not be unpickled" in str(excinfo.value.__cause__)
    assert not interp.is_running()
    assert_healthy(interp)


def test_call_result_whose_unpickling_raises_in_the_caller(interp):
    with pytest.raises(interpreters.NotShareableError):
        interp.call(eval, "type('X', (), {'__reduce__': lambda self: (int, ('zz',))})()")
    assert_healthy(interp)


def test_queue_item_whose_unpickling_raises_here():
    queue = interpreters.create_queue()
    queue.put(BadUnpickle())
    queue.put("next")
    with pytest.raises(interpreters.NotShareableError, match="could not be unpickled"):
        queue.get_nowait()
    # The bad item is consumed; the queue carries on.
    assert queue.get_nowait() == "next"
    assert_queue_usable(queue)


def test_queue_item_whose_unpickling_raises_in_the_target(interp):
    queue = interpreters.create_queue()
    queue.put(BadUnpickle())
    with pytest.raises(interpreters.ExecutionFailed) as excinfo:
        interp.call(remote_get, queue)
    assert excinfo.value.excinfo.type.__name__ == "NotShareableError"
    assert "could not be unpickled" in excinfo.value.excinfo.msg
    assert_queue_usable(queue)
    assert_healthy(interp)


# -- recursive and deeply nested structures ---------------------------------------------------


def test_self_containing_list_through_call(interp):
    items = make_self_containing_list()
    assert interp.call(is_self_containing, items) is True
    result = interp.call(echo, items)
    assert type(result) is list
    assert len(result) == 1
    assert result[0] is result
    result = interp.call(make_self_containing_list)
    assert result[0] is result


def test_self_containing_dict_and_tuple_through_call(interp):
    mapping = {}
    mapping["self"] = mapping
    result = interp.call(echo, mapping)
    assert result["self"] is result
    holder = []
    holder.append((holder,))
    result = interp.call(echo, holder)
    assert result[0][0] is result
    result = interp.call(echo_kwargs, value=mapping)
    assert result["value"]["self"] is result["value"]


def test_self_containing_list_through_queues(interp):
    src, dst = interpreters.create_queue(), interpreters.create_queue()
    src.put(make_self_containing_list())
    result = src.get_nowait()
    assert result[0] is result
    src.put(make_self_containing_list())
    interp.call(relay, src, dst)
    result = dst.get_nowait()
    assert result[0] is result
    assert_queue_usable(src)
    assert_queue_usable(dst)


def _deep_list(depth):
    outer = current = []
    for _ in range(depth):
        inner = []
        current.append(inner)
        current = inner
    return outer


def test_too_deeply_nested_value_is_refused_cleanly(interp):
    deep = _deep_list(100_000)
    with pytest.raises(RecursionError):
        interp.call(echo, deep)
    assert_healthy(interp)
    queue = interpreters.create_queue()
    with pytest.raises(RecursionError):
        queue.put(deep)
    assert_queue_usable(queue)


# -- very large payloads ----------------------------------------------------------------------

BIG = 100 * 2**20


def test_100_mb_of_bytes_through_call(interp):
    payload = bytes(range(256)) * (BIG // 256)
    assert interp.call(len, payload) == BIG
    result = interp.call(echo, payload)
    assert type(result) is bytes
    assert result == payload
    del result
    assert_healthy(interp)


def test_100_mb_of_bytes_through_a_queue(interp):
    payload = bytes(range(256)) * (BIG // 256)
    src, dst = interpreters.create_queue(), interpreters.create_queue()
    src.put(payload)
    interp.call(relay, src, dst)
    result = dst.get_nowait()
    assert type(result) is bytes
    assert result == payload
    del result
    assert_queue_usable(src)
    assert_healthy(interp)


# -- Queue(id) and create_queue() -------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["1", 1.0, None, object(), b"1", [1]], ids=repr)
def test_queue_id_of_the_wrong_type(bad_id):
    with pytest.raises(TypeError, match=r"^id must be an int, got "):
        interpreters.Queue(bad_id)


@UNRAISABLE_FROM_STDLIB
@pytest.mark.parametrize(
    ("bad_id", "exc_type"),
    [(-1, ValueError), (-(2**70), ValueError), (2**63, OverflowError), (2**64, OverflowError)],
    ids=["-1", "-2**70", "2**63", "2**64"],
)
def test_queue_id_out_of_range(bad_id, exc_type):
    with pytest.raises(exc_type):
        interpreters.Queue(bad_id)
    assert_queue_usable(interpreters.create_queue())


@pytest.mark.parametrize("bad_id", [SSIZE_MAX, 1_000_000], ids=["ssize_max", "1_000_000"])
def test_queue_id_unknown(bad_id):
    with pytest.raises(_queues.QueueNotFoundError, match=f"^queue {bad_id} not found$"):
        interpreters.Queue(bad_id)
    gc.collect()
    assert_queue_usable(interpreters.create_queue())


def test_queue_id_of_a_destroyed_queue():
    queue = interpreters.create_queue()
    queue_id = queue.id
    del queue
    gc.collect()
    with pytest.raises(_queues.QueueNotFoundError):
        interpreters.Queue(queue_id)
    gc.collect()
    assert_queue_usable(interpreters.create_queue())


@pytest.mark.parametrize(
    ("maxsize", "exc_type"),
    [
        ("1", TypeError),
        (1.0, TypeError),
        (None, TypeError),
        (2**63, OverflowError),
        (2**64, OverflowError),
        (-(2**70), OverflowError),
    ],
    ids=["str", "float", "None", "2**63", "2**64", "-2**70"],
)
def test_create_queue_with_a_bad_maxsize(maxsize, exc_type):
    with pytest.raises(exc_type):
        interpreters.create_queue(maxsize)
    assert interpreters.create_queue(SSIZE_MAX).maxsize == SSIZE_MAX
    assert interpreters.create_queue(-(2**62)).maxsize == -(2**62)


@pytest.mark.parametrize("unbounditems", [None, 1, 3, "UNBOUND", object()], ids=repr)
def test_create_queue_with_a_bad_unbounditems(unbounditems):
    with pytest.raises(NotImplementedError):
        interpreters.create_queue(unbounditems=unbounditems)


# -- Queue methods ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation",
    [
        lambda q: q.put(),
        lambda q: q.put_nowait(),
        lambda q: q.put(1, True, None, "extra"),
        lambda q: q.get(True, None, "extra"),
        lambda q: q.get_nowait(1),
        lambda q: q.qsize(1),
        lambda q: q.empty(1),
        lambda q: q.full(1),
        lambda q: q.put(1, bogus=1),
    ],
    ids=[
        "put()",
        "put_nowait()",
        "put(4 args)",
        "get(3 args)",
        "get_nowait(1)",
        "qsize(1)",
        "empty(1)",
        "full(1)",
        "put(bogus=)",
    ],
)
def test_queue_methods_reject_wrong_arity(operation):
    queue = interpreters.create_queue()
    queue.put("kept")
    with pytest.raises(TypeError):
        operation(queue)
    assert_queue_usable(queue, expected_size=1)


@pytest.mark.parametrize("put", ["put", "put_nowait"])
@pytest.mark.parametrize("unbounditems", [5, 0, "x", int], ids=repr)
def test_queue_put_with_a_bad_unbounditems(put, unbounditems):
    queue = interpreters.create_queue()
    with pytest.raises(NotImplementedError):
        getattr(queue, put)("item", unbounditems=unbounditems)
    assert_queue_usable(queue)


@pytest.mark.parametrize(
    ("timeout", "exc_type"),
    [(-1, ValueError), (-(2**70), ValueError), ("x", ValueError)],
    ids=["-1", "-2**70", "str"],
)
def test_queue_bad_timeouts(timeout, exc_type):
    full = interpreters.create_queue(1)
    full.put("only")
    with pytest.raises(exc_type):
        full.put("more", timeout=timeout)
    assert full.qsize() == 1
    empty = interpreters.create_queue()
    with pytest.raises(exc_type):
        empty.get(timeout=timeout)
    assert_queue_usable(empty)
    assert full.get_nowait() == "only"
    assert_queue_usable(full)


def test_queue_attributes_are_read_only():
    queue = interpreters.create_queue(3)
    for name, value in (("id", 1), ("maxsize", 5)):
        with pytest.raises(AttributeError):
            setattr(queue, name, value)
    assert queue.maxsize == 3
    assert_queue_usable(queue)


def test_full_and_empty_queues_raise_their_errors():
    queue = interpreters.create_queue(1)
    with pytest.raises(interpreters.QueueEmpty):
        queue.get_nowait()
    with pytest.raises(interpreters.QueueEmpty):
        queue.get(block=False)
    with pytest.raises(interpreters.QueueEmpty):
        queue.get(timeout=0)
    queue.put(1)
    for attempt in (
        lambda: queue.put_nowait(2),
        lambda: queue.put(2, block=False),
        lambda: queue.put(2, timeout=0),
    ):
        with pytest.raises(interpreters.QueueFull):
            attempt()
    assert queue.get_nowait() == 1
    assert_queue_usable(queue)


@pytest.mark.parametrize("how", ["call-result", "via-queue"])
def test_queue_made_in_a_subinterpreter_survives_the_trip_out(interp, how):
    # The only reference in the target dies when the function returns, while the queue
    # is still in transit: 3.14 keeps it alive until the receiver holds it.
    if how == "call-result":
        queue = interp.call(make_queue_with_an_item)
    else:
        carrier = interpreters.create_queue()
        interp.call(send_new_queue, carrier)
        queue = carrier.get_nowait()
    assert queue.get_nowait() == "made remotely"
    assert_queue_usable(queue)
    assert_healthy(interp)


# -- InterpreterPoolExecutor ------------------------------------------------------------------


@pytest.fixture
def pool():
    executor = InterpreterPoolExecutor(max_workers=1)
    yield executor
    executor.shutdown(wait=True, cancel_futures=True)


def assert_pool_healthy(executor):
    assert executor.submit(pow, 2, 5).result(timeout=30) == 32
    assert list(executor.map(pow, [2, 3], [2, 2], timeout=30)) == [4, 9]


@pytest.mark.parametrize(
    ("kwargs", "exc_type"),
    [
        ({"max_workers": 0}, ValueError),
        ({"max_workers": -1}, ValueError),
        ({"max_workers": "x"}, TypeError),
        ({"initializer": "pass"}, TypeError),
        ({"bogus": 1}, TypeError),
    ],
    ids=["max_workers=0", "max_workers=-1", "max_workers=str", "initializer=str", "bogus"],
)
def test_pool_constructor_rejects_bad_arguments(kwargs, exc_type):
    with pytest.raises(exc_type):
        InterpreterPoolExecutor(**kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"initializer": 1},
        {"initializer": len, "initargs": 1},
        {"initializer": len, "initargs": (1, 2)},
    ],
    ids=["initializer=int", "initargs=int", "initargs-wrong-arity"],
)
def test_pool_with_a_bad_initializer_breaks_at_first_use(kwargs):
    executor = InterpreterPoolExecutor(max_workers=1, **kwargs)
    try:
        with pytest.raises(BrokenInterpreterPool):
            executor.submit(pow, 2, 5).result(timeout=30)
        with pytest.raises(BrokenInterpreterPool):
            executor.submit(pow, 2, 5)
    finally:
        executor.shutdown(wait=True)


@pytest.mark.parametrize(
    "submit",
    [
        lambda ex: ex.submit(),
        lambda ex: ex.submit(fn=len),
        lambda ex: ex.submit("pass"),
        lambda ex: ex.map(len, 1),
        lambda ex: ex.shutdown(True, True),
    ],
    ids=["submit()", "submit(fn=)", "submit(script)", "map(non-iterable)", "shutdown(3 args)"],
)
def test_pool_rejects_bad_calls_in_the_caller(pool, submit):
    with pytest.raises(TypeError):
        submit(pool)
    assert_pool_healthy(pool)


@pytest.mark.parametrize(
    ("submit", "exc_type"),
    [
        (lambda ex: ex.submit(None), TypeError),
        (lambda ex: ex.submit(2**64), TypeError),
        (lambda ex: ex.submit(len, 2**64), TypeError),
        (lambda ex: ex.submit(len, BadPickle()), interpreters.NotShareableError),
        (lambda ex: ex.submit(len, BadUnpickle()), interpreters.NotShareableError),
        (lambda ex: ex.submit(len, x=BadUnpickle()), interpreters.NotShareableError),
        (
            lambda ex: ex.submit(eval, "type('X', (), {'__reduce__': lambda self: 1 / 0})()"),
            interpreters.NotShareableError,
        ),
    ],
    ids=[
        "None",
        "huge-int",
        "len(huge-int)",
        "bad-pickle",
        "bad-unpickle",
        "bad-unpickle-kw",
        "bad-result",
    ],
)
def test_pool_task_failures_land_on_the_future(pool, submit, exc_type):
    future = submit(pool)
    with pytest.raises(exc_type):
        future.result(timeout=30)
    assert_pool_healthy(pool)


@pytest.mark.parametrize(
    ("iterables", "exc_type"),
    [
        (([None],), TypeError),
        (([BadPickle()],), interpreters.NotShareableError),
        (([1],), TypeError),
    ],
    ids=["len(None)", "bad-pickle", "len(int)"],
)
def test_pool_map_failures_raise_in_iteration(pool, iterables, exc_type):
    results = pool.map(len, *iterables, timeout=30)
    with pytest.raises(exc_type):
        list(results)
    assert_pool_healthy(pool)


def test_pool_refuses_work_after_shutdown():
    executor = InterpreterPoolExecutor(max_workers=1)
    assert executor.submit(pow, 2, 5).result(timeout=30) == 32
    executor.shutdown()
    executor.shutdown()  # twice is fine
    with pytest.raises(RuntimeError, match="after shutdown"):
        executor.submit(pow, 2, 5)
    with pytest.raises(RuntimeError, match="after shutdown"):
        executor.map(pow, [2], [5])


# -- properties: any picklable value round-trips ----------------------------------------------

huge_ints = st.integers(min_value=2**63) | st.integers(max_value=-(2**63) - 1)
texts = st.text(st.characters(exclude_categories=()), max_size=20) | st.sampled_from(
    ["\ud800", "a\udfffb", "\x00", "\U0010ffff"]
)
shareable_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=SSIZE_MAX)
    | huge_ints
    | st.floats(allow_nan=False)
    | texts
    | st.binary(max_size=20)
)
keys = st.none() | st.booleans() | st.integers() | texts | st.binary(max_size=10)
picklable_values = nested_values(shareable_scalars, keys)
shareable_values = st.recursive(
    shareable_scalars, lambda children: st.lists(children, max_size=4).map(tuple), max_leaves=12
)


@PROPERTY_SETTINGS
@given(value=picklable_values)
def test_property_values_round_trip_through_call(interp, value):
    assert_same(interp.call(echo, value), value)
    assert_same(interp.call(echo_kwargs, value=value), {"value": value})
    assert_same(interp.call(echo, (value, [value])), (value, [value]))


@PROPERTY_SETTINGS
@given(value=picklable_values)
def test_property_values_round_trip_through_queues(interp, value):
    src, dst = interpreters.create_queue(), interpreters.create_queue()
    src.put(value)
    assert_same(src.get_nowait(), value)
    src.put(value)
    interp.call(relay, src, dst)
    assert_same(dst.get_nowait(), value)
    assert src.empty()
    assert dst.empty()


@PROPERTY_SETTINGS
@given(value=shareable_values)
def test_property_shareable_values_keep_their_exact_type(interp, value):
    assert interpreters.is_shareable(value)
    assert_same(interp.call(echo, value), value)
    queue = interpreters.create_queue()
    queue.put(value)
    assert_same(interp.call(remote_get, queue), value)
    queue.put(value)
    assert_same(queue.get(timeout=5), value)
