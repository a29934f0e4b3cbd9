"""``InterpreterPoolExecutor`` for 3.12 and 3.13: mirrors ``concurrent.futures.interpreter``.

A thread pool whose every worker thread owns one interpreter from ``create()``.  The
initializer and each task run in that interpreter through ``Interpreter.call()``.

The ``ThreadPoolExecutor`` of 3.12 and 3.13 calls the initializer and the tasks directly in
its worker threads; 3.14 made that pluggable (``prepare_context`` and worker contexts).  This
module keeps the inherited parts that did not change (the work queue, ``shutdown()``,
``_idle_semaphore``, the exit hook of ``concurrent.futures.thread``) and brings its own
``submit()``, worker loop and worker context.  Every private name of ``concurrent.futures``
it shares with them is reached through ``_backend._thread_pool``, which checks them.

Differences from 3.14, all in the user's favour:

* no results queue: a task that raises returns a small record (the pickled exception and a
  description of it) instead, so a task costs one ``call()`` and nothing can hang waiting
  for an exception that never arrives;
* an exception that pickles in the worker but cannot be rebuilt in the caller gives the
  ``ExecutionFailed`` (as an unpicklable one does) rather than an unpickling error;
* workers see the submitting interpreter's ``sys.path``, as ``call()`` does (cpython #126714).
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import os
import queue
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import _base
from typing import (
    TYPE_CHECKING,
    Any,
    ParamSpec,
    TypeVar,
    TypeVarTuple,
    cast,
    overload,
)

from ._backend import _thread_pool
from ._task import _run_task, _TaskFailed

if TYPE_CHECKING:
    from ._interpreter import Interpreter

__all__ = ["BrokenInterpreterPool", "InterpreterPoolExecutor"]

_P = ParamSpec("_P")
_T = TypeVar("_T")
_Ts = TypeVarTuple("_Ts")

#: ``(callable, args, kwargs)``: what a worker is asked to run.
_Task = tuple[Any, tuple[Any, ...], dict[str, Any]]

_INIT_FAILED = "A thread initializer failed, the thread pool is not usable anymore"


class _WorkerContext:
    """The interpreter of one worker thread: made, used and closed in that thread."""

    def __init__(self, init_task: _Task | None) -> None:
        self.init_task = init_task
        self.interp: Interpreter | None = None

    def initialize(self) -> None:
        from . import _interpreter

        self.interp = _interpreter.create()
        try:
            if self.init_task is not None:
                self.run(self.init_task)
        except BaseException:
            self.finalize()
            raise

    def finalize(self) -> None:
        interp, self.interp = self.interp, None
        if interp is None:
            return
        from ._errors import InterpreterNotFoundError

        with contextlib.suppress(InterpreterNotFoundError):  # somebody closed it already
            interp.close()

    def run(self, task: _Task) -> Any:
        fn, args, kwargs = task
        assert self.interp is not None
        result = self.interp.call(_run_task, fn, args, kwargs)
        if type(result) is _TaskFailed:
            result.reraise()
        return result


class Future(_base.Future[_T]):
    """The futures this pool hands out: ``concurrent.futures.Future`` as 3.14 has it.

    3.12 and 3.13 test the stored exception for truth in ``result()``, so a task raising
    an exception whose ``__bool__`` is false seemed to return None; 3.14 raises it.
    """

    # Named as the base class's private ``__get_result``, which ``result()`` calls.
    def _Future__get_result(self) -> _T:
        exception = self._exception
        if exception is not None:
            try:
                raise exception
            finally:
                # No cycle from the traceback's frames back to this future.
                del exception, self
        return cast("_T", self._result)


class _WorkItem:
    """A submitted task and its future (``shutdown()`` and friends only use ``future``)."""

    __slots__ = ("future", "task")

    def __init__(self, future: _base.Future[Any], task: _Task) -> None:
        self.future = future
        self.task = task

    def run(self, ctx: _WorkerContext) -> None:
        if not self.future.set_running_or_notify_cancel():
            return
        try:
            result = ctx.run(self.task)
        except BaseException as exc:
            self.future.set_exception(exc)
            del exc, self  # no cycle through the traceback's frames
        else:
            self.future.set_result(result)


def _worker(
    executor_ref: weakref.ref[InterpreterPoolExecutor],
    ctx: _WorkerContext,
    work_queue: queue.SimpleQueue[_WorkItem | None],
) -> None:
    """The loop of one worker thread: ``ThreadPoolExecutor``'s, around an interpreter."""
    try:
        ctx.initialize()
    except BaseException:
        _base.LOGGER.critical("Exception in initializer:", exc_info=True)
        executor = executor_ref()
        if executor is not None:
            executor._initializer_failed()
        return
    try:
        while True:
            try:
                item = work_queue.get_nowait()
            except queue.Empty:
                # Idle: let the next submit() use this thread rather than start one.
                executor = executor_ref()
                if executor is not None:
                    executor._idle_semaphore.release()
                del executor
                item = work_queue.get(block=True)
            if item is not None:
                item.run(ctx)
                del item  # drop the references before blocking again
                continue
            # A wake-up: leave if the process is exiting or the pool is gone or shut down.
            executor = executor_ref()
            if _thread_pool.interpreter_shutting_down() or executor is None or executor._shutdown:
                if executor is not None:
                    executor._shutdown = True
                work_queue.put(None)  # pass the wake-up on to the next worker
                return
            del executor
    except BaseException:
        _base.LOGGER.critical("Exception in worker", exc_info=True)
    finally:
        ctx.finalize()


def _default_max_workers() -> int:
    # 3.13+ counts the CPUs this process may use, as 3.14's executors do.
    process_cpu_count: Callable[[], int | None] | None = getattr(os, "process_cpu_count", None)
    if process_cpu_count is not None:
        count = process_cpu_count()
    elif hasattr(os, "sched_getaffinity"):
        count = len(os.sched_getaffinity(0))
    else:
        count = os.cpu_count()
    return min(32, (count or 1) + 4)


class BrokenInterpreterPool(_thread_pool.BrokenThreadPool):
    """The pool is unusable: setting up a worker (its interpreter, its initializer) failed."""


class InterpreterPoolExecutor(_thread_pool.ThreadPoolExecutor):
    """A ``ThreadPoolExecutor`` whose workers each run calls in their own interpreter."""

    BROKEN: type[BrokenInterpreterPool] = BrokenInterpreterPool

    _init_task: _Task | None

    @overload
    def __init__(
        self,
        max_workers: int | None = None,
        thread_name_prefix: str = "",
        initializer: Callable[[], object] | None = None,
        initargs: tuple[()] = (),
    ) -> None: ...
    @overload
    def __init__(
        self,
        max_workers: int | None = None,
        thread_name_prefix: str = "",
        *,
        initializer: Callable[[*_Ts], object],
        initargs: tuple[*_Ts],
    ) -> None: ...
    @overload
    def __init__(
        self,
        max_workers: int | None,
        thread_name_prefix: str,
        initializer: Callable[[*_Ts], object],
        initargs: tuple[*_Ts],
    ) -> None: ...
    def __init__(
        self,
        max_workers: int | None = None,
        thread_name_prefix: str = "",
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        """Set up the pool; worker threads and their interpreters start as work arrives.

        Args:
            max_workers: How many interpreters (one per worker thread) may run calls
                at once.
            thread_name_prefix: A prefix for the names of the worker threads.
            initializer: A callable run first in each worker's interpreter.
            initargs: The arguments for the initializer.
        """
        from . import _fake_main

        # Here, not only in create(): the workers create their interpreters in other threads.
        _fake_main.check_not_rerunning_main()
        if not thread_name_prefix:
            thread_name_prefix = f"InterpreterPoolExecutor-{_thread_pool.next_pool_number()}"
        if max_workers is None:
            max_workers = _default_max_workers()
        # The base class checks max_workers.  The initializer is not given to it: it would
        # reject a non-callable one, which 3.14 lets fail later, in the worker.
        super().__init__(max_workers, thread_name_prefix)
        if isinstance(initializer, str):
            raise TypeError("scripts not supported")
        # initargs is used as given: like 3.14, a bad one breaks the pool at first use.
        self._init_task = None if initializer is None else (initializer, initargs, {})

    def submit(
        self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> _base.Future[_T]:
        with self._shutdown_lock, _thread_pool.global_shutdown_lock():
            if self._broken:
                raise BrokenInterpreterPool(self._broken)
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            if _thread_pool.interpreter_shutting_down():
                raise RuntimeError("cannot schedule new futures after interpreter shutdown")
            if isinstance(fn, str):
                raise TypeError("scripts not supported")
            future: _base.Future[_T] = Future()
            work_queue: queue.SimpleQueue[Any] = self._work_queue
            work_queue.put(_WorkItem(future, (fn, args, kwargs)))
            self._adjust_thread_count()
            return future

    submit.__doc__ = _base.Executor.submit.__doc__

    def map(
        self,
        fn: Callable[..., _T],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
        buffersize: int | None = None,
    ) -> Iterator[_T]:
        """Return an iterator of ``fn(*args)`` for each ``args`` of ``zip(*iterables)``.

        The calls run in the pool; the results come in the order of the inputs.
        ``timeout`` (seconds from this call) bounds the wait for all of them; ``chunksize``
        is accepted and ignored, as by ``ThreadPoolExecutor``.  With ``buffersize``, only
        that many inputs are taken and submitted ahead of the results handed out, so an
        endless iterable works; by default every input is taken and submitted at once.
        """
        if buffersize is not None and not isinstance(buffersize, int):
            raise TypeError("buffersize must be an integer or None")
        if buffersize is not None and buffersize < 1:
            raise ValueError("buffersize must be None or > 0")
        if buffersize is None:
            return super().map(fn, *iterables, timeout=timeout, chunksize=chunksize)
        deadline = None if timeout is None else time.monotonic() + timeout
        inputs = zip(*iterables, strict=False)
        pending = collections.deque(
            self.submit(fn, *args) for args in itertools.islice(inputs, buffersize)
        )
        # The iterator must not keep the pool alive: once the pool is collected, no more
        # inputs are submitted.
        return _buffered_results(weakref.ref(self), fn, inputs, pending, deadline)

    def _adjust_thread_count(self) -> None:
        if self._idle_semaphore.acquire(timeout=0):
            return  # an idle worker will take the item

        # If the executor is collected, wake the workers so that they exit.
        def wake_up(_: object, q: queue.SimpleQueue[Any] = self._work_queue) -> None:
            q.put(None)

        num_threads = len(self._threads)
        if num_threads < self._max_workers:
            thread = threading.Thread(
                name=f"{self._thread_name_prefix or self}_{num_threads}",
                target=_worker,
                args=(
                    weakref.ref(self, wake_up),
                    _WorkerContext(self._init_task),
                    self._work_queue,
                ),
            )
            thread.start()
            cast("set[threading.Thread]", self._threads).add(thread)
            _thread_pool.join_at_exit(thread, self._work_queue)

    def _initializer_failed(self) -> None:
        with self._shutdown_lock:
            self._broken = _INIT_FAILED  # type: ignore[assignment]
            # Fail everything still queued.
            while True:
                try:
                    item = self._work_queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item.future.set_exception(BrokenInterpreterPool(_INIT_FAILED))


def _buffered_results[R](
    executor_ref: weakref.ref[InterpreterPoolExecutor],
    fn: Callable[..., R],
    inputs: Iterator[tuple[Any, ...]],
    pending: collections.deque[_base.Future[R]],
    deadline: float | None,
) -> Iterator[R]:
    """The results of ``map(..., buffersize=n)``: before waiting for the oldest future,
    take one more input and submit it, as 3.14 does."""
    try:
        while pending:
            executor = executor_ref()
            if executor is not None:
                args = next(inputs, None)
                if args:
                    pending.append(executor.submit(fn, *args))
            del executor
            future = pending.popleft()
            try:
                yield future.result(None if deadline is None else deadline - time.monotonic())
            finally:
                future.cancel()
                del future  # the exception's traceback would otherwise refer to it
    finally:
        for future in pending:
            future.cancel()
