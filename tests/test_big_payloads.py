"""Big bytes-like values through ``call()`` and queues (issue 14).

On 3.12/3.13 big ``bytes``, ``bytearray`` and ``memoryview`` values of a call travel beside
the pickled request and response as natively shared bytes; everything here checks that
what arrives is exactly what pickle would have delivered (type, contents, mutability), at
and around the size where that path starts.  Speed is measured in
``tests/benchmarks/bench.py``, not here.
"""

from __future__ import annotations

import pytest

import interpreters_pep734 as interpreters
from _xidefs import SubBytes, ident, make_importable
from conftest import DEBUG_BUILD, STDLIB, run_python_json
from interpreters_pep734 import _pickling

MB = 1 << 20
#: Where the side path starts on 3.12/3.13 (3.14 has none; the sizes still round-trip).
BIG = getattr(_pickling, "BIG_BUFFER", 64 * 1024)
SIZES = [BIG - 1, BIG, BIG + 1, 3 * MB]


@pytest.fixture
def target(interp):
    return make_importable(interp)


def payload(size, seed=0):
    # Not all zeros, so a misplaced or truncated buffer cannot pass for the right one.
    return bytes((i * 7 + seed) & 0xFF for i in range(251)) * (size // 251) + bytes(size % 251)


def describe(value):
    """Type name, length and a digest of *value*, computed where it arrived."""
    import hashlib

    return (type(value).__name__, len(value), hashlib.sha256(value).hexdigest())


def expected(value):
    import hashlib

    return (type(value).__name__, len(value), hashlib.sha256(value).hexdigest())


def describe_all(*args, **kwargs):
    import hashlib

    def one(value):
        if type(value) in (bytes, bytearray, memoryview):
            return (type(value).__name__, len(value), hashlib.sha256(value).hexdigest())
        if type(value) is dict:
            return {key: one(item) for key, item in value.items()}
        if type(value) in (list, tuple):
            return [type(value).__name__, [one(item) for item in value]]
        return repr(value)

    return [one(arg) for arg in args], {key: one(value) for key, value in kwargs.items()}


def mutate_and_describe(value):
    value[0] ^= 0xFF  # a bytearray arrives mutable, and as the caller's own copy
    return (type(value).__name__, len(value), value[0])


def make_bytes(size):
    return bytes(range(256)) * (size // 256) + bytes(size % 256)


def make_bytearray(size):
    return bytearray(bytes(range(256)) * (size // 256) + bytes(size % 256))


def make_several(size):
    chunk = bytes(range(256)) * (size // 256)
    return {
        "bytes": chunk,
        "again": chunk,
        "array": bytearray(chunk[::-1]),
        "listed": [chunk[:100], bytearray(chunk[1:]), chunk],
        "small": 42,
    }


def raise_with(data):
    raise ValueError(f"got {len(data)} bytes ending in {data[-1]}")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", [bytes, bytearray])
def test_argument_arrives_exactly(target, size, kind):
    data = kind(payload(size))
    assert target.call(describe, data) == expected(data)


@pytest.mark.parametrize("size", SIZES)
def test_memoryview_argument_arrives_as_its_bytes(target, size):
    data = payload(size)
    name, length, digest = target.call(describe, memoryview(data))
    assert (name, length, digest) == ("memoryview", size, expected(data)[2])


@pytest.mark.parametrize("size", [BIG, 3 * MB])
def test_bytearray_argument_is_a_mutable_copy(target, size):
    data = bytearray(payload(size))
    first = data[0]
    assert target.call(mutate_and_describe, data) == ("bytearray", size, first ^ 0xFF)
    assert data[0] == first  # the caller's own is untouched


@pytest.mark.parametrize("size", [BIG, 3 * MB])
def test_bytes_subclass_is_pickled_as_before(target, size):
    data = SubBytes(payload(size))
    back = target.call(ident, data)
    assert type(back) is SubBytes
    assert back == data


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", [bytes, bytearray])
def test_result_comes_back_exactly(target, size, kind):
    data = kind(payload(size))
    back = target.call(ident, data)
    assert type(back) is kind
    assert back == data


@pytest.mark.parametrize("size", [BIG, 3 * MB])
def test_results_made_in_the_target(target, size):
    assert target.call(make_bytes, size) == make_bytes(size)
    back = target.call(make_bytearray, size)
    assert type(back) is bytearray
    assert back == make_bytearray(size)
    assert target.call(bytes, size) == bytes(size)


@pytest.mark.parametrize("size", [BIG, 3 * MB])
def test_several_big_buffers_inside_arguments_and_keywords(target, size):
    a, b = payload(size, 1), bytearray(payload(size, 2))
    args = (a, [a, b, b"small"], (memoryview(a), b), {"k": b})
    kwargs = {"big": a, "array": b, "n": 5}
    assert target.call(describe_all, *args, **kwargs) == describe_all(*args, **kwargs)


@pytest.mark.parametrize("size", [BIG, 3 * MB])
def test_object_holding_several_big_buffers_comes_back(target, size):
    back = target.call(make_several, size)
    assert back == make_several(size)
    assert type(back["array"]) is bytearray
    assert type(back["listed"][1]) is bytearray


@pytest.mark.parametrize("size", [BIG, 3 * MB])
def test_tuple_of_big_buffers_comes_back(target, size):
    a, b = payload(size, 3), payload(size, 4)
    assert target.call(ident, (a, b, 1)) == (a, b, 1)


def test_exception_about_a_big_argument(target):
    data = payload(3 * MB)
    with pytest.raises(interpreters.ExecutionFailed) as info:
        target.call(raise_with, data)
    assert info.value.excinfo.type.__name__ == "ValueError"
    assert info.value.excinfo.msg == f"got {len(data)} bytes ending in {data[-1]}"


def test_unshareable_argument_beside_a_big_one_fails_as_before(target):
    value = 7
    closure = lambda: value  # noqa: E731  (a closure: not shareable)
    for data in (b"small", payload(3 * MB)):
        with pytest.raises(interpreters.NotShareableError):
            target.call(ident, data, closure)
    # The interpreter is still usable, and no stale reply is taken for the next call.
    assert target.call(len, payload(BIG)) == BIG
    assert target.call(pow, 2, 10) == 1024


def test_small_and_big_calls_alternate(target):
    for size in (10, 3 * MB, 10, BIG, 0, 3 * MB):
        data = payload(size)
        assert target.call(ident, data) == data
        assert target.call(pow, 2, size % 7) == 2 ** (size % 7)


def test_big_calls_from_threads(target):
    # Each thread has its own reply address: big replies of one never reach another.
    interps = [target, make_importable(interpreters.create())]
    try:
        threads = []
        results = {}

        def work(index, interp):
            data = payload(2 * MB, index)
            results[index] = interp.call(describe, data) == expected(data)

        import threading

        for index, interp in enumerate(interps):
            threads.append(threading.Thread(target=work, args=(index, interp)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == {0: True, 1: True}
    finally:
        interps[1].close()


# -- queues ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [BIG, 10 * MB])
def test_queue_round_trip_in_one_interpreter(size):
    queue = interpreters.create_queue()
    data = payload(size)
    queue.put(data)
    queue.put(bytearray(data))
    queue.put([data, bytearray(data)])
    queue.put(memoryview(data))
    assert queue.get() == data
    back = queue.get()
    assert type(back) is bytearray
    assert back == data
    assert queue.get() == [data, bytearray(data)]
    view = queue.get()
    assert type(view) is memoryview
    assert bytes(view) == data


@pytest.mark.parametrize("size", [BIG, 10 * MB])
def test_queue_big_items_between_interpreters(interp, size):
    queue = interpreters.create_queue()
    interp.prepare_main(q=queue, size=size)
    interp.exec(
        "data = bytes(range(256)) * (size // 256)\n"
        "q.put(data)\n"
        "q.put(bytearray(data))\n"
        "q.put(b'small')\n"
    )
    data = bytes(range(256)) * (size // 256)
    assert queue.get() == data
    back = queue.get()
    assert (type(back), back) == (bytearray, data)
    assert queue.get() == b"small"
    queue.put(data)
    interp.exec("got = q.get(); assert got == data, len(got)")


def test_queue_keeps_order_and_count_of_mixed_items():
    queue = interpreters.create_queue()
    big = [payload(BIG + n, n) for n in range(3)]
    items = [1, big[0], "small", big[1], bytearray(big[2]), (2, 3), big[0]]
    for item in items:
        queue.put(item)
    assert queue.qsize() == len(items)
    got = [queue.get_nowait() for _ in items]
    assert got == items
    assert type(got[4]) is bytearray
    assert queue.empty()
    with pytest.raises(interpreters.QueueEmpty):
        queue.get_nowait()


def test_queue_maxsize_counts_big_items():
    queue = interpreters.create_queue(maxsize=2)
    data = payload(2 * BIG)
    queue.put(data)
    queue.put(b"x")
    with pytest.raises(interpreters.QueueFull):
        queue.put(data, block=False)
    with pytest.raises(interpreters.QueueFull):
        queue.put_nowait(bytearray(data))
    assert queue.get() == data
    queue.put_nowait(data)
    assert [queue.get(), queue.get()] == [b"x", data]


@pytest.mark.skipif(
    STDLIB,
    reason="CPython 3.14+: a Queue inside a pickled item (here a list) is not held while in "
    "transit; this package holds it (README: a Queue inside a queue item travels pickled)",
)
def test_big_item_holding_a_queue_keeps_it_alive():
    queue = interpreters.create_queue()
    inner = interpreters.create_queue()
    inner.put(5)
    inner_id = inner.id
    queue.put([inner, bytearray(payload(2 * BIG))])
    del inner
    import gc

    gc.collect()
    got, data = queue.get()
    assert got.id == inner_id
    assert got.get() == 5
    assert data == payload(2 * BIG)


@pytest.mark.parametrize(
    ("unbounditems", "expect"),
    [("UNBOUND", "marker"), ("UNBOUND_REMOVE", "removed"), ("UNBOUND_ERROR", "error")],
)
def test_big_items_of_a_destroyed_interpreter(unbounditems, expect):
    from interpreters_pep734 import _queues

    queue = interpreters.create_queue()
    interp = interpreters.create()
    interp.prepare_main(q=queue)
    queue.put(b"before")
    interp.exec(
        "from interpreters_pep734 import _queues\n"
        f"q.put(bytes({BIG}), unbounditems=_queues.{unbounditems})\n"
        f"q.put(b'y' * {BIG + 1}, unbounditems=_queues.{unbounditems})\n"
    )
    queue.put(payload(BIG))
    interp.close()
    assert queue.get_nowait() == b"before"
    if expect == "marker":
        assert queue.get_nowait() is _queues.UNBOUND
        assert queue.get_nowait() is _queues.UNBOUND
    elif expect == "error":
        for _ in range(2):
            with pytest.raises(_queues.ItemInterpreterDestroyed):
                queue.get_nowait()
    assert queue.get_nowait() == payload(BIG)
    assert queue.empty()


def test_big_and_small_items_from_several_threads_and_interpreters(interp):
    # Putters and getters race in two interpreters: every item arrives whole, once.
    import threading

    queue = interpreters.create_queue()
    interp.prepare_main(q=queue, big=BIG)
    per_putter = 20
    interp.exec(
        "import threading\n"
        "def put_all(tag):\n"
        f"    for n in range({per_putter}):\n"
        "        q.put(bytes([tag, n]) * (big // 2 + n) if n % 2 else (tag, n))\n"
        "putters = [threading.Thread(target=put_all, args=(t,)) for t in (1, 2)]\n"
        "[t.start() for t in putters]\n"
    )
    got = []
    lock = threading.Lock()

    def get_all(count):
        for _ in range(count):
            item = queue.get(timeout=60)
            with lock:
                got.append(item)

    getters = [threading.Thread(target=get_all, args=(per_putter,)) for _ in range(2)]
    for thread in getters:
        thread.start()
    for thread in getters:
        thread.join()
    interp.exec("[t.join() for t in putters]")
    expected_items = [
        bytes([tag, n]) * (BIG // 2 + n) if n % 2 else (tag, n)
        for tag in (1, 2)
        for n in range(per_putter)
    ]
    assert sorted(map(repr, got)) == sorted(map(repr, expected_items))
    assert queue.empty()


# -- memory ------------------------------------------------------------------------------------

ROUNDS = 60

MEMORY_CHILD = """
import gc, json, os, sys
import interpreters_pep734 as interpreters

rounds = int(sys.argv[1])
page = os.sysconf("SC_PAGE_SIZE")


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page / 2**20


data = os.urandom(10 * 2**20)
interp = interpreters.create()
queue = interpreters.create_queue()
interp.prepare_main(q=queue)


def round_trip():
    assert interp.call(len, data) == len(data)
    assert len(interp.call(bytes, len(data))) == len(data)
    assert len(interp.call(bytearray, data)) == len(data)
    queue.put(data)
    assert len(queue.get()) == len(data)
    interp.exec("q.put(bytes(10 * 2**20))")
    assert len(queue.get()) == len(data)


for _ in range(5):  # warm up: the allocator's arenas and caches settle
    round_trip()
gc.collect()
before = rss_mb()
for _ in range(rounds):
    round_trip()
gc.collect()
after = rss_mb()
interp.close()
print(json.dumps({"before": before, "after": after}))
"""


@pytest.mark.skipif(
    DEBUG_BUILD,
    reason="CPython's debug build: its debug allocator pads and tracks every block, so RSS "
    "measures that bookkeeping; tests/test_refleaks.py checks leaks there by reference counts",
)
def test_repeated_10_mb_transfers_do_not_grow_memory():
    # Each round moves six 10 MB values (~60 MB): keeping any of them would grow RSS by
    # at least 10 MB a round, 600 MB in all.  The bound leaves room for allocator noise
    # and the few buffers an idle interpreter may still hold until its next run.
    result, proc = run_python_json(MEMORY_CHILD, ROUNDS, timeout=300)
    growth = result["after"] - result["before"]
    assert growth < 60, f"RSS grew by {growth:.1f} MB over {ROUNDS} rounds"
    assert proc.stderr == ""
