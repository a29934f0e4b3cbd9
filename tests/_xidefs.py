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


def dispatch(action, /, subject=None, *rest, fail_with=None, **options):
    """Every kind of parameter in one function that goes by pickle (it has defaults).

    *action* names what to build from the other arguments; *fail_with*, when given, is raised
    before *action* is even looked up.
    """
    if fail_with is not None:
        raise fail_with
    builders = {
        "echo": lambda: subject,
        "pack": lambda: {"subject": subject, "rest": list(rest), "options": options},
        "tally": lambda: Tally(subject, *rest),
        "wrap": lambda: closure_factory(subject),
    }
    if action not in builders:
        raise LookupError(f"no action called {action!r}")
    return builders[action]()


def raises_custom(msg):
    raise CustomError(msg)


# -- classes ----------------------------------------------------------------------------------


class CustomError(Exception):
    pass


class Tally:
    """Marks counted under a label.

    The class, its static and class methods, its instances (callable) and their bound methods
    are all callables a test can send; each goes by pickle, by reference to this module.
    """

    def __init__(self, label, *marks):
        self.label = label
        self.marks = marks

    def __repr__(self):
        return f"Tally({self.label!r}, marks={self.marks!r})"

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return (self.label, self.marks) == (other.label, other.marks)

    __hash__ = None  # equal by value, and marks may hold lists

    @staticmethod
    def kind():
        return "tally"

    @classmethod
    def unlabelled(cls, *marks):
        return cls(None, *marks)

    def __call__(self, *positional, **named):
        """What the instance was called with, keyed by where it came from."""
        return {"label": self.label, "args": positional, "kwargs": named}

    def with_marks(self, *more, **notes):
        """The label, the marks this tally would have after *more*, and the notes, as a list."""
        return [self.label, self.marks + more, notes]


class SubBytes(bytes):
    pass


class SubInt(int):
    pass


class SubStr(str):
    pass


class SubTuple(tuple):
    __slots__ = ()
