"""Run by every interpreter this package creates on CPython 3.12, first thing.

Each piece routes around a CPython 3.12.1 problem in isolated interpreters; see
:func:`install`, which runs in no other (the main interpreter only reads names here).
"""

from __future__ import annotations

import functools
import importlib.machinery
import sys
import threading

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from typing import Any

#: Modules whose failed import in an isolated interpreter corrupts CPython 3.12.1's memory.
REFUSED = ("_testcapi", "_testsinglephase")


class RefuseSinglePhase:
    """3.12.1: a failed import of these single-phase test modules in an isolated
    interpreter corrupts memory that a later import elsewhere frees ("double free").  They
    cannot load here anyway: refuse them before CPython tries, with CPython's own message.
    """

    @staticmethod
    def find_spec(
        name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name in REFUSED:
            raise ImportError(
                f"module {name} does not support loading in subinterpreters", name=name
            )
        return None


def _real_spec(name: str, path: Sequence[str] | None) -> ModuleSpec | None:
    spec = importlib.machinery.PathFinder.find_spec(name, path)
    if spec is None or spec.loader is None:
        return None
    return spec


def _without_security_flag(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def call(*args: Any, usedforsecurity: bool = True, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return call


class HashlibWithoutSecurityFlag:
    """3.12.1: ``_hashlib.new(..., usedforsecurity=False)`` (hashlib calls it on import, so
    hmac, secrets, smtplib... do too) and OpenSSL's HMAC (``hmac.new``) in an isolated
    interpreter made the process abort later ("double free").  Here ``_hashlib`` ignores the
    flag, which only matters on FIPS systems, and refuses HMAC, so ``hmac`` computes it in
    Python over hashlib (same results, slower).
    """

    @staticmethod
    def find_spec(
        name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name != "_hashlib":
            return None
        spec = _real_spec(name, path)
        if spec is None:
            return None
        loader: Any = spec.loader
        real_exec = loader.exec_module

        def exec_module(module: Any) -> None:
            real_exec(module)
            for attr in dir(module):
                value = getattr(module, attr)
                if callable(value) and (attr == "new" or attr.startswith("openssl_")):
                    setattr(module, attr, _without_security_flag(value))

            def refuse(*args: object, **kwargs: object) -> Any:
                raise module.UnsupportedDigestmodError("OpenSSL HMAC is off here")

            for attr in ("hmac_new", "hmac_digest"):  # hmac then uses its own code
                if hasattr(module, attr):
                    setattr(module, attr, refuse)

        loader.exec_module = exec_module
        return spec


class ZoneinfoWithoutDatetimeCAPI:
    """3.12: ``_zoneinfo`` needs ``_datetime``'s C API, which an isolated interpreter cannot
    load (``datetime`` is the pure-Python one there).  Its import fails with an
    ``AttributeError`` (no ``datetime.datetime_CAPI``), so ``zoneinfo`` never falls back to
    its pure-Python implementation, as it does on an ``ImportError``; worse, the failed
    attempt clears the C API pointer that ``_zoneinfo`` keeps for the whole process, and the
    main interpreter's next ``ZoneInfo(...)`` segfaults.  So ``_zoneinfo`` is refused before
    it loads, with an ``ImportError``, wherever ``datetime`` has no C API.
    """

    @staticmethod
    def find_spec(
        name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name != "_zoneinfo":
            return None
        import datetime

        if not hasattr(datetime, "datetime_CAPI"):
            raise ImportError(
                "_zoneinfo needs the datetime C API (_datetime), which cannot load in an "
                "isolated interpreter on this CPython",
                name=name,
            )
        return None


def _forget_creating_thread() -> None:
    """3.12.1 deadlock: if ``threading`` is first imported in a subinterpreter by thread T,
    destroying that interpreter from any other thread waits forever on T's ``_tstate_lock``
    in ``threading._shutdown()``.  The lock belongs to the *creating* thread's state, which
    is not a thread of this interpreter; drop it from the shutdown set.
    """
    shutdown_locks: Any = getattr(threading, "_shutdown_locks", None)
    if shutdown_locks is None:
        return
    with threading._shutdown_locks_lock:  # type: ignore[attr-defined]
        shutdown_locks.discard(threading._main_thread._tstate_lock)  # type: ignore[attr-defined]


#: The shared state's descriptors (``_Shared.fds``), bound by the creator for install().
SHARED_NAME = "__interpreters_pep734_shared__"


def install(namespace: dict[str, Any]) -> None:
    """Put the import hooks first in ``sys.meta_path``, apply the threading fix, and take
    the process's shared state (its descriptors, from the creator) out of *namespace*."""
    sys.meta_path[:0] = [RefuseSinglePhase, HashlibWithoutSecurityFlag, ZoneinfoWithoutDatetimeCAPI]
    _forget_creating_thread()
    from . import _py312

    _py312.SHARED_FDS = tuple(int(fd) for fd in namespace.pop(SHARED_NAME).split())  # type: ignore[assignment]
