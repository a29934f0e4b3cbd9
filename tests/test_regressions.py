"""CPython 3.12/3.13 crashes and hangs this package keeps users away from.

Each dangerous pattern runs in a fresh process: a crash shows as a negative return code,
a hang as a timeout.  On 3.14+ the stdlib runs the same patterns.
"""

import pytest

from conftest import STDLIB, run_python


def test_destroy_after_threading_first_imported_by_another_thread():
    # 3.12.1 deadlocked here: threading._shutdown() waited on the importing thread's lock.
    proc = run_python(
        """
        import threading
        import interpreters_pep734 as interpreters
        interp = interpreters.create()
        t = threading.Thread(target=interp.exec, args=("import threading",))
        t.start(); t.join()
        interp.close()
        print("closed")
        """,
        timeout=30,
    )
    assert proc.stdout == "closed\n"


def test_exit_with_an_interpreter_running_a_thread():
    # 3.12.1 aborted ("thread still has a frame"); 3.13 hung.
    proc = run_python(
        """
        import interpreters_pep734 as interpreters
        interp = interpreters.create()
        interp.exec("import threading, time\\n"
                    "threading.Thread(target=time.sleep, args=(0.3,)).start()")
        print("exiting")
        """,
        timeout=30,
    )
    assert proc.returncode == 0
    assert proc.stdout == "exiting\n"


def test_failed_extension_import_in_a_subinterpreter_then_in_main():
    # 3.12.1: a failed single-phase import (_datetime, _decimal) in an isolated
    # interpreter before main imported it corrupted memory ("double free").
    proc = run_python(
        """
        import interpreters_pep734 as interpreters
        interp = interpreters.create()
        interp.exec("import datetime, decimal")
        import datetime, decimal
        print(datetime.date(2024, 1, 2).isoformat(), decimal.Decimal("1.5") * 2)
        """,
        timeout=30,
    )
    assert proc.stdout == "2024-01-02 3.0\n"


@pytest.mark.skipif(
    STDLIB, reason="CPython 3.14.10 itself segfaults when such an exception escapes exec()"
)
def test_exception_whose_str_raises():
    # 3.13.0 crashed while snapshotting this exception; here it is reported.
    proc = run_python(
        """
        import interpreters_pep734 as interpreters
        interp = interpreters.create()
        interp.exec("class Weird(Exception):\\n"
                    "    def __str__(self):\\n"
                    "        raise ValueError('no')\\n")
        try:
            interp.exec("raise Weird()")
        except interpreters.ExecutionFailed as exc:
            print(exc.excinfo.type.__name__, exc.excinfo.msg)
        """,
        timeout=30,
    )
    assert proc.stdout == "Weird <exception str() failed>\n"


@pytest.mark.parametrize("bad", ["'x'", "None", "2 ** 70", "-1"])
def test_bad_queue_ids_raise(bad):
    # 3.13.0's _interpqueues segfaulted on a non-int or huge queue id.
    proc = run_python(
        f"""
        import interpreters_pep734 as interpreters
        from interpreters_pep734 import _queues
        try:
            interpreters.Queue({bad})
        except (TypeError, ValueError, OverflowError, _queues.QueueNotFoundError) as exc:
            print(type(exc).__name__)
        """,
        timeout=30,
    )
    assert proc.stdout.strip() in {"TypeError", "ValueError", "OverflowError", "QueueNotFoundError"}


def test_concurrent_create_and_close_from_threads():
    # Early 3.12 releases crashed when interpreters were created from several threads.
    proc = run_python(
        """
        import threading
        import interpreters_pep734 as interpreters
        errors = []
        def work():
            try:
                for _ in range(5):
                    it = interpreters.create()
                    assert it.call(pow, 2, 5) == 32
                    it.close()
            except Exception as exc:
                errors.append(exc)
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(len(errors), len(interpreters.list_all()))
        """,
        timeout=90,
    )
    assert proc.stdout == "0 1\n"


@pytest.mark.parametrize(
    "module", ["asyncio", "ssl", "hashlib", "hmac", "secrets", "_testcapi", "_testsinglephase"]
)
def test_module_imported_in_a_subinterpreter_before_main(module):
    # 3.12.1: `ssl` (so asyncio) imported first in an isolated interpreter aborts the
    # process at destruction ("free(): invalid pointer"); a failed import of the
    # single-phase test modules there corrupts memory that main's import then frees.
    proc = run_python(
        f"""
        import interpreters_pep734 as interpreters
        interp = interpreters.create()
        try:
            interp.exec("import {module}")
        except interpreters.ExecutionFailed as exc:
            print("refused:", exc.excinfo.type.__name__)
        interp.exec("import json, re")
        try:
            import {module}
        except ImportError:
            pass
        interp.close()
        print("ok")
        """,
        timeout=60,
    )
    assert proc.stdout.splitlines()[-1] == "ok"
    assert proc.stdout.splitlines()[:-1] in (
        [],
        ["refused: ImportError"],
        ["refused: ModuleNotFoundError"],
    )


def test_hashing_and_hmac_in_a_subinterpreter_then_in_main():
    # 3.12.1: OpenSSL's HMAC in an isolated interpreter, then in main, double-frees.
    proc = run_python(
        """
        import hashlib, hmac
        import interpreters_pep734 as interpreters
        work = (
            "[hmac.new(b'k', b'm', 'sha256').hexdigest(), hmac.digest(b'k', b'm', 'sha1').hex(),"
            " hashlib.pbkdf2_hmac('sha256', b'p', b's', 10).hex(), hashlib.md5(b'x').hexdigest()]"
        )
        interp = interpreters.create()
        interp.exec("import hashlib, hmac")
        remote = interp.call(eval, work)
        interp.close()
        print(remote == eval(work))
        """,
        timeout=60,
    )
    assert proc.stdout == "True\n"


def test_interpreters_starting_at_once_in_several_threads():
    # 3.12.1 segfaulted once in a new interpreter's first imports while another one was
    # starting beside it (an executor starting two workers).  Rare: this pattern did not
    # bring it back on demand, but it is the one that must stay safe.
    proc = run_python(
        """
        import threading
        import interpreters_pep734 as interpreters
        from interpreters_pep734.futures import InterpreterPoolExecutor

        def start_and_use(results):
            interp = interpreters.create()
            results.append(interp.call(pow, 2, 10))
            interp.exec("import json, decimal, fractions")
            interp.close()

        results = []
        for _ in range(5):
            threads = [threading.Thread(target=start_and_use, args=(results,)) for _ in range(3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            with InterpreterPoolExecutor(3) as pool:
                results.extend(pool.map(pow, [2, 2, 2], [10, 10, 10]))
        print(results == [1024] * 30)
        """,
        timeout=120,
    )
    assert proc.stdout == "True\n"


EVERYDAY_PROGRAMS = {
    "thread_pool": "from concurrent.futures import ThreadPoolExecutor as T\n"
    "assert list(T(2).map(abs, range(-5, 5))) == [5, 4, 3, 2, 1, 0, 1, 2, 3, 4]",
    "asyncio_run": "import asyncio\nasyncio.run(asyncio.sleep(0))",
    "run_until_complete": "import asyncio\nloop = asyncio.new_event_loop()\n"
    "loop.run_until_complete(asyncio.sleep(0))\nloop.close()",
    "zoneinfo": "import datetime, zoneinfo\n"
    "assert datetime.datetime.now(zoneinfo.ZoneInfo('UTC')).utcoffset() == datetime.timedelta(0)",
}


@pytest.mark.parametrize("program", sorted(EVERYDAY_PROGRAMS))
def test_everyday_program_in_an_interpreter_then_exit(program):
    # 3.12.1 aborted at exit ("free(): invalid pointer") after a thread pool or an event
    # loop ran in an isolated interpreter; zoneinfo raised AttributeError there.
    for _ in range(3):  # the abort came at exit: one process per try
        proc = run_python(
            """
            import sys
            import interpreters_pep734 as interpreters
            interp = interpreters.create()
            interp.exec(sys.argv[1])
            interp.close()
            print("closed")
            """,
            EVERYDAY_PROGRAMS[program],
            timeout=60,
        )
        assert proc.stdout == "closed\n"


def test_asyncio_run_through_call_then_exit():
    # 3.12.1: "double free or corruption" at exit.
    for _ in range(3):
        proc = run_python(
            """
            import interpreters_pep734 as interpreters

            def work():
                import asyncio

                async def main():
                    await asyncio.sleep(0)
                    return 7

                return asyncio.run(main())

            interp = interpreters.create()
            print(interp.call(work))
            interp.close()
            """,
            timeout=60,
        )
        assert proc.stdout == "7\n"


@pytest.mark.parametrize(
    "call",
    [
        "import queue; q = queue.SimpleQueue(); q.put(1, block=True); q.get(block=True)",
        "import pickle; pickle.loads(pickle.dumps([1], protocol=2), fix_imports=False)",
        "import zlib; zlib.decompressobj(wbits=15).decompress(zlib.compress(b'x', level=1))",
        "import struct; struct.unpack_from('b', b'x', offset=0)",
        "import bisect; bisect.bisect_left([1, 2], 2, key=None)",
        "import math; math.isclose(1.0, 1.0, rel_tol=0.1)",
        "import socket; socket.socket(family=socket.AF_INET).close()",
    ],
)
def test_keyword_call_first_made_in_an_interpreter(call):
    # 3.12.0-3.12.3 (cpython gh-119213): the first keyword call of an extension module's
    # function builds its keyword-name tuple in the calling interpreter's memory; made in
    # an isolated interpreter first, the process aborted at exit.
    for _ in range(2):
        proc = run_python(
            """
            import sys
            import interpreters_pep734 as interpreters
            interp = interpreters.create()
            interp.exec(sys.argv[1])
            interp.close()
            exec(sys.argv[1])
            print("ok")
            """,
            call,
            timeout=60,
        )
        assert proc.stdout == "ok\n"


@pytest.mark.parametrize("main_first", [False, True])
def test_zoneinfo_in_an_interpreter_then_in_main(main_first):
    # 3.12.1: the failed load of _zoneinfo in an isolated interpreter cleared the datetime
    # C API pointer the C module keeps for the process: main's next ZoneInfo() segfaulted.
    proc = run_python(
        """
        import sys
        if sys.argv[1] == "True":
            import zoneinfo
        import interpreters_pep734 as interpreters
        interp = interpreters.create()
        interp.exec("import zoneinfo; zoneinfo.ZoneInfo('Europe/Paris')")
        interp.close()
        import datetime, zoneinfo
        print(datetime.datetime(2024, 1, 1, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")).tzname())
        """,
        str(main_first),
        timeout=60,
    )
    assert proc.stdout == "CET\n"


def test_executor_workers_starting_and_closing_at_once_in_development_mode():
    # 3.12.1 under Python's debug memory hooks (-X dev, PYTHONMALLOC=debug): one worker's
    # interpreter closed while the other's was still starting corrupted memory; the
    # process aborted ("munmap_chunk(): invalid pointer") in nearly every run of 30 pools.
    proc = run_python(
        """
        from interpreters_pep734.futures import InterpreterPoolExecutor

        expected = [pow(n, n) for n in range(10)]
        for _ in range(25):
            with InterpreterPoolExecutor(2) as pool:
                assert list(pool.map(pow, range(10), range(10))) == expected
                assert list(pool.map(pow, range(10), range(10), chunksize=3)) == expected
        print("done")
        """,
        options=["-X", "dev"],
        timeout=180,
    )
    assert proc.stdout == "done\n"


@pytest.mark.parametrize("run", range(8))
def test_first_interpreters_created_by_several_threads_at_once(run):
    # The first create() prepares this interpreter (3.12 imports ssl here, 3.13 datetime,
    # before any subinterpreter may).  A second thread creating meanwhile started its
    # interpreter beside that import, and so could import ssl/datetime in it first: 3.12.1
    # segfaulted in the main interpreter's import (an executor whose workers start
    # together).  Each run is a fresh process: only the first create prepares.
    proc = run_python(
        """
        import threading
        import interpreters_pep734 as interpreters

        barrier = threading.Barrier(4)
        made = []

        def work():
            barrier.wait()
            interp = interpreters.create()
            interp.exec("import datetime, ssl")
            made.append(interp.call(pow, 2, 10))
            interp.close()

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        import datetime, ssl
        print(made, datetime.date(2026, 1, 1).year)
        """,
        timeout=120,
    )
    assert proc.stdout == "[1024, 1024, 1024, 1024] 2026\n"
