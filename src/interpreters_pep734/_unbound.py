"""What becomes of a queue item when the interpreter that put it is destroyed (3.12/3.13).

The same names and behaviour as CPython 3.14's ``concurrent.interpreters._crossinterp``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "UNBOUND",
    "UNBOUND_ERROR",
    "UNBOUND_REMOVE",
    "ItemInterpreterDestroyed",
    "UnboundItem",
    "classonly",
    "resolve_unbound",
    "serialize_unbound",
]


class ItemInterpreterDestroyed(Exception):
    """Raised when trying to get an item whose interpreter was destroyed."""


class classonly:
    """A non-data descriptor that makes a value only visible on the class.

    This is like the "classmethod" builtin, but does not show up on
    instances of the class.  It may be used as a decorator.
    """

    def __init__(self, value: Any) -> None:
        self.value = value
        self.getter: Any = classmethod(value).__get__
        self.name: str | None = None

    def __set_name__(self, cls: type, name: str) -> None:
        if self.name is not None:
            raise TypeError("already used")
        self.name = name

    def __get__(self, obj: object, cls: type) -> Any:
        if obj is not None:
            raise AttributeError(self.name)
        # called on the class
        return self.getter(None, cls)


class UnboundItem:
    """Represents a cross-interpreter item no longer bound to an interpreter.

    An item is unbound when the interpreter that added it to the
    cross-interpreter container is destroyed.
    """

    __slots__ = ()

    @classonly
    def singleton(cls: Any, kind: str, module: str, name: str = "UNBOUND") -> Any:
        doc = cls.__doc__
        if doc:
            doc = doc.replace("cross-interpreter container", kind).replace(
                "cross-interpreter", kind
            )
        subclass = type(
            f"Unbound{kind.capitalize()}Item",
            (cls,),
            {
                "_MODULE": module,
                "_NAME": name,
                "__doc__": doc,
            },
        )
        return object.__new__(subclass)

    _MODULE = __name__
    _NAME = "UNBOUND"

    def __new__(cls) -> UnboundItem:
        raise Exception(f"use {cls._MODULE}.{cls._NAME}")

    def __repr__(self) -> str:
        return f"{self._MODULE}.{self._NAME}"


UNBOUND = UnboundItem.singleton("queue", __name__)
UNBOUND_ERROR = object()
UNBOUND_REMOVE = object()

_UNBOUND_CONSTANT_TO_FLAG = {
    UNBOUND_REMOVE: 1,
    UNBOUND_ERROR: 2,
    UNBOUND: 3,
}
_UNBOUND_FLAG_TO_CONSTANT = {v: k for k, v in _UNBOUND_CONSTANT_TO_FLAG.items()}


def serialize_unbound(unbound: object) -> tuple[int]:
    op = unbound
    try:
        flag = _UNBOUND_CONSTANT_TO_FLAG[op]
    except KeyError:
        raise NotImplementedError(f"unsupported unbound replacement op {op!r}") from None
    return (flag,)


def resolve_unbound(flag: int, exctype_destroyed: type[BaseException]) -> object:
    try:
        op = _UNBOUND_FLAG_TO_CONSTANT[flag]
    except KeyError:
        raise NotImplementedError(f"unsupported unbound replacement op {flag!r}") from None
    if op is UNBOUND_REMOVE:
        # "remove" not possible here
        raise NotImplementedError
    elif op is UNBOUND_ERROR:
        raise exctype_destroyed("item's original interpreter destroyed")
    elif op is UNBOUND:
        return UNBOUND
    else:
        raise NotImplementedError(repr(op))
