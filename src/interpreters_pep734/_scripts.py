"""What ``Interpreter.exec()`` accepts as a script, and which functions are stateless.

Both checks follow CPython 3.14 (its ``_PyCode_VerifyStateless`` and the script checks of
``_interpreters.exec()``).  A stateless function (no closure, no defaults, only builtins as
globals) can cross to another interpreter as its code alone, which ``_pickling`` relies on.

This module is imported in every interpreter.
"""

from __future__ import annotations

import functools
import types


@functools.lru_cache(maxsize=512)
def _global_names(code: types.CodeType) -> frozenset[str]:
    import dis

    return frozenset(
        str(ins.argval) for ins in dis.get_instructions(code) if ins.opname == "LOAD_GLOBAL"
    )


def stateless_error(func: object) -> str | None:
    """Why *func* is not a stateless function by 3.14's rule, or None if it is."""
    if type(func) is not types.FunctionType:
        return f"expected a function, got {func!r}"
    if func.__closure__ or func.__code__.co_freevars:
        return "closures not supported"
    if func.__defaults__:
        return "defaults not supported"
    if func.__kwdefaults__:
        return "keyword defaults not supported"
    globals_ns, builtins_ns = func.__globals__, getattr(func, "__builtins__", {})
    for name in _global_names(func.__code__):
        if name in globals_ns or name not in builtins_ns:
            return "globals not supported"
    return None


def _returns_only_none(code: types.CodeType) -> bool:
    if code.co_flags & (
        0x20 | 0x80 | 0x100 | 0x200  # generator, coroutine, iterable coroutine, async gen
    ):
        return False
    import dis

    previous = None
    for ins in dis.get_instructions(code):
        if ins.opname == "RETURN_CONST" and ins.argval is not None:
            return False
        if ins.opname == "RETURN_VALUE" and not (
            previous is not None and previous.opname == "LOAD_CONST" and previous.argval is None
        ):
            return False
        previous = ins
    return True


def script_code(script: object) -> types.CodeType:
    """The code object ``Interpreter.exec()`` runs for *script*, checked as 3.14 checks it.

    Text is compiled here, in the calling interpreter, so a SyntaxError is raised to the
    caller directly.
    """
    if isinstance(script, memoryview):
        script = script.tobytes()  # bytes-like source, as 3.14 accepts
    if isinstance(script, (str, bytes, bytearray)):
        return compile(script, "<script>", "exec", dont_inherit=True)
    if type(script) is types.FunctionType:
        if script.__closure__:
            raise ValueError("closures not supported")
        code = script.__code__
    elif type(script) is types.CodeType:
        code = script
    else:
        raise TypeError(f"unsupported script {script!r}")
    if code.co_freevars:
        raise ValueError("closures not supported")
    if (
        code.co_argcount
        or code.co_posonlyargcount
        or code.co_kwonlyargcount
        or code.co_flags & (0x04 | 0x08)  # *args, **kwargs
    ):
        raise ValueError("code with args not supported")
    if not _returns_only_none(code):
        raise ValueError("code that returns a value is not a script")
    return code
