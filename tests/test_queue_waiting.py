"""A blocked get() or put() sleeps until a put or get in any interpreter lets it go on.

A sleeper also looks at its queue again every ``_wakeups.SAFETY_POLL`` seconds, whatever
happens.  Most tests here turn that off (``no_safety_poll``, and ``NO_SAFETY_POLL`` inside
other interpreters): a wake-up that the sleepers' table loses then shows as a get() or
put() that runs into its (long) timeout, not as a delay nobody sees.
"""

from __future__ import annotations

import gc
import threading
import time

import pytest

import interpreters_pep734 as interpreters
from conftest import CHILD_TIMEOUT, STDLIB, exec_in_thread, run_python_json

pytestmark = pytest.mark.skipif(
    STDLIB,
    reason="CPython 3.14+: the stdlib's own queues (which poll); the sleepers are this "
    "package's code for 3.12 and 3.13",
)

if not STDLIB:
    from interpreters_pep734._backend import _wakeups

#: Long enough that only a lost wake-up runs into it.
LONG = 20
#: Run first in another interpreter: its sleepers look again only when woken, too.
NO_SAFETY_POLL = "from interpreters_pep734._backend import _wakeups\n_wakeups.SAFETY_POLL = 600\n"


def sleepers() -> tuple[int, int]:
    """How many threads, in all interpreters, sleep for an item and for room."""
    header = _wakeups.table().header
    return header[_wakeups._SLEEPING + _wakeups.ITEM], header[_wakeups._SLEEPING + _wakeups.ROOM]


def slots_in_use() -> int:
    header = _wakeups.table().header
    return header[_wakeups._NEXT] - header[_wakeups._FREE_TOP]


def wait_for_sleepers(expected: tuple[int, int]) -> None:
    deadline = time.monotonic() + LONG
    while sleepers() != expected:
        assert time.monotonic() < deadline, f"sleepers {sleepers()}, expected {expected}"
        time.sleep(0.001)


@pytest.fixture(autouse=True)
def no_sleeper_left_behind():
    yield
    gc.collect()
    assert sleepers() == (0, 0)
    assert not any(_wakeups.table().counts), "a sleeper's counter was left behind"


@pytest.fixture
def no_safety_poll(monkeypatch):
    monkeypatch.setattr(_wakeups, "SAFETY_POLL", 600)


def in_thread(func, results):
    def target():
        try:
            results.append(func())
        except BaseException as exc:
            results.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    return thread


# --- woken across interpreters ---------------------------------------------------------


def test_get_here_is_woken_by_a_put_in_another_interpreter(no_safety_poll, interp):
    queue = interpreters.create_queue()
    results = []
    thread = in_thread(lambda: queue.get(timeout=LONG), results)
    wait_for_sleepers((1, 0))
    interp.prepare_main(queue=queue)
    interp.exec("queue.put('from another interpreter')")
    thread.join()
    assert results == ["from another interpreter"]


def test_get_in_another_interpreter_is_woken_by_a_put_here(interp):
    queue = interpreters.create_queue()
    interp.prepare_main(queue=queue, LONG=LONG)
    errors = []
    thread = exec_in_thread(interp, NO_SAFETY_POLL + "got = queue.get(timeout=LONG)", errors)
    # The other interpreter's sleeper shows in this one's table: there is only one.
    wait_for_sleepers((1, 0))
    queue.put(42)
    thread.join()
    assert errors == []
    assert interp.call(eval, "got") == 42


def test_put_on_a_full_queue_is_woken_by_a_get_in_another_interpreter(no_safety_poll, interp):
    queue = interpreters.create_queue(maxsize=1)
    queue.put("first")
    results = []
    thread = in_thread(lambda: queue.put("second", timeout=LONG), results)
    wait_for_sleepers((0, 1))
    interp.prepare_main(queue=queue)
    interp.exec("taken = queue.get_nowait()")
    thread.join()
    assert results == [None]
    assert interp.call(eval, "taken") == "first"
    assert queue.get_nowait() == "second"


def test_room_left_by_a_closed_interpreter_wakes_a_put(no_safety_poll):
    # The closed interpreter's item goes with it (UNBOUND_REMOVE): nobody called get().
    queue = interpreters.create_queue(maxsize=1)
    producer = interpreters.create()
    producer.prepare_main(queue=queue)
    producer.exec(
        "from interpreters_pep734 import _queues\n"
        "queue.put('doomed', unbounditems=_queues.UNBOUND_REMOVE)"
    )
    results = []
    thread = in_thread(lambda: queue.put("mine", timeout=LONG), results)
    wait_for_sleepers((0, 1))
    producer.close()
    thread.join()
    assert results == [None]
    assert queue.get_nowait() == "mine"
    assert queue.empty()


# --- many sleepers ----------------------------------------------------------------------


def test_every_item_reaches_one_of_many_sleepers(no_safety_poll):
    # Sleepers here and in two other interpreters share one queue: each put must wake
    # one that has not been woken yet, and a woken one that finds nothing (another took
    # the item) must sleep again, or the last sentinels would never be taken.
    queue = interpreters.create_queue()
    local_consumers, items = 4, 300
    others = [interpreters.create() for _ in range(2)]
    got, errors = [], []
    lock = threading.Lock()

    def consume():
        mine = []
        while (item := queue.get(timeout=LONG)) is not None:
            mine.append(item)
        with lock:
            got.extend(mine)

    threads = [threading.Thread(target=consume) for _ in range(local_consumers)]
    for thread in threads:
        thread.start()
    for other in others:
        other.prepare_main(queue=queue, LONG=LONG)
        threads.append(
            exec_in_thread(
                other,
                NO_SAFETY_POLL
                + "mine = []\n"
                + "while (item := queue.get(timeout=LONG)) is not None:\n"
                + "    mine.append(item)\n",
                errors,
            )
        )
    consumers = local_consumers + len(others)
    wait_for_sleepers((consumers, 0))
    producer = interpreters.create()
    producer.prepare_main(queue=queue, items=items, consumers=consumers)
    producer.exec(
        "for i in range(items):\n    queue.put(i)\nfor _ in range(consumers):\n    queue.put(None)"
    )
    for thread in threads:
        thread.join()
    assert errors == []
    for other in others:
        got.extend(other.call(eval, "mine"))
    assert sorted(got) == list(range(items))
    for interp in (*others, producer):
        interp.close()


def test_many_threads_through_a_small_queue_in_a_fresh_process():
    # Puts and gets both sleep (maxsize 2), in four interpreters, with no safety poll:
    # any lost wake-up hangs a thread until its timeout.  Racy by nature: several runs.
    for _ in range(3):
        result, _proc = run_python_json(
            """
            import json, threading
            import interpreters_pep734 as interpreters
            from interpreters_pep734._backend import _wakeups

            _wakeups.SAFETY_POLL = 600
            setup = "from interpreters_pep734._backend import _wakeups\\n_wakeups.SAFETY_POLL = 600\\n"
            queue = interpreters.create_queue(maxsize=2)
            items, errors = 2000, []

            def run(interp, source):
                try:
                    interp.exec(setup + source)
                except BaseException as exc:
                    errors.append(repr(exc))

            producers = [interpreters.create() for _ in range(2)]
            consumers = [interpreters.create() for _ in range(2)]
            for index, interp in enumerate(producers):
                interp.prepare_main(queue=queue, first=index * items, items=items)
            for interp in consumers:
                interp.prepare_main(queue=queue)
            got = []

            def local_consumer():
                while (item := queue.get(timeout=60)) is not None:
                    got.append(item)

            threads = [threading.Thread(target=local_consumer) for _ in range(2)]
            threads += [
                threading.Thread(target=run, args=(interp, "for i in range(first, first + items):\\n    queue.put(i, timeout=60)\\n"))
                for interp in producers
            ]
            threads += [
                threading.Thread(target=run, args=(interp, "mine = []\\nwhile (item := queue.get(timeout=60)) is not None:\\n    mine.append(item)\\n"))
                for interp in consumers
            ]
            for thread in threads:
                thread.start()
            for thread in threads[2:4]:
                thread.join()
            for _ in range(4):
                queue.put(None, timeout=60)
            for thread in threads:
                thread.join()
            for interp in consumers:
                got.extend(interp.call(eval, "mine"))
            header = _wakeups.table().header
            print(json.dumps({"errors": errors, "got": sorted(got) == list(range(2 * items)),
                              "count": len(got), "sleepers": [header[2], header[3]]}))
            """,
            timeout=CHILD_TIMEOUT,
        )
        assert result == {"errors": [], "got": True, "count": 4000, "sleepers": [0, 0]}


# --- leaving a sleep ------------------------------------------------------------------


def test_a_sleep_that_times_out_leaves_nothing_behind():
    queue = interpreters.create_queue()
    for timeout in (0, 0.001, 0.02):
        start = time.monotonic()
        with pytest.raises(interpreters.QueueEmpty):
            queue.get(timeout=timeout)
        assert time.monotonic() - start >= timeout  # never before the deadline
        assert sleepers() == (0, 0)


def test_threads_that_ended_give_their_slots_back():
    queue = interpreters.create_queue()

    def sleep_once():
        try:
            queue.get(timeout=0.001)
        except interpreters.QueueEmpty:
            pass

    before = slots_in_use()
    for _ in range(40):
        thread = threading.Thread(target=sleep_once)
        thread.start()
        thread.join()
    gc.collect()
    assert slots_in_use() <= before + 1


def test_closed_interpreters_give_their_threads_slots_back():
    # CPython 3.12 clears a closed interpreter's thread-locals too late for the slot's
    # own clean-up: the interpreter's end gives them back.
    queue = interpreters.create_queue()
    before = slots_in_use()
    sleep_once = (
        "from interpreters_pep734 import _queues\n"
        "try:\n    queue.get(timeout=0.001)\nexcept _queues.QueueEmpty:\n    pass\n"
    )
    for _ in range(10):
        interp = interpreters.create()
        interp.prepare_main(queue=queue)
        interp.exec(sleep_once)  # this thread, in that interpreter
        errors = []
        exec_in_thread(interp, sleep_once, errors).join()  # a thread of its own
        assert errors == []
        interp.close()
    assert slots_in_use() <= before + 1


def test_ctrl_c_in_a_sleeping_get_leaves_no_sleeper_behind():
    result, _proc = run_python_json(
        """
        import json, os, signal, threading, time
        import interpreters_pep734 as interpreters
        from interpreters_pep734._backend import _wakeups

        queue = interpreters.create_queue()
        header = _wakeups.table().header

        def interrupt():
            while header[2] != 1:
                time.sleep(0.001)
            os.kill(os.getpid(), signal.SIGINT)

        threading.Thread(target=interrupt).start()
        try:
            queue.get(timeout=60)
            outcome = "returned"
        except KeyboardInterrupt:
            outcome = "KeyboardInterrupt"
        queue.put("after")
        print(json.dumps({"outcome": outcome, "sleepers": [header[2], header[3]],
                          "counts": sum(_wakeups.table().counts), "next": queue.get(timeout=5)}))
        """,
        timeout=CHILD_TIMEOUT,
    )
    assert result == {
        "outcome": "KeyboardInterrupt",
        "sleepers": [0, 0],
        "counts": 0,
        "next": "after",
    }


def test_a_forked_child_sleeps_and_wakes_with_a_table_of_its_own():
    result, _proc = run_python_json(
        """
        import json, os, threading
        import interpreters_pep734 as interpreters
        from interpreters_pep734._backend import _wakeups

        _wakeups.SAFETY_POLL = 600
        queue = interpreters.create_queue()
        try:
            queue.get(timeout=0.001)  # this thread takes a slot in the parent's table
        except interpreters.QueueEmpty:
            pass
        parent_table = os.fstat(_wakeups.table().fds[0]).st_ino  # (fd numbers get reused)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            child_queue = interpreters.create_queue()
            got = []
            thread = threading.Thread(target=lambda: got.append(child_queue.get(timeout=20)))
            thread.start()
            while _wakeups.table().header[2] != 1:
                pass
            child_queue.put("child item")
            thread.join()
            report = {"got": got, "own_table": os.fstat(_wakeups.table().fds[0]).st_ino != parent_table}
            os.write(write_end, json.dumps(report).encode())
            os._exit(0)
        os.close(write_end)
        _, status = os.waitpid(pid, 0)
        child = json.loads(os.read(read_end, 1000))
        # The parent's own sleepers still work.
        got = []
        thread = threading.Thread(target=lambda: got.append(queue.get(timeout=20)))
        thread.start()
        while _wakeups.table().header[2] != 1:
            pass
        queue.put("parent item")
        thread.join()
        print(json.dumps({"child": child, "status": status, "parent": got}))
        """,
        timeout=CHILD_TIMEOUT,
    )
    assert result == {
        "child": {"got": ["child item"], "own_table": True},
        "status": 0,
        "parent": ["parent item"],
    }
