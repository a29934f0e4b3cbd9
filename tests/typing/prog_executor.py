"""A user's program with InterpreterPoolExecutor: checked, not run (see README.md here)."""

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.thread import BrokenThreadPool
from typing import assert_type

from interpreters_pep734.futures import BrokenInterpreterPool, InterpreterPoolExecutor


def square(x: int) -> int:
    return x * x


def init(name: str, level: int) -> None:
    pass


def main() -> None:
    with InterpreterPoolExecutor(max_workers=2) as pool:
        assert_type(pool, InterpreterPoolExecutor)
        assert_type(pool.submit(square, 3), Future[int])
        assert_type(pool.map(square, [1, 2, 3]), Iterator[int])
        assert_type(pool.map(square, [1, 2], timeout=0.5, chunksize=2), Iterator[int])
        pool.submit(square, "3")  # type: ignore[arg-type]
        pool.submit(square)  # type: ignore[call-arg]

    threads: ThreadPoolExecutor = InterpreterPoolExecutor()
    threads.shutdown()
    InterpreterPoolExecutor(2, "worker", init, ("a", 1)).shutdown()
    InterpreterPoolExecutor(initializer=init, initargs=("a", 1)).shutdown()
    InterpreterPoolExecutor(initializer=init, initargs=(1, "a"))  # type: ignore[arg-type]

    broken: BrokenThreadPool = BrokenInterpreterPool()
    assert_type(InterpreterPoolExecutor.BROKEN, type[BrokenInterpreterPool])
    del broken
