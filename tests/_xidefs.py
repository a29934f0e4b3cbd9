"""Callables and classes that tests send to other interpreters.

This module is deliberately light (stdlib plus the package only): anything here that is not a
stateless function is sent by pickle, *by reference*, so the receiving interpreter imports
this module.  Tests make that possible with :func:`make_importable`.
"""

import os

import interpreters_pep734 as interpreters

HERE = os.path.dirname(os.path.abspath(__file__))


def make_importable(interp):
    """Put this directory on *interp*'s ``sys.path`` without binding names in its ``__main__``.

    A subinterpreter's ``sys.path`` comes from the startup configuration, so the entry pytest
    inserts at run time is not there.
    """
    interp.exec(f"__import__('sys').path.insert(0, {HERE!r})")
    return interp


# -- stateless functions: no globals, no defaults, no closure ---------------------------------


def noop():
    pass


def ident(value):
    return value


def returns_shareable():
    return (1, None)


def returns_pickleable():
    return [1, 2, 3]


def returns_stateless_func():
    return lambda x: x * 2


def returns_closure():
    captured = 42
    return lambda: captured


def returns_local_instance():
    class Local:
        pass

    return Local()


def closure_factory(value):
    def closure():
        return value

    return closure


def raises_value_error():
    raise ValueError("boom")


def exec_in(script, ns):
    result = exec(script, ns, ns)
    return result, ns, id(ns)


def set_global(name, value):
    globals()[name] = value


def get_global(name):
    return globals().get(name)


def full_signature(a, b, /, c, d, *args, e, f, **kwargs):
    return (a, b, c, d, args, e, f, kwargs)


def stateless_kwonly(*, key):
    return key


# -- stateful functions: sent by pickle, by reference -----------------------------------------


def module_name():
    return __name__


def current_id():
    return interpreters.get_current().id


def full_signature_with_defaults(a=-1, b=-2, /, c=-3, d=-4, *args, e=-5, f=-6, **kwargs):
    return (a, b, c, d, args, e, f, kwargs)


def complex_op(op, /, value=None, *args, exc=None, **kwargs):
    if exc is not None:
        raise exc
    if op == "ident":
        return value
    if op == "full-ident":
        return (value, args, kwargs)
    if op == "custom":
        return Spam(value)
    if op == "closure":
        return closure_factory(value)
    raise NotImplementedError(op)


def raises_custom(msg):
    raise CustomError(msg)


# -- classes ----------------------------------------------------------------------------------


class CustomError(Exception):
    pass


class Spam:
    @staticmethod
    def noop():
        return "static"

    @classmethod
    def from_values(cls, *values):
        return cls(values)

    def __init__(self, value):
        self.value = value

    def __call__(self, *args, **kwargs):
        return (self.value, args, kwargs)

    def __eq__(self, other):
        if not isinstance(other, Spam):
            return NotImplemented
        return self.value == other.value

    __hash__ = None

    def run(self, *args, **kwargs):
        return (self.value, args, kwargs)


class SubBytes(bytes):
    pass


class SubInt(int):
    pass


class SubStr(str):
    pass


class SubTuple(tuple):
    __slots__ = ()
