"""Low-level objects destroyed behind this package's back do not break it.

CPython's own queue tests destroy, in every tearDown, each queue ``_interpqueues.list_all()``
shows; that includes the queues (3.13) or channels (3.12) this package uses internally for
the replies of exec() and call().  Those are replaced when found gone.
"""

import importlib
import threading

import interpreters_pep734 as interpreters
from interpreters_pep734 import _queues


def _destroy_every_low_level_queue():
    try:
        low = importlib.import_module("_interpqueues")
    except ImportError:  # CPython 3.12: the package's queues and replies are channels
        low = importlib.import_module("_xxinterpchannels")
        for cid in low.list_all():
            low.destroy(cid)
        return
    for qid, *_ in low.list_all():
        low.destroy(qid)


def test_exec_and_call_work_after_every_low_level_queue_is_destroyed(interp):
    assert interp.call(pow, 2, 5) == 32  # this thread now holds a reply address
    queue = _queues.create()
    _destroy_every_low_level_queue()
    for _ in range(2):
        assert interp.call(pow, 2, 6) == 64
        interp.exec("x = 1")
    results = []
    thread = threading.Thread(target=lambda: results.append(interp.call(pow, 2, 7)))
    thread.start()
    thread.join()
    assert results == [128]
    # The user's own queue really is gone, as in 3.14.
    try:
        queue.put(1)
    except _queues.QueueNotFoundError:
        pass
    else:
        raise AssertionError("put() on a destroyed queue succeeded")
    assert _queues.list_all() == []


def test_new_threads_work_after_every_low_level_queue_is_destroyed():
    interp = interpreters.create()
    try:
        done = []

        def use():
            done.append(interp.call(abs, -1))

        for _ in range(3):  # threads that end give their reply address back for reuse
            thread = threading.Thread(target=use)
            thread.start()
            thread.join()
        _destroy_every_low_level_queue()
        for _ in range(3):
            thread = threading.Thread(target=use)
            thread.start()
            thread.join()
        assert done == [1] * 6
    finally:
        interp.close()
