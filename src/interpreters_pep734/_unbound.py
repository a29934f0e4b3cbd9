"""What becomes of a queue item when the interpreter that put it is destroyed (3.12/3.13).

The same names and behaviour as CPython 3.14's ``concurrent.interpreters._crossinterp``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Final, Literal, NewType

    # As typeshed types the stdlib's markers: UNBOUND_ERROR and UNBOUND_REMOVE are plain
    # objects at run time, told apart by type checkers through these types alone.
    _UnboundErrorType = NewType("_UnboundErrorType", object)
    _UnboundRemoveType = NewType("_UnboundRemoveType", object)
    #: What ``unbounditems`` accepts: one of the three markers.
    type AnyUnbound = _UnboundErrorType | _UnboundRemoveType | UnboundItem
    #: The flag each marker travels as.
    type UnboundOp = Literal[1, 2, 3]

#: The module that shows these names, as 3.14's ``concurrent.interpreters._crossinterp``.
_PUBLIC_MODULE = "interpreters_pep734._crossinterp"

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
    """The item asked for was put by an interpreter that no longer exists."""


class classonly:
    """Decorator: like ``classmethod``, but reachable through the class alone.

    Looking the attribute up on an instance raises AttributeError, so the method
    never appears to exist there.  It can be bound to only one attribute name.
    """

    def __init__(self, value: Any) -> None:
        self.value = value
        self.getter: Any = classmethod(value).__get__
        self.name: str | None = None

    def __set_name__(self, cls: type, name: str) -> None:
        if self.name is None:
            self.name = name
        else:
            raise TypeError("already used")

    def __get__(self, obj: object, cls: type) -> Any:
        name = self.name
        if obj is not None:
            raise AttributeError(name)
        # Looked up on the class: hand back the function bound to that class.
        return self.getter(obj, cls)


class UnboundItem:
    """Stands in for an item of a cross-interpreter container whose interpreter is gone.

    Once the interpreter that added an item has been destroyed, the item has no owner
    left; this marker can be handed out in its place.
    """

    __slots__ = ()

    @classonly
    def singleton(cls: Any, kind: str, module: str, name: str = "UNBOUND") -> Any:
        doc = cls.__doc__
        if doc:
            # Tailor the generic wording to the kind of container (say, "queue").
            for generic in ("cross-interpreter container", "cross-interpreter"):
                doc = doc.replace(generic, kind)
        namespace = {"_MODULE": module, "_NAME": name, "__doc__": doc}
        marker_type = type(f"Unbound{kind.capitalize()}Item", (cls,), namespace)
        # __new__ refuses on purpose; the one instance is made behind its back.
        return object.__new__(marker_type)

    # Where the public marker lives, for repr() and the __new__ error.
    _MODULE = _PUBLIC_MODULE
    _NAME = "UNBOUND"

    def __new__(cls) -> UnboundItem:
        raise Exception(f"use {cls._MODULE}.{cls._NAME}")

    def __repr__(self) -> str:
        return f"{self._MODULE}.{self._NAME}"


# 3.14's generic marker is a plain UnboundItem; each container kind (queues) makes its own
# with UnboundItem.singleton() and maps it to this one.
UNBOUND: Final[UnboundItem] = object.__new__(UnboundItem)
UNBOUND_ERROR: Final[_UnboundErrorType] = object()  # type: ignore[assignment]
UNBOUND_REMOVE: Final[_UnboundRemoveType] = object()  # type: ignore[assignment]

# Each marker travels between interpreters as a small int.  3.14's names and values:
# CPython's own tests read them.
_UNBOUND_CONSTANT_TO_FLAG = {UNBOUND_REMOVE: 1, UNBOUND_ERROR: 2, UNBOUND: 3}
_UNBOUND_FLAG_TO_CONSTANT = {flag: marker for marker, flag in _UNBOUND_CONSTANT_TO_FLAG.items()}

for _cls in (ItemInterpreterDestroyed, classonly, UnboundItem):
    _cls.__module__ = _PUBLIC_MODULE
del _cls

_DESTROYED = "item's original interpreter destroyed"


def _look_up(table: dict[Any, Any], key: Any) -> Any:
    try:
        return table[key]
    except KeyError:
        raise NotImplementedError(f"unsupported unbound replacement op {key!r}") from None


def serialize_unbound(unbound: AnyUnbound) -> tuple[UnboundOp]:
    """Encode an ``unbounditems`` marker as a one-int tuple."""
    return (_look_up(_UNBOUND_CONSTANT_TO_FLAG, unbound),)


def resolve_unbound(flag: int, exctype_destroyed: Callable[[str], BaseException]) -> UnboundItem:
    """What get() gives for an unbound item with this flag: UNBOUND, or an error."""
    marker: object = _look_up(_UNBOUND_FLAG_TO_CONSTANT, flag)
    if marker is UNBOUND:
        return UNBOUND
    if marker is UNBOUND_ERROR:
        raise exctype_destroyed(_DESTROYED)
    if marker is UNBOUND_REMOVE:
        # Such items are dropped from the container; none can be handed out.
        raise NotImplementedError()
    raise NotImplementedError(repr(marker))
