"""Import glue for running CPython 3.14's own tests against this package (conformance env only).

``run.py`` copies this file into the conformance env's site-packages as
``_interpreters_pep734_conformance.py`` beside a ``.pth`` file that calls :func:`install`, so
it runs at startup in every Python process of that env (also ``python -I`` ones, which the
tests' ``assert_python_ok`` starts) and in every subinterpreter (each one runs ``site``).
It does three things:

* puts CPython 3.14's ``test`` package first on ``sys.path`` (the tests import
  ``test.support`` and their own package, also inside subinterpreters);
* on CPython 3.12/3.13 (no ``concurrent.interpreters`` in the stdlib) makes
  ``concurrent.interpreters`` and its submodules *be* ``interpreters_pep734`` and its
  submodules, ``concurrent.futures.interpreter`` be ``interpreters_pep734.futures``, and gives
  ``concurrent.futures`` 3.14's lazy ``InterpreterPoolExecutor`` attribute;
* on CPython 3.12 (no ``_interpreters``/``_interpqueues``) serves the harness's test-only
  shims of those two low-level modules, but never to this package's backend probe, so the
  package still picks its 3.12 backend.

Kept small and free of third-party imports: it runs in every interpreter the tests create.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from types import ModuleType
from typing import Any

_ALIASES = {
    "concurrent.interpreters": "interpreters_pep734",
    "concurrent.futures.interpreter": "interpreters_pep734.futures",
}
# Modules CPython 3.14's tests import that older CPythons lack (see shims/): served only
# where the running CPython has no module of that name.
_SHIMS = ("_interpreters", "_interpqueues", "annotationlib", "_colorize")
_LOW_LEVEL = ("_interpreters", "_interpqueues")


class _AliasLoader(importlib.abc.Loader):
    """Loads a module name as another, already importable, module (the same object)."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        pass


class _FuturesLoader(importlib.abc.Loader):
    """Runs the real ``concurrent.futures`` and then adds 3.14's InterpreterPoolExecutor."""

    def __init__(self, loader: Any, shimmed: bool) -> None:
        self.loader = loader
        self.shimmed = shimmed

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        module: ModuleType | None = self.loader.create_module(spec)
        return module

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        _add_interpreter_pool(module, self.shimmed)


def _add_interpreter_pool(futures: ModuleType, shimmed: bool) -> None:
    # 3.14 offers the name only where the low-level module imports (its test checks that).
    # A shim is not imported here: this may run while the package itself is importing.
    if shimmed:
        available = sys.modules.get("_interpreters", futures) is not None
    else:
        try:
            import _interpreters  # noqa: F401
        except ImportError:
            available = False
        else:
            available = True
    names = getattr(futures, "__all__", ())
    if available and "InterpreterPoolExecutor" not in names:
        setattr(futures, "__all__", [*names, "InterpreterPoolExecutor"])  # noqa: B010
    previous = futures.__getattr__

    def __getattr__(name: str) -> Any:
        if name == "InterpreterPoolExecutor" and available:
            from interpreters_pep734.futures import InterpreterPoolExecutor

            return InterpreterPoolExecutor
        return previous(name)

    futures.__getattr__ = __getattr__  # type: ignore[method-assign]


class _BeforeLoader(importlib.abc.Loader):
    """Runs *prepare* before the real loader executes the module."""

    def __init__(self, loader: Any, prepare: Any) -> None:
        self.loader = loader
        self.prepare = prepare

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        module: ModuleType | None = self.loader.create_module(spec)
        return module

    def exec_module(self, module: ModuleType) -> None:
        self.prepare()
        self.loader.exec_module(module)


def _asyncio_private_names() -> None:
    # CPython 3.14's test.test_asyncio.utils (the base class of the executor's asyncio tests)
    # uses names asyncio made private in 3.14; on 3.12/3.13 they are the public ones.
    import asyncio.events

    for old, new in (
        ("get_event_loop_policy", "_get_event_loop_policy"),
        ("set_event_loop_policy", "_set_event_loop_policy"),
    ):
        if not hasattr(asyncio.events, new):
            setattr(asyncio.events, new, getattr(asyncio.events, old))
    if sys.platform != "win32":
        import asyncio.unix_events as platform_events
    else:
        import asyncio.windows_events as platform_events  # type: ignore[no-redef, unused-ignore]
    if not hasattr(platform_events, "_DefaultEventLoopPolicy"):
        platform_events._DefaultEventLoopPolicy = platform_events.DefaultEventLoopPolicy  # type: ignore[attr-defined]


class _Finder:
    def __init__(self, shim_dir: str) -> None:
        self.shim_dir = shim_dir

    def find_spec(
        self, name: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name in _ALIASES or name.startswith("concurrent.interpreters."):
            alias = (
                _ALIASES.get(name) or "interpreters_pep734" + name[len("concurrent.interpreters") :]
            )
            is_package = alias == "interpreters_pep734"
            return importlib.util.spec_from_loader(name, _AliasLoader(alias), is_package=is_package)
        if name == "concurrent.futures":
            spec = self._find_elsewhere(name, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _FuturesLoader(spec.loader, bool(self.shim_dir))
            return spec
        if name == "test.test_asyncio.utils" and self.shim_dir:
            spec = self._find_elsewhere(name, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _BeforeLoader(spec.loader, _asyncio_private_names)
            return spec
        if name in _SHIMS and self.shim_dir:
            return self._find_elsewhere(name, path, target) or self._find_shim(name)
        return None

    def _find_elsewhere(
        self, name: str, path: Any, target: Any
    ) -> importlib.machinery.ModuleSpec | None:
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec: importlib.machinery.ModuleSpec | None = finder.find_spec(name, path, target)
            if spec is not None:
                return spec
        return None

    def _find_shim(self, name: str) -> importlib.machinery.ModuleSpec | None:
        if name in _LOW_LEVEL:
            backend = sys.modules.get("interpreters_pep734._backend")
            if backend is None:
                # Let the package choose its backend first, with the shims out of sight.
                importlib.import_module("interpreters_pep734")
            elif not hasattr(backend, "BACKEND"):
                return None  # the package is probing which low-level modules exist
        location = os.path.join(self.shim_dir, name + ".py")
        return importlib.util.spec_from_file_location(name, location)


def install(test_root: str, alias: bool, shim_dir: str) -> None:
    """Called from the ``.pth`` file that ``run.py`` writes."""
    if test_root not in sys.path:
        sys.path.insert(0, test_root)
    if alias and not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder(shim_dir))
    if shim_dir and not hasattr(sys, "_jit"):
        # CPython 3.14's test.support reads sys._jit.is_enabled() at import (3.14 added it);
        # older CPythons have no JIT to report.
        from types import SimpleNamespace

        def _off() -> bool:
            return False

        sys._jit = SimpleNamespace(  # type: ignore[attr-defined]
            is_available=_off, is_enabled=_off, is_active=_off
        )
