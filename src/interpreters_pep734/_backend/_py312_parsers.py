"""Set up, in the main interpreter, the keyword parsers of common extension modules.

CPython 3.12.0 to 3.12.3 (cpython gh-119213, fixed in 3.12.4): a C function of an
extension module that Argument Clinic wrapped builds its tuple of keyword names the first
time it is called with a keyword argument, in whichever interpreter makes that call, and
keeps it for the whole process.  Built in an isolated interpreter, the tuple lives in that
interpreter's own allocator; at exit the runtime frees it with the main one, and the
process aborts ("free(): invalid pointer", "double free or corruption").  Everyday code
does such calls: ``queue.SimpleQueue.get(block=...)`` (thread pools),
``_asyncio.Task(coro, loop=...)`` (every event loop), ``pickle.dumps(obj, protocol=...)``,
``hashlib.new(name, usedforsecurity=False)``, ``zlib.compressobj(level=...)``...

The tuple is built once per process: built here first, in the main interpreter, it lives
as long as the runtime.  :func:`prime` calls each such function of the common extension
modules with one unknown keyword, which builds the tuple and then fails with a
``TypeError`` before the function does anything.  Left out: modules built into the
executable (their tuples are static), modules that cannot load in an isolated interpreter
on 3.12 (``_datetime``, ``_zoneinfo``, ``pyexpat``, ``_elementtree``), and a few rare uses
(``_ssl``'s ``get_channel_binding(cb_type=...)`` and ``Certificate.public_bytes(format=...)``,
the CJK codecs' ``encode(..., errors=...)``).

Runs once, in the main interpreter, before its first ``create()``.  It imports those
modules there, asyncio (so ssl) included: ``_asyncio`` cannot load without it, and its
``Task`` parser is the one every event loop needs.
"""

from __future__ import annotations

import importlib
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

#: The keyword no parser knows: the call builds the parser's tuple, then fails.
_PROBE = {"_interpreters_pep734_probe": None}

#: Functions and classes (their constructors) whose parsers take keywords, per module.
_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "_asyncio": (
        "current_task",
        "_enter_task",
        "_leave_task",
        "_swap_current_task",
        "_register_task",
        "_register_eager_task",
        "_unregister_task",
        "_unregister_eager_task",
        "Future",
        "Task",
    ),
    "_bisect": ("bisect_right", "bisect_left", "insort_right", "insort_left"),
    "_blake2": ("blake2b", "blake2s"),
    "_bz2": (),
    "_csv": ("unregister_dialect", "get_dialect", "field_size_limit"),
    "_hashlib": (
        "new",
        "pbkdf2_hmac",
        "scrypt",
        "hmac_digest",
        "hmac_new",
        *(
            f"openssl_{name}"
            for name in (
                "md5",
                "sha1",
                "sha224",
                "sha256",
                "sha384",
                "sha512",
                "sha3_224",
                "sha3_256",
                "sha3_384",
                "sha3_512",
                "shake_128",
                "shake_256",
            )
        ),
    ),
    "_lzma": ("LZMADecompressor",),
    "_md5": ("md5",),
    "_opcode": ("stack_effect",),
    "_pickle": ("dump", "dumps", "load", "loads", "Pickler", "Unpickler"),
    "_queue": (),
    "_sha1": ("sha1",),
    "_sha2": ("sha224", "sha256", "sha384", "sha512"),
    "_sha3": ("sha3_224", "sha3_256", "sha3_384", "sha3_512", "shake_128", "shake_256"),
    "_socket": ("socket",),
    "_sqlite3": ("connect", "complete_statement", "Connection"),
    "_ssl": ("txt2obj",),
    "_struct": ("Struct", "unpack_from"),
    "binascii": ("b2a_uu", "a2b_qp", "b2a_qp", "a2b_base64", "b2a_base64", "b2a_hex", "hexlify"),
    "cmath": ("isclose",),
    "grp": ("getgrgid", "getgrnam"),
    "math": ("isclose", "prod", "nextafter"),
    "select": ("epoll",),
    "zlib": ("compress", "decompress", "compressobj", "decompressobj", "_ZlibDecompressor"),
}


def _methods(module: Any) -> Iterator[tuple[Any, tuple[str, ...]]]:
    """Objects (made without side effects) and their methods whose parsers take keywords."""
    name = module.__name__
    if name == "_asyncio":
        # Unstarted objects: the probe fails in argument parsing, before any use.
        yield module.Future.__new__(module.Future), ("cancel", "add_done_callback")
        yield module.Future.__new__(module.Future), ("get_stack", "print_stack")
        yield module.Task.__new__(module.Task), ("cancel", "get_stack", "print_stack")
    elif name == "_queue":
        yield module.SimpleQueue(), ("get", "put", "put_nowait")
    elif name == "_bz2":
        yield module.BZ2Decompressor(), ("decompress",)
    elif name == "_lzma":
        yield module.LZMADecompressor(), ("decompress",)
    elif name == "zlib":
        yield module.decompressobj(), ("decompress",)
        yield module._ZlibDecompressor(), ("decompress",)
    elif name == "_struct":
        yield module.Struct("b"), ("unpack_from",)
    elif name == "_hashlib":
        yield module.openssl_sha256(), ("update",)
        yield module.openssl_shake_128(), ("digest", "hexdigest")
        yield module.hmac_new(b"k", digestmod="sha256"), ("update",)
    elif name == "_sqlite3":
        connection = module.connect(":memory:")
        try:
            yield (
                connection,
                (
                    "cursor",
                    "backup",
                    "set_authorizer",
                    "set_progress_handler",
                    "set_trace_callback",
                    "serialize",
                    "deserialize",
                    "blobopen",
                    "create_aggregate",
                    "create_function",
                ),
            )
            yield connection.cursor(), ("fetchmany",)
        finally:
            connection.close()
    elif name == "_ssl":
        context = module._SSLContext(module.PROTOCOL_TLS_CLIENT)
        yield (
            context,
            (
                "_wrap_socket",
                "_wrap_bio",
                "load_cert_chain",
                "load_verify_locations",
                "get_ca_certs",
            ),
        )
    elif name == "select" and hasattr(module, "epoll"):
        epoll = module.epoll()
        try:
            yield epoll, ("register", "modify", "unregister", "poll")
        finally:
            epoll.close()


def _probe(function: Callable[..., object]) -> None:
    try:
        function(**_PROBE)
    except Exception:  # the expected TypeError, or anything else: the tuple is built
        pass


def prime() -> None:
    """Build, here in the main interpreter, the keyword tuples of the modules above."""
    for name, functions in _FUNCTIONS.items():
        if name in sys.builtin_module_names:
            continue  # built into the executable: its tuples are static, shared safely
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for attr in functions:
            function = getattr(module, attr, None)
            if callable(function):
                _probe(function)
        try:
            for obj, methods in _methods(module):
                for method in methods:
                    function = getattr(obj, method, None)
                    if callable(function):
                        _probe(function)
        except Exception:  # a module whose objects cannot be made here: skip its methods
            pass
